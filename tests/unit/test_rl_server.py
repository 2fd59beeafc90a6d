"""`lct serve`'s HTTP layer without Docker: bounds, unknown ids, idle reaping, request validation, CLI errors."""

import time

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from litecoder_terminal.cli import app as cli_app
from litecoder_terminal.rl.server import create_app, tasks_by_name
from tests.conftest import make_task


class NoEngine:
    """Env creation only reads the task; nothing here may reach Docker."""


def test_env_bounds_404s_and_validation(tmp_path):
    task = make_task(tmp_path, "t")
    with TestClient(create_app({"t": task}, NoEngine(), max_envs=2, idle_timeout_sec=600)) as client:
        assert client.get("/tasks").json() == {"tasks": [{"name": "t", "domain": None, "difficulty": None}]}
        a = client.post("/envs", json={"task": "t"}).json()["env_id"]
        client.post("/envs", json={"task": "t"})
        full = client.post("/envs", json={"task": "t"})
        assert full.status_code == 429 and "2 envs" in full.json()["detail"]
        assert client.get("/health").json()["envs"] == 2
        assert client.post("/envs", json={"task": "nope"}).status_code == 404
        assert client.post(f"/envs/{a}/step", json={"action": "ls"}).status_code == 409  # not reset yet
        assert client.post(f"/envs/{a}/step", json={"action": {"keys": "ls"}}).status_code == 422
        assert client.delete(f"/envs/{a}").status_code == 200
        assert client.delete(f"/envs/{a}").status_code == 404
        assert client.post(f"/envs/{a}/reset", json={}).status_code == 404
        assert client.post("/envs", json={"task": "t"}).status_code == 200  # a slot is free again


def test_idle_envs_are_reaped(tmp_path):
    task = make_task(tmp_path, "t")
    with TestClient(create_app({"t": task}, NoEngine(), max_envs=1, idle_timeout_sec=0.3)) as client:
        env_id = client.post("/envs", json={"task": "t"}).json()["env_id"]
        deadline = time.monotonic() + 10
        while client.get("/health").json()["reaped"] < 1:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert client.post(f"/envs/{env_id}/reset", json={}).status_code == 404
        assert client.post("/envs", json={"task": "t"}).status_code == 200


def test_duplicate_task_names_and_bad_paths_are_refused(tmp_path):
    a, b = make_task(tmp_path / "a", "same"), make_task(tmp_path / "b", "same")
    try:
        tasks_by_name([a, b])
        raise AssertionError("duplicate names accepted")
    except ValueError as e:
        assert str(a) in str(e) and str(b) in str(e)
    res = CliRunner().invoke(cli_app, ["serve", str(tmp_path / "missing")])
    assert res.exit_code == 2
    res = CliRunner().invoke(cli_app, ["serve", str(tmp_path)])
    assert res.exit_code == 2 and "same" in res.output
