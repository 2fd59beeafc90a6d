"""Hidden tests for every stage: parser fixes, monthly_summary, the CLI subcommand, and the produced reports.
The agent's package runs only as the unprivileged user; answers are plain JSON compared by type and value with
tests/expected.json (computed by the family from its reference at build time)."""

import json
import os
import sys
import tempfile
from pathlib import Path

import pytest

import lct_verify

EXP = lct_verify.expected()
ROOT, PKG, LEVEL = Path(EXP["root"]), EXP["pkg"], EXP["level"]

# Runs as the unprivileged user: import the agent's package, do one job, print plain JSON.
RUNNER = """
import importlib, json, sys
sys.dont_write_bytecode = True
out, sys.stdout = sys.stdout, sys.stderr  # whatever the package prints stays out of the answer
job = json.load(sys.stdin)
sys.path.insert(0, job["root"])
parse = importlib.import_module(job["pkg"] + ".parse")
report = importlib.import_module(job["pkg"] + ".report")


def outcome(fn, *args):
    try:
        return ["ok", fn(*args)]
    except ValueError:
        return ["ValueError", None]
    except Exception as e:
        return [type(e).__name__, None]


def rows(txns):
    return [[t.date, t.account, t.amount, t.memo] for t in txns]


if job["op"] == "parse_amount":
    result = [outcome(parse.parse_amount, a) for a in job["amounts"]]
elif job["op"] == "load":
    result = [outcome(lambda p: rows(parse.load_transactions(p)), p) for p in job["paths"]]
else:
    result = {"has": hasattr(report, "monthly_summary"), "files": []}
    for f in job["files"] if result["has"] else []:
        txns = [parse.Txn(*t) for t in f["txns"]]
        got = [outcome(lambda q: [dict(r) for r in (report.monthly_summary(txns) if q is None
                                                    else report.monthly_summary(txns, q))], q)
               for q in f["queries"]]
        result["files"].append({"got": got, "after": rows(txns)})
out.write(json.dumps(result, default=repr))
"""


def agent_call(job):
    res = lct_verify.run_as_agent([sys.executable, "-c", RUNNER], cwd=str(ROOT), timeout=120,
                                  input=json.dumps({"root": str(ROOT), "pkg": PKG, **job}))
    assert res.returncode == 0, f"the package could not be run: {res.stderr[-2000:]}"
    return json.loads(res.stdout)


def cli(*args):
    return lct_verify.run_as_agent([sys.executable, "-m", PKG, *args], cwd=str(ROOT), timeout=60,
                                   env={"PYTHONDONTWRITEBYTECODE": "1"})


@pytest.fixture(scope="module")
def hidden():
    """Hidden exports, readable (not writable) by the agent's code."""
    d = Path(tempfile.mkdtemp(prefix="lct-csv-"))
    os.chmod(d, 0o755)
    for name, text in EXP["hidden_csv"].items():
        (d / name).write_bytes(text.encode())
        os.chmod(d / name, 0o644)
    return d


def test_data_untouched():
    assert lct_verify.untouched() == [], "the exported data was modified"


def test_stage1_parse_amount():
    got = agent_call({"op": "parse_amount", "amounts": EXP["amounts"]})
    assert isinstance(got, list) and len(got) == len(EXP["amounts"]), "one outcome per amount"
    bad = [(a, g, w) for a, g, w in zip(EXP["amounts"], got, EXP["amount_want"]) if not lct_verify.same(g, w)]
    assert not bad, f"{len(bad)} amounts wrong, e.g. {bad[:4]}"


def test_stage1_load_transactions(hidden):
    names = sorted(EXP["hidden_csv"])
    got = agent_call({"op": "load", "paths": [str(hidden / n) for n in names] + [str(ROOT / EXP["data"])]})
    assert isinstance(got, list) and len(got) == len(names) + 1, "one result per file"
    for name, g in zip(names + [EXP["data"]], got):
        assert lct_verify.same(g, ["ok", EXP["load_want"][name]]), f"{name}: transactions differ"


def test_stage2_monthly_summary():
    names = sorted(EXP["hidden_csv"])
    files = [{"txns": EXP["load_want"][n], "queries": EXP["queries"]} for n in names]
    got = agent_call({"op": "monthly", "files": files})
    assert got.get("has") is True, "monthly_summary missing"
    assert len(got["files"]) == len(files)
    for name, f, g in zip(names, files, got["files"]):
        for q, rows, w in zip(EXP["queries"], g["got"], EXP["monthly_want"][name]):
            assert lct_verify.same(rows, ["ok", w]), f"{name} account={q!r}: {rows!r} != {w!r}"
        assert lct_verify.same(g["after"], f["txns"]), "monthly_summary modified its input"


def test_stage3_cli_monthly(hidden):
    for call in EXP["cli_monthly"]:
        args = [str(hidden / a) if a in EXP["hidden_csv"] else a for a in call["args"]]
        res = cli(*args)
        assert res.returncode == 0, f"{call['args']}: {res.stderr[-1000:]}"
        if "json" in call:
            try:
                got = json.loads(res.stdout)
            except ValueError:
                pytest.fail(f"{call['args']}: output is not JSON")
            assert lct_verify.same(got, call["json"]), call["args"]
        else:
            assert res.stdout == call["stdout"], call["args"]


def test_stage3_balance_still_works(hidden):
    for name, want in sorted(EXP["balance_want"].items()):
        res = cli("balance", str(hidden / name), "--format", "csv")
        assert res.returncode == 0, res.stderr[-1000:]
        assert res.stdout == want, name
        res = cli("balance", str(hidden / name))
        assert res.returncode == 0, res.stderr[-1000:]
        assert res.stdout == EXP["table_want"][name], f"{name}: the balance table changed"


def test_stage4_reports():
    for path, want in sorted(EXP["reports"].items()):
        p = Path(path)
        assert p.is_file() and not p.is_symlink(), f"{path} is missing or a symlink"
        if path.endswith(".json"):
            try:
                got = json.loads(p.read_text())
            except ValueError:
                pytest.fail(f"{path} is not JSON")
            assert lct_verify.same(got, want), f"{path} differs"
        else:
            assert p.read_text() == want, f"{path} differs"
