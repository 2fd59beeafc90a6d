"""ATIF (Agent Trajectory Interchange Format) documents for terminal agents, as Harbor's models define them.

Shaped like Harbor's own terminus-2 trajectories: step 1 is the user's task; each agent step carries its
message, the keystrokes it sent as a `bash_command` tool call (`{"keystrokes": ..., "duration": ...}`, the
keystrokes ending in a newline) and the terminal output as the observation, linked by `source_call_id`.
A replayed (non-LLM) step is a deterministic dispatch: `llm_call_count` is 0, so it has no `metrics` and no
`reasoning_content` (ATIF-v1.7 rule); its rationale is the step's message. An LLM step (`TerminalStep.llm`)
is one model call: its message is the model's raw reply, `reasoning_content` its analysis and plan, `metrics` its
tokens and cost, one tool call per command sent, and the observation the exact text the model was shown next.
Plain dicts, no Harbor import: tests validate the output with Harbor's pydantic `Trajectory` in Harbor's venv.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from litecoder_terminal import __version__

SCHEMA_VERSION = "ATIF-v1.8"  # Harbor 0.25's default (ATIF-v1.7 added llm_call_count)


@dataclass
class TerminalStep:
    """One agent turn: why, what was typed, and what the terminal showed after it."""

    rationale: str
    keystrokes: str
    observation: str
    timestamp: str | None = None
    duration_sec: float = 0.0
    exit_code: int | None = None
    timed_out: bool = False
    interrupted: bool = False  # C-c was sent after a timeout (recorded as a second tool call)
    extra: dict[str, Any] = field(default_factory=dict)
    # LLM steps only: every (keystrokes, duration) sent in this turn (replaces `keystrokes`), the call behind it
    commands: list[tuple[str, float]] | None = None
    llm: LLMCall | None = None
    task_complete: bool = False  # the reply asked to finish (recorded as a `mark_task_complete` tool call)


@dataclass
class LLMCall:
    """The model call that produced a step."""

    model_name: str
    reasoning: str | None = None  # analysis + plan
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def build_trajectory(*, session_id: str, agent_name: str, instruction: str, steps: list[TerminalStep],
                     initial_screen: str | None = None, started_at: str | None = None,
                     agent_version: str = __version__, model_name: str | None = None,
                     agent_extra: dict[str, Any] | None = None, final_extra: dict[str, Any] | None = None,
                     notes: str | None = None, other_usage: dict[str, float] | None = None,
                     user_extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """An ATIF document (a JSON-ready dict) with the task as step 1 and one agent step per TerminalStep."""
    out_steps: list[dict[str, Any]] = []
    user_step: dict[str, Any] = {"step_id": 1, "timestamp": started_at or _now(), "source": "user",
                                 "message": instruction}
    if initial_screen is not None or user_extra:
        user_step["extra"] = {**({"terminal_state": initial_screen} if initial_screen is not None else {}),
                              **(user_extra or {})}
    out_steps.append(user_step)
    totals = {"prompt": 0, "completion": 0, "cost": 0.0, "llm": False}
    for k, st in enumerate(steps, 1):
        if st.llm is not None:
            out_steps.append(_llm_step(len(out_steps) + 1, k, st, totals))
            continue
        call_id = f"call_{k}_1"
        calls = [{"tool_call_id": call_id, "function_name": "bash_command",
                  "arguments": {"keystrokes": st.keystrokes, "duration": round(float(st.duration_sec), 3)}}]
        if st.interrupted:
            calls.append({"tool_call_id": f"call_{k}_2", "function_name": "bash_command",
                          "arguments": {"keystrokes": "C-c", "duration": 0.0}})
        extra = {"exit_code": st.exit_code, "timed_out": st.timed_out, **st.extra}
        out_steps.append({
            "step_id": len(out_steps) + 1,
            "timestamp": st.timestamp or _now(),
            "source": "agent",
            "message": st.rationale,
            "tool_calls": calls,
            # as terminus-2 does: one result per step, linked to its call when a single call produced it
            "observation": {"results": [{"source_call_id": call_id if len(calls) == 1 else None,
                                         "content": st.observation}]},
            "llm_call_count": 0,
            "extra": extra,
        })
    for key, value in (other_usage or {}).items():  # model calls outside the steps (e.g. summaries)
        totals[key] += value
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "session_id": session_id,
        "agent": {"name": agent_name, "version": agent_version, **({"model_name": model_name} if model_name else {}),
                  **({"extra": agent_extra} if agent_extra else {})},
        "steps": out_steps,
        "final_metrics": {"total_prompt_tokens": int(totals["prompt"]),
                          "total_completion_tokens": int(totals["completion"]), "total_cached_tokens": 0,
                          **({"total_cost_usd": round(totals["cost"], 6)} if totals["llm"] else {}),
                          "total_steps": len(out_steps), **({"extra": final_extra} if final_extra else {})},
    }
    if notes:
        doc["notes"] = notes
    return _drop_none(doc)


def _llm_step(step_id: int, k: int, st: TerminalStep, totals: dict[str, Any]) -> dict[str, Any]:
    llm = st.llm
    totals["prompt"] += llm.prompt_tokens
    totals["completion"] += llm.completion_tokens
    totals["cost"] += llm.cost_usd
    totals["llm"] = True
    calls = [{"tool_call_id": f"call_{k}_{j}", "function_name": "bash_command",
              "arguments": {"keystrokes": keys, "duration": round(float(dur), 3)}}
             for j, (keys, dur) in enumerate(st.commands or [], 1)]
    if st.task_complete:
        calls.append({"tool_call_id": f"call_{k}_{len(calls) + 1}", "function_name": "mark_task_complete",
                      "arguments": {}})
    step: dict[str, Any] = {
        "step_id": step_id, "timestamp": st.timestamp or _now(), "source": "agent", "model_name": llm.model_name,
        "message": st.rationale, "reasoning_content": llm.reasoning or None, "tool_calls": calls or None,
        "metrics": {"prompt_tokens": llm.prompt_tokens, "completion_tokens": llm.completion_tokens,
                    "cost_usd": round(llm.cost_usd, 8)},
        "llm_call_count": 1, "extra": {"timed_out": st.timed_out or None, **st.extra},
    }
    if st.observation is not None:
        step["observation"] = {"results": [{"source_call_id": calls[0]["tool_call_id"] if len(calls) == 1 else None,
                                            "content": st.observation}]}
    return step


def _drop_none(value: Any) -> Any:
    """As Harbor's `to_json_dict(exclude_none=True)`: no null fields (values inside `extra` included)."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


__all__ = ["LLMCall", "SCHEMA_VERSION", "TerminalStep", "build_trajectory"]
