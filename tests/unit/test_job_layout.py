"""Harbor's job layout and `lct report` without containers: computed Harbor fields, job stats, the page's parts."""

from __future__ import annotations

import json
from pathlib import Path

from litecoder_terminal.export.report import collect, render
from litecoder_terminal.runner.layout import HarborJob, job_kind, job_stats, stamp_trial, trial_dirs
from litecoder_terminal.trial import ErrorKind, PhaseTiming, TrialError, TrialResult, TrialStatus
from tests.conftest import make_task

T0 = "2025-01-01T00:00:00.000+00:00"


def _result(name: str, task: Path, *, reward: float | None = 1.0, error: str | None = None,
            tamper: list[str] | None = None, agent: str = "oracle") -> TrialResult:
    timings = {p: PhaseTiming(started_at=f"2025-01-01T00:00:0{i}.000+00:00", seconds=0.5)
               for i, p in enumerate(["environment_setup", "agent_execution", "artifact_collection",
                                      "verifier_setup", "verifier", "teardown"])}
    return TrialResult(trial_name=name, task_name=task.name, task_path=str(task), agent=agent,
                       status=TrialStatus.ERROR if error else TrialStatus.GRADED, reward=None if error else reward,
                       rewards=None if error else {"reward": reward}, tamper=tamper, started_at=T0, seconds=6.0,
                       timings=timings, verifier_mode="separate",
                       error=TrialError(kind=ErrorKind.VERIFIER, cause="the verifier wrote neither reward.json "
                                        "nor reward.txt") if error else None)


def test_harbor_fields_are_computed_from_ours(tmp_path):
    r = _result("t__1", tmp_path / "t")
    doc = json.loads(r.model_dump_json())
    assert doc["verifier"] == {"started_at": "2025-01-01T00:00:02.000+00:00",
                               "finished_at": "2025-01-01T00:00:04.500+00:00"}  # verifier env up through tests
    assert doc["finished_at"] == "2025-01-01T00:00:06.000+00:00" and doc["verifier_environment_mode"] == "separate"
    assert doc["config"]["task"] == {"path": str(tmp_path / "t")} and doc["config"]["job_id"] is None
    assert doc["exception_info"] is None and doc["verifier_result"] == {"rewards": {"reward": 1.0}}
    err = json.loads(_result("t__2", tmp_path / "t", error="x").model_dump_json())
    assert err["exception_info"]["exception_type"] == "RewardFileNotFoundError" and err["verifier_result"] is None
    assert TrialResult.model_validate_json(r.model_dump_json()).timings == r.timings  # our record reads back


def test_job_stats_as_harbor_counts_them(tmp_path):
    task_a, task_b = tmp_path / "a", tmp_path / "b"
    trials = [_result("a__1", task_a), _result("a__2", task_a, reward=0.0), _result("b__1", task_b),
              _result("b__2", task_b), _result("b__3", task_b, error="x")]
    stats = job_stats(trials)
    assert stats["n_completed_trials"] == 5 and stats["n_errored_trials"] == 1
    ev = stats["evals"]["oracle__adhoc"]
    assert ev["n_trials"] == 4 and ev["metrics"] == [{"mean": 0.75}] and ev["n_errors"] == 1
    assert ev["pass_at_k"] == {"2": 1.0}  # Harbor's k values start at 2
    assert ev["reward_stats"]["reward"]["0.0"] == ["a__2"]
    assert ev["exception_stats"] == {"RewardFileNotFoundError": ["b__3"]}


def test_report_of_a_job_without_containers(tmp_path):
    tasks = tmp_path / "tasks"
    good = make_task(tasks, "good", config={"metadata": {"category": "games", "difficulty": "easy"}})
    bad = make_task(tasks, "bad")
    job_dir = tmp_path / "jobs" / "validate"
    job = HarborJob(job_dir, kind="validate", agents=[{"name": "oracle"}], task_paths=[good, bad])
    for name, task, kw in (("good__oracle-1__00000000", good, {}),
                           ("bad__oracle-1__11111111", bad, {"reward": 0.0, "tamper": ["artifact /x: a FIFO"]})):
        d = job_dir / name
        d.mkdir()
        (d / "result.json").write_text(_result(name, task, **kw).model_dump_json())
        (d / "agent").mkdir()
        (d / "agent" / "trajectory.json").write_text(json.dumps({"steps": [
            {"source": "user", "message": "do it"},
            {"source": "agent", "message": "typing </script>", "observation": {"results": [{"content": "$ ok"}]},
             "tool_calls": [{"function_name": "bash_command", "arguments": {"keystrokes": "echo hi\n"}}]}]}))
        stamp_trial(d, job_id=job.id, metadata={"kind": "validate", "gate": "oracle", "n": 1, "task": task.name})
    verdicts = [{"path": str(good), "name": "good", "verdict": "accepted", "reasons": [], "trials": [{}]},
                {"path": str(bad), "name": "bad", "verdict": "rejected", "trials": [{}],
                 "reasons": [{"gate": "oracle", "message": "reference solution scores 0.0"}]}]
    job.write([], extra={"tasks": verdicts})
    assert job_kind(job_dir) == "validate" and [d.name for d in trial_dirs(job_dir)] == [
        "bad__oracle-1__11111111", "good__oracle-1__00000000"]
    assert json.loads((job_dir / "good__oracle-1__00000000" / "config.json").read_text())["job_id"] == job.id

    data = collect([tasks, job_dir])
    assert {t["name"]: t["verdict"] for t in data.tasks.values()} == {"good": "accepted", "bad": "rejected"}
    assert {t["name"]: t["outcome"] for t in data.trials} == {"good__oracle-1__00000000": "passed",
                                                              "bad__oracle-1__11111111": "tampered"}
    page = render(data, title="t")
    for placeholder in ("__TRIALS__", "__CARDS__", "__BY_GATE__", "__FIGURES_JSON__", "__PLOTLY_JS__"):
        assert placeholder not in page
    assert "typing &lt;/script&gt;" in page and 'id="n-trial-tampered">1<' in page
    assert "a FIFO" in page and 'data-outcome="tampered"' in page
