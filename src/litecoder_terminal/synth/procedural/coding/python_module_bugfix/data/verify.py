"""Call every public function of the agent's module on the hidden cases (as the unprivileged user, values back as
tagged JSON) and compare each outcome by type and value with the documented one (tests/expected.json)."""

import json
import sys

import pytest

import lct_verify

EXP = lct_verify.expected()

# Values cross from the agent's process as JSON tagged with their container type, so that a tuple, a list, a dict
# or a set comes back as itself; any other object comes back as its type name and repr (equal to no expected value).
CODEC = """
def enc(x):
    if x is None or type(x) in (bool, int, float, str):
        return x
    if type(x) in (list, tuple, set, frozenset):
        return {type(x).__name__: [enc(v) for v in x]}
    if type(x) is dict:
        return {"dict": [[enc(k), enc(v)] for k, v in x.items()]}
    return {"object": [type(x).__name__, repr(x)]}
"""
exec(CODEC)

# Runs as the unprivileged user: load the agent's module, call one function on every case, print tagged JSON.
RUNNER = CODEC + """
import copy, json, sys, types
sys.dont_write_bytecode = True
out, sys.stdout = sys.stdout, sys.stderr  # whatever the module prints stays out of the answer
job = json.load(sys.stdin)
# compiled from the source text itself: a __pycache__ entry (stale, or planted with the source's mtime and size)
# is never what gets graded
module = types.ModuleType("agent_module")
module.__file__ = job["path"]
with open(job["path"], encoding="utf-8") as f:
    exec(compile(f.read(), job["path"], "exec"), module.__dict__)
result = {"has": hasattr(module, job["fn"]), "cases": []}
for args in job["cases"] if result["has"] else []:
    mine = copy.deepcopy(args)
    try:
        got = ["ok", enc(getattr(module, job["fn"])(*mine))]
    except ValueError:
        got = ["ValueError", None]
    except Exception as e:
        got = [type(e).__name__, None]
    result["cases"].append([got, enc(mine)])
out.write(json.dumps(result))
"""


def run_agent(fn):
    path = EXP["module"]
    res = lct_verify.run_as_agent([sys.executable, "-c", RUNNER], cwd=path.rsplit("/", 1)[0], timeout=120,
                                  input=json.dumps({"path": path, "fn": fn, "cases": EXP["cases"][fn]}))
    assert res.returncode == 0, f"the module could not be run: {res.stderr[-2000:]}"
    result = json.loads(res.stdout)
    assert isinstance(result, dict) and isinstance(result.get("cases"), list), "the runner's answer was altered"
    return result


def test_module_is_a_plain_file():
    path = EXP["module"]
    import os
    assert os.path.isfile(path) and not os.path.islink(path), f"{path} is missing or is a symlink"


@pytest.mark.parametrize("fn", EXP["functions"])
def test_function_matches_its_docstring(fn):
    result = run_agent(fn)
    assert result.get("has") is True, f"{fn} is missing"
    cases, want = EXP["cases"][fn], EXP["want"][fn]
    assert len(result["cases"]) == len(cases)
    failures = []
    for args, expected, (got, mine) in zip(cases, want, result["cases"]):
        if not lct_verify.same(got, expected):
            failures.append(f"{fn}{tuple(args)!r}: got {got!r}, expected {expected!r}")
        elif not lct_verify.same(mine, enc(args)):
            failures.append(f"{fn}{tuple(args)!r} modified its arguments")
    assert not failures, f"{len(failures)} of {len(cases)} cases fail, e.g.\n" + "\n".join(failures[:5])
