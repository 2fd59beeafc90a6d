"""Fix the seeded bugs of a small Python module; a hidden suite compares every function with the reference."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.coding._bugfix_themes import THEMES, Bug
from litecoder_terminal.synth.procedural.registry import register


def apply_bugs(source: str, bugs: list[Bug]) -> str:
    for bug in bugs:
        if source.count(bug.old) != 1:
            raise ValueError(f"bug patch for {bug.fn} does not apply uniquely")
        source = source.replace(bug.old, bug.new)
    return source


def choose_bugs(rng: random.Random, bugs: list[Bug], n: int) -> list[Bug]:
    """n bugs in n different functions, at least one the shipped tests catch and one they do not."""
    for _ in range(200):
        picked: list[Bug] = []
        for bug in rng.sample(bugs, len(bugs)):
            if len(picked) < n and all(b.fn != bug.fn for b in picked):
                picked.append(bug)
        if len(picked) == n and any(b.visible for b in picked) and any(not b.visible for b in picked):
            return sorted(picked, key=lambda b: bugs.index(b))
    raise ValueError("cannot choose bugs")


@register
class PythonModuleBugfix(TaskFamily):
    name = "python_module_bugfix"
    domain = "coding"
    title = "Fix the bugs in a small Python module against its documented behaviour (hidden test suite)"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        theme = THEMES[rng.randrange(len(THEMES))]
        mod = pick(rng, theme.modules)
        proj = pick(rng, [f"{mod}-lib", "pylib", f"py{mod}", "shared-utils"])
        root = f"/app/{proj}"
        n_funcs = len({b.fn for b in theme.bugs})
        n = {"easy": 2, "medium": 3, "hard": min(4, n_funcs)}[level]
        bugs = choose_bugs(rng, theme.bugs, n)
        buggy = apply_bugs(theme.source, bugs)
        hidden_only = [b for b in bugs if not b.visible]
        visible_fixed = apply_bugs(theme.source, hidden_only)  # what "make the shipped tests pass" leaves behind
        cases = theme.gen(rng, {"easy": 25, "medium": 40, "hard": 60}[level])

        files: dict[str, str | bytes] = {}
        ctx = f"environment/{proj}"
        files[f"{ctx}/{mod}.py"] = buggy
        files[f"{ctx}/tests/test_{mod}.py"] = theme.visible_tests.replace("MOD", mod)
        files[f"{ctx}/tests/conftest.py"] = ("import sys\nfrom pathlib import Path\n\n"
                                             "sys.path.insert(0, str(Path(__file__).resolve().parent.parent))\n")
        files[f"{ctx}/README.md"] = (f"# {mod}\n\nHelpers for {theme.purpose}. Each public function documents its "
                                     f"behaviour in its docstring.\n\nRun the tests with `python3 -m pytest -q`.\n")
        if level == "easy":
            reported = bugs
        elif level == "medium":
            reported = [b for b in bugs if b.visible] + hidden_only[:-1]
        else:
            reported = [b for b in bugs if b.visible]
        intro = pick(rng, [
            f"`{mod}.py` in `{root}` is used by {theme.purpose}, and it has started misbehaving.",
            f"Several tickets were filed against our `{mod}` module ({root}/{mod}.py), which backs "
            f"{theme.purpose}.",
            f"The helpers in `{root}/{mod}.py` ({theme.purpose}) have bugs that are hurting production.",
        ])
        report_lines = "\n".join(f"- {b.report}" for b in reported)
        more = ("" if len(reported) == len(bugs) else
                "\n\nThose are only the symptoms somebody noticed; there are more bugs.")
        body = textwrap.dedent(f"""\
            The docstrings are the specification. Fix `{root}/{mod}.py` so that every public function behaves
            exactly as its docstring says. The tests in `{root}/tests/` pass only partly and do not cover
            everything: a larger hidden test suite will call every function with many other inputs, including
            edge cases the docstrings describe, and compare the results (and the ValueError cases) with the
            documented behaviour.

            Keep the module's name, functions and signatures; functions must not modify their arguments. Use
            only the standard library.
            """)
        instruction = f"{intro} Reported so far:\n\n{report_lines}{more}\n\n{body}"
        files["solution/solve.sh"] = (
            f"#!/bin/bash\n# Reference: the module as documented.\nset -euo pipefail\ncd {root}\n"
            f"cat > {mod}.py <<'PYEOF'\n{theme.source}PYEOF\npython3 -m pytest -q -p no:cacheprovider tests\n")
        files["solution/wrong/fix-visible-only.sh"] = (
            f"#!/bin/bash\n# Fixes what the shipped tests catch and stops there.\ncd {root}\n"
            f"cat > {mod}.py <<'PYEOF'\n{visible_fixed}PYEOF\npython3 -m pytest -q -p no:cacheprovider tests\n")
        files["solution/wrong/silence-tests.sh"] = (
            f"#!/bin/bash\n# Makes the shipped tests pass by neutering their assertions.\ncd {root}\n"
            f"sed -i 's/^    assert /    assert True or /' tests/test_{mod}.py\n"
            "python3 -m pytest -q -p no:cacheprovider tests\n")
        files["tests/reference.py"] = theme.source.replace('"""', '"""Reference. ', 1)
        files["tests/cases.json"] = json.dumps(cases) + "\n"
        checks = "\n\n".join(f"def test_{fn}(agent):\n    check(agent, \"{fn}\")" for fn in theme.functions)
        files["tests/test_outputs.py"] = TEST_TEMPLATE.replace("@MODPATH@", f"{root}/{mod}.py") + checks + "\n"
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["python", "debugging", "hidden-tests"],
            artifacts=[root],  # the fixed module (its shipped tests are the agent's to run)
            agent_timeout_sec={"easy": 600, "medium": 900, "hard": 1200}[level],
            verifier_timeout_sec=120, expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


TEST_TEMPLATE = '''"""Call every public function of the agent's module on the hidden cases and compare with the reference."""

