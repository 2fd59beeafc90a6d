"""Run the agent's converter (unprivileged) on hidden INI files and flag combinations; compare exit status, output
(as JSON data, by type and value) and the line an error names with the answers in tests/expected.json."""

import json
import os
import re
import tempfile
from pathlib import Path

import pytest

import lct_verify

EXP = lct_verify.expected()
TOOL = EXP["tool"]
CASES = EXP["cases"]


@pytest.fixture(scope="module")
def workdir():
    """The hidden files, readable (not writable) by the agent's tool."""
    d = Path(tempfile.mkdtemp(prefix="lct-ini-"))
    os.chmod(d, 0o755)
    for name, text in EXP["files"].items():
        (d / name).write_bytes(text.encode())
        os.chmod(d / name, 0o644)
    return d


def agent_tool(args, cwd, stdin=b""):
    """The agent's converter, as the unprivileged user (a timeout shows as returncode -9)."""
    return lct_verify.run_as_agent([TOOL, *args], cwd=str(cwd), input=stdin, text=False, timeout=30)


def describe(case):
    src = EXP["files"].get(case.get("stdin") or case["args"][-1], "")
    return f"{case['args']}\n--- input ---\n{src[:600]}"


def problem(case, res):
    """None when the agent's run matches the expected outcome, else what differs."""
    if res.returncode != case["code"]:
        return f"exit {res.returncode}, expected {case['code']}: {describe(case)}"
    if case["code"] == 0:
        try:
            got = json.loads(res.stdout.decode())
        except ValueError:
            return f"stdout is not JSON: {describe(case)}"
        if not lct_verify.same(got, case["output"]):
            return (f"got {json.dumps(got, sort_keys=True)[:300]}\nexpected "
                    f"{json.dumps(case['output'], sort_keys=True)[:300]}\n{describe(case)}")
        return None
    if res.stdout.strip():
        return f"printed to stdout on error: {describe(case)}"
    if case["line"] is not None and not re.search(rf"line {case['line']}(?!\d)", res.stderr.decode(errors="replace")):
        return f"stderr lacks 'line {case['line']}': {res.stderr.decode(errors='replace')[:200]} {describe(case)}"
    return None


def check(workdir, selected):
    assert selected, "no invocations selected"
    bad = []
    for case in selected:
        stdin = EXP["files"][case["stdin"]].encode() if "stdin" in case else b""
        why = problem(case, agent_tool(case["args"], workdir, stdin))
        if why:
            bad.append(why)
    assert not bad, f"{len(bad)} of {len(selected)} invocations wrong; first:\n" + "\n\n".join(bad[:3])


def test_tool_is_an_executable_file():
    p = Path(TOOL)
    assert not p.is_symlink() and p.is_file() and p.stat().st_mode & 0o111, f"{TOOL} is not an executable file"


def test_examples_match():
    examples = sorted(Path("/app/examples").glob("*.ini"))
    assert examples, "the examples are missing from the image"
    for ini in examples:
        res = agent_tool([str(ini)], ini.parent)
        assert res.returncode == 0, f"{ini}: exit {res.returncode}: {res.stderr[-500:]!r}"
        try:
            got = json.loads(res.stdout.decode())
        except ValueError:
            pytest.fail(f"{ini}: stdout is not JSON")
        assert lct_verify.same(got, json.loads(ini.with_suffix(".json").read_text())), f"{ini}: wrong output"


def test_plain_conversion(workdir):
    check(workdir, [c for c in CASES if len(c["args"]) == 1 and "stdin" not in c and c["code"] == 0])


def test_invalid_input_errors(workdir):
    check(workdir, [c for c in CASES if c["code"] == EXP["err_code"] and "stdin" not in c])


def test_flags_stdin_and_unreadable_files(workdir):
    check(workdir, [c for c in CASES if len(c["args"]) > 1 or "stdin" in c
                    or c["code"] not in (0, EXP["err_code"])])
