"""SFT export (filters, de-duplication, formats, replay rendering), the RL manifest band, and pass@k."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from litecoder_terminal.agents.atif import LLMCall, TerminalStep, build_trajectory
from litecoder_terminal.agents.terminus import render_prompt
from litecoder_terminal.export.rl import rl_manifest, task_meta, write_manifest
from litecoder_terminal.export.sft import collect_sft, write_sft
from litecoder_terminal.runner.rollout import pass_at_k
from tests.conftest import make_task


def llm_step(keys: str, obs: str, done: bool = False, **extra) -> TerminalStep:
    reply = json.dumps({"analysis": "a", "plan": "p", "commands": [{"keystrokes": keys, "duration": 0.1}],
                        "task_complete": done})
    return TerminalStep(rationale=reply, keystrokes="", observation=obs, commands=[(keys, 0.1)],
                        llm=LLMCall("openai/m", "a\n\np", 100, 20, 0.001), task_complete=done, extra=extra)


def write_trial(root: Path, task: Path, steps: list[TerminalStep], *, reward: float = 1.0, stop: str = "task_complete",
                status: str = "graded", agent: str = "terminus") -> Path:
    root.mkdir(parents=True)
    traj = build_trajectory(session_id="s", agent_name=agent, instruction="Write hello.", initial_screen="root@b:/#",
                            steps=steps, model_name="openai/m" if agent == "terminus" else None,
                            final_extra={"stop_reason" if agent == "terminus" else "stopped": stop})
    (root / "agent").mkdir()
    (root / "agent" / "trajectory.json").write_text(json.dumps(traj))
    (root / "result.json").write_text(json.dumps({"task_name": task.name, "task_path": str(task), "status": status,
                                                  "reward": reward if status == "graded" else None,
                                                  "agent_timed_out": False}))
    return root


@pytest.fixture
def task(tmp_path):
    return make_task(tmp_path / "tasks", "hello", config={"metadata": {"category": "file_ops", "difficulty": "easy"}})


def solved(i: int = 0) -> list[TerminalStep]:
    return [llm_step(f"echo hello{i} > /root/out.txt\n", "New Terminal Output:\nroot@b:/#"),
            llm_step("", "Are you sure?", done=True), llm_step("", "root@b:/#", done=True)]


def test_filters_dedup_and_stats(tmp_path, task):
    runs = tmp_path / "runs"
    write_trial(runs / "hello" / "1", task, solved(1))
    write_trial(runs / "hello" / "2", task, solved(1))  # the same replies: a duplicate
    write_trial(runs / "hello" / "3", task, solved(3))
    write_trial(runs / "hello" / "4", task, solved(4), reward=0.0)
    write_trial(runs / "hello" / "5", task, solved(5), stop="max_turns")
    write_trial(runs / "hello" / "6", task, [llm_step("ls\n", f"out {i}") for i in range(5)])  # same keys 5 times
    write_trial(runs / "hello" / "7", task, [llm_step(f"cat f{i}\n", "same") for i in range(4)] + solved(7))
    write_trial(runs / "hello" / "8", task, solved(8), status="error")
    _, stats = collect_sft([runs])
    assert stats.trials == 8 and stats.kept == 2
    assert stats.dropped == {"duplicate": 1, "reward": 1, "truncated": 1, "looping": 2, "not_graded": 1}
    assert stats.domains == {"file_ops": 2} and stats.turns == [3, 3]
    assert stats.as_dict()["turns_mean"] == 3.0 and stats.tokens > 0
    # without the reward and truncation filters, 4 and 5 are kept; the loops still go
    _, loose = collect_sft([runs], min_reward=0.0, keep_truncated=True, loop_repeats=4)
    assert loose.dropped["looping"] == 2 and loose.kept == 4


def test_damaged_trials_are_named_and_skipped(tmp_path, task):
    runs = tmp_path / "runs"
    write_trial(runs / "hello" / "1", task, solved(1))
    bad_result = write_trial(runs / "hello" / "2", task, solved(2)) / "result.json"
    bad_result.write_text("{not json")
    bad_traj = write_trial(runs / "hello" / "3", task, solved(3)) / "agent" / "trajectory.json"
    bad_traj.write_text("[1, 2]")
    records, stats = collect_sft([runs])
    assert [r.trial_dir for r in records] == [str(runs / "hello" / "1")]  # the batch went on
    assert stats.dropped == {"unreadable": 2}
    assert len(stats.errors) == 2 and stats.errors[0].startswith(f"{bad_result}: cannot read")
    assert stats.errors[1] == f"{bad_traj}: not an ATIF trajectory object"


def test_conversation_shape_and_formats(tmp_path, task):
    steps = [llm_step("bad", "Your previous response could not be used", parse_error="no JSON"), *solved()]
    steps[0].rationale = "I will write it."
    write_trial(tmp_path / "t", task, steps)
    records, _ = collect_sft([tmp_path / "t"])
    (rec,) = records
    conv = rec.conversations
    assert conv[0] == {"from": "human", "value": render_prompt("Write hello.", "root@b:/#")}
    assert [t["from"] for t in conv] == ["human", "gpt", "human", "gpt", "human", "gpt"]
    assert "I will write it." not in json.dumps(conv)  # the unparseable reply and its error are left out
    assert json.loads(conv[1]["value"])["commands"][0]["keystrokes"] == "echo hello0 > /root/out.txt\n"
    assert conv[2]["value"] == "New Terminal Output:\nroot@b:/#" and conv[4]["value"] == "Are you sure?"
    assert rec.domain == "file_ops" and rec.model == "openai/m" and rec.id.startswith("hello-")

    for fmt in ("sharegpt", "openai", "parquet"):
        write_sft(records, tmp_path / f"out.{fmt}", fmt)
    assert json.loads((tmp_path / "out.sharegpt").read_text()) == {"id": rec.id, "conversations": conv}
    msgs = json.loads((tmp_path / "out.openai").read_text())["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant"] * 3 and msgs[5]["content"] == conv[5]["value"]
    (row,) = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert row["conversations"] == conv and row["messages"] == msgs and row["domain"] == "file_ops"
    # and as trainers load it: Hugging Face `datasets` reads the Parquet file as is
    import datasets

    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "out.parquet"), split="train",
                               cache_dir=str(tmp_path / "hf-cache"))
    assert ds.num_rows == 1 and ds[0]["conversations"] == conv and ds[0]["messages"] == msgs
    with pytest.raises(ValueError, match="unknown SFT format"):
        write_sft(records, tmp_path / "x", "alpaca")


def test_replay_trajectories_become_terminus_replies(tmp_path, task):
    steps = [TerminalStep(rationale="Write the greeting.", keystrokes="echo hello > /root/out.txt\n",
                          observation="root@b:/# echo hello > /root/out.txt\nroot@b:/#", duration_sec=0.04,
                          exit_code=0)]
    write_trial(tmp_path / "r", task, steps, stop="completed", agent="replay")
    (rec,), _ = collect_sft([tmp_path / "r"])
    conv = rec.conversations
    assert [t["from"] for t in conv] == ["human", "gpt", "human", "gpt", "human", "gpt"]
    first = json.loads(conv[1]["value"])
    assert first == {"analysis": "Write the greeting.", "plan": "Run `echo hello > /root/out.txt` and check its output.",
                     "commands": [{"keystrokes": "echo hello > /root/out.txt\n", "duration": 0.1}],
                     "task_complete": False}
    assert conv[2]["value"].startswith("New Terminal Output:\nroot@b:/# echo hello")
    assert json.loads(conv[3]["value"])["task_complete"] is True and "Are you sure" in conv[4]["value"]
    assert conv[5] == conv[3] and rec.agent == "replay" and rec.model is None
    # a script ending in `exit 0` finished; one stopped by errexit did not
    write_trial(tmp_path / "r2", task, steps[:1], stop="exit 0 (line 3)", agent="replay")
    write_trial(tmp_path / "r3", task, steps[:1], stop="errexit: command at line 2 exited 1", agent="replay")
    _, stats = collect_sft([tmp_path / "r2", tmp_path / "r3"])
    assert stats.dropped == {"truncated": 1} and stats.kept == 1


def test_rl_manifest_band_and_formats(tmp_path):
    a = make_task(tmp_path / "t", "a", config={"metadata": {"category": "data", "difficulty": "hard"}})
    b = make_task(tmp_path / "t", "b", solve="echo b > /root/out.txt")
    c = make_task(tmp_path / "t", "c", solve="echo c > /root/out.txt")
    d = make_task(tmp_path / "t", "d", solve="echo d > /root/out.txt")
    assert task_meta(a) == {"domain": "data", "difficulty": "hard"} and task_meta(b)["domain"] == "t"
    from litecoder_terminal.task import TaskDir

    cal = tmp_path / "calibration.jsonl"
    rates = {a: 0.5, b: 1.0, c: 0.0}  # d was never calibrated
    cal.write_text("".join(json.dumps({"content_hash": TaskDir(p).content_hash(), "pass_rate": r, "graded": 4}) + "\n"
                           for p, r in rates.items()))
    rows, dropped = rl_manifest([a, b, c, d], calibration=cal, min_pass=0.1, max_pass=0.9)
    assert [r["task"] for r in rows] == ["a"] and rows[0]["pass_rate"] == 0.5 and rows[0]["attempts"] == 4
    assert dropped == {"invalid": 0, "uncalibrated": 1, "too_easy": 1, "too_hard": 1}
    rows, _ = rl_manifest([a, b, c, d])
    assert [r["pass_rate"] for r in rows] == [None] * 4
    broken = make_task(tmp_path / "t", "broken")
    (broken / "task.toml").write_text("this is [not toml\n")
    problems: list[str] = []
    kept, dropped = rl_manifest([a, broken], problems=problems)
    assert [r["task"] for r in kept] == ["a"] and dropped["invalid"] == 1  # a broken task is no environment
    assert len(problems) == 1 and str(broken / "task.toml") in problems[0]
    write_manifest(rows, tmp_path / "m.parquet", "parquet")
    write_manifest(rows, tmp_path / "m.jsonl", "jsonl")
    assert pq.read_table(tmp_path / "m.parquet").to_pylist() == [json.loads(x) for x in
                                                                 (tmp_path / "m.jsonl").read_text().splitlines()]
    cal.write_text("{not json\n")
    with pytest.raises(ValueError, match="calibration.jsonl:1: not JSON"):
        rl_manifest([a], calibration=cal)


def test_pass_at_k_matches_the_combinatorial_definition():
    assert pass_at_k(10, 0, 1) == 0.0 and pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25) and pass_at_k(4, 1, 4) == 1.0
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - comb(3, 2) / comb(5, 2))  # 0.7
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    for n, c, k in ((20, 3, 5), (8, 7, 2), (16, 1, 10)):
        assert pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k))
    assert pass_at_k(2, 1, 3) is None  # fewer samples than k: undefined, not 0
