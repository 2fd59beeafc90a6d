"""SFT datasets from rollout trials: rejection sampling by reward, filters for truncated and looping runs,
de-duplication, and the conversation formats trainers read (ShareGPT as LiteCoder ships it, OpenAI, Parquet).

A conversation is what the model saw and said: first the Terminus prompt (task + initial terminal), then
the model's JSON replies (gpt) and the observations sent back (human). LLM steps are taken verbatim from the
ATIF trajectory; a turn whose reply could not be parsed is left out with its error message. Replay steps
(no LLM) are rendered as the Terminus reply a model should have written: analysis = the step's rationale,
keystrokes = the command; then a completion turn and its confirmation, so both sources share one shape.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litecoder_terminal.agents.terminus import CONFIRM_TEMPLATE, render_prompt
from litecoder_terminal.export.rl import task_meta

FORMATS = ("sharegpt", "openai", "parquet")
REPLAY_DONE = {"analysis": "Every step of the plan ran and its output shows the task is done.",
               "plan": "Mark the task as complete.", "commands": [], "task_complete": True}


@dataclass
class SFTRecord:
    id: str
    task: str
    domain: str
    reward: float
    agent: str
    model: str | None
    conversations: list[dict[str, str]]  # [{"from": "human"|"gpt", "value": str}]
    trial_dir: str

    def messages(self) -> list[dict[str, str]]:
        role = {"human": "user", "gpt": "assistant"}
        return [{"role": role[t["from"]], "content": t["value"]} for t in self.conversations]


@dataclass
class ExportStats:
    trials: int = 0
    kept: int = 0
    dropped: Counter = field(default_factory=Counter)
    turns: list[int] = field(default_factory=list)  # gpt turns per kept record
    tokens: int = 0  # estimated (4 characters a token) over kept records
    domains: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # "file: problem" for every trial that could not be read

    def as_dict(self) -> dict[str, Any]:
        return {"trials": self.trials, "records": self.kept, "dropped": dict(self.dropped),
                "turns_mean": round(sum(self.turns) / len(self.turns), 2) if self.turns else 0.0,
                "turns_max": max(self.turns, default=0), "tokens_estimate": self.tokens,
                "domains": dict(sorted(self.domains.items())), "errors": self.errors}


def _trial_dirs(runs: list[Path]) -> list[Path]:
    out: set[Path] = set()
    for run in runs:
        run = Path(run)
        if (run / "result.json").is_file() and ((run / "agent").is_dir() or (run / "verifier").is_dir()):
            out.add(run)  # a trial dir (a job dir's own result.json is Harbor's job result, not a trial)
        else:
            out.update(p.parent for p in run.rglob("result.json") if (p.parent / "agent").is_dir()
                       or (p.parent / "verifier").is_dir())
    return sorted(out)


def _keystrokes(step: dict) -> str:
    return "".join(str((c.get("arguments") or {}).get("keystrokes", "")) for c in step.get("tool_calls") or []
                   if c.get("function_name") == "bash_command")


def _observation(step: dict) -> str:
    results = (step.get("observation") or {}).get("results") or []
    return "\n".join(str(r.get("content") or "") for r in results)


def _looping(agent_steps: list[dict], repeats: int) -> str | None:
    """The same keystrokes (or the same screen) `repeats` turns in a row: the model was stuck."""
    for what, key in (("keystrokes", _keystrokes), ("observation", _observation)):
        run, last = 0, None
        for step in agent_steps:
            value = key(step)
            run = run + 1 if value and value == last else 1
            last = value
            if value and run >= repeats:
                return f"the same {what} {run} times in a row"
    return None


def _finished(traj: dict) -> bool:
    """The agent ended on its own: terminus said task_complete; a replay ran to the end (or to an `exit 0`)."""
    extra = (traj.get("final_metrics") or {}).get("extra") or {}
    stop = str(extra.get("stop_reason") or extra.get("stopped") or "")
    return stop in ("task_complete", "completed") or re.match(r"exit 0 ", stop) is not None


def _replay_reply(step: dict) -> str:
    commands = [{"keystrokes": (c.get("arguments") or {}).get("keystrokes", ""),
                 "duration": max(0.1, round(float((c.get("arguments") or {}).get("duration") or 0.0), 1))}
                for c in step.get("tool_calls") or [] if c.get("function_name") == "bash_command"]
    first = next((c["keystrokes"].strip().splitlines()[0] for c in commands if c["keystrokes"].strip()), "")
    return json.dumps({"analysis": str(step.get("message") or ""), "plan": f"Run `{first}` and check its output.",
                       "commands": commands, "task_complete": False}, ensure_ascii=False, indent=2)


def conversation(traj: dict) -> list[dict[str, str]]:
    """ShareGPT turns for an ATIF trajectory written by the terminus or the replay agent."""
    steps = traj.get("steps") or []
    user = next((s for s in steps if s.get("source") == "user"), None)
    if user is None:
        raise ValueError("the trajectory has no user step (the task)")
    extra = user.get("extra") or {}
    terminal = extra.get("terminal_state") or ""
    # an LLM agent's task step holds the prompt it sent (its extra keeps the bare instruction); a replay's, the task
    first = str(user.get("message") or "")
    turns = [{"from": "human", "value": first if "instruction" in extra else render_prompt(first, terminal)}]
    agent = [s for s in steps if s.get("source") == "agent"]
    replay = bool(agent) and all(s.get("llm_call_count") == 0 for s in agent)
    for step in agent:
        if (step.get("extra") or {}).get("parse_error"):
            continue  # an unusable reply and the error it drew: nothing a model should learn
        if replay:
            turns.append({"from": "gpt", "value": _replay_reply(step)})
            turns.append({"from": "human", "value": "New Terminal Output:\n" + _observation(step)})
        else:
            turns.append({"from": "gpt", "value": str(step.get("message") or "")})
            if step.get("observation"):
                turns.append({"from": "human", "value": _observation(step)})
    if replay:
        done = json.dumps(REPLAY_DONE, ensure_ascii=False, indent=2)
        screen = _observation(agent[-1]) if agent else terminal
        turns += [{"from": "gpt", "value": done}, {"from": "human", "value": CONFIRM_TEMPLATE.format(screen=screen)},
                  {"from": "gpt", "value": done}]
    while turns and turns[-1]["from"] == "human":  # a record ends on the model's last word
        turns.pop()
    return turns


def collect_sft(runs: list[Path], *, min_reward: float = 1.0, loop_repeats: int = 4,
                keep_truncated: bool = False) -> tuple[list[SFTRecord], ExportStats]:
    """Every trial under `runs` (rollout dirs or trial dirs), filtered; records in a stable order."""
    stats = ExportStats()
    records: list[SFTRecord] = []
    seen: set[str] = set()
    for trial in _trial_dirs(runs):
        stats.trials += 1
        # a damaged trial is reported (file and problem) and skipped: the rest of the export goes on
        try:
            result = json.loads((trial / "result.json").read_text())
        except (OSError, json.JSONDecodeError) as e:
            stats.dropped["unreadable"] += 1
            stats.errors.append(f"{trial / 'result.json'}: cannot read: {e}")
            continue
        traj_path = trial / "agent" / "trajectory.json"
        if result.get("status") != "graded":
            stats.dropped["not_graded"] += 1
            continue
        if float(result.get("reward") or 0.0) < min_reward:
            stats.dropped["reward"] += 1
            continue
        if not traj_path.is_file():
            stats.dropped["no_trajectory"] += 1
            continue
        try:
            traj = json.loads(traj_path.read_text())
            if not isinstance(traj, dict):
                raise ValueError("not an ATIF trajectory object")
            turns = conversation(traj)
        except (OSError, json.JSONDecodeError, ValueError) as e:
            stats.dropped["unreadable"] += 1
            stats.errors.append(f"{traj_path}: {e}")
            continue
        if not keep_truncated and (result.get("agent_timed_out") or not _finished(traj)):
            stats.dropped["truncated"] += 1
            continue
        agent_steps = [s for s in traj.get("steps") or [] if s.get("source") == "agent"]
        if _looping(agent_steps, loop_repeats):
            stats.dropped["looping"] += 1
            continue
        gpt = [t["value"] for t in turns if t["from"] == "gpt"]
        if not gpt:
            stats.dropped["empty"] += 1
            continue
        digest = hashlib.sha256(json.dumps(gpt, ensure_ascii=False).encode()).hexdigest()
        if digest in seen:
            stats.dropped["duplicate"] += 1
            continue
        seen.add(digest)
        task_path = Path(result.get("task_path") or trial)
        domain = task_meta(task_path)["domain"] if (task_path / "task.toml").is_file() else result.get("task_name", "")
        rec = SFTRecord(id=f"{result.get('task_name', 'task')}-{digest[:12]}", task=result.get("task_name", ""),
                        domain=domain, reward=float(result["reward"]), agent=(traj.get("agent") or {}).get("name", ""),
                        model=(traj.get("agent") or {}).get("model_name"), conversations=turns, trial_dir=str(trial))
        records.append(rec)
        stats.kept += 1
        stats.turns.append(len(gpt))
        stats.tokens += sum(len(t["value"]) for t in turns) // 4
        stats.domains[domain] += 1
    return records, stats


def write_sft(records: list[SFTRecord], out: Path, fmt: str) -> Path:
    """sharegpt / openai: JSONL; parquet: one row per record (readable by `datasets.load_dataset("parquet")`)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "sharegpt":
        out.write_text("".join(json.dumps({"id": r.id, "conversations": r.conversations}, ensure_ascii=False) + "\n"
                               for r in records))
    elif fmt == "openai":
        out.write_text("".join(json.dumps({"messages": r.messages()}, ensure_ascii=False) + "\n" for r in records))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        turn = pa.struct([("from", pa.string()), ("value", pa.string())])
        message = pa.struct([("role", pa.string()), ("content", pa.string())])
        schema = pa.schema([("id", pa.string()), ("task", pa.string()), ("domain", pa.string()),
                            ("reward", pa.float64()), ("agent", pa.string()), ("model", pa.string()),
                            ("conversations", pa.list_(turn)), ("messages", pa.list_(message))])
        rows = [{"id": r.id, "task": r.task, "domain": r.domain, "reward": r.reward, "agent": r.agent,
                 "model": r.model, "conversations": r.conversations, "messages": r.messages()} for r in records]
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)
    else:
        raise ValueError(f"unknown SFT format {fmt!r}: use {', '.join(FORMATS)}")
    return out


__all__ = ["ExportStats", "FORMATS", "SFTRecord", "collect_sft", "conversation", "write_sft"]
