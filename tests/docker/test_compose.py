"""Composed tasks on real containers: K = 2, 3, 4 stages accepted by every gate; each stage's wrong solution fails
the stage it targets (and only that one), and a solution that does every stage but one scores 0."""

import json
from pathlib import Path

import pytest

from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner import validate_many
from litecoder_terminal.synth.procedural.compose import compose
from litecoder_terminal.synth.procedural.registry import get_family
from litecoder_terminal.task import TaskDir, write_task_dir
from litecoder_terminal.trial import build_task_images

pytestmark = pytest.mark.docker

# Families whose verifiers are quick, from five domains, so the three tasks validate in a few minutes.
POOL = ["classification_metrics_report", "measurement_uncertainty_propagation", "sensor_outlier_flagging",
        "http_error_report", "subnet_allocation_plan"]


def _stage_rewards(trial_dir: str) -> dict:
    found = sorted(Path(trial_dir).rglob("reward.json"))
    assert found, f"no reward.json under {trial_dir}"
    return json.loads(found[0].read_text())


def test_composed_tasks_of_2_3_4_stages_pass_every_gate(engine, tmp_path):
    pool = [get_family(n) for n in POOL]
    tasks = {}
    for k, primary, level in ((2, "http_error_report", "medium"), (3, "sensor_outlier_flagging", "medium"),
                              (4, "classification_metrics_report", "hard")):
        task = compose(get_family(primary), level, k, 11, pool)
        assert len(task.config.metadata["stages"]) == k
        path = tmp_path / "tasks" / f"composed{k}"
        write_task_dir(path, task.instruction, task.config, task.files)
        tasks[path.name] = (k, task)

    verdicts = validate_many(sorted(tmp_path.joinpath("tasks").iterdir()), engine=engine, job_dir=tmp_path / "jobs",
                             jobs=2, repeats=1)
    failed = {v.name: [f"{r.gate}: {r.message[:400]}" for r in v.reasons] for v in verdicts
              if v.verdict is not Verdict.ACCEPTED}
    assert failed == {}
    for v in verdicts:
        k, task = tasks[v.name]
        stages = [f"stage{i}" for i in range(1, k + 1)]
        by_agent = {t.agent: t for t in v.trials}
        oracle = [t for t in v.trials if t.gate == "oracle"]
        assert len(oracle) == 1 and _stage_rewards(oracle[0].dir) == {"reward": 1, **{s: 1 for s in stages}}
        wrong = [t for t in v.trials if t.gate == "wrong"]
        assert len(wrong) == 2 * k, [t.agent for t in wrong]
        # a part whose inputs are sealed with the result of the part before cannot be done without that part
        sealed_by = {h["from"]: h["to"] for h in task.config.metadata.get("lct", {}).get("handoffs", [])}
        for i, stage in enumerate(stages, 1):
            # every part done but this one: 0, and the per-stage values say which part is missing (and which
            # part could not open its inputs without it)
            skip = by_agent[f"script:skip-stage{i}.sh"]
            assert skip.reward == 0
            assert _stage_rewards(skip.dir) == {
                "reward": 0, **{s: int(s != stage and s != sealed_by.get(stage)) for s in stages}}
            # this part's known-wrong solution, the other parts right: 0, and it is this part that fails
            (target,) = [t for t in wrong if t.agent.startswith(f"script:{stage}-")]
            assert target.reward == 0
            got = _stage_rewards(target.dir)
            assert got[stage] == 0 and all(got[s] == 1 for s in stages if s not in (stage, sealed_by.get(stage)))
    # K = 3 (sensor_outlier_flagging, classification_metrics_report, http_error_report): the report's result
    # seals the logs of the last part; the image holds them only encrypted
    _, task3 = tasks["composed3"]
    (handoff,) = task3.config.metadata["lct"]["handoffs"]
    assert handoff == {"from": "stage2", "to": "stage3", "sealed": [handoff["sealed"][0]]}
    box = engine.start(build_task_images(engine, TaskDir(tmp_path / "tasks" / "composed3")).agent, network=False)
    try:
        res = box.exec(["sh", "-c", f"test -e {handoff['sealed'][0]}; echo $?; ls /var/lib/handover/sealed"])
    finally:
        box.close()
    assert res.output.split() == ["1", "part3.tar.enc"]
    assert "part3.tar.enc" in task3.instruction and "a result of part 2" in task3.instruction
