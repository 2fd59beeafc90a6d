"""The alt-solution gate and the mutation battery (gates/battery.py) through the trial harness on a tiny task:
an alternative solution scores 1, every mutation of the declared output scores 0 — and a verifier that only
checks the output exists is caught by the battery."""

import pytest

from litecoder_terminal.gates.battery import run_battery
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial.trial import build_task_images
from tests.conftest import make_task

pytestmark = pytest.mark.docker


def _task(tmp_path, name, check):
    return TaskDir(make_task(
        tmp_path, name, solve="echo 'total 42' > /root/out.txt", check=check,
        dockerfile=TOOLBOX_LAYER + "WORKDIR /root\n",  # python3 for the shape/change mutations (cached layer)
        config={"metadata": {"lct": {"outputs": ["/root/out.txt"]}}},
        extra_files={"solution/alt/printf.sh": "#!/bin/bash\nprintf 'total %d\\n' $((6 * 7)) > /root/out.txt\n"}))


def test_alt_scores_1_and_every_mutation_scores_0(engine, tmp_path):
    task = _task(tmp_path, "strict", "grep -qx 'total 42' /root/out.txt 2>/dev/null")
    images = build_task_images(engine, task)
    got = {o.name: (o.reward, o.skipped) for o in run_battery(task, engine, images, tmp_path / "trials")}
    assert got == {"printf.sh": (1.0, False), "mutate-delete-1": (0.0, False), "mutate-empty-1": (0.0, False),
                   "mutate-shape-1": (0.0, False), "mutate-change-1": (0.0, False)}
    lenient = _task(tmp_path, "lenient", "test -e /root/out.txt")
    outcomes = run_battery(lenient, engine, build_task_images(engine, lenient), tmp_path / "trials2")
    assert [o.name for o in outcomes if not o.ok] == ["mutate-empty-1", "mutate-shape-1", "mutate-change-1"]
