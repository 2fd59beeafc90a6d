"""`lct serve`: TerminalEnvs behind HTTP (FastAPI) for remote trainers, with a bounded env count, idle envs
reaped, and every container removed on shutdown. `RemoteTerminalEnv` (client.py) speaks this API.

GET /health, GET /tasks, POST /envs {"task"} -> {"env_id"} (429 when full), POST /envs/{id}/reset {"seed",
"options"} -> {"observation", "info"}, POST /envs/{id}/step {"action"} -> {"observation", "reward",
"terminated", "truncated", "info"}, DELETE /envs/{id}. Handlers are plain `def`s: FastAPI runs them on its
thread pool, since every env call blocks on Docker; one lock per env keeps its calls in order.
"""

from __future__ import annotations

import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from litecoder_terminal.agents.terminal import TmuxError
from litecoder_terminal.rl.env import TerminalEnv, parse_action
from litecoder_terminal.sandbox import DockerEngine, SandboxError
from litecoder_terminal.task import TaskDir


class CreateEnv(BaseModel):
    task: str


class ResetRequest(BaseModel):
    seed: int | None = None
    options: dict[str, Any] | None = None


class StepRequest(BaseModel):
    action: Any


@dataclass
class _Slot:
    env: TerminalEnv
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    busy: int = 0


class EnvRegistry:
    """The live envs of one server: at most `max_envs`, closed after `idle_timeout_sec` without a call."""

    def __init__(self, tasks: dict[str, Path], engine: DockerEngine, *, max_envs: int, idle_timeout_sec: float,
                 env_kwargs: dict[str, Any] | None = None):
        self.tasks, self.engine = tasks, engine
        self.max_envs, self.idle_timeout_sec = max_envs, idle_timeout_sec
        self.env_kwargs = dict(env_kwargs or {})
        self._slots: dict[str, _Slot] = {}
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        self.reaped = 0

    def create(self, task: str) -> str:
        if task not in self.tasks:
            raise HTTPException(404, f"unknown task {task!r}; GET /tasks lists them")
        with self._guard:
            if len(self._slots) >= self.max_envs:
                raise HTTPException(429, f"all {self.max_envs} envs are in use: DELETE one or wait for idle ones "
                                         f"to be reaped ({self.idle_timeout_sec:.0f}s)")
            env = TerminalEnv(self.tasks[task], self.engine, **self.env_kwargs)
            self._slots[env.env_id] = _Slot(env)
        return env.env_id

    def call(self, env_id: str, fn):
        with self._guard:
            slot = self._slots.get(env_id)
            if slot is None:
                raise HTTPException(404, f"no env {env_id!r} (deleted, reaped after "
                                         f"{self.idle_timeout_sec:.0f}s idle, or never created)")
            slot.busy += 1
        try:
            with slot.lock:
                return fn(slot.env)
        finally:
            with self._guard:
                slot.busy -= 1
                slot.last_used = time.monotonic()

    def delete(self, env_id: str) -> None:
        with self._guard:
            slot = self._slots.pop(env_id, None)
        if slot is None:
            raise HTTPException(404, f"no env {env_id!r}")
        with slot.lock:
            slot.env.close()

    def reap_idle(self) -> int:
        now = time.monotonic()
        with self._guard:
            idle = [k for k, s in self._slots.items() if not s.busy and now - s.last_used > self.idle_timeout_sec]
            slots = [self._slots.pop(k) for k in idle]
        for slot in slots:
            with slot.lock:
                slot.env.close()
        self.reaped += len(slots)
        return len(slots)

    def start_reaper(self) -> None:
        def loop() -> None:
            while not self._stop.wait(max(0.2, min(self.idle_timeout_sec / 4, 5.0))):
                try:
                    self.reap_idle()
                except Exception:  # noqa: BLE001 - a failed close must not stop the reaper; gc catches leftovers
                    pass

        self._reaper = threading.Thread(target=loop, name="lct-env-reaper", daemon=True)
        self._reaper.start()

    def close_all(self) -> None:
        self._stop.set()
        with self._guard:
            slots = list(self._slots.values())
            self._slots.clear()
        for slot in slots:
            with slot.lock:
                slot.env.close()

    def __len__(self) -> int:
        return len(self._slots)


def tasks_by_name(paths: list[Path]) -> dict[str, Path]:
    """Task names (dir names) to dirs; two tasks with one name is an error naming both."""
    out: dict[str, Path] = {}
    for p in paths:
        task = TaskDir(Path(p))
        if task.name in out:
            raise ValueError(f"two tasks are named {task.name!r}: {out[task.name]} and {p}")
        out[task.name] = task.root
    return out


def create_app(tasks: dict[str, Path], engine: DockerEngine, *, max_envs: int = 8, idle_timeout_sec: float = 600.0,
               env_kwargs: dict[str, Any] | None = None, remove_run_containers: bool = False) -> FastAPI:
    """The HTTP app over these tasks. `remove_run_containers`: on shutdown also remove every container of the
    engine's run id (when the engine belongs to this server alone)."""
    registry = EnvRegistry(tasks, engine, max_envs=max_envs, idle_timeout_sec=idle_timeout_sec, env_kwargs=env_kwargs)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        registry.start_reaper()
        try:
            yield
        finally:
            registry.close_all()
            if remove_run_containers:
                engine.remove_run_containers()

    app = FastAPI(title="lct RL environments", lifespan=lifespan)
    app.state.registry = registry

    @app.get("/health")
    def health() -> dict:
        return {"ok": True, "envs": len(registry), "max_envs": max_envs, "tasks": len(tasks), "reaped": registry.reaped}

    @app.get("/tasks")
    def list_tasks() -> dict:
        out = []
        for name, path in sorted(tasks.items()):
            meta = TaskDir(path).config().metadata
            out.append({"name": name, "domain": meta.get("category") or meta.get("domain"),
                        "difficulty": meta.get("difficulty")})
        return {"tasks": out}

    @app.post("/envs")
    def create_env(req: CreateEnv) -> dict:
        return {"env_id": registry.create(req.task)}

    @app.post("/envs/{env_id}/reset")
    def reset(env_id: str, req: ResetRequest) -> dict:
        def do(env: TerminalEnv):
            try:
                obs, info = env.reset(seed=req.seed, options=req.options)
            except (SandboxError, TmuxError) as e:
                raise HTTPException(503, f"reset failed ({type(e).__name__}): {e}") from e
            return {"observation": obs, "info": info}

        return registry.call(env_id, do)

    @app.post("/envs/{env_id}/step")
    def step(env_id: str, req: StepRequest) -> dict:
        try:
            parse_action(req.action)
        except ValueError as e:
            raise HTTPException(422, f"bad action: {e}") from e

        def do(env: TerminalEnv):
            if not env.episode_active:
                raise HTTPException(409, "no episode in progress: POST /envs/{id}/reset first")
            obs, reward, terminated, truncated, info = env.step(req.action)
            return {"observation": obs, "reward": reward, "terminated": terminated, "truncated": truncated,
                    "info": info}

        return registry.call(env_id, do)

    @app.delete("/envs/{env_id}")
    def delete(env_id: str) -> dict:
        registry.delete(env_id)
        return {"deleted": env_id}

    return app


__all__ = ["EnvRegistry", "create_app", "tasks_by_name"]
