"""Rebuild the project from a clean copy with the agent's Makefile and check artifacts, outputs and incrementality."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import lct_verify

E = lct_verify.expected()
ROOT = Path(E["root"])
TOOL, LIB, LIB_SRCS, SRCS, HEADER_DEPS = E["tool"], E["lib"], E["lib_srcs"], E["srcs"], E["header_deps"]
T0 = 1_000_000_000


def make(cwd, *args):
    """The agent's Makefile runs unprivileged, in a copy the agent's code owns."""
    return lct_verify.run_as_agent(["make", *args], cwd=str(cwd), timeout=180)


@pytest.fixture(scope="module")
def built():
    work = Path(tempfile.mkdtemp(prefix="lct-proj-")) / "p"
    shutil.copytree(ROOT, work, symlinks=True)
    lct_verify.give_to_agent(str(work.parent))
    clean = make(work, "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    leftovers = [p for p in work.rglob("*") if p.is_file() and (p.suffix in (".o", ".a", ".d") or p.name == TOOL)]
    assert not leftovers, f"make clean left {leftovers}"
    res = make(work)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return work


def age(work):
    """Sources at T0, build products at T0+100: a consistent, finished build in the past."""
    build = work / "build"
    for p in sorted(work.rglob("*")):
        t = T0 + 100 if build in p.parents else T0
        os.utime(p, (t, t), follow_symlinks=False)
    os.utime(build, (T0 + 100, T0 + 100))


def fresh(work):
    return {p.stem for p in (work / "build").glob("*.o") if p.stat().st_mtime > T0 + 150}


def header_closure(work):
    """header -> set of source stems whose translation unit includes it (directly or transitively)."""
    inc = {}
    for p in list((work / "include").glob("*.h")) + list((work / "src").glob("*.c")):
        inc[p.name] = set(re.findall(r'#include "([^"]+)"', p.read_text()))
    out = {}
    for h in sorted(x for x in inc if x.endswith(".h")):
        users = set()
        for src in sorted(x for x in inc if x.endswith(".c")):
            seen, todo = set(), list(inc[src])
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo.extend(inc.get(x, ()))
            if h in seen:
                users.add(src[:-2])
        out[h] = users
    return out


def run_tool(binary, text):
    d = Path(tempfile.mkdtemp(prefix="lct-input-"))
    os.chmod(d, 0o755)
    f = d / "input.txt"
    f.write_text(text)
    os.chmod(f, 0o644)
    return lct_verify.run_as_agent([str(binary), str(f)], cwd=str(d), timeout=30)


def test_sources_and_data_untouched():
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"
    present = sorted(p.name for p in (ROOT / "src").glob("*.c"))
    assert present == sorted(s + ".c" for s in SRCS), present


def test_agent_build_left_in_place(built):
    """build/<tool> is there, works, and is what `make` builds from the final Makefile (not a hand-made binary)."""
    binary = ROOT / "build" / TOOL
    assert binary.is_file() and not binary.is_symlink(), f"{binary} missing"
    res = lct_verify.run_as_agent([str(binary), str(ROOT / "data" / "sample.txt")], cwd=str(ROOT), timeout=30)
    assert res.returncode == 0 and res.stdout == E["sample_expected"]
    assert binary.read_bytes() == (built / "build" / TOOL).read_bytes(), \
        f"{binary} differs from what make builds from the Makefile"


def test_compiler_flags_kept(built):
    res = make(built, "-n", "-B")
    assert res.returncode == 0, res.stderr
    compiles = [line for line in res.stdout.splitlines() if " -c " in f" {line} "]
    assert len(compiles) >= len(SRCS), f"make -n -B shows {len(compiles)} compile commands"
    for line in compiles:
        words = line.split()
        for flag in E["cflags"].split():
            assert flag in words, f"{flag} missing from: {line}"


def test_clean_build_products(built):
    for s in SRCS:
        assert (built / "build" / f"{s}.o").is_file(), f"build/{s}.o not produced"
    assert (built / "build" / TOOL).is_file()
    if LIB:
        archive = built / "build" / f"lib{LIB}.a"
        assert archive.is_file(), "static library not built"
        members = subprocess.run(["ar", "t", str(archive)], capture_output=True, text=True).stdout.split()
        assert sorted(members) == sorted(s + ".o" for s in LIB_SRCS), members


def test_hidden_inputs(built):
    for case in E["hidden"]:
        res = run_tool(built / "build" / TOOL, case["input"])
        assert res.returncode == 0, res.stderr
        assert res.stdout == case["expected"], case["input"][:200]


def test_second_make_is_noop(built):
    age(built)
    res = make(built)
    assert res.returncode == 0, res.stderr
    changed = [str(p) for p in (built / "build").rglob("*") if p.is_file() and p.stat().st_mtime > T0 + 150]
    assert not changed, f"an up-to-date tree was rebuilt: {changed}"


def test_incremental_rebuilds(built):
    if not HEADER_DEPS:
        # easy level: a changed source file must still be recompiled and relinked
        age(built)
        src = built / "src" / f"{SRCS[-1]}.c"
        os.utime(src, (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {SRCS[-1]}
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150
        return
    for header, users in sorted(header_closure(built).items()):
        age(built)
        os.utime(built / "include" / header, (T0 + 200, T0 + 200))
        res = make(built)
        assert res.returncode == 0, res.stderr
        assert fresh(built) == users, f"touching include/{header}: rebuilt {sorted(fresh(built))}, want {sorted(users)}"
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150, f"not relinked after include/{header} changed"
    for stem in SRCS:
        age(built)
        os.utime(built / "src" / f"{stem}.c", (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {stem}, f"touching src/{stem}.c rebuilt {sorted(fresh(built))}"
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150
