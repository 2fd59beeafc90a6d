"""`lct generate` at scale: a sample that raises is a recorded failure (the slot is refilled), and a killed run
resumes to the same bytes as an uninterrupted one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from typer.testing import CliRunner

import litecoder_terminal.synth.procedural.generate as gen
from litecoder_terminal.cli import app
from litecoder_terminal.synth.procedural.generate import (MAX_RESAMPLES, REPORT_FILE, STATE_FILE, ResumeMismatch,
                                                          generate)
from litecoder_terminal.synth.procedural.registry import get_family
from litecoder_terminal.task.model import tree_hash

FLAKY = "kv_daemon_rollout"  # a cheap networking family; --domain networking --count 10 gives it 2 slots


def _flaky(monkeypatch, fails=lambda seed: seed % 3 != 0):
    """Make FLAKY's sample raise for the seeds `fails` picks (two in three by default): no state, so a resumed
    run sees the same failures as an uninterrupted one."""
    fam = get_family(FLAKY)
    real = fam.sample

    def sample(self, seed):
        if fails(seed):
            raise IndexError(f"injected failure for seed {seed}")
        return real(self, seed)

    monkeypatch.setattr(fam, "sample", sample)


def _output(result) -> str:
    try:
        text = result.output + result.stderr
    except ValueError:  # stderr mixed into output
        text = result.output
    return " ".join(text.split())  # rich wraps long lines at the terminal width


def test_failing_samples_are_recorded_and_their_slots_refilled(tmp_path, monkeypatch):
    _flaky(monkeypatch)
    rep = generate(tmp_path / "o", domain="networking", count=15, seed=1)
    assert rep.written == rep.requested == 15 and rep.exhausted == []
    assert rep.failures and {f.family for f in rep.failures} == {FLAKY}
    report = json.loads((tmp_path / "o" / REPORT_FILE).read_text())
    assert report["written"] == report["requested"] == 15 and report["dropped"] == []
    assert len(report["failures"]) == len(rep.failures)
    for f in report["failures"]:
        assert f["family"] == FLAKY and f["difficulty"] in ("easy", "medium", "hard") and f["seed"] % 3 != 0
        assert f["error"] == f"IndexError: injected failure for seed {f['seed']}"
        assert "Traceback" in f["traceback"] and "IndexError" in f["traceback"]
    manifest = [json.loads(line) for line in (tmp_path / "o" / "manifest.jsonl").read_text().splitlines()]
    assert len(manifest) == 15
    assert all(r["seed"] % 3 == 0 for r in manifest if r["family"] == FLAKY)  # refilled from a seed that works

    res = CliRunner().invoke(app, ["generate", "--domain", "networking", "--count", "15", "--seed", "1",
                                   "--out", str(tmp_path / "cli")])
    out = _output(res)
    assert res.exit_code == 0, out
    assert f"{len(rep.failures)} sample(s) failed" in out and REPORT_FILE in out.replace(" ", "")  # paths fold


def test_a_family_that_always_raises_drops_its_slots_and_the_run_exits_nonzero(tmp_path, monkeypatch):
    _flaky(monkeypatch, fails=lambda seed: True)
    res = CliRunner().invoke(app, ["generate", "--domain", "networking", "--count", "10", "--out", str(tmp_path)])
    out = _output(res)
    assert res.exit_code == 1, out
    assert "2 of 10 slot(s) dropped" in out
    report = json.loads((tmp_path / REPORT_FILE).read_text())
    assert report["written"] == 8 and report["requested"] == 10
    assert [d["family"] for d in report["dropped"]] == [FLAKY, FLAKY]
    # the first slot tried every seed; after that the family counts as broken and is not sampled again. Other
    # slots' compositions that drew it as a further stage record its failure too, and are refilled.
    first = report["dropped"][0]["slot"]
    assert len([f for f in report["failures"] if f["slot"] == first]) == MAX_RESAMPLES
    assert all(f["family"] == FLAKY for f in report["failures"])
    assert not [f for f in report["failures"] if f["slot"] == report["dropped"][1]["slot"]]
    assert "every sample raised" in report["dropped"][0]["reason"]
    assert "not sampled" in report["dropped"][1]["reason"]


def test_crashed_run_resumes_to_the_same_bytes(tmp_path, monkeypatch):
    _flaky(monkeypatch)
    args = {"domain": "networking", "count": 15, "seed": 3}
    full = generate(tmp_path / "a", **args)

    real_write = gen.write_task_dir
    calls = []

    def crashing_write(dest, *a, **k):
        calls.append(dest)
        out = real_write(dest, *a, **k)  # the temp dir is written, the rename never happens
        if len(calls) == 7:
            raise RuntimeError("simulated crash")
        return out

    monkeypatch.setattr(gen, "write_task_dir", crashing_write)
    with pytest.raises(RuntimeError, match="simulated crash"):
        generate(tmp_path / "b", **args)
    monkeypatch.setattr(gen, "write_task_dir", real_write)
    journal = tmp_path / "b" / STATE_FILE
    assert len(journal.read_text().splitlines()) == 1 + 6
    assert not (tmp_path / "b" / "manifest.jsonl").exists()
    with journal.open("a") as f:
        f.write('{"slot": 6, "fam')  # a line torn by the kill

    with pytest.raises(ResumeMismatch, match="count=15 there, 16 now"):
        generate(tmp_path / "b", **{**args, "count": 16})
    resumed = generate(tmp_path / "b", **args)
    assert resumed.resumed == 6 and resumed.written == full.written == 15
    assert resumed.failures == full.failures and resumed.diversity == full.diversity
    assert tree_hash(tmp_path / "b") == tree_hash(tmp_path / "a")

    again = generate(tmp_path / "b", **args)  # a finished run: nothing left to do, nothing changes
    assert again.resumed == 15 and tree_hash(tmp_path / "b") == tree_hash(tmp_path / "a")


def test_killed_cli_run_resumes_to_the_same_bytes(tmp_path):
    """A real SIGKILL: the CLI stops (in a write hook) after 5 task dirs, with a half-written 6th in the temp dir."""
    args = ["generate", "--domain", "security", "--count", "12", "--seed", "9"]
    marker = tmp_path / "stopped"
    hang = textwrap.dedent(f"""\
        import pathlib, sys, time
        import litecoder_terminal.synth.procedural.generate as gen
        from litecoder_terminal.cli import app
        real, calls = gen.write_task_dir, []
        def write(dest, *a, **k):
            calls.append(dest)
            out = real(dest, *a, **k)
            if len(calls) == 6:
                pathlib.Path({str(marker)!r}).touch()
                time.sleep(300)
            return out
        gen.write_task_dir = write
        app(sys.argv[1:])
        """)
    out_dir = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", hang, *args, "--out", str(out_dir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    assert len((out_dir / STATE_FILE).read_text().splitlines()) == 1 + 5
    assert (out_dir / gen.TMP_DIR).is_dir()

    done = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", *args, "--out", str(out_dir)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "5 of 12 slots were already done" in done.stdout.replace("\n", " ")
    assert not (out_dir / gen.TMP_DIR).exists()
    generate(tmp_path / "whole", domain="security", count=12, seed=9)
    assert tree_hash(out_dir) == tree_hash(tmp_path / "whole")
