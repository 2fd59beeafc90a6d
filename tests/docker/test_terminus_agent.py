"""The Terminus-style agent on real containers: a scripted OpenAI-compatible server answers through the real LiteLLM
client, the keystrokes go through real tmux, the verifier grades the result; its trajectory is valid Harbor ATIF
and exports to every SFT format. (The scripted replies say nothing about any model's quality.)"""

from __future__ import annotations

import json
import subprocess

import pyarrow.parquet as pq
import pytest

from litecoder_terminal.agents import agent_from_spec
from litecoder_terminal.agents.terminus import SUMMARY_HANDOFF, SUMMARY_REQUEST, TerminusAgent
from litecoder_terminal.export.sft import collect_sft, write_sft
from litecoder_terminal.llm import LLMClient, LLMConfig, ScriptedLLMServer
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import TrialStatus, run_trial
from tests.conftest import make_task
from tests.docker.test_replay_agent import HARBOR_PY, agent_steps, harbor_validate

pytestmark = pytest.mark.docker


def reply(keystrokes: list[str] = (), done: bool = False, duration: float = 0.3) -> str:
    return json.dumps({"analysis": "The terminal is at a prompt." if not done else "hello is in /root/out.txt.",
                       "plan": "Write the file, then show it." if not done else "Finish.",
                       "commands": [{"keystrokes": k, "duration": duration} for k in keystrokes],
                       "task_complete": done})


def solver(messages: list[dict]) -> str:
    """Stateless (it reads the conversation): prose first, then a fenced reply with a trailing comma, then done."""
    turn = sum(1 for m in messages if m["role"] == "assistant")
    if turn == 0:
        return "Let me think about this. I will write the file with echo."
    if turn == 1:
        body = reply(["echo hello > /root/out.txt\n", "cat /root/out.txt\n"])
        return f"Here is my answer:\n```json\n{body[:-1]},}}\n```\nThat should do it."
    return reply(done=True)


def llm_for(srv: ScriptedLLMServer) -> LLMClient:
    return LLMClient(LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01, temperature=0.0))


def run(engine, task_path, agent, out):
    td = TaskDir(task_path)
    return run_trial(td, agent, engine, image=engine.build(td.environment_dir).tag, trial_dir=out)