import copy
import importlib.util
import json
import sys
from pathlib import Path

import pytest

import lct_verify

MODPATH = Path("@MODPATH@")
HERE = Path(__file__).parent
CASES = json.loads((HERE / "cases.json").read_text())


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REF = load(HERE / "reference.py", "reference_impl")  # the reference is ours: it runs here

# Values cross from the agent's process as JSON tagged with their container type, so that a tuple, a list, a dict
# or a set comes back as itself (and anything else as a tuple equal to no reference value).
CODEC = """
def enc(x):
    if x is None or type(x) in (bool, int, float, str):
        return x
    if type(x) in (list, tuple, set, frozenset):
        return {type(x).__name__: [enc(v) for v in x]}
    if type(x) is dict:
        return {"dict": [[enc(k), enc(v)] for k, v in x.items()]}
    return {"object": [type(x).__name__, repr(x)]}


def dec(x):
    if not isinstance(x, dict):
        return x
    (tag, v), = x.items()
    if tag == "dict":
        return {dec(k): dec(w) for k, w in v}
    if tag == "object":
        return ("<object>", *v)
    return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](dec(w) for w in v)
"""
exec(CODEC)

# Runs as the unprivileged user: load the agent's module, call one function on every case, print tagged JSON.
RUNNER = CODEC + """
import copy, importlib.util, json, sys
out, sys.stdout = sys.stdout, sys.stderr  # whatever the module prints stays out of the answer
job = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("agent_module", job["path"])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
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


def outcome(fn, args):
    try:
        return ("ok", fn(*args))
    except ValueError:
        return ("ValueError", None)
    except Exception as e:  # noqa: BLE001 - any other exception is a wrong outcome
        return (type(e).__name__, None)


def run_agent(fn):
    res = lct_verify.run_as_agent([sys.executable, "-c", RUNNER], cwd=str(MODPATH.parent), timeout=120,
                                  input=json.dumps({"path": str(MODPATH), "fn": fn, "cases": CASES[fn]}))
    assert res.returncode == 0, f"the module could not be run: {res.stderr[-2000:]}"
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def agent():
    return run_agent


def check(agent, fn):
    result = agent(fn)
    assert result["has"], f"{fn} is missing"
    assert len(result["cases"]) == len(CASES[fn])
    failures = []
    for args, (got, mine) in zip(CASES[fn], result["cases"]):
        got = (got[0], dec(got[1]))
        want = outcome(getattr(REF, fn), copy.deepcopy(args))
        if got != want:
            failures.append(f"{fn}{tuple(args)!r}: got {got!r}, expected {want!r}")
        elif dec(mine) != args:
            failures.append(f"{fn}{tuple(args)!r} modified its arguments")
    assert not failures, f"{len(failures)} of {len(CASES[fn])} cases fail, e.g.\\n" + "\\n".join(failures[:5])


'''
