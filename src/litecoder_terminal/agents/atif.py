"""ATIF (Agent Trajectory Interchange Format) documents for terminal agents, as Harbor's models define them.

Shaped like Harbor's own terminus-2 trajectories: step 1 is the user's task; each agent step carries its
message, the keystrokes it sent as a `bash_command` tool call (`{"keystrokes": ..., "duration": ...}`, the
keystrokes ending in a newline) and the terminal output as the observation, linked by `source_call_id`.
A replayed (non-LLM) step is a deterministic dispatch: `llm_call_count` is 0, so it has no `metrics` and no
`reasoning_content` (ATIF-v1.7 rule); its rationale is the step's message. Plain dicts, no Harbor import:
tests validate the output with Harbor's pydantic `Trajectory` in Harbor's own venv.
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def build_trajectory(*, session_id: str, agent_name: str, instruction: str, steps: list[TerminalStep],
                     initial_screen: str | None = None, started_at: str | None = None,
                     agent_version: str = __version__, model_name: str | None = None,
                     agent_extra: dict[str, Any] | None = None, final_extra: dict[str, Any] | None = None,
                     notes: str | None = None) -> dict[str, Any]:
    """An ATIF document (a JSON-ready dict) with the task as step 1 and one agent step per TerminalStep."""
    out_steps: list[dict[str, Any]] = []
    user_step: dict[str, Any] = {"step_id": 1, "timestamp": started_at or _now(), "source": "user",
                                 "message": instruction}
    if initial_screen is not None:
        user_step["extra"] = {"terminal_state": initial_screen}
    out_steps.append(user_step)
    for k, st in enumerate(steps, 1):
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
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "session_id": session_id,
        "agent": {"name": agent_name, "version": agent_version, **({"model_name": model_name} if model_name else {}),
                  **({"extra": agent_extra} if agent_extra else {})},
        "steps": out_steps,
        "final_metrics": {"total_prompt_tokens": 0, "total_completion_tokens": 0, "total_cached_tokens": 0,
                          "total_steps": len(out_steps), **({"extra": final_extra} if final_extra else {})},
    }
    if notes:
        doc["notes"] = notes
    return _drop_none(doc)


def _drop_none(value: Any) -> Any:
    """As Harbor's `to_json_dict(exclude_none=True)`: no null fields (values inside `extra` included)."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


__all__ = ["SCHEMA_VERSION", "TerminalStep", "build_trajectory"]
