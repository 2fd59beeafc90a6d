"""RL environments end to end: TerminalEnv, the env pool and `lct serve` (in-process) with its HTTP client.

A scripted policy (the solution's commands as actions) must get reward 1 and a no-op policy 0, through the Python
API and through the HTTP server; limits truncate and still grade; a harness failure is an error, not a 0.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from litecoder_terminal.rl import RemoteEnvError, RemoteTerminalEnv, TerminalEnv, TerminalEnvPool, make_envs
from litecoder_terminal.rl.env import LABEL_ENV
from litecoder_terminal.rl.server import create_app
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER, standard_test_sh
from litecoder_terminal.task import TaskConfig, write_task_dir

pytestmark = pytest.mark.docker

SOLUTION_MARKER = "lct-solution-marker-5c1e9b"
SOLVE = "awk '{s+=$1} END {print s}' /app/nums.txt > /app/sum.txt"


def make_rl_task(root: Path, name: str = "sum-numbers", config: dict | None = None) -> Path:
    """A task graded by the hardened offline pytest runner (templates/test.sh), on the shared tool layer."""
    cfg = {"metadata": {"category": "data_science", "difficulty": "easy"}, "verifier": {"timeout_sec": 60},
           "agent": {"timeout_sec": 120}, "environment": {"network_mode": "no-network"}}
    for section, values in (config or {}).items():
        cfg.setdefault(section, {}).update(values)
    return write_task_dir(root / name, "Write the sum of the numbers in /app/nums.txt to /app/sum.txt.",
                          TaskConfig.model_validate(cfg), {
        "environment/Dockerfile": TOOLBOX_LAYER + "RUN mkdir -p /app && printf '3\\n4\\n5\\n' > /app/nums.txt\n"
                                                  "WORKDIR /app\n",
        "solution/solve.sh": f"#!/bin/bash\n# {SOLUTION_MARKER}\n{SOLVE}\n",
        "tests/test.sh": standard_test_sh(),
        "tests/test_outputs.py": "from pathlib import Path\n\n\ndef test_sum():\n"
                                 "    assert Path('/app/sum.txt').read_text().strip() == '12'\n",
    }).root


@pytest.fixture(scope="module")
def task(engine, tmp_path_factory):
    path = make_rl_task(tmp_path_factory.mktemp("rl"))
    engine.build(path / "environment")  # built once here; every env's reset then hits the cache
    return path


def env_containers(engine, env_id: str) -> list:
    return engine.client.containers.list(all=True, filters={"label": f"{LABEL_ENV}={env_id}"})


def test_scripted_policy_gets_1_and_noop_gets_0(engine, task, tmp_path):
    with TerminalEnv(task, engine, trials_dir=tmp_path / "trials") as env:
        obs, info = env.reset(seed=7)
        assert obs.startswith("Write the sum") and obs.rstrip().endswith("#")
        assert info["task"] == "sum-numbers" and info["domain"] == "data_science" and info["difficulty"] == "easy"
        assert info["seed"] == 7 and len(env_containers(engine, env.env_id)) == 1
        # keystrokes first (no wait for a prompt), then a command: its output must still be found
        obs, reward, term, trunc, _ = env.step({"keystrokes": "cat /app/nums.txt\n", "duration": 0.5})
        assert "5" in obs and (reward, term, trunc) == (0.0, False, False)
        obs, reward, term, trunc, info = env.step(SOLVE)
        assert info["exit_code"] == 0 and obs.splitlines()[0].endswith(SOLVE) and reward == 0.0
        obs, reward, term, trunc, info = env.step("cat /app/sum.txt")
        assert "12" in obs.splitlines()[1]
        obs, reward, term, trunc, info = env.step({"submit": True})
        assert (reward, term, trunc) == (1.0, True, False), info
        assert info["status"] == "graded" and info["rewards"] == {"reward": 1.0, "test_sum": 1.0}
        assert info["reason"] == "submitted" and info["tamper"] is None and info["error"] is None
        assert env_containers(engine, env.env_id) == []  # the episode's container goes when it is graded
        record = tmp_path / "trials" / info["trial"]["trial_name"]
        assert json.loads((record / "result.json").read_text())["reward"] == 1.0
        traj = json.loads((record / "agent" / "trajectory.json").read_text())
        assert [s["tool_calls"][0]["arguments"]["keystrokes"] for s in traj["steps"][1:]] == [
            "cat /app/nums.txt\n", SOLVE + "\n", "cat /app/sum.txt\n"]
        with pytest.raises(RuntimeError, match="reset"):
            env.step("true")

        env.reset()
        obs, reward, term, trunc, info = env.step({"task_complete": True})
        assert (reward, term, trunc) == (0.0, True, False) and info["rewards"]["test_sum"] == 0.0


def test_limits_truncate_and_still_grade(engine, task):
    with TerminalEnv(task, engine, max_steps=2) as env:
        env.reset()
        assert env.step(SOLVE)[1:4] == (0.0, False, False)
        obs, reward, term, trunc, info = env.step("true")
        assert (reward, term, trunc, info["reason"]) == (1.0, False, True, "max_steps")
    with TerminalEnv(task, engine, max_episode_seconds=3, step_timeout=60) as env:
        env.reset()
        t0 = time.monotonic()
        obs, reward, term, trunc, info = env.step("sleep 30")
        assert time.monotonic() - t0 < 20 and info["timed_out"] is True
        assert (reward, term, trunc, info["reason"]) == (0.0, False, True, "time_limit")
        assert info["trial"]["agent_timed_out"] is True


def test_harness_failure_is_an_error_not_reward_0(engine, task):
    with TerminalEnv(task, engine) as env:
        env.reset()
        env_containers(engine, env.env_id)[0].kill()
        obs, reward, term, trunc, info = env.step(SOLVE)
        assert reward is None and trunc and info["reason"] == "error"
        assert info["status"] == "error" and info["error"]["kind"] == "infra", info["error"]


def test_pool_of_three_envs_at_once(engine, task):
    with TerminalEnvPool(make_envs([task], 3, engine)) as pool:
        resets = pool.reset(seeds=[0, 1, 2])
        assert [info["seed"] for _, info in resets] == [0, 1, 2]
        ids = {c.id for env in pool.envs for c in env_containers(engine, env.env_id)}
        assert len(ids) == 3
        first = pool.step([SOLVE, "echo nothing", SOLVE])
        assert [r[1:4] for r in first] == [(0.0, False, False)] * 3
        final = pool.step([{"submit": True}] * 3)
        assert [r[1] for r in final] == [1.0, 0.0, 1.0]
        assert pool.step([None, None, None]) == [None, None, None]


class _Server:
    """`lct serve`'s app under uvicorn in a thread, on a free port."""

    def __init__(self, app):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(60)


