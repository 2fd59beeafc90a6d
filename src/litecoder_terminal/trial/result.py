"""What a trial records (Harbor's `result.json` names where they exist) and how a reward file is read."""

from __future__ import annotations

import json
import math
from enum import Enum
from pathlib import Path

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

    # Harbor's names for the same facts, so Harbor's trace export (`harbor traces export`) reads our trial dirs.
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
        if "reward" in data:
            reward = float(data["reward"])
        elif len(data) == 1:
            reward = float(next(iter(data.values())))
        else:
            raise RewardError("reward.json has several values and no 'reward' key")
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
