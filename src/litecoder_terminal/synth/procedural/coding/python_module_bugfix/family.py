"""Fix the seeded bugs of a small Python module against its docstrings; a hidden suite calls every function."""

from __future__ import annotations

import ast
import copy
import difflib
import json
import random

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.coding.python_module_bugfix.themes import THEMES, Theme


def enc(x):
    """A returned value as tagged JSON (the verifier's runner encodes the agent's values the same way)."""
    if x is None or type(x) in (bool, int, float, str):
        return x
    if type(x) in (list, tuple, set, frozenset):
        return {type(x).__name__: [enc(v) for v in x]}
    if type(x) is dict:
        return {"dict": [[enc(k), enc(v)] for k, v in x.items()]}
    return {"object": [type(x).__name__, repr(x)]}


def outcome(fn, args) -> list:
    try:
        return ["ok", enc(fn(*copy.deepcopy(args)))]
    except ValueError:
        return ["ValueError", None]
    except Exception as e:  # noqa: BLE001 - any other exception is an outcome too
        return [type(e).__name__, None]


def load(source: str, name: str) -> dict:
    namespace: dict = {"__name__": name}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # our own reference/buggy text, at build time
    return namespace


def apply_bugs(source: str, bugs: list[dict]) -> str:
    for bug in bugs:
        if source.count(bug["old"]) != 1:
            raise ValueError(f"bug patch for {bug['fn']} does not apply uniquely")
        source = source.replace(bug["old"], bug["new"])
    return source


def choose_bugs(rng: random.Random, bugs: list[dict], n: int) -> list[dict]:
    """n bugs in n different functions, at least one the shipped tests catch and one they do not."""
    for _ in range(200):
        picked: list[dict] = []
        for bug in rng.sample(bugs, len(bugs)):
            if len(picked) < n and all(b["fn"] != bug["fn"] for b in picked):
                picked.append(bug)
        if len(picked) == n and any(b["visible"] for b in picked) and any(not b["visible"] for b in picked):
            return sorted(picked, key=bugs.index)
    raise ValueError("cannot choose bugs")


def hunks(buggy: str, fixed: str) -> list:
    """[start, end, new_lines] replacements turning buggy into fixed (line numbers of buggy)."""
    a, b = buggy.splitlines(keepends=True), fixed.splitlines(keepends=True)
    return [[i1, i2, b[j1:j2]] for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False)
            .get_opcodes() if op != "equal"]


def doc_range(source: str, fn: str) -> tuple[int, int]:
    """1-based lines of `def fn` through the end of its docstring."""
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"def {fn}("))
    quotes = [i for i in range(start + 1, len(lines)) if '"""' in lines[i]]
    end = quotes[0] if lines[quotes[0]].count('"""') == 2 else quotes[1]
    return start + 1, end + 1


