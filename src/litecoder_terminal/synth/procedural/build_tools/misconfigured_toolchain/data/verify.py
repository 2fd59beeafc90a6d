"""Run the project's documented check the way its README says: `make test` in a login shell (so /etc/profile and
/etc/profile.d are read) as an unprivileged user, on a fresh copy of the project, with the host's tool setup as the
agent left it (its wrapper dir and login fragments are artifacts). Then run the binary that build made
on hidden input, and check that the project and the host's legitimate settings were left alone."""

import os
import shutil

import lct_verify

E = lct_verify.expected()
WORK = "/tmp/lct-mt-build"
_RUN = {}


def build():
    """`make test` once, in a login shell as the unprivileged user, on a clean copy of the project."""
    if "r" not in _RUN:
        shutil.rmtree(WORK, ignore_errors=True)
        shutil.copytree(E["proj"], WORK, symlinks=True)
        shutil.rmtree(os.path.join(WORK, "build"), ignore_errors=True)
        lct_verify.give_to_agent(WORK)
        _RUN["r"] = lct_verify.run_as_agent(["bash", "-lc", "make test"], cwd=WORK, timeout=120)
    return _RUN["r"]


def test_project_untouched():
    changed = lct_verify.untouched(E["untouched"])
    assert changed == [], f"the project's files were modified or removed: {changed}"


def test_documented_check_passes():
    r = build()
    assert r.returncode == 0, f"make test failed (exit {r.returncode}):\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}"
    assert f"{E['cases']} passed, 0 failed" in r.stdout, r.stdout[-1500:]


def test_built_tool_on_hidden_input():
    assert build().returncode == 0, "make test failed"
    binary = os.path.join(WORK, "build", E["tool"])
    assert os.path.isfile(binary) and not os.path.islink(binary), f"{binary} was not built"
    r = lct_verify.run_as_agent([binary], input=E["hidden_input"], timeout=30, cwd=WORK)
    assert r.returncode == 0 and r.stdout == E["hidden_output"], (r.returncode, r.stdout, E["hidden_output"])


def test_site_files_kept():
    changed = lct_verify.untouched(E["site"])
    assert changed == [], f"legitimate site files were modified or removed: {changed}"


def test_other_login_settings_kept():
    r = lct_verify.run_as_agent(
        ["bash", "-lc", 'printf "%s|%s|%s\\n" "${SITE_REGION-}" "${TOOLCHAIN_TAG-}" "$(site-info 2>&1)"'],
        cwd="/", timeout=30)
    got = r.stdout.strip().split("|")
    want = [E["site_region"], E["toolchain_tag"], E["site_info"]]
    assert lct_verify.same(got, want), f"login settings {got}, want {want}"
