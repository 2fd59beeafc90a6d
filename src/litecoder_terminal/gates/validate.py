"""lint -> build -> no-op scores 0 -> oracle scores 1 on K fresh containers -> each wrong solution scores 0."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field

from litecoder_terminal.agents import Agent, NopAgent, OracleAgent, ScriptAgent
from litecoder_terminal.runner.layout import build_log_dir, stamp_trial, validate_trial_name
from litecoder_terminal.sandbox import BuildError, DockerEngine, SandboxError
from litecoder_terminal.task import TaskDir, TaskLoadError
from litecoder_terminal.task.lint import Finding, Severity, lint_task
from litecoder_terminal.trial import ErrorKind, TrialResult, TrialStatus, build_task_images, run_trial


class Verdict(str, Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ERROR = "error"


class GateReason(BaseModel):
    gate: str
    message: str


class TrialSummary(BaseModel):
    gate: str
    agent: str
    status: TrialStatus
    reward: float | None
    seconds: float
    error: str | None = None
    dir: str


class TaskVerdict(BaseModel):
    path: str
    name: str
    verdict: Verdict
    reasons: list[GateReason] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    image: str | None = None
    build_seconds: float | None = None
    build_cached: bool | None = None
    trials: list[TrialSummary] = Field(default_factory=list)
    content_hash: str | None = None
    seconds: float = 0.0


class _Stop(Exception):
    def __init__(self, verdict: Verdict, gate: str, message: str):
        self.verdict, self.gate, self.message = verdict, gate, message


def validate_task(path: Path, engine: DockerEngine | None, *, repeats: int = 3, image_map: dict[str, str] | None = None,
                  job_dir: Path, lint_only: bool = False, job_id: str | None = None) -> TaskVerdict:
    """The verdict for one task dir; never raises (an unexpected failure is an `error` verdict with its cause).

    Trials go directly under `job_dir` in Harbor's job layout (runner/layout.py), named and tagged with their gate."""
    t0 = time.monotonic()
    task = TaskDir(Path(path))
    out = TaskVerdict(path=str(task.root), name=task.name, verdict=Verdict.ACCEPTED)
    try:
        out.findings = lint_task(task.root)
        errors = [f for f in out.findings if f.severity is Severity.ERROR]
        if errors:
            raise _Stop(Verdict.REJECTED, "lint", "; ".join(str(f) for f in errors))
        out.content_hash = task.content_hash()
        if lint_only:
            return out
        if engine is None:
            raise _Stop(Verdict.ERROR, "build", "no Docker engine")
        config = task.config()
        content_hash = out.content_hash
        try:
            images = build_task_images(engine, task, config, image_map=image_map,
                                       log_dir=build_log_dir(job_dir, task.name, content_hash))
        except BuildError as e:
            tail = "\n".join(e.log.strip().splitlines()[-15:])
            raise _Stop(Verdict.REJECTED, "build", f"{e}\n{tail}".strip()) from e
        out.image, out.build_seconds, out.build_cached = images.agent, images.build_seconds, images.cached

        def trial(gate: str, agent: Agent, n: int) -> TrialResult:
            trial_dir = job_dir / validate_trial_name(task.name, content_hash, gate, n)
            r = run_trial(task, agent, engine, image=images, trial_dir=trial_dir, config=config)
            r = stamp_trial(trial_dir, job_id=job_id, task_checksum=content_hash, metadata={
                "kind": "validate", "task": task.name, "gate": gate, "n": n, "content_hash": content_hash}) or r
            out.trials.append(TrialSummary(gate=gate, agent=agent.name, status=r.status, reward=r.reward,
                                           seconds=r.seconds, error=r.error.cause if r.error else None,
                                           dir=str(trial_dir)))
            if r.status is TrialStatus.ERROR:
                if r.error and r.error.kind is ErrorKind.INFRA:
                    raise _Stop(Verdict.ERROR, gate, f"{agent.name} trial {n}: {r.error.cause}")
                raise _Stop(Verdict.REJECTED, gate, f"{agent.name} trial {n}: verifier gave no reward: "
                            f"{r.error.cause if r.error else 'unknown'}")
            return r

        r = trial("nop", NopAgent(), 1)
        if r.reward != 0:
            raise _Stop(Verdict.REJECTED, "nop", f"doing nothing scores {r.reward} (must be 0)")
        for i in range(1, repeats + 1):
            r = trial("oracle", OracleAgent(), i)
            if r.reward != 1:
                why = f" ({'; '.join(r.tamper)})" if r.tamper else ""
                raise _Stop(Verdict.REJECTED, "oracle", f"reference solution scores {r.reward} on repeat {i} of "
                            f"{repeats} (must be 1 every time){why}")
        for i, script in enumerate(task.wrong_solutions, 1):
            r = trial("wrong", ScriptAgent(script), i)
            if r.reward != 0:
                raise _Stop(Verdict.REJECTED, "wrong", f"known-wrong solution {script.name} scores {r.reward} "
                            "(must be 0)")
    except _Stop as stop:
        out.verdict = stop.verdict
        out.reasons.append(GateReason(gate=stop.gate, message=stop.message))
    except TaskLoadError as e:
        out.verdict = Verdict.REJECTED
        out.reasons.append(GateReason(gate="lint", message=str(e)))
    except SandboxError as e:
        out.verdict = Verdict.ERROR
        out.reasons.append(GateReason(gate="sandbox", message=str(e)))
    except Exception as e:  # noqa: BLE001 - one bad task never stops the batch
        out.verdict = Verdict.ERROR
        out.reasons.append(GateReason(gate="internal", message=f"{type(e).__name__}: {e}"))
    out.seconds = round(time.monotonic() - t0, 3)
    return out
