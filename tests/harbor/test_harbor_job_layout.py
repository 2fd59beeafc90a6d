"""Our jobs are Harbor jobs: a validation and a rollout, run for real, read back by Harbor 0.25 and 0.26 themselves.

Through Harbor's pydantic models in its own venv (JobConfig, JobResult, TrialConfig, TrialResult, the viewer's
JobScanner), through `harbor view`'s JSON API (started on a loopback port, queried, stopped), and through the
readers `harbor traces export` uses (trial discovery, run metadata, conversations; the export's last step, building a
Hugging Face dataset, needs the `datasets` package Harbor's venv does not carry). `harbor job summarize` is not
checked: both Harbor versions replaced it with a shim that exits 1 ("use harbor analyze", an LLM command).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecoder_terminal.cli import app
from litecoder_terminal.llm import ScriptedLLMServer
from tests.conftest import make_task
from tests.docker.test_terminus_agent import reply
from tests.harbor.test_harbor_conformance import QUIET_ENV, _tail
from tests.harbor.test_harbor_families import VENVS, _venv

pytestmark = [pytest.mark.harbor, pytest.mark.docker]

READ_JOBS = r"""
import json, sys
from pathlib import Path
from harbor.models.job.config import JobConfig
from harbor.models.job.result import JobResult
from harbor.models.trial.config import TrialConfig
from harbor.models.trial.result import TrialResult
from harbor.viewer.scanner import JobScanner
from harbor.utils.traces_utils import collect_conversations_from_trial, iter_trial_dirs, load_run_metadata

jobs_dir = Path(sys.argv[1])
scanner = JobScanner(jobs_dir)
out = {}
for name in scanner.list_jobs():
    job = jobs_dir / name
    config = JobConfig.model_validate_json((job / "config.json").read_text())
    result = JobResult.model_validate_json((job / "result.json").read_text())
    trials = {}
    for t in scanner.list_trials(name):
        tr = TrialResult.model_validate_json((job / t / "result.json").read_text())
        tc = TrialConfig.model_validate_json((job / t / "config.json").read_text())
        trials[t] = {"task": tr.task_name, "agent": tr.agent_info.name, "trial_name": tr.trial_name,
                     "rewards": tr.verifier_result.rewards if tr.verifier_result else None,
                     "exception": tr.exception_info.exception_type if tr.exception_info else None,
                     "task_path": str(tc.task.path), "job_id": str(tc.job_id), "uri": tr.trial_uri,
                     "phases": [p for p in ("environment_setup", "agent_execution", "verifier")
                                if getattr(tr, p) is not None]}
    traces = {}
    if name.startswith("rollout"):  # what `harbor traces export` reads, trial by trial
        for d in iter_trial_dirs(job):
            meta = load_run_metadata(d)
            rows = collect_conversations_from_trial(d, meta)
            traces[d.name] = {"agent": meta["agent_name"], "model": meta["model_name"], "rows": len(rows),
                              "result": rows[-1]["result"] if rows else None}
    out[name] = {"id": str(result.id), "n_total": result.n_total_trials,
                 "completed": result.stats.n_completed_trials, "errored": result.stats.n_errored_trials,
                 "evals": {k: {"n_trials": v.n_trials, "metrics": v.metrics, "pass_at_k": v.pass_at_k}
                           for k, v in result.stats.evals.items()},
                 "agents": [a.name for a in config.agents], "n_attempts": config.n_attempts,
                 "trials": trials, "traces": traces}