def test_terminus_solves_task_recovers_from_bad_json_and_exports(engine, tmp_path):
    task = make_task(tmp_path / "tasks", "hello-file")
    with ScriptedLLMServer() as srv:
        srv.add(".", solver, where="any")
        agent = agent_from_spec("terminus", llm=llm_for(srv), max_turns=10)
        result = run(engine, task, agent, tmp_path / "trial")
        requests = list(srv.requests)
    assert result.status is TrialStatus.GRADED and result.reward == 1.0, result
    assert result.agent == "terminus" and result.agent_exit_code == 0 and not result.agent_timed_out

    # the conversation the model saw: prompt with the task and the terminal, an error turn, the screen, a confirmation
    assert len(requests) == 4
    first = requests[0]["messages"][0]["content"]
    assert "Write the word hello to /root/out.txt." in first and "Current terminal state:" in first
    assert "could not be used" in requests[1]["messages"][-1]["content"]
    screen = requests[2]["messages"][-1]["content"]
    assert "Extra text was found around the JSON" in screen and "New Terminal Output:" in screen
    assert "\nhello\n" in screen  # the real output of `cat`, read back from tmux
    assert "Are you sure" in requests[3]["messages"][-1]["content"]

    traj_path = tmp_path / "trial" / "agent" / "trajectory.json"
    traj = json.loads(traj_path.read_text())
    steps = agent_steps(traj)
    assert len(steps) == 4 and all(s["llm_call_count"] == 1 and s["model_name"] == "openai/scripted" for s in steps)
    assert steps[0]["extra"]["parse_error"] == "no JSON object found in the response" and "tool_calls" not in steps[0]
    assert [c["arguments"]["keystrokes"] for c in steps[1]["tool_calls"]] == ["echo hello > /root/out.txt\n",
                                                                              "cat /root/out.txt\n"]
    assert steps[1]["reasoning_content"] == "The terminal is at a prompt.\n\nWrite the file, then show it."
    assert steps[3]["tool_calls"][-1]["function_name"] == "mark_task_complete"
    fm = traj["final_metrics"]
    assert fm["extra"]["stop_reason"] == "task_complete" and fm["extra"]["parse_errors"] == 1
    assert fm["total_prompt_tokens"] == sum(s["metrics"]["prompt_tokens"] for s in steps) > 0
    assert fm["total_completion_tokens"] == sum(s["metrics"]["completion_tokens"] for s in steps) > 0
    assert harbor_validate(traj_path).split() == ["ATIF-v1.8", "5"]
    # Harbor's trace export reads the trial dir: agent and model from result.json, the reward, the prompt and screens
    harbor = harbor_trace_conversation(tmp_path / "trial")
    assert harbor["meta"] == {"agent_name": "terminus", "model_name": "scripted", "model_provider": "openai"}
    assert harbor["result"] == "1.0"
    harbor_conv = harbor["conversations"]
    assert harbor_conv[0] == {"role": "user", "content": first}
    assert [m["content"] for m in harbor_conv if m["role"] == "user"][2] == screen

    # exported in every format and read back
    records, stats = collect_sft([tmp_path / "trial"])
    assert stats.kept == 1 and stats.domains == {"tasks": 1}
    conv = records[0].conversations
    assert conv[0] == {"from": "human", "value": first}
    assert [t["from"] for t in conv] == ["human", "gpt", "human", "gpt", "human", "gpt"]  # bad reply left out
    assert "echo hello > /root/out.txt" in conv[1]["value"] and conv[2]["value"] == screen
    assert json.loads(conv[-1]["value"])["task_complete"] is True
    for fmt, name in (("sharegpt", "sft.jsonl"), ("openai", "oai.jsonl"), ("parquet", "sft.parquet")):
        write_sft(records, tmp_path / name, fmt)
    (sharegpt,) = [json.loads(line) for line in (tmp_path / "sft.jsonl").read_text().splitlines()]
    assert sharegpt == {"id": records[0].id, "conversations": conv}
    (oai,) = [json.loads(line) for line in (tmp_path / "oai.jsonl").read_text().splitlines()]
    assert [m["role"] for m in oai["messages"]] == ["user", "assistant"] * 3
    assert [m["content"] for m in oai["messages"]] == [t["value"] for t in conv]
    (row,) = pq.read_table(tmp_path / "sft.parquet").to_pylist()
    assert row["id"] == records[0].id and row["conversations"] == conv and row["reward"] == 1.0
    assert row["messages"] == oai["messages"] and row["model"] == "openai/scripted"


HARBOR_TRACES = """
import json, sys
from pathlib import Path
from harbor.utils.traces_utils import collect_conversations_from_trial, load_run_metadata
trial = Path(sys.argv[1])
meta = load_run_metadata(trial)  # from our result.json, as `harbor traces export` does
rows = collect_conversations_from_trial(trial, meta)
print(json.dumps({"meta": {k: meta[k] for k in ("agent_name", "model_name", "model_provider")},
                  "result": rows[-1]["result"], "conversations": rows[-1]["conversations"]}))
"""


def harbor_trace_conversation(trial_dir) -> dict:
    """The trial as Harbor 0.25's own trace exporter (`harbor traces export`) reads it: metadata, result and the
    last episode's conversation."""
    if not HARBOR_PY.exists():
        pytest.skip(f"Harbor venv absent ({HARBOR_PY}): trajectory not read with Harbor's trace exporter")
    res = subprocess.run([str(HARBOR_PY), "-c", HARBOR_TRACES, str(trial_dir)], capture_output=True, text=True, timeout=600,
                         check=False)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_looping_agent_is_summarised_cut_and_filtered(engine, tmp_path):
    task = make_task(tmp_path / "tasks", "loop")
    loop = reply(["echo hello > /root/out.txt\n"], duration=0.1)
    with ScriptedLLMServer() as srv:
        srv.add(f"^{SUMMARY_REQUEST[:40]}", "SUMMARY: wrote hello to /root/out.txt several times.")
        srv.add(".", loop)
        agent = TerminusAgent(llm_for(srv), max_turns=6, context_tokens=600, keep_turns=1)
        result = run(engine, task, agent, tmp_path / "run" / "loop" / "1")
        requests = [r["messages"] for r in srv.requests]
    assert result.status is TrialStatus.GRADED and result.reward == 1.0  # solved, but never said so
    traj = json.loads((tmp_path / "run" / "loop" / "1" / "agent" / "trajectory.json").read_text())
    extra = traj["final_metrics"]["extra"]
    assert extra["stop_reason"] == "max_turns" and extra["turns"] == 6 and extra["summaries"] >= 1

    # a summary was asked for, and the next request started from it with only the last turn kept
    k = next(i for i, m in enumerate(requests) if m[-1]["content"] == SUMMARY_REQUEST)
    after = requests[k + 1]
    assert len(after) < len(requests[k]) - 1 and len(after) == 3  # summary+task, last reply, last screen
    assert after[0]["content"].startswith("You are an AI assistant")
    assert SUMMARY_HANDOFF + "SUMMARY: wrote hello" in after[0]["content"]
    assert traj["final_metrics"]["total_prompt_tokens"] > sum(s["metrics"]["prompt_tokens"] for s in agent_steps(traj))

    _, stats = collect_sft([tmp_path / "run"])
    assert stats.kept == 0 and stats.dropped == {"truncated": 1}
    _, stats = collect_sft([tmp_path / "run"], keep_truncated=True)
    assert stats.kept == 0 and stats.dropped == {"looping": 1}


