"""What a trial records (Harbor's `result.json` names where they exist) and how a reward file is read."""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, computed_field

from litecoder_terminal import __version__


class TrialStatus(str, Enum):
    GRADED = "graded"  # the verifier ran and wrote a reward
    ERROR = "error"  # no reward: see error.kind and error.cause


class ErrorKind(str, Enum):
    INFRA = "infra"  # daemon, build, container died, harness timeout: retry-able, not the task's grade
    VERIFIER = "verifier"  # the verifier ran but gave no usable reward (timeout, no/invalid reward file)


class TrialError(BaseModel):
    kind: ErrorKind
    cause: str


class PhaseTiming(BaseModel):
    started_at: str
    seconds: float


class TrialResult(BaseModel):
    trial_name: str
    task_name: str
    task_path: str
    agent: str
    status: TrialStatus
    reward: float | None = None
    rewards: dict[str, float] | None = None
    error: TrialError | None = None
    agent_exit_code: int | None = None
    agent_timed_out: bool = False
    verifier_exit_code: int | None = None
    image: str | None = None
    timings: dict[str, PhaseTiming] = Field(default_factory=dict)
    tamper: list[str] | None = None  # why the harness graded 0: tampering, refused artifacts, a hung verifier...
    verifier_mode: str | None = None  # "separate" (fresh verifier container) or "shared" (the agent's)
    verifier_image: str | None = None
    artifacts: list[dict] | None = None  # what crossed to the verifier: source, present, files, bytes
    model: str | None = None  # the LiteLLM model an LLM agent used
    started_at: str = ""
    seconds: float = 0.0
    # Harbor's job-layout identity; the job runner (runner/layout.py) fills these in when the trial is one of a job.
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    trial_uri: str = ""
    task_checksum: str = ""
    source: str | None = None  # Harbor's dataset name; None groups the trial under "adhoc"
    job_id: str | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)  # lct: job kind, gate, task, attempt, content hash
    agent_result: dict[str, Any] | None = None  # Harbor's AgentContext: tokens and cost, from the trajectory

    # Harbor's names for the same facts, so Harbor's readers (the TrialResult model `harbor view` and `harbor
    # traces export` load, Harbor's job stats) read our trial dirs. Computed: nothing is recorded twice.
    @computed_field
    @property
    def agent_info(self) -> dict:
        info: dict = {"name": self.agent, "version": __version__}
        if self.model:
            provider, _, name = self.model.rpartition("/")
            info["model_info"] = {"name": name, "provider": provider or None}
        return info

    @computed_field
    @property
    def verifier_result(self) -> dict | None:
        if self.status is not TrialStatus.GRADED:
            return None
        return {"rewards": self.rewards or {"reward": self.reward}}

    @computed_field
    @property
    def schema_version(self) -> int:
        return 1

    @computed_field
    @property
    def task_id(self) -> dict:
        return {"path": self.task_path}

    @computed_field
    @property
    def config(self) -> dict:
        """Harbor's TrialConfig: the task by path, the agent by name and model, the job it belongs to."""
        agent: dict = {"name": self.agent}
        if self.model:
            agent["model_name"] = self.model
        trials_dir = str(Path(self.trial_uri.removeprefix("file://")).parent) if self.trial_uri else "trials"
        return {"task": {"path": self.task_path}, "trial_name": self.trial_name, "trials_dir": trials_dir,
                "agent": agent, "job_id": self.job_id}

    @computed_field
    @property
    def verifier_environment_mode(self) -> str | None:
        return self.verifier_mode

    @computed_field
    @property
    def finished_at(self) -> str | None:
        return _plus(self.started_at, self.seconds)

    def _timing(self, first: str, last: str) -> dict | None:
        a, b = self.timings.get(first), self.timings.get(last)
        if a is None or b is None:
            return None
        return {"started_at": a.started_at, "finished_at": _plus(b.started_at, b.seconds)}

    @computed_field
    @property
    def environment_setup(self) -> dict | None:
        return self._timing("environment_setup", "environment_setup")

    @computed_field
    @property
    def agent_execution(self) -> dict | None:
        return self._timing("agent_execution", "agent_execution")

    @computed_field
    @property
    def verifier(self) -> dict | None:
        """Harbor's verifier phase spans bringing the verifier up and running it."""
        first = next((p for p in ("artifact_collection", "verifier_setup", "verifier") if p in self.timings), None)
        return self._timing(first, "verifier") if first else None

    @computed_field
    @property
    def exception_info(self) -> dict | None:
        """A trial without a reward, in Harbor's terms: the exception type says whose failure it was."""
        if self.error is None:
            return None
        if self.error.kind is ErrorKind.VERIFIER:
            kind = ("RewardFileNotFoundError" if "neither reward.json nor reward.txt" in self.error.cause
                    else "VerifierOutputParseError")
        else:
            kind = "LctInfraError"
        return {"exception_type": kind, "exception_message": self.error.cause, "exception_traceback": "",
                "occurred_at": self.finished_at or self.started_at or "1970-01-01T00:00:00+00:00"}


def _plus(started_at: str, seconds: float) -> str | None:
    try:
        return (datetime.fromisoformat(started_at) + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
    except (TypeError, ValueError):
        return None


class RewardError(Exception):
    pass


def parse_reward(verifier_dir: Path) -> tuple[float, dict[str, float]]:
    """Read reward.json (a flat dict of numbers, preferred as Harbor does) or reward.txt (one number)."""
    rj, rt = verifier_dir / "reward.json", verifier_dir / "reward.txt"
    if rj.exists():
        try:
            data = json.loads(rj.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise RewardError(f"reward.json is not JSON: {e}") from e
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            data = {"reward": data}
        if not isinstance(data, dict) or not data:
            raise RewardError("reward.json must be a non-empty flat object of numbers")
        for k, v in data.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise RewardError(f"reward.json: {k!r} is {v!r}, not a finite number")
        if "reward" not in data:  # every key is then a reward dimension in [0, 1]
            for k, v in data.items():
                _in_range(float(v), f"reward.json {k!r}")
        # Harbor keeps rewards as a dict (its metrics aggregate per key); the one number gates and trainers need
        # is `reward` when the verifier names it, else the mean over the keys: 1 exactly when every dimension
        # is 1, 0 exactly when every dimension is 0.
        reward = float(data["reward"]) if "reward" in data else sum(map(float, data.values())) / len(data)
        return _in_range(reward, "reward.json"), {k: float(v) for k, v in data.items()}
    if rt.exists():
        text = rt.read_text(errors="replace").strip()
        try:
            value = float(text)
        except ValueError as e:
            raise RewardError(f"reward.txt holds {text[:80]!r}, not a number") from e
        if not math.isfinite(value):
            raise RewardError(f"reward.txt holds {text!r}")
        return _in_range(value, "reward.txt"), {"reward": value}
    raise RewardError("the verifier wrote neither reward.json nor reward.txt")


def _in_range(value: float, where: str) -> float:
    if not 0.0 <= value <= 1.0:
        raise RewardError(f"{where}: reward {value} is outside [0, 1]")
    return value
