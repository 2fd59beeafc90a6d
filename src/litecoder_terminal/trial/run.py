"""Run one trial and record it in Harbor's job layout (`<trial>/result.json`, `agent/`, `verifier/`)."""

from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field, computed_field

from litecoder_terminal import __version__
from litecoder_terminal.agents import Agent
from litecoder_terminal.sandbox import DockerEngine, Limits, Sandbox, SandboxError
from litecoder_terminal.task import NetworkMode, TaskConfig, TaskDir
from litecoder_terminal.trial.tamper import toolchain_tampering

LOGS_DIR = "/logs"
VERIFIER_DIR = "/logs/verifier"
TESTS_DIR = "/tests"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


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
    tamper: list[str] | None = None  # why the grade is 0 without running the verifier (see trial/tamper.py)
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
        return reward, {k: float(v) for k, v in data.items()}
    if rt.exists():
        text = rt.read_text(errors="replace").strip()
        try:
            value = float(text)
        except ValueError as e:
            raise RewardError(f"reward.txt holds {text[:80]!r}, not a number") from e
        if not math.isfinite(value):
            raise RewardError(f"reward.txt holds {text!r}")
        return value, {"reward": value}
    raise RewardError("the verifier wrote neither reward.json nor reward.txt")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class _Clock:
    def __init__(self, result: TrialResult):
        self.result = result

    def phase(self, name: str) -> "_Phase":
        return _Phase(self.result, name)


class _Phase:
    def __init__(self, result: TrialResult, name: str):
        self.result, self.name = result, name

    def __enter__(self) -> None:
        self.started, self.t0 = _now(), time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.result.timings[self.name] = PhaseTiming(started_at=self.started, seconds=round(time.monotonic() - self.t0, 4))


def start_sandbox(engine: DockerEngine, image: str, config: TaskConfig,
                  labels: dict[str, str] | None = None) -> Sandbox:
    """The task's container as every attempt gets it: its limits, env, workdir, labels, the agent's network."""
    agent_net = config.phase_network("agent") is NetworkMode.PUBLIC
    verifier_net = config.phase_network("verifier") is NetworkMode.PUBLIC
    box = engine.start(image, limits=Limits(config.environment.cpus, config.environment.memory_mb, config.pids_limit),
                       network=agent_net or verifier_net, env=config.environment.env,
                       workdir=config.environment.workdir, labels=labels,
                       setup=f"mkdir -p {LOGS_DIR}/agent {VERIFIER_DIR}")
    try:
        box.set_network(agent_net)
    except BaseException:
        box.close()
        raise
    return box


def tamper_check_enabled(config: TaskConfig) -> bool:
    """`[verifier] lct_tamper_check = false` turns the toolchain check off (tasks that upgrade system python)."""
    return bool(getattr(config.verifier, "lct_tamper_check", True))


def _survivors(box: Sandbox, wait_sec: float = 3.0) -> int:
    """Processes beyond init and the keepalive after kill_all, counted by the host (0 when the kill worked)."""
    expected = 1 + len(box.keep_pids)
    deadline = time.monotonic() + wait_sec
    while True:
        extra = box.process_count() - expected
        if extra <= 0 or time.monotonic() >= deadline:
            return max(extra, 0)
        time.sleep(0.05)  # an exec that just ended can take a moment to leave the process table