class PythonModuleBugfix(kit.KitFamily):
    title = "Fix the bugs in a small Python module against its documented behaviour (hidden test suite)"
    levels = kit.Levels(bugs=(2, 3, 4), cases=(25, 40, 60), agent_timeout=(600, 900, 1200),
                        expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        theme: Theme = THEMES[rng.randrange(len(THEMES))]
        mod = rng.choice(theme.modules)
        proj = rng.choice([f"{mod}-lib", "pylib", f"py{mod}", "shared-utils"])
        root = f"/app/{proj}"
        source = self.data(f"themes/{theme.key}/module.py")
        all_bugs = json.loads(self.data(f"themes/{theme.key}/bugs.json"))
        bugs = choose_bugs(rng, all_bugs, min(k.bugs, len({b["fn"] for b in all_bugs})))
        buggy = apply_bugs(source, bugs)
        hidden_only = [b for b in bugs if not b["visible"]]
        visible_fixed = apply_bugs(source, hidden_only)  # what "make the shipped tests pass" leaves behind
        cases = theme.gen(rng, k.cases)

        ref, bad, half = load(source, "reference"), load(buggy, "buggy"), load(visible_fixed, "visible_fixed")
        want = {fn: [outcome(ref[fn], args) for args in cases[fn]] for fn in theme.functions}
        for label, ns in (("buggy module", bad), ("visible-only fix", half)):
            if all([outcome(ns[fn], a) for a in cases[fn]] == want[fn] for fn in theme.functions):
                raise ValueError(f"{theme.key}: the hidden cases do not tell the {label} from the reference")
        # one probe per function: a case where the shipped module goes wrong if there is one, else the first
        probes = {}
        for fn in theme.functions:
            wrong = [a for a, w in zip(cases[fn], want[fn]) if outcome(bad[fn], a) != w]
            probes[fn] = (wrong or cases[fn])[0]

        files: dict[str, str | bytes] = {}
        ctx = f"environment/{proj}"
        files[f"{ctx}/{mod}.py"] = buggy
        files[f"{ctx}/tests/test_{mod}.py"] = self.template(f"themes/{theme.key}/test_module.py", mod=mod)
        files[f"{ctx}/tests/conftest.py"] = self.data("conftest.py")
        files[f"{ctx}/README.md"] = self.template("README.md", mod=mod, purpose=theme.purpose, cli=theme.cli)
        minor = rng.randint(1, 9)
        files[f"{ctx}/CHANGELOG.md"] = self.template("CHANGELOG.md", cli=theme.cli, version=f"1.{minor}.0",
                                                     prev_version=f"1.{minor - 1}.{rng.randint(0, 4)}")
        cli_fn = bugs[0]["fn"]
        files[f"{ctx}/scripts/{theme.cli}.py"] = self.template("caller.py", mod=mod, fn=cli_fn)
        cli_args = json.dumps(probes[cli_fn])
        day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        log = [f"{day}T02:00:0{i} nightly: scripts/{theme.cli}.py --json '{json.dumps(a)}' -> "
               f"{json.dumps(outcome(bad[cli_fn], a))}" for i, a in enumerate(cases[cli_fn][:4])]
        log.insert(1, f"{day}T02:00:01 {root}/scripts/{theme.cli}.py:4: DeprecationWarning: the optparse module "
                      "is deprecated; use argparse")
        log.append(f"{day}T02:00:09 nightly: {len(log) - 1} runs, 1 warning")
        files[f"{ctx}/logs/nightly.log"] = "\n".join(log) + "\n"

        if self.config.difficulty == "easy":
            reported = bugs
        elif self.config.difficulty == "medium":
            reported = [b for b in bugs if b["visible"]] + hidden_only[:-1]
        else:
            reported = [b for b in bugs if b["visible"]]

        doc_reads = "\n".join("sed -n '{},{}p' {}.py".format(*doc_range(buggy, fn), mod) for fn in theme.functions)
        for fn in theme.functions:  # JSON is the Python literal of every probe, and needs no shell quoting
            if "'" in json.dumps(probes[fn]) or ast.literal_eval(json.dumps(probes[fn])) != probes[fn]:
                raise ValueError(f"probe of {fn} is not a plain literal")
        probe_lines = "\n".join(f"python3 -c 'from {mod} import {fn}; print(repr({fn}(*{json.dumps(probes[fn])})))'"
                                 " || true" for fn in theme.functions)

        def py_outcome(fn):
            got = outcome(ref[fn], probes[fn])
            return ("ok", ref[fn](*copy.deepcopy(probes[fn]))) if got[0] == "ok" else (got[0], None)

        checks = "\n".join(f"check(m.{fn}, {probes[fn]!r}, {py_outcome(fn)!r})" for fn in theme.functions)
        values = {"root": root, "mod": mod, "cli": theme.cli, "cli_args": cli_args, "doc_reads": doc_reads,
                  "probes": probe_lines, "checks": checks}
        knobs = {
            "module": kit.Knob(source, visible_fixed, "fixes only the bugs the shipped tests catch"),
            "write": kit.Knob(f"cat > {mod}.py",
                              f"sed -i 's/^    assert /    assert True or /' tests/test_{mod}.py\ncat > /dev/null",
                              "neuters the shipped tests' assertions instead of fixing the module"),
        }
        files |= self.solver(knobs).files(values, {"fix_visible_only": "module", "silence_tests": "write"})
        files |= self.alt_solutions(root=root, mod=mod, hunks=json.dumps(hunks(buggy, source)))
        files |= self.verifier()
        files |= kit.expected_file({"module": f"{root}/{mod}.py", "functions": list(theme.functions),
                                    "cases": {fn: cases[fn] for fn in theme.functions}, "want": want})
        instruction = self.instruction(
            intro=self.intro(rng, mod=mod, purpose=theme.purpose), root=root, mod=mod,
            reports_all="\n".join(f"- {b['report']}" for b in bugs),
            reports_some="\n".join(f"- {b['report']}" for b in reported),
            first_report=reported[0]["report"])
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["python", "debugging", "hidden-tests"],
            artifacts=[root], outputs=[f"{root}/{mod}.py"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
