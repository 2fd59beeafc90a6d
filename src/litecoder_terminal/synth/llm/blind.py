"""The optional blind-solver check (`lct synth --blind-attempts K`): the synthesizing model, as the Terminus agent,
attempts each accepted task K times from its instruction alone (it never sees the solution, the tests or the
synthesis conversation), exactly as `lct calibrate` would. A task labelled hard that the model solves on every
attempt (blind pass@K = 1.0) is not hard for it: it is relabelled medium, and the manifest says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litecoder_terminal.llm import LLMClient
from litecoder_terminal.sandbox import DockerEngine

RELABEL = {"hard": "medium"}


def blind_check(task_dir: Path, client: LLMClient, engine: DockerEngine, attempts: int, out_dir: Path, *,
                max_turns: int = 30) -> dict[str, Any]:
    """K Terminus attempts on the task (a resumable rollout in out_dir; attempt k uses cache salt blind-k)."""
    from litecoder_terminal.agents import agent_from_spec
    from litecoder_terminal.runner.rollout import calibration_rows, run_rollout

    summary = run_rollout([task_dir], lambda k: agent_from_spec("terminus", llm=client, max_turns=max_turns,
                                                                salt=f"blind-{k}"),
                          agent_key=f"terminus|{client.config.model}|blind|turns={max_turns}", engine=engine,
                          out_dir=out_dir, attempts=attempts, jobs=1)
    row = calibration_rows(summary)[0]
    return {"model": client.config.model, "attempts": attempts, "graded": row["graded"],
            "successes": row["successes"], "pass_rate": row["pass_rate"]}


def relabelled(difficulty: str, blind: dict[str, Any]) -> str | None:
    """The new level when the blind solver found the task easy for its label (every attempt graded and solved)."""
    if difficulty not in RELABEL or not blind.get("attempts"):
        return None
    if blind.get("graded") == blind["attempts"] and blind.get("pass_rate") == 1.0:
        return RELABEL[difficulty]
    return None