def grade(box: Sandbox, task: TaskDir, config: TaskConfig, result: TrialResult, *, trial_dir: Path,
          cleanup_paths: list[str]) -> None:
    """The one way an attempt is graded (run_trial and the RL env both call it); fills `result` in.

    Kill everything the agent left, remove its files, any reward or tests it planted; check on the host that no
    process survived and the verifier's toolchain is untouched (else graded 0, cause in `result.tamper`); copy the
    tests in fresh, run test.sh, read the reward. Raises SandboxError for harness failures.
    """
    clock = _Clock(result)
    with clock.phase("verifier_setup"):
        if not box.is_running():
            raise SandboxError("the container stopped during the agent phase")
        # Nothing the agent started may outlive its phase, nor may any reward or test it left behind.
        stale = " ".join(f"'{p}'" for p in [*cleanup_paths, TESTS_DIR, VERIFIER_DIR])
        cleanup_error: SandboxError | None = None
        try:
            # the system PATH: shims the agent put in /usr/local/bin must not run as the harness
            box.kill_all(then=f"PATH={SYSTEM_PATH}; rm -rf {stale} && mkdir -p {VERIFIER_DIR}")
        except SandboxError as e:
            cleanup_error = e  # tampering explains it (graded 0) or it is a harness failure (raised below)
        # Judged from outside: a subverted killer (a planted loader, shell or libc) cannot hide from the host.
        tamper = []
        survivors = 0 if cleanup_error else _survivors(box)  # after a failed kill, survivors prove nothing
        if survivors:
            tamper.append(f"{survivors} process(es) survived the end of the agent phase")
        if tamper_check_enabled(config):
            tamper += toolchain_tampering(box.changed_paths())
        if cleanup_error is not None:
            if not tamper or not box.is_running():
                raise cleanup_error
            tamper.append(f"the clean-up after the agent failed: {cleanup_error}")
        if not tamper:
            box.set_network(config.phase_network("verifier") is NetworkMode.PUBLIC)
            box.put_dir(task.tests_dir, TESTS_DIR)
    if tamper:
        result.tamper = tamper
        result.reward, result.rewards = 0.0, {"reward": 0.0, "tampered": 1.0}
        result.status = TrialStatus.GRADED
        _write(trial_dir / "verifier" / "tamper.txt", "\n".join(tamper) + "\n")
        return
    with clock.phase("verifier"):
        # As Harbor does: run by path (its shebang decides), as `[verifier] user`, else the image's USER. The shell
        # by absolute path: the agent may have planted a `sh` earlier on PATH.
        verdict = box.exec(["/bin/sh", "-c", f"chmod +x {TESTS_DIR}/test.sh && exec {TESTS_DIR}/test.sh"],
                           env=config.verifier.env or None, timeout_sec=config.verifier.timeout_sec,
                           user=str(config.verifier.user) if config.verifier.user is not None else None)
        result.verifier_exit_code = verdict.exit_code
        verifier_dir = trial_dir / "verifier"
        for stale_file in ("reward.json", "reward.txt"):
            (verifier_dir / stale_file).unlink(missing_ok=True)
        box.get_dir(VERIFIER_DIR, verifier_dir)
        _write(verifier_dir / "test-stdout.txt", verdict.output)
    if verdict.timed_out:
        result.error = TrialError(kind=ErrorKind.VERIFIER,
                                  cause=f"verifier timed out after {config.verifier.timeout_sec:.0f}s")
        return
    try:
        result.reward, result.rewards = parse_reward(verifier_dir)
        result.status = TrialStatus.GRADED
    except RewardError as e:
        result.error = TrialError(kind=ErrorKind.VERIFIER, cause=str(e))


def run_trial(task: TaskDir, agent: Agent, engine: DockerEngine, *, image: str, trial_dir: Path,
              config: TaskConfig | None = None, labels: dict[str, str] | None = None) -> TrialResult:
    """One attempt in a fresh container from `image` (already built). Never raises for harness failures."""
    config = config or task.config()
    trial_dir.mkdir(parents=True, exist_ok=True)
    result = TrialResult(trial_name=trial_dir.name, task_name=task.name, task_path=str(task.root), agent=agent.name,
                         model=getattr(agent, "model_name", None), status=TrialStatus.ERROR, image=image,
                         started_at=_now())
    t0 = time.monotonic()
    clock = _Clock(result)
    box: Sandbox | None = None
    try:
        with clock.phase("environment_setup"):
            box = start_sandbox(engine, image, config, labels)
        with clock.phase("agent_execution"):
            outcome = agent.run(box, task, config, config.agent_timeout_sec)
        result.agent_exit_code, result.agent_timed_out = outcome.exit_code, outcome.timed_out
        _write(trial_dir / "agent" / "output.txt", outcome.output)
        if outcome.trajectory is not None:
            _write(trial_dir / "agent" / "trajectory.json", json.dumps(outcome.trajectory, indent=2))
        grade(box, task, config, result, trial_dir=trial_dir, cleanup_paths=agent.cleanup_paths())
    except SandboxError as e:
        result.error = TrialError(kind=ErrorKind.INFRA, cause=str(e))
    except Exception as e:  # noqa: BLE001 - a trial records every failure instead of raising into the batch
        result.error = TrialError(kind=ErrorKind.INFRA, cause=f"{type(e).__name__}: {e}")
    finally:
        if box is not None:
            with clock.phase("teardown"):
                box.close()
        result.seconds = round(time.monotonic() - t0, 4)
        (trial_dir / "result.json").write_text(result.model_dump_json(indent=2))
    return result


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
