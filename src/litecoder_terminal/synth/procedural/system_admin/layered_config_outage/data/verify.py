"""Start the service through its control script on a clean process table, probe it, and check the effective
layered configuration and the incident report. The control script is the agent's code: it runs through lct_verify.run_as_agent as
the service's own unprivileged user, with a `runuser` stand-in on PATH that records the account it was asked to
switch to. The program itself comes from the pristine image (it is not an artifact)."""

import json
import os
import pwd
import stat
import time
import urllib.request

import lct_verify

E = lct_verify.expected()
SVC = E["svc"]
SHIM = "/tmp/lct-runuser-shim"
_HEALTH = {}


def _read_report():
    try:
        if os.path.islink(E["report"]):
            return None
        with open(E["report"]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


REPORT = _read_report()  # read before any of the agent's code runs

# Stands in for runuser(1): the control script already runs as the service user. It stays the parent of the
# command, so its own command line (-u USER) shows whom the control script asked to run the service as.
RUNUSER = """#!/bin/sh
user=""
while [ $# -gt 0 ]; do
  case "$1" in
    -u) user="$2"; shift 2 ;;
    --user=*) user="${1#--user=}"; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ -n "$user" ] || { echo "runuser: only the '-u USER -- COMMAND' form is supported here" >&2; exit 1; }
"$@"
exit $?
"""


def _runuser_target(argv):
    """The -u USER a command line of the shim names ("" when it is not the shim)."""
    shim = f"{SHIM}/runuser".encode()
    if shim not in argv:
        return ""
    args = argv[argv.index(shim) + 1:]
    for i, a in enumerate(args):
        if a == b"-u" and i + 1 < len(args):
            return args[i + 1].decode()
        if a.startswith(b"--user="):
            return a[len(b"--user="):].decode()
        if a == b"--":
            break
    return ""


def _prepare():
    """What root does before the control script drops privileges: the shim, /run/<svc>, a log it can append to."""
    pw = pwd.getpwnam(SVC)
    os.makedirs(SHIM, exist_ok=True)
    os.chmod(SHIM, 0o755)
    with open(os.path.join(SHIM, "runuser"), "w") as f:
        f.write(RUNUSER)
    os.chmod(os.path.join(SHIM, "runuser"), 0o755)
    for d in (f"/run/{SVC}", f"/var/log/{SVC}"):
        os.makedirs(d, exist_ok=True)
        for entry in [d] + [os.path.join(d, n) for n in os.listdir(d)]:
            os.lchown(entry, pw.pw_uid, pw.pw_gid)
    pidfile = f"/run/{SVC}/{SVC}.pid"
    if os.path.lexists(pidfile):
        os.remove(pidfile)  # stale after the agent phase, as after a reboot


def health():
    if "h" in _HEALTH:
        return _HEALTH["h"]
    _prepare()
    env = {"PATH": f"{SHIM}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/"}
    lct_verify.run_as_agent([f"/usr/local/bin/{SVC}ctl", "start"], user=SVC, env=env, timeout=60, cwd="/")
    body, deadline = None, time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{E['port']}/health", timeout=2) as r:
                body = json.loads(r.read())
                break
        except (OSError, ValueError):
            time.sleep(0.3)
    _HEALTH["h"] = body
    return body


def server_processes():
    """(uid, account the control script asked runuser for) of every running server.py."""
    procs = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            if b"python" in os.path.basename(cmd[0]) and any(c.endswith(f"/opt/{SVC}/server.py".encode()) for c in cmd):
                with open(f"/proc/{pid}/status") as f:
                    status = {l.split(":", 1)[0]: l.split(":", 1)[1].split() for l in f if ":" in l}
                with open(f"/proc/{status['PPid'][0]}/cmdline", "rb") as f:
                    parent = f.read().split(b"\0")
                procs.append((int(status["Uid"][0]), _runuser_target(parent)))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return procs


def test_service_starts_via_ctl_and_serves():
    h = health()
    assert h is not None, f"{SVC}ctl start did not bring the service up on 127.0.0.1:{E['port']}"
    assert h.get("status") == "ok" and h.get("version") == E["version"]
    assert h["records"] == E["records"], f"service loaded {h['records']} records, expected {E['records']}"


def test_service_runs_as_its_own_user():
    assert health() is not None, "service is not up"
    procs = server_processes()
    assert procs, "no server.py process found"
    assert {uid for uid, _ in procs} == {pwd.getpwnam(SVC).pw_uid}, f"server runs with uids {procs}"
    assert {who for _, who in procs} == {SVC}, f"{SVC}ctl does not start the server through runuser -u {SVC}"
    assert health()["user"] == SVC


def _read_conf(path, conf):
    assert os.path.isfile(path) and not os.path.islink(path), f"{path} is missing or a symlink"
    with open(path) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if "=" in line:
                key, value = (x.strip() for x in line.split("=", 1))
                conf[key] = value


def test_effective_configuration_kept():
    """The merged configuration (main file, then conf.d/*.conf in name order) has every valid value as it was
    and the faulty ones restored; disabled fragments stay out of it."""
    conf = {}
    _read_conf(f"/etc/{SVC}/{SVC}.conf", conf)
    include = conf.get("include", "")
    assert include == E["effective"]["include"], f"include = {include!r}"
    for name in sorted(os.listdir(include)):
        if name.endswith(".conf"):
            _read_conf(os.path.join(include, name), conf)
    for key, value in E["effective"].items():
        assert conf.get(key) == value, f"effective {key} = {conf.get(key)!r}, want {value!r}"
    assert set(conf) == set(E["effective"]), f"unexpected keys: {sorted(set(conf) - set(E['effective']))}"


def test_config_files_not_writable_by_others():
    root = f"/etc/{SVC}"
    for dirpath, _, names in os.walk(root):
        for name in names + [""]:
            path = os.path.join(dirpath, name) if name else dirpath
            mode = os.lstat(path).st_mode
            assert not mode & (stat.S_IWGRP | stat.S_IWOTH), f"{path} is writable by group or others"


def report():
    assert isinstance(REPORT, dict), f"{E['report']} is missing or not a JSON object"
    return REPORT


def test_report_error_codes():
    assert lct_verify.same(report().get("error_codes"), E["codes"]), report().get("error_codes")


def test_report_fragments():
    assert lct_verify.same(report().get("fragments"), E["fragments"]), report().get("fragments")


def test_report_records():
    assert lct_verify.same(report().get("records"), E["records"]), report().get("records")