print(json.dumps(out))
"""


def writer(messages: list[dict]) -> str:
    turn = sum(1 for m in messages if m["role"] == "assistant")
    return reply(["echo hello > /root/out.txt\n"]) if turn == 0 else reply(done=True)


@pytest.fixture(scope="module")
def jobs(engine, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("harbor-jobs")
    tasks = root / "tasks"
    make_task(tasks, "hello", wrong={"typo.sh": "echo helo > /root/out.txt"},
              config={"metadata": {"category": "file_ops", "difficulty": "easy"}})
    make_task(tasks, "lenient", check="true")
    jobs_dir = root / "jobs"
    runner = CliRunner()
    val = runner.invoke(app, ["validate", str(tasks), "--repeats", "2", "--job-dir", str(jobs_dir / "validate")],
                        env={"COLUMNS": "200"})
    assert val.exit_code == 1, val.output  # lenient is rejected
    with ScriptedLLMServer() as srv:
        srv.add(".", writer, where="any")
        roll = runner.invoke(app, ["rollout", str(tasks / "hello"), "--agent", "terminus", "--model", "openai/scripted",
                                   "--api-base", srv.url, "--attempts", "2", "--out", str(jobs_dir / "rollout"),
                                   "--temperature", "0"], env={"COLUMNS": "200"})
    assert roll.exit_code == 0, roll.output
    return {"dir": jobs_dir, "verdicts": json.loads((jobs_dir / "validate" / "result.json").read_text())["tasks"],
            "summary": json.loads((jobs_dir / "rollout" / "summary.json").read_text())}


def _harbor_python(version: str) -> Path:
    return _venv(version) / "bin" / "python"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("version", sorted(VENVS))
def test_harbor_models_read_our_jobs(jobs, version):
    res = subprocess.run([str(_harbor_python(version)), "-c", READ_JOBS, str(jobs["dir"])], capture_output=True,
                         text=True, timeout=600, env={**os.environ, **QUIET_ENV})
    assert res.returncode == 0, _tail(res.stderr)
    seen = json.loads(res.stdout.strip().splitlines()[-1])
    assert sorted(seen) == ["rollout", "validate"]  # the job dirs, not their task or trial dirs

    val = seen["validate"]
    ours = {t.dir.rsplit("/", 1)[-1]: t for v in jobs["verdicts"] for t in map(_Obj, v["trials"])}
    assert set(val["trials"]) == set(ours) and val["completed"] == val["n_total"] == len(ours) == 5
    for name, t in val["trials"].items():
        assert t["rewards"]["reward"] == ours[name].reward and t["trial_name"] == name
        assert t["agent"] == ours[name].agent and t["phases"] == ["environment_setup", "agent_execution", "verifier"]
        assert t["job_id"] == val["id"] and t["uri"].endswith("/validate/" + name)
    assert val["evals"]["oracle__adhoc"] == {"n_trials": 2, "metrics": [{"mean": 1.0}], "pass_at_k": {"2": 1.0}}
    assert val["evals"]["nop__adhoc"]["metrics"] == [{"mean": 0.5}]  # hello 0, lenient 1 (its defect)
    assert {"nop", "oracle"} <= set(val["agents"]) and val["n_attempts"] == 2
    # gate and task kept as trial metadata, next to Harbor's fields
    hello_nop = next(n for n in val["trials"] if n.startswith("hello__nop-1"))
    rec = json.loads((jobs["dir"] / "validate" / hello_nop / "result.json").read_text())
    assert rec["metadata"]["gate"] == "nop" and rec["metadata"]["task"] == "hello" and rec["metadata"]["n"] == 1

    roll = seen["rollout"]
    assert sorted(roll["trials"]) == ["hello__1", "hello__2"] and roll["n_total"] == roll["completed"] == 2
    assert roll["n_attempts"] == 2 and roll["agents"] == ["terminus"]
    assert all(t["rewards"] == {"reward": 1.0} and t["agent"] == "terminus" for t in roll["trials"].values())
    (key,) = roll["evals"]
    assert key == "terminus__scripted__adhoc" and roll["evals"][key]["pass_at_k"] == {"2": 1.0}
    assert jobs["summary"]["tasks"][0]["pass_at_k"]["2"] == 1.0
    # `harbor traces export`'s readers: each trial a conversation with our agent, model and reward
    assert sorted(roll["traces"]) == ["hello__1", "hello__2"]
    for t in roll["traces"].values():
        assert t["agent"] == "terminus" and t["model"] == "scripted" and t["rows"] >= 1 and t["result"] == "1.0"


class _Obj:
    def __init__(self, d: dict):
        self.__dict__.update(d)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port: int, path: str):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as resp:  # noqa: S310 - loopback
        return json.loads(resp.read())


@pytest.mark.timeout(600)
@pytest.mark.parametrize("version", sorted(VENVS))
def test_harbor_view_serves_our_jobs(jobs, version):
    harbor = _venv(version) / "bin" / "harbor"
    port = _free_port()
    proc = subprocess.Popen([str(harbor), "view", str(jobs["dir"]), "--jobs", "--host", "127.0.0.1", "--port",
                             str(port), "--no-build"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, **QUIET_ENV})
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                _get(port, "/api/health")
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "harbor view did not answer"
                time.sleep(0.5)
        listed = {j["name"]: j for j in _get(port, "/api/jobs")["items"]}
        assert sorted(listed) == ["rollout", "validate"]
        assert listed["validate"]["n_total_trials"] == 5 and listed["validate"]["n_completed_trials"] == 5
        assert listed["rollout"]["n_completed_trials"] == 2 and listed["rollout"]["models"] == ["scripted"]
        trials = {t["name"]: t for t in _get(port, "/api/jobs/validate/trials")["items"]}
        assert len(trials) == 5
        rejected = next(t for n, t in trials.items() if n.startswith("lenient__nop-1"))
        assert rejected["reward"] == 1.0 and rejected["agent_name"] == "nop" and rejected["task_name"] == "lenient"
        oracle = next(n for n in trials if n.startswith("hello__oracle-1"))
        detail = _get(port, f"/api/jobs/validate/trials/{oracle}")
        assert detail["verifier_result"]["rewards"] == {"reward": 1.0}
        assert detail["agent_execution"]["started_at"] and detail["verifier"]["finished_at"]
        out = _get(port, f"/api/jobs/validate/trials/{oracle}/verifier-output")
        assert out["stdout"] is not None  # verifier/test-stdout.txt, as Harbor names it
        traj = _get(port, "/api/jobs/rollout/trials/hello__1/trajectory")
        assert traj["schema_version"].startswith("ATIF") and traj["steps"][0]["source"] == "user"
        rtrials = _get(port, "/api/jobs/rollout/trials")["items"]
        assert [t["reward"] for t in rtrials] == [1.0, 1.0] and rtrials[0]["input_tokens"] > 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
