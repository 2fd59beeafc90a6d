"""The verifier audit's table, recomputed on a sample of generated tasks: what each test function checks.

    python benchmarks/verifier_audit.py [--per-domain 1] [--extra 2] [--seed 12] [--level hard]

Every test function of every sampled task's tests/test_outputs.py (one per stage for composed tasks) is put in
the first class that fits, read from its syntax tree (with the module's own helpers followed one level):

- behavioural: runs the agent's program, module, build or repository (lct_verify.run_as_agent / call_json / git,
  subprocess) and judges what it does;
- hidden expected: compares with values the task was made with (lct_verify.expected(), tests/ data);
- recomputes: derives the answer itself from the inputs (arithmetic, parsing, sorting over input data);
- pattern only: regular expressions or substring tests on the agent's text, nothing else;
- existence only: checks that a path exists (os.path.exists, is_file, isdir, stat), nothing else.

The audit this follows (issue 10): existence-only 0 % (peer 11 %), pattern-only 7 % (peer 26 %), recomputing
21 %. Baseline named in the output: that audit's figures. The shortcuts tried per task are the gates the
task passed to be generated (no-op, known-wrong solutions, the mutation battery) and the shortcut tests in
tests/docker/test_shortcuts.py; this table only reads the verifiers.
"""

from __future__ import annotations

import argparse
import ast
import random
import tempfile
from collections import Counter
from pathlib import Path

from litecoder_terminal.synth.procedural.base import TaskFamily
from litecoder_terminal.synth.procedural.registry import families
from litecoder_terminal.task import write_task_dir

BEHAVIOUR = {"run_as_agent", "call_json", "git", "run", "check_output", "Popen", "urlopen", "create_connection",
             "connect"}
HIDDEN = {"expected", "untouched", "digests", "sha256", "load", "loads"}
EXIST = {"exists", "is_file", "is_dir", "isfile", "isdir", "lexists", "stat", "lstat", "access", "is_symlink"}
PATTERN = {"search", "match", "fullmatch", "findall", "startswith", "endswith", "count", "find", "splitlines"}
CLASSES = ("behavioural", "hidden expected", "recomputes", "pattern only", "existence only", "other")
AUDIT = {"existence only": 0.0, "pattern only": 7.0, "recomputes": 21.0}  # the audit of 12 tasks (issue 10)
PEER = {"existence only": 11.0, "pattern only": 26.0}


def _calls(node: ast.AST) -> set[str]:
    names = set()
    for n in ast.walk(node):
        if isinstance(n, ast.Call):
            f = n.func
            names.add(f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else "")
    return names


def _reads_expected(node: ast.AST, module_expected: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in module_expected for n in ast.walk(node))


def classify(source: str) -> list[str]:
    tree = ast.parse(source)
    helpers = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("test")}
    # module-level names bound from the hidden expectations (E = lct_verify.expected(), json.load(open(...)))
    expected_names = {t.id for n in tree.body if isinstance(n, ast.Assign) and _calls(n.value) & HIDDEN
                      for t in n.targets if isinstance(t, ast.Name)}
    out = []
    # test functions at module level, and those a factory defines (one per scenario at import time)
    for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("test")):
        calls = set(_calls(fn))
        for name in list(calls):  # follow the module's helpers one level
            if name in helpers:
                calls |= _calls(helpers[name])
                if _reads_expected(helpers[name], expected_names):
                    calls.add("expected")
        hidden = _reads_expected(fn, expected_names) or bool(calls & HIDDEN)
        arithmetic = any(isinstance(n, (ast.BinOp, ast.comprehension)) for n in ast.walk(fn)) or bool(
            calls & {"sum", "sorted", "min", "max", "round", "len", "abs"})
        if calls & BEHAVIOUR:
            out.append("behavioural")
        elif hidden:
            out.append("hidden expected")
        elif arithmetic:
            out.append("recomputes")
        elif calls & PATTERN:
            out.append("pattern only")
        elif calls & EXIST:
            out.append("existence only")
        else:
            out.append("other")
    return out


def sample(per_domain: int, extra: int, seed: int, level: str, out: Path) -> list[Path]:
    rng = random.Random(seed)
    by_domain: dict[str, list[type[TaskFamily]]] = {}
    for fam in families():
        by_domain.setdefault(fam.domain, []).append(fam)
    picked = [f for d in sorted(by_domain) for f in rng.sample(by_domain[d], min(per_domain, len(by_domain[d])))]
    rest = [f for f in families() if f not in picked]
    picked += rng.sample(rest, min(extra, len(rest)))
    dirs = []
    for fam in picked:
        t = fam({"difficulty": level}).sample(rng.randrange(1 << 30))
        dirs.append(write_task_dir(out / f"{fam.domain}-{fam.name}", t.instruction, t.config, t.files).root)
    return dirs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-domain", type=int, default=1)
    ap.add_argument("--extra", type=int, default=2)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--level", default="hard", choices=["easy", "medium", "hard"])
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tasks = sample(args.per_domain, args.extra, args.seed, args.level, Path(tmp))
        total: Counter = Counter()
        print(f"{'task':58} {'tests':>5}  " + "  ".join(f"{c[:10]:>10}" for c in CLASSES))
        for task in tasks:
            files = sorted(task.joinpath("tests").rglob("test_outputs.py"))
            got = Counter(c for f in files for c in classify(f.read_text()))
            total += got
            print(f"{task.name:58} {sum(got.values()):>5}  " + "  ".join(f"{got[c]:>10}" for c in CLASSES))
        n = sum(total.values()) or 1
        print(f"\n{len(tasks)} tasks, {n} test functions (level {args.level}, seed {args.seed})")
        for c in CLASSES:
            line = f"  {c:16} {total[c]:>4}  {100 * total[c] / n:5.1f} %"
            if c in AUDIT:
                line += f"   (audit before: {AUDIT[c]:.0f} %" + (f", peer: {PEER[c]:.0f} %" if c in PEER else "") + ")"
            print(line)


if __name__ == "__main__":
    main()
