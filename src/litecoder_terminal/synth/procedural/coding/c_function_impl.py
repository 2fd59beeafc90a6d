"""Implement documented C functions; the verifier compiles them with a hidden harness and checks hidden cases
(plus, at hard level, a large performance case and an ASan/UBSan run)."""

from __future__ import annotations

import hashlib
import json
import random
import re
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.coding._c_functions import FUNCS, PY_REFS, CFunc, harness
from litecoder_terminal.synth.procedural.registry import register


def _stub(f: CFunc, header: str) -> str:
    params = f.proto[f.proto.index("(") + 1:f.proto.rindex(")")].split(",")
    names = [re.findall(r"[A-Za-z_]\w*", p)[-1] for p in params]
    body = "".join(f"    (void){n};\n" for n in names)
    return f"{f.proto[:-1]}\n{{\n    /* TODO: implement as documented in include/{header} */\n{body}    return 0;\n}}\n"


def _source(funcs: list[CFunc], header: str, variant: dict[str, str]) -> str:
    parts = ["#include <stdlib.h>\n#include <string.h>\n\n", f'#include "{header}"\n']
    for f in funcs:
        kind = variant.get(f.name, "correct")
        parts.append("\n" + {"correct": f.correct, "edge": f.edge_bug, "other": f.other_bug,
                             "stub": _stub(f, header)}[kind])
    return "".join(parts)


@register
class CFunctionImpl(TaskFamily):
    name = "c_function_impl"
    domain = "coding"
    title = "Implement documented C functions that a hidden harness checks (correctness, speed, memory safety)"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        tier0 = [f for f in FUNCS if f.tier == 0]
        tier1 = [f for f in FUNCS if f.tier == 1]
        funcs = [rng.choice(tier0)]
        if level != "easy":
            funcs.append(rng.choice(tier1))
        if level == "hard":
            funcs.append(next(f for f in FUNCS if f.tier == 2))
        proj = pick(rng, ["algos", "libkata", "routines", "corelib", "cutils"])
        root = f"/app/{proj}"
        base = pick(rng, ["algo", "kata", "routines", "util"])
        header, impl = f"{base}.h", f"{base}.c"
        guard = f"{proj.upper()}_{base.upper()}_H"
        decls = "\n\n".join(f"/*\n * {f.doc}\n */\n{f.proto}" for f in funcs)
        header_text = (f"#ifndef {guard}\n#define {guard}\n\n#include <stddef.h>\n\n{decls}\n\n#endif\n")
        stub_src = _source(funcs, header, {f.name: "stub" for f in funcs})
        checks = "".join(f.visible for f in funcs)
        test_basic = textwrap.dedent(f"""\
            #include <stdio.h>

            #include "{header}"

            static int failures;

            #define CHECK(cond) do {{ if (!(cond)) {{ printf("FAIL %s:%d: %s\\n", __FILE__, __LINE__, #cond); \\
                failures++; }} }} while (0)

            int main(void)
            {{
            @CHECKS@    if (!failures)
                    puts("all basic tests passed");
                return failures != 0;
            }}
            """).replace("@CHECKS@", checks)
        makefile = textwrap.dedent(f"""\
            CC     := gcc
            CFLAGS := -std=c11 -O2 -Wall -Wextra -Iinclude

            .PHONY: test clean

            test: build/test_basic
            \t./build/test_basic

            build/test_basic: tests/test_basic.c src/{impl} include/{header}
            \t@mkdir -p build
            \t$(CC) $(CFLAGS) -o $@ tests/test_basic.c src/{impl}

            clean:
            \trm -rf build
            """)
        files: dict[str, str | bytes] = {
            f"environment/{proj}/include/{header}": header_text,
            f"environment/{proj}/src/{impl}": stub_src,
            f"environment/{proj}/tests/test_basic.c": test_basic,
            f"environment/{proj}/Makefile": makefile,
        }
        n_cases = {"easy": 60, "medium": 80, "hard": 100}[level]
        cases: dict[str, list[str]] = {f.name: f.gen(rng, n_cases) for f in funcs}

        quoted = [f"`{f.name}`" for f in funcs]
        names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        intro = pick(rng, [
            f"The `{proj}` C library in `{root}` declares {names} in `include/{header}`, but `src/{impl}` only "
            "has stubs.",
            f"We need working implementations of {names} for `{proj}` (`{root}`); the prototypes and their "
            f"documentation are in `include/{header}`, the stubs in `src/{impl}`.",
            f"Finish `{root}/src/{impl}`: it must implement {names} exactly as documented in "
            f"`{root}/include/{header}`.",
        ])
        extra = ""
        if level == "hard":
            extra = ("\n- `count_inversions` is also run on an array of about a million elements and must return "
                     "within a few seconds.\n- The harness is also built with `-fsanitize=address,undefined`; "
                     "your code must run clean under it (no out-of-bounds access, use-after-free or undefined "
                     "behaviour such as signed overflow).")
        instruction = textwrap.dedent(f"""\
            {intro}

            Implement them in `{root}/src/{impl}`. The header comments are the specification: follow them exactly,
            edge cases included. `make test` in `{root}` runs a few basic checks, but grading uses a much larger
            hidden set of cases:

            - Your file is compiled on its own with a test harness: `gcc -std=c11 -O2 -I{root}/include harness.c
              {root}/src/{impl}`. It must therefore not define `main` and may use only the C standard library.
            - Functions must not modify their input arrays or strings, and must not leak state between calls.@@EXTRA@@

            Do not change `include/{header}` or `tests/test_basic.c`.
            """).replace("@@EXTRA@@", extra)  # after dedent: the multi-line extra would defeat it
        correct_src = _source(funcs, header, {})
        files["solution/solve.sh"] = (
            f"#!/bin/bash\n# Reference implementations, then the shipped checks.\nset -euo pipefail\ncd {root}\n"
            f"cat > src/{impl} <<'CEOF'\n{correct_src}CEOF\nmake test\n")
        edge_src = _source(funcs, header, {funcs[0].name: "edge"})
        files["solution/wrong/misses-edge-case.sh"] = (
            f"#!/bin/bash\n# {funcs[0].name} ignores an edge case the header documents.\ncd {root}\n"
            f"cat > src/{impl} <<'CEOF'\n{edge_src}CEOF\nmake test\n")
        other_src = _source(funcs, header, {funcs[-1].name: "other"})
        files["solution/wrong/second-mistake.sh"] = (
            f"#!/bin/bash\n# {funcs[-1].name}: "
            f"{'quadratic algorithm' if funcs[-1].tier == 2 else 'a different plausible bug'}.\ncd {root}\n"
            f"cat > src/{impl} <<'CEOF'\n{other_src}CEOF\nmake test\n")
        files["tests/harness.c"] = harness(header, funcs)
        files["tests/refs.py"] = PY_REFS
        files["tests/cases.json"] = json.dumps(cases) + "\n"
        files["tests/meta.json"] = json.dumps({
            "root": root, "impl": impl, "hard": level == "hard",
            "digests": {f"include/{header}": hashlib.sha256(header_text.encode()).hexdigest(),
                        "tests/test_basic.c": hashlib.sha256(test_basic.encode()).hexdigest()}}) + "\n"
        tests = "\n\n".join(f"def test_{f.name}(harness_bin):\n    check(harness_bin, \"{f.name}\")" for f in funcs)
        files["tests/test_outputs.py"] = TEST_TEMPLATE + tests + "\n"
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["c", "algorithms", "hidden-tests"],
            artifacts=[root],  # src/ (the implementation) with the header and basic tests (checked untouched)
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            verifier_timeout_sec=240, expert_minutes={"easy": 15, "medium": 30, "hard": 45}[level],
        )


