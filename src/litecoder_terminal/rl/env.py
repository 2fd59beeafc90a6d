"""Gymnasium-style RL environments over Harbor tasks: a fresh container and tmux terminal per episode, the reward
from the task's own verifier through the one grading function run_trial uses (`trial.grade`).

`TerminalEnv` subclasses `gymnasium.Env`, so `isinstance` checks, `np_random` seeding, `unwrapped`, `with env:`
and the wrappers that do not inspect spaces (TimeLimit, RecordEpisodeStatistics, OrderEnforcing) work. Its spaces
are `Text` spaces describing the common case (a command string in, a screen out); dict and list actions are
accepted beyond them. `TerminalEnvPool` runs reset/step over many envs on threads (Docker calls block).

Actions: a plain string is a command (typed, Enter appended, the step returns when the shell is back at its
prompt or after `step_timeout`, then C-c); `{"keystrokes": str, "duration": float}` types keys literally (a
tmux key name such as "C-c" or "Escape" alone is sent as that key) and waits `duration` seconds; a list of these
runs in order; `{"submit": true}` or `{"task_complete": true}` (alone or beside keystrokes) ends the episode.

Episode end: on submit (`terminated`), `max_steps` or the task's agent timeout (`truncated`) the verifier runs and
the reward is its grade. A harness or verifier failure is not a grade: the reward is None and `info["error"]`
says why (kind infra|verifier), so a trainer drops the episode instead of learning from a false 0.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import gymnasium
from gymnasium import spaces

from litecoder_terminal.agents.atif import TerminalStep, build_trajectory
from litecoder_terminal.agents.terminal import TERM_DIR, TmuxError, TmuxSession, ensure_tmux
from litecoder_terminal.sandbox import DockerEngine, Sandbox, SandboxError
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import (
    ErrorKind,
    Grader,
    PhaseTiming,
    TaskImages,
    TrialError,
    TrialPaths,
    TrialResult,
    TrialStatus,
    build_task_images,
    start_agent_env,
)

LABEL_ENV = "lct.rl.env"
# tmux key names a policy may send alone as `keystrokes` (as terminus-2 does): everything else is typed literally
_KEY_NAME = re.compile(r"^(?:[CMS]-.+|Enter|Escape|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|PageUp|PageDown|"
                       r"PPage|NPage|IC|DC|F\d{1,2})$")
_TEXT = string.printable


@dataclass
class Command:
    text: str


@dataclass
class Keys:
    keystrokes: str
    duration: float


def parse_action(action: Any) -> tuple[list[Command | Keys], bool]:
    """An action as (what to type, in order; whether it ends the episode). ValueError names what is wrong."""
    items = action if isinstance(action, list) else [action]
    out: list[Command | Keys] = []
    submit = False
    for k, item in enumerate(items):
        if isinstance(item, str):
            out.append(Command(item))
            continue
        if not isinstance(item, dict):
            raise ValueError(f"action[{k}] is {type(item).__name__}: use a command string or a dict")
        unknown = set(item) - {"keystrokes", "duration", "submit", "task_complete"}
        if unknown:
            raise ValueError(f"action[{k}] has unknown key(s) {sorted(unknown)}: use keystrokes, duration, submit")
        if "keystrokes" in item:
            keys, duration = item["keystrokes"], item.get("duration", 1.0)
            if not isinstance(keys, str):
                raise ValueError(f"action[{k}].keystrokes must be a string")
            if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not 0 <= duration <= 600:
                raise ValueError(f"action[{k}].duration must be a number of seconds in [0, 600]")
            out.append(Keys(keys, float(duration)))
        if item.get("submit") or item.get("task_complete"):
            submit = True
        elif "keystrokes" not in item:
            raise ValueError(f"action[{k}] has neither keystrokes nor submit/task_complete true")
    return out, submit


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class TerminalEnv(gymnasium.Env):
    """One Harbor task as an RL environment (see the module docstring for actions, rewards and errors)."""

    metadata = {"render_modes": ["ansi"]}

    def __init__(self, task_path: Path | str, engine: DockerEngine | None = None, *, max_steps: int = 50,
                 step_timeout: float = 180.0, max_observation_chars: int = 10_000,
                 image_map: dict[str, str] | None = None, max_episode_seconds: float | None = None,
                 trials_dir: Path | None = None, width: int = 160, height: int = 48, render_mode: str | None = None,
                 agent_name: str = "rl-policy"):
        self.task = TaskDir(Path(task_path))
        self.config = self.task.config()
        self.instruction = self.task.instruction()
        self.engine = engine or DockerEngine()
        self.max_steps, self.step_timeout = max_steps, step_timeout
        self.max_observation_chars = max_observation_chars
        self.image_map = dict(image_map or {})
        # the task's agent timeout is the episode's wall-clock budget, as it is for any agent
        self.max_episode_seconds = max_episode_seconds or self.config.agent_timeout_sec
        self.trials_dir = Path(trials_dir) if trials_dir else None
        self.width, self.height, self.render_mode, self.agent_name = width, height, render_mode, agent_name
        self.env_id = uuid.uuid4().hex[:12]
        self.observation_space = spaces.Text(max_length=max_observation_chars + len(self.instruction) + 2,
                                             charset=_TEXT)
        self.action_space = spaces.Text(max_length=100_000, charset=_TEXT)
        self._image: TaskImages | None = None
        self._box: Sandbox | None = None
        self._session: TmuxSession | None = None
        self._in_sync = True  # False after raw keystrokes: the session's prompt count must be re-read
        self._episode: dict[str, Any] | None = None
        self._screen = ""

    # ---- gymnasium API ------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        """Tear down any previous episode and start a fresh container and terminal. Raises on harness failure."""
        super().reset(seed=seed)
        self._teardown()
        t0 = time.monotonic()
        started_at = _now()
        image = self._build()
        box = start_agent_env(self.engine, image.agent, self.config, labels={LABEL_ENV: self.env_id})
        try:
            user = str(self.config.agent.user) if self.config.agent.user is not None else None
            session = TmuxSession(box, tmux=ensure_tmux(box, user=user), user=user,
                                  workdir=self.config.environment.workdir, env={"DEBIAN_FRONTEND": "noninteractive"})
            session.start(self.width, self.height)
            screen = session.capture(self.max_observation_chars)
        except BaseException:
            box.close()
            raise
        self._box, self._session, self._in_sync, self._screen = box, session, True, screen
        meta = self.config.metadata
        episode_id = uuid.uuid4().hex
        self._episode = {"id": episode_id, "seed": seed, "step": 0, "started_at": started_at, "image": image.agent, "images": image,
                         "setup_seconds": round(time.monotonic() - t0, 4), "t_start": time.monotonic(),
                         "deadline": time.monotonic() + self.max_episode_seconds, "steps": [],
                         "initial_screen": screen}
        info = {"task": self.task.name, "domain": meta.get("category") or meta.get("domain"),
                "difficulty": meta.get("difficulty"), "episode_id": episode_id, "seed": seed,
                "instruction": self.instruction, "max_steps": self.max_steps,
                "max_episode_seconds": self.max_episode_seconds}
        return f"{self.instruction.rstrip()}\n\n{screen}", info

    def step(self, action: Any) -> tuple[str, float | None, bool, bool, dict]:
        if self._episode is None or self._box is None:
            raise RuntimeError("no episode in progress: call reset() first (the last one has ended)")
        items, submit = parse_action(action)
        ep = self._episode
        ep["step"] += 1
        info: dict[str, Any] = {"episode_id": ep["id"], "step": ep["step"]}
        obs = self._screen
        try:
            for item in items:
                remaining = ep["deadline"] - time.monotonic()
                if remaining <= 0:
                    break
                obs, detail = self._run(item, remaining)
                info.update(detail)
        except Exception as e:  # noqa: BLE001 - the terminal failed: whose fault it is decides the outcome
            cause = f"{type(e).__name__}: {e}"
            if self._box.is_running():
                # The container is there (running, or stopped by the policy itself), so the policy broke its own
                # terminal: the episode ends and what it left is graded.
                info["terminal_error"] = cause
                return self._finish(obs, info, "terminal_error")
            return self._finish(obs, info, "error", TrialError(kind=ErrorKind.INFRA, cause=cause))
        self._screen = obs
        if submit:
            return self._finish(obs, info, "submitted")
        if time.monotonic() >= ep["deadline"] or ep.get("out_of_time"):
            return self._finish(obs, info, "time_limit")
        if ep["step"] >= self.max_steps:
            return self._finish(obs, info, "max_steps")
        return obs, 0.0, False, False, info

    def render(self) -> str | None:
        return self._screen if self.render_mode == "ansi" else None

    def close(self) -> None:
        self._teardown()
        super().close()

    # ---- inside an episode --------------------------------------------------------------------------------
    def _run(self, item: Command | Keys, remaining: float) -> tuple[str, dict]:
        session, ep = self._session, self._episode
        at = _now()
        if isinstance(item, Command):
            if not self._in_sync:
                self._resync()
            res = session.execute(item.text, min(self.step_timeout, remaining), max_chars=self.max_observation_chars)
            if res.timed_out and remaining <= self.step_timeout:
                ep["out_of_time"] = True  # cut off by the episode's budget, not the step's (bash counts whole seconds)
            obs = res.screen
            detail = {"exit_code": res.exit_code, "timed_out": res.timed_out, "seconds": res.seconds}
            keystrokes, seconds = item.text + "\n", res.seconds
        else:
            t0 = time.monotonic()
            if _KEY_NAME.match(item.keystrokes):
                session.send_special(item.keystrokes)
            elif item.keystrokes:
                session.send_keys(item.keystrokes, enter=False)
            self._in_sync = False
            time.sleep(max(0.0, min(item.duration, remaining)))
            obs = session.capture(self.max_observation_chars)
            seconds = round(time.monotonic() - t0, 3)
            detail = {"exit_code": None, "timed_out": False, "seconds": seconds}
            keystrokes = item.keystrokes
        ep["steps"].append(TerminalStep(rationale="", keystrokes=keystrokes, observation=obs, timestamp=at,
                                        duration_sec=seconds, exit_code=detail["exit_code"],
                                        timed_out=detail["timed_out"], extra={"env_step": ep["step"]}))
        return obs, detail

    def _resync(self) -> None:
        self._session.resync()
        self._in_sync = True

    def _finish(self, obs: str, info: dict, reason: str, error: TrialError | None = None):
        """End the episode: grade it (unless the harness already failed), record it, free the container."""
        ep, box = self._episode, self._box
        result = TrialResult(trial_name=f"{self.task.name}.{ep['id'][:12]}", task_name=self.task.name,
                             task_path=str(self.task.root), agent=self.agent_name, status=TrialStatus.ERROR,
                             image=ep["image"], started_at=ep["started_at"], error=error,
                             agent_timed_out=reason == "time_limit")
        result.timings["environment_setup"] = PhaseTiming(started_at=ep["started_at"], seconds=ep["setup_seconds"])
        result.timings["agent_execution"] = PhaseTiming(started_at=ep["started_at"],
                                                        seconds=round(time.monotonic() - ep["t_start"], 4))
        trial_dir = (self.trials_dir / result.trial_name if self.trials_dir
                     else Path(tempfile.mkdtemp(prefix="lct-rl-")))
        try:
            if error is None:
                try:
                    if self._session is not None:
                        try:
                            self._session.close()
                        except (TmuxError, SandboxError):
                            pass  # the verifier's clean-up kills the terminal anyway
                    Grader(self.engine, self.task, self.config, ep["images"], result, TrialPaths(trial_dir),
                           labels={LABEL_ENV: self.env_id}).grade(box, [TERM_DIR])
                except SandboxError as e:
                    result.error = TrialError(kind=ErrorKind.INFRA, cause=str(e))
                except Exception as e:  # noqa: BLE001 - recorded like run_trial does, never a reward
                    result.error = TrialError(kind=ErrorKind.INFRA, cause=f"{type(e).__name__}: {e}")
            result.seconds = round(time.monotonic() - ep["t_start"] + ep["setup_seconds"], 4)
            if self.trials_dir:
                self._record(trial_dir, result)
        finally:
            self._teardown()
            if not self.trials_dir:
                shutil.rmtree(trial_dir, ignore_errors=True)
        graded = result.status is TrialStatus.GRADED
        info.update({"reason": reason, "status": result.status.value, "rewards": result.rewards,
                     "tamper": result.tamper, "error": result.error.model_dump(mode="json") if result.error else None,
                     "trial": result.model_dump(mode="json"), "steps": ep["step"]})
        return obs, (result.reward if graded else None), reason == "submitted", reason != "submitted", info

    def _record(self, trial_dir: Path, result: TrialResult) -> None:
        ep = self._episode
        trajectory = build_trajectory(session_id=ep["id"], agent_name=self.agent_name, instruction=self.instruction,
                                      initial_screen=ep["initial_screen"], steps=ep["steps"],
                                      started_at=ep["started_at"], final_extra={"seed": ep["seed"]})
        (trial_dir / "agent").mkdir(parents=True, exist_ok=True)
        (trial_dir / "agent" / "trajectory.json").write_text(json.dumps(trajectory, indent=2))
        (trial_dir / "result.json").write_text(result.model_dump_json(indent=2))

    def _build(self) -> TaskImages:
        if self._image is None:
            self._image = build_task_images(self.engine, self.task, self.config, image_map=self.image_map)
        return self._image

    def _teardown(self) -> None:
        box, self._box, self._session, self._episode = self._box, None, None, None
        if box is not None:
            box.close()

    @property
    def episode_active(self) -> bool:
        return self._episode is not None


class TerminalEnvPool:
    """Many envs stepped together on a thread pool: `reset`/`step` take and return one item per env, in order."""

    def __init__(self, envs: list[TerminalEnv], max_workers: int | None = None):
        if not envs:
            raise ValueError("TerminalEnvPool needs at least one env")
        self.envs = list(envs)
        self._pool = ThreadPoolExecutor(max_workers=max_workers or len(self.envs), thread_name_prefix="lct-env")

    def __len__(self) -> int:
        return len(self.envs)

    def _map(self, fn, args: list) -> list:
        futures = [self._pool.submit(fn, env, a) for env, a in zip(self.envs, args, strict=True)]
        errors = [f.exception() for f in futures]  # wait for every env before raising the first failure
        for e in errors:
            if e is not None:
                raise e
        return [f.result() for f in futures]

    def reset(self, seeds: list[int | None] | None = None) -> list[tuple[str, dict]]:
        return self._map(lambda env, s: env.reset(seed=s), seeds or [None] * len(self.envs))

    def step(self, actions: list[Any]) -> list[tuple[str, float | None, bool, bool, dict]]:
        """One action per env; None skips an env whose episode has ended (its slot in the result is None)."""
        return self._map(lambda env, a: None if a is None else env.step(a), actions)

    def close(self) -> None:
        try:
            self._map(lambda env, _: env.close(), [None] * len(self.envs))
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> TerminalEnvPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def make_envs(task_paths: list[Path | str], n: int, engine: DockerEngine | None = None,
              **kwargs: Any) -> list[TerminalEnv]:
    """`n` envs over the tasks round-robin, sharing one engine (images are built once, on first reset)."""
    if not task_paths:
        raise ValueError("make_envs needs at least one task path")
    engine = engine or DockerEngine()
    return [TerminalEnv(task_paths[k % len(task_paths)], engine, **kwargs) for k in range(n)]


__all__ = ["Command", "Keys", "TerminalEnv", "TerminalEnvPool", "make_envs", "parse_action"]
