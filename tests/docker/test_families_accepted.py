"""The generator's promise, checked on real containers: one task of every family, every one accepted
(no-op 0, reference 1 on every repeat, every known-wrong solution 0)."""

import pytest

from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner import validate_many
from litecoder_terminal.synth.procedural.generate import generate
from litecoder_terminal.task import find_task_dirs

pytestmark = pytest.mark.docker


def test_one_task_of_every_family_is_accepted(engine, tmp_path):
    rep = generate(tmp_path / "tasks", per_family=1, seed=2026)
    tasks = find_task_dirs([tmp_path / "tasks"])
    assert len(tasks) == rep.written and rep.exhausted == []
    verdicts = validate_many(tasks, engine=engine, job_dir=tmp_path / "jobs", jobs=2, repeats=3)
    failed = {v.name: [f"{r.gate}: {r.message[:300]}" for r in v.reasons] for v in verdicts
              if v.verdict is not Verdict.ACCEPTED}
    assert failed == {}
    for v in verdicts:
        gates = [t.gate for t in v.trials]
        assert gates.count("nop") == 1 and gates.count("oracle") == 3 and gates.count("wrong") >= 2, v.name