TEST_TEMPLATE = '''"""Compile the agent's implementation with the hidden harness and compare every case with the reference."""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest

import lct_verify

HERE = Path(__file__).parent
META = json.loads((HERE / "meta.json").read_text())
CASES = json.loads((HERE / "cases.json").read_text())
ROOT = Path(META["root"])
REFS = {}
exec(compile((HERE / "refs.py").read_text(), "refs.py", "exec"), REFS)


def build(extra=()):
    """Compile the agent's file with a copy of the harness, unprivileged, in a directory of its own."""
    d = Path(tempfile.mkdtemp(prefix="lct-harness-"))
    shutil.copyfile(HERE / "harness.c", d / "harness.c")
    lct_verify.give_to_agent(str(d))
    res = lct_verify.run_as_agent(["gcc", "-std=c11", "-O2", *extra, f"-I{ROOT / 'include'}", "harness.c",
                                   str(ROOT / "src" / META["impl"]), "-o", "harness"], cwd=str(d), timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return d / "harness"


@pytest.fixture(scope="module")
def harness_bin():
    return build()


def run(binary, lines, timeout=60, env=None):
    """The harness runs the agent's code: unprivileged; a timeout shows as returncode -9."""
    return lct_verify.run_as_agent([str(binary)], input="\\n".join(lines) + "\\n", timeout=timeout, env=env,
                                   cwd=str(binary.parent))


def check(binary, name, lines=None):
    lines = [c for c in CASES[name] if not c.startswith("count_inversions_gen")] if lines is None else lines
    res = run(binary, lines)
    assert res.returncode == 0, f"harness crashed (status {res.returncode}): {res.stderr[-500:]}"
    got = res.stdout.splitlines()
    assert len(got) == len(lines), f"expected {len(lines)} result lines, got {len(got)}"
    bad = [(line, g, REFS["expected"](line)) for line, g in zip(lines, got) if g != REFS["expected"](line)]
    shown = "\\n".join(f"{c[:120]} -> got {g!r}, expected {e!r}" for c, g, e in bad[:5])
    assert not bad, f"{len(bad)} of {len(lines)} cases wrong:\\n{shown}"


def test_header_and_basic_tests_untouched():
    for rel, digest in META["digests"].items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest() == digest, f"{rel} was modified"


def test_large_input_performance(harness_bin):
    big = [c for name in CASES for c in CASES[name] if c.startswith("count_inversions_gen")]
    if not META["hard"]:
        # no performance case at this level: every documented function must at least link and run once
        check(harness_bin, next(iter(CASES)), [next(iter(CASES.values()))[0]])
        return
    res = run(harness_bin, big, timeout=10)
    if res.returncode == -9:
        pytest.fail("count_inversions on a large array did not finish within 10 seconds")
    assert res.stdout.split() == [REFS["expected"](c) for c in big]


def test_sanitizers():
    if not META["hard"]:
        # without the sanitizer requirement, repeated runs must still be deterministic (no state between calls)
        binary = build()
        lines = [c for name in CASES for c in CASES[name] if not c.startswith("count_inversions_gen")]
        first, second = run(binary, lines), run(binary, list(reversed(lines)))
        assert first.stdout.splitlines() == list(reversed(second.stdout.splitlines()))
        return
    binary = build(["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"])
    lines = [c for name in CASES for c in CASES[name] if not c.startswith("count_inversions_gen")]
    env = {"ASAN_OPTIONS": "detect_leaks=0", "UBSAN_OPTIONS": "print_stacktrace=1"}
    res = run(binary, lines, timeout=120, env=env)
    assert res.returncode == 0, f"sanitizer error: {res.stderr[-2000:]}"
    assert res.stdout.splitlines() == [REFS["expected"](c) for c in lines]


'''
