"""Check the export the agent left (against the snapshot the service on its host holds), then run the agent's
exporter, unprivileged, against a fresh instance of the same service program serving data that exists only here
(tests/expected.json): the records can only come from paging through the API."""

import csv
import io
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from decimal import Decimal

import lct_verify
import pytest

EXP = lct_verify.expected()
OUTDIR = "@@outdir@@"
EXPORTER = OUTDIR + "/export.sh"
EXPORT = OUTDIR + "/@@export_name@@"
SUMMARY = OUTDIR + "/@@summary_name@@"
SERVER = "/opt/@@svc@@/server.py"
PORT = EXP["port"]
KEYS = ["sku", "name", "warehouse", "qty", "unit_price", "discontinued"]


def read_output(path):
    """The bytes of an output file, or None when it is missing, a symlink or not a regular file."""
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return f.read()


# What the agent left, read before its exporter runs again (the run below rewrites both files).
LEFT = {"export": read_output(EXPORT), "summary": read_output(SUMMARY)}


def ordered(records, by_warehouse):
    key = (lambda r: (r["warehouse"], r["sku"])) if by_warehouse else (lambda r: (r["sku"], r["warehouse"]))
    return sorted(records, key=key)


def summary_rows(records):
    agg = {}
    for r in records:
        if r["discontinued"]:
            continue
        a = agg.setdefault(r["warehouse"], [0, 0, Decimal(0)])
        a[0] += 1
        a[1] += r["qty"]
        a[2] += Decimal(str(r["unit_price"])) * r["qty"]
    rows = [["warehouse", "skus", "units", "value"]]
    return rows + [[wh, str(n), str(u), "%.2f" % v]
                   for wh, (n, u, v) in sorted(agg.items(), key=lambda kv: (-kv[1][2], kv[0]))]


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def export_problems(raw, records):
    """Why an export (bytes) is not exactly these records in the promised order ([] when it is)."""
    if raw is None:
        return ["missing, or not a regular file"]
    try:
        data = json.loads(raw)
    except ValueError as e:
        return ["not JSON: %s" % e]
    if not isinstance(data, list):
        return ["not a JSON array"]
    want = ordered(records, EXP["by_warehouse"])
    if len(data) != len(want):
        return ["%d records, expected %d" % (len(data), len(want))]
    problems = []
    for i, (got, exp) in enumerate(zip(data, want)):
        if not isinstance(got, dict) or sorted(got) != sorted(KEYS):
            problems.append("record %d: keys %s" % (i, sorted(got) if isinstance(got, dict) else type(got).__name__))
            continue
        for k in KEYS:
            g, e = got[k], exp[k]
            ok = number(g) and g == e if number(e) else lct_verify.same(g, e)  # 33 and 33.0 are one JSON number
            if not ok:
                problems.append("record %d (%s %s): %s is %r, expected %r" % (i, exp["warehouse"], exp["sku"], k, g, e))
    return problems


def summary_problems(raw, records):
    if raw is None:
        return ["missing, or not a regular file"]
    try:
        rows = [r for r in csv.reader(io.StringIO(raw.decode("utf-8"))) if r]
    except (UnicodeDecodeError, csv.Error) as e:
        return ["unreadable: %s" % e]
    want = summary_rows(records)
    return [] if rows == want else ["rows %s, expected %s" % (rows[:4], want[:4])]


def test_export_left_matches_the_service():
    problems = export_problems(LEFT["export"], EXP["snapshot_records"])
    assert not problems, "%s: %s" % (EXPORT, problems[:5])


def test_summary_left_matches_the_service():
    problems = summary_problems(LEFT["summary"], EXP["snapshot_records"])
    assert not problems, "%s: %s" % (SUMMARY, problems[:5])


def port_open():
    try:
        socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
        return True
    except OSError:
        return False


def stop_running_services():
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if SERVER.encode() in args:
            try:
                os.kill(int(pid), 9)
            except OSError:
                pass
    for _ in range(100):
        if not port_open():
            return
        time.sleep(0.1)
    raise RuntimeError("port %d still taken after stopping the snapshot service" % PORT)


@pytest.fixture(scope="module")
def fresh_run():
    """The exporter's run against a fresh instance holding data the agent never saw."""
    assert os.path.isfile(EXPORTER) and not os.path.islink(EXPORTER), "%s is missing" % EXPORTER
    stop_running_services()
    secret_dir = tempfile.mkdtemp()  # 0700, root's: neither the agent's code nor its user can read it
    data_file = os.path.join(secret_dir, "data.json")
    with open(data_file, "w") as f:
        json.dump(EXP["fresh_service_data"], f)
    os.makedirs("/var/log/@@svc@@", exist_ok=True)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "@@env@@": data_file}
    server = subprocess.Popen(["python3", SERVER], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(100):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d/health" % PORT, timeout=1):
                break
        except OSError:
            assert server.poll() is None, "the service program did not start"
            time.sleep(0.1)
    # the exporter rewrites its outputs: start from none, so stale files from the snapshot run cannot pass
    for path in (EXPORT, SUMMARY):
        if os.path.lexists(path):
            os.unlink(path)
    lct_verify.give_to_agent(OUTDIR)
    res = lct_verify.run_as_agent(["bash", EXPORTER], timeout=150, cwd=OUTDIR)
    out = {"rc": res.returncode, "stderr": (res.stderr or "")[-800:],
           "export": read_output(EXPORT), "summary": read_output(SUMMARY)}
    server.kill()
    yield out


def test_service_program_untouched():
    assert lct_verify.untouched() == []


def test_exporter_succeeds_on_fresh_data(fresh_run):
    assert fresh_run["rc"] == 0, "exporter exited %s: %s" % (fresh_run["rc"], fresh_run["stderr"])


def test_exporter_exports_fresh_records(fresh_run):
    problems = export_problems(fresh_run["export"], EXP["fresh_records"])
    assert not problems, "after running %s on fresh data, %s: %s" % (EXPORTER, EXPORT, problems[:5])


def test_exporter_summarises_fresh_records(fresh_run):
    problems = summary_problems(fresh_run["summary"], EXP["fresh_records"])
    assert not problems, "after running %s on fresh data, %s: %s" % (EXPORTER, SUMMARY, problems[:5])
