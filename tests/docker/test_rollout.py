"""`lct rollout`, `lct calibrate`, `lct export sft|rl` end to end: the terminus agent (scripted OpenAI-compatible server,
real LiteLLM client, real tmux) on tiny tasks; resume skips finished trials; infra errors stay apart from pass@k."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from litecoder_terminal.cli import app
from litecoder_terminal.llm import ScriptedLLMServer
from tests.conftest import make_task
from tests.docker.test_terminus_agent import reply

pytestmark = pytest.mark.docker


def writer(messages: list[dict]) -> str:
    """Always writes hello, then completes: right for task `hello`, wrong for task `world`."""
    turn = sum(1 for m in messages if m["role"] == "assistant")
    return reply(["echo hello > /root/out.txt\n"]) if turn == 0 else reply(done=True)


def finished_trial_mtimes(out) -> dict:
    """The graded trials' records (trial dirs sit directly under the job dir; the broken task's are retried)."""
    return {p: p.stat().st_mtime_ns for p in out.glob("*__*/result.json") if not p.parent.name.startswith("broken")}


@pytest.fixture(scope="module")
def rollout(engine, tmp_path_factory):
    root = tmp_path_factory.mktemp("rollout")
    tasks = root / "tasks"
    make_task(tasks, "hello", config={"metadata": {"category": "file_ops", "difficulty": "easy"}})
    make_task(tasks, "world", check="grep -qx world /root/out.txt", instruction="Write world to /root/out.txt.")
    make_task(tasks, "broken", dockerfile="FROM debian:bookworm-slim\nRUN exit 3\n")
    out = root / "out"
    with ScriptedLLMServer() as srv:
        srv.add(".", writer, where="any")
        args = ["rollout", str(tasks), "--agent", "terminus", "--model", "openai/scripted", "--api-base", srv.url,
                "--attempts", "2", "--jobs", "2", "--out", str(out), "--temperature", "0"]
        first = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
        calls = len(srv.requests)
        mtimes = finished_trial_mtimes(out)
        again = CliRunner().invoke(app, args, env={"COLUMNS": "250"})
        calls_again = len(srv.requests)
        calibrated = CliRunner().invoke(app, ["calibrate", *args[1:]], env={"COLUMNS": "250"})
        calls_calibrate = len(srv.requests)
    return {"root": root, "tasks": tasks, "out": out, "first": first, "again": again, "calibrated": calibrated,
            "calls": (calls, calls_again, calls_calibrate), "mtimes": mtimes}


def test_rollout_rewards_pass_at_k_and_infra_errors(rollout):
    first, out = rollout["first"], rollout["out"]
    assert first.exit_code == 1, first.output  # the broken task's build failed: reported, exit 1
    summary = json.loads((out / "summary.json").read_text())
    tasks = {t["task"]: t for t in summary["tasks"]}
    assert tasks["hello"]["rewards"] == [1.0, 1.0] and tasks["hello"]["pass_at_k"] == {"1": 1.0, "2": 1.0}
    assert tasks["world"]["rewards"] == [0.0, 0.0] and tasks["world"]["pass_at_k"] == {"1": 0.0, "2": 0.0}
    broken = tasks["broken"]
    assert broken["graded"] == 0 and broken["pass_at_k"] == {"1": None, "2": None}
    assert [e["kind"] for e in broken["errors"]] == ["infra", "infra"] and "build failed" in broken["errors"][0]["cause"]
    o = summary["overall"]
    assert o["trials"] == 6 and o["graded"] == 4 and o["errors"] == 2
    assert o["pass_at_k"] == {"1": 0.5, "2": 0.5}  # the broken task is not a failure
    assert tasks["hello"]["domain"] == "file_ops" and tasks["world"]["domain"] == "tasks"
    assert tasks["hello"]["prompt_tokens"] > 0 and tasks["hello"]["completion_tokens"] > 0
    assert tasks["hello"]["trials"][0]["stop_reason"] == "task_complete" and tasks["hello"]["trials"][0]["turns"] == 3
    for task in ("hello", "world"):
        for attempt in ("1", "2"):
            traj = json.loads((out / f"{task}__{attempt}" / "agent" / "trajectory.json").read_text())
            assert traj["agent"]["extra"]["salt"] == f"attempt-{attempt}"
    assert "pass@2" in first.output and "hello" in first.output


def test_rollout_resumes_without_rerunning_finished_trials(rollout):
    calls, calls_again, calls_calibrate = rollout["calls"]
    assert calls == 12  # 4 graded trials x 3 model calls (reply, complete, confirm)
    assert calls_again == calls_calibrate == calls  # neither the second rollout nor calibrate called the model
    assert len(rollout["mtimes"]) == 4 and finished_trial_mtimes(rollout["out"]) == rollout["mtimes"]
    assert "2 error(s) (task, infra or verifier)" in rollout["again"].output  # the broken task was tried again
    assert "broken (infra error): build failed" in rollout["again"].output  # and failed, with its cause shown


def test_calibrate_and_rl_manifest(rollout):
    out, tasks, root = rollout["out"], rollout["tasks"], rollout["root"]
    assert rollout["calibrated"].exit_code == 0, rollout["calibrated"].output
    rows = {r["task"]: r for r in map(json.loads, (out / "calibration.jsonl").read_text().splitlines())}
    assert (rows["hello"]["pass_rate"], rows["world"]["pass_rate"], rows["broken"]["pass_rate"]) == (1.0, 0.0, None)
    assert rows["hello"]["graded"] == 2 and rows["hello"]["difficulty"] == "easy"

    runner = CliRunner()
    res = runner.invoke(app, ["export", "rl", str(tasks), "--calibration", str(out / "calibration.jsonl"),
                              "--out", str(root / "rl.jsonl")])
    assert res.exit_code == 0, res.output
    assert (root / "rl.jsonl").read_text() == ""  # always solved, never solved, never graded: no RL signal
    res = runner.invoke(app, ["export", "rl", str(tasks), "--calibration", str(out / "calibration.jsonl"),
                              "--min-pass", "0", "--max-pass", "1", "--format", "parquet", "--out", str(root / "rl.pq")])
    assert res.exit_code == 0, res.output
    manifest = {r["task"]: r for r in pq.read_table(root / "rl.pq").to_pylist()}
    assert set(manifest) == {"hello", "world"} and manifest["hello"]["pass_rate"] == 1.0
    assert manifest["hello"]["domain"] == "file_ops" and len(manifest["hello"]["content_hash"]) == 64


def test_export_sft_from_rollout(rollout):
    out, root = rollout["out"], rollout["root"]
    runner = CliRunner()
    for fmt in ("sharegpt", "openai", "parquet"):
        res = runner.invoke(app, ["export", "sft", str(out), "--format", fmt, "--out", str(root / f"sft.{fmt}")])
        assert res.exit_code == 0, res.output
        stats = json.loads(res.output.strip().splitlines()[-1])
        # 4 graded trials: 2 rewarded 0; of the 2 solved ones (identical scripted replies) one is a duplicate
        assert stats["records"] == 1 and stats["dropped"] == {"reward": 2, "duplicate": 1}
        assert stats["domains"] == {"file_ops": 1} and stats["turns_mean"] == 3.0
    (rec,) = [json.loads(x) for x in (root / "sft.sharegpt").read_text().splitlines()]
    assert rec["conversations"][0]["from"] == "human" and "Write the word hello" in rec["conversations"][0]["value"]
    assert [t["from"] for t in rec["conversations"]][-1] == "gpt"
    (row,) = pq.read_table(root / "sft.parquet").to_pylist()
    assert row["conversations"] == rec["conversations"] and row["id"] == rec["id"]


def test_replay_rollout_is_a_demonstration_source(rollout):
    """No LLM: solve.sh typed into tmux, exported in the same Terminus shape."""
    root = rollout["root"]
    res = CliRunner().invoke(app, ["rollout", str(rollout["tasks"] / "hello"), "--agent", "replay", "--out",
                                   str(root / "replay")], env={"COLUMNS": "250"})
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["export", "sft", str(root / "replay"), "--out", str(root / "replay.jsonl")])
    assert res.exit_code == 0, res.output
    (rec,) = [json.loads(x) for x in (root / "replay.jsonl").read_text().splitlines()]
    conv = rec["conversations"]
    assert [t["from"] for t in conv] == ["human", "gpt", "human", "gpt", "human", "gpt"]
    step = json.loads(conv[1]["value"])
    assert step["commands"][0]["keystrokes"] == "echo hello > /root/out.txt\n" and step["task_complete"] is False
    assert "echo hello > /root/out.txt" in conv[2]["value"] and json.loads(conv[5]["value"])["task_complete"] is True


def test_a_task_that_cannot_be_read_is_named_and_the_rollout_goes_on(engine, tmp_path):
    tasks = tmp_path / "tasks"
    make_task(tasks, "good")
    bad = make_task(tasks, "bad")
    (bad / "task.toml").write_text((bad / "task.toml").read_text() + "this is [not toml\n")
    res = CliRunner().invoke(app, ["rollout", str(tasks), "--agent", "oracle", "--out", str(tmp_path / "out")],
                             env={"COLUMNS": "250"})
    assert res.exit_code == 1, res.output  # an error was recorded
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    rows = {r["task"]: r for r in summary["tasks"]}
    assert rows["good"]["rewards"] == [1.0]
    (error,) = rows["bad"]["errors"]
    assert error["kind"] == "task" and f"{bad / 'task.toml'}:" in error["cause"] and "invalid TOML" in error["cause"]
    assert "bad (task error):" in res.output