def test_http_server_scripted_1_noop_0_bounds_and_cleanup(engine, task):
    app = create_app({"sum-numbers": task}, engine, max_envs=2, idle_timeout_sec=600)
    with _Server(app) as url:
        assert httpx.get(f"{url}/health").json()["ok"] is True
        assert httpx.get(f"{url}/tasks").json()["tasks"] == [
            {"name": "sum-numbers", "domain": "data_science", "difficulty": "easy"}]
        with RemoteTerminalEnv(url, "sum-numbers") as solver, RemoteTerminalEnv(url, "sum-numbers") as idler:
            obs, info = solver.reset(seed=3)
            assert obs.startswith("Write the sum") and info["seed"] == 3
            obs, reward, term, trunc, info = solver.step(SOLVE)
            assert reward == 0.0 and info["exit_code"] == 0
            obs, reward, term, trunc, info = solver.step({"submit": True})
            assert (reward, term, trunc) == (1.0, True, False) and info["rewards"]["test_sum"] == 1.0

            idler.reset()
            assert idler.step({"task_complete": True})[1:4] == (0.0, True, False)
            with pytest.raises(RemoteEnvError) as full:  # two envs exist: a third is refused
                RemoteTerminalEnv(url, "sum-numbers").reset()
            assert full.value.status == 429
            with pytest.raises(RemoteEnvError) as over:
                idler.step("true")
            assert over.value.status == 409
            with pytest.raises(RemoteEnvError) as bad:
                solver.step({"keys": "ls"})
            assert bad.value.status == 422
            with pytest.raises(RemoteEnvError) as unknown:
                RemoteTerminalEnv(url, "no-such-task").reset()
            assert unknown.value.status == 404
            idler.reset()  # a container is up when the server stops
            live = idler.env_id
            assert len(env_containers(engine, live)) == 1
    assert env_containers(engine, live) == []  # shutdown closed every env


def test_http_server_reaps_idle_envs(engine, task):
    app = create_app({"sum-numbers": task}, engine, max_envs=1, idle_timeout_sec=1.0)
    with _Server(app) as url:
        env = RemoteTerminalEnv(url, "sum-numbers")
        env.reset()
        env_id = env.env_id
        assert len(env_containers(engine, env_id)) == 1
        deadline = time.monotonic() + 20
        while httpx.get(f"{url}/health").json()["reaped"] < 1:
            assert time.monotonic() < deadline, "idle env never reaped"
            time.sleep(0.2)
        assert env_containers(engine, env_id) == []
        with pytest.raises(RemoteEnvError) as gone:
            env.step("true")
        assert gone.value.status == 404
        env.env_id = None
        env.reset()  # the slot is free again
        env.close()
