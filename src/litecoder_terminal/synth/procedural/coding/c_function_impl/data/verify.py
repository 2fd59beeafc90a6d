"""Compile the agent's implementation with the hidden harness (unprivileged) and compare every case's output line
with the documented answer (tests/expected.json, computed when the task was made); at hard level also a large
performance case (its answer recomputed here by a small vectorised merge count) and a sanitizer build."""

import shutil
import tempfile
from pathlib import Path

import pytest

import lct_verify

HERE = Path(__file__).parent
EXP = lct_verify.expected()
CASES = EXP["cases"]
ROOT = Path(EXP["root"])
WANT = {line: out for name in CASES
        for line, out in zip([c for c in CASES[name] if not c.startswith("count_inversions_gen")], EXP["want"][name])}


def build(extra=()):
    """Compile the agent's file with a copy of the harness, unprivileged, in a directory of its own."""
    src = ROOT / "src" / EXP["impl"]
    assert src.is_file() and not src.is_symlink(), f"{src} is missing or is a symlink"
    d = Path(tempfile.mkdtemp(prefix="lct-harness-"))
    shutil.copyfile(HERE / "harness.c", d / "harness.c")
    lct_verify.give_to_agent(str(d))
    res = lct_verify.run_as_agent(["gcc", "-std=c11", "-O2", *extra, f"-I{ROOT / 'include'}", "harness.c",
                                   str(src), "-o", "harness"], cwd=str(d), timeout=120)
    assert res.returncode == 0, res.stderr[-3000:]
    return d / "harness"


@pytest.fixture(scope="module")
def harness_bin():
    return build()


def run(binary, lines, timeout=60, env=None):
    """The harness runs the agent's code: unprivileged; a timeout shows as returncode -9."""
    return lct_verify.run_as_agent([str(binary)], input="\n".join(lines) + "\n", timeout=timeout, env=env,
                                   cwd=str(binary.parent))


def small(name=None):
    return [c for n in CASES if name in (None, n) for c in CASES[n] if not c.startswith("count_inversions_gen")]


def check(binary, lines):
    res = run(binary, lines)
    assert res.returncode == 0, f"harness crashed (status {res.returncode}): {res.stderr[-500:]}"
    got = res.stdout.splitlines()
    assert len(got) == len(lines), f"expected {len(lines)} result lines, got {len(got)}"
    bad = [(line, g, WANT[line]) for line, g in zip(lines, got) if g != WANT[line]]
    shown = "\n".join(f"{c[:120]} -> got {g!r}, expected {e!r}" for c, g, e in bad[:5])
    assert not bad, f"{len(bad)} of {len(lines)} cases wrong:\n{shown}"


def test_header_and_basic_tests_untouched():
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"


@pytest.mark.parametrize("name", EXP["functions"])
def test_function_matches_its_documentation(harness_bin, name):
    check(harness_bin, small(name))


def test_no_state_between_calls(harness_bin):
    lines = small()
    first, second = run(harness_bin, lines), run(harness_bin, list(reversed(lines)))
    assert first.returncode == 0 and second.returncode == 0
    assert first.stdout.splitlines() == list(reversed(second.stdout.splitlines()))


def inversions_of_generated(line):
    """`count_inversions_gen N SEED MOD`: the array the harness generates (64-bit LCG, high bits mod MOD), and its
    inversion count by a bottom-up merge count over blocks, one vectorised pass per width."""
    import numpy as np

    _, n, x, mod = line.split()
    n, x, mod = int(n), int(x), int(mod)
    vals = []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        vals.append((x >> 33) % mod)
    a = np.array(vals, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    total, width, big = 0, 1, np.int64(1 << 32)
    while width < n:
        block, right = idx // (2 * width), (idx // width) % 2 == 1
        keys = np.sort(block[~right] * big + a[~right])
        rb, rv = block[right], a[right]
        total += int((np.searchsorted(keys, (rb + 1) * big, side="left")
                      - np.searchsorted(keys, rb * big + rv, side="right")).sum())
        width *= 2
    return str(total)


def _large_input_performance(harness_bin):
    big = [c for c in CASES.get("count_inversions", []) if c.startswith("count_inversions_gen")]
    assert big, "no large case"
    res = run(harness_bin, big, timeout=10)
    if res.returncode == -9:
        pytest.fail("count_inversions on a large array did not finish within 10 seconds")
    assert res.stdout.split() == [inversions_of_generated(c) for c in big]


def _sanitizers():
    binary = build(["-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"])
    lines = small()
    env = {"ASAN_OPTIONS": "detect_leaks=0", "UBSAN_OPTIONS": "print_stacktrace=1"}
    res = run(binary, lines, timeout=120, env=env)
    assert res.returncode == 0, f"sanitizer error: {res.stderr[-2000:]}"
    assert res.stdout.splitlines() == [WANT[c] for c in lines]


if EXP["hard"]:  # the performance and memory-safety requirements exist at hard level only
    test_large_input_performance = _large_input_performance
    test_sanitizers = _sanitizers