def test_agent_timeout_stops_the_run_and_marks_it_truncated(engine, tmp_path):
    task = make_task(tmp_path / "tasks", "slow", config={"agent": {"timeout_sec": 9}})
    with ScriptedLLMServer() as srv:
        srv.add(".", reply(["sleep 30 && echo hello > /root/out.txt\n"], duration=30))
        result = run(engine, task, TerminusAgent(llm_for(srv)), tmp_path / "run" / "slow" / "1")
        assert len(srv.requests) == 1
    assert result.agent_timed_out and result.agent_exit_code is None
    assert result.status is TrialStatus.GRADED and result.reward == 0.0
    traj = json.loads((tmp_path / "run" / "slow" / "1" / "agent" / "trajectory.json").read_text())
    assert traj["final_metrics"]["extra"]["stop_reason"] == "timeout"
    (step,) = agent_steps(traj)
    assert step["extra"]["timed_out"] is True and step["tool_calls"][0]["arguments"]["duration"] == 30
    _, stats = collect_sft([tmp_path / "run"], min_reward=0.0)
    assert stats.dropped == {"truncated": 1}


def test_budget_lines_cut_replies_and_the_env_deadline(engine, tmp_path):
    """The agent is told its turns and time left; a reply cut at --max-output-tokens is named as cut; with
    deadline=env the model's latency is left out of the task's timeout and recorded. (Scripted replies.)"""
    task = make_task(tmp_path / "tasks", "budget", config={"agent": {"timeout_sec": 60}})

    def answer(messages: list[dict]) -> str:
        turn = sum(1 for m in messages if m["role"] == "assistant")
        if turn == 0:  # a long plan: longer than the 60-token limit, so the server cuts it mid-JSON
            return json.dumps({"analysis": "Long analysis. " * 40, "plan": "p", "commands": [], "task_complete": False})
        if turn == 1:
            return reply(["echo hello > /root/out.txt\n"])
        return reply(done=True)

    with ScriptedLLMServer() as srv:
        srv.add(".", answer, where="any")
        llm = LLMClient(LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01, max_tokens=60))
        agent = TerminusAgent(llm, max_turns=8, deadline="env")
        result = run(engine, task, agent, tmp_path / "trial")
        requests = [r["messages"] for r in srv.requests]
    assert result.status is TrialStatus.GRADED and result.reward == 1.0, result
    first = requests[0][0]["content"]
    assert "[Budget: 8 of 8 turns left; about 50 s left before the deadline (environment time" in first
    cut = requests[1][-1]["content"]
    assert "cut at the output limit (60 tokens)" in cut and "no JSON object" not in cut
    assert "[Budget: 7 of 8 turns left;" in cut
    assert "[Budget: 6 of 8 turns left;" in requests[2][-1]["content"]
    traj = json.loads((tmp_path / "trial" / "agent" / "trajectory.json").read_text())
    extra = traj["final_metrics"]["extra"]
    assert extra["deadline"] == "env" and extra["timeout_sec"] == 60 and extra["parse_errors"] == 1
    assert extra["llm_seconds"] > 0 and extra["env_seconds"] > 0
    assert traj["agent"]["extra"]["deadline"] == "env" and traj["agent"]["extra"]["max_output_tokens"] == 60
    assert "cut at the output limit" in agent_steps(traj)[0]["extra"]["parse_error"]
