"""The gates on real containers: what is accepted, what is rejected and why, and that a batch goes on."""

import json
import subprocess
import sys
import time

import pytest

from litecoder_terminal.gates import Verdict, validate_task
from tests.conftest import make_task

pytestmark = pytest.mark.docker


def verdict_of(engine, task, tmp_path, repeats=3):
    return validate_task(task, engine, repeats=repeats, job_dir=tmp_path / "jobs")


def test_sound_task_is_accepted(engine, tmp_path):
    task = make_task(tmp_path, "sound", wrong={"typo.sh": "echo helo > /root/out.txt", "partial.sh": "touch /root/out.txt"})
    v = verdict_of(engine, task, tmp_path)
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert [t.gate for t in v.trials] == ["nop", "oracle", "oracle", "oracle", "wrong", "wrong"]
    assert [t.reward for t in v.trials] == [0, 1, 1, 1, 0, 0]


def test_verifier_that_passes_untouched_is_rejected_at_nop(engine, tmp_path):
    task = make_task(tmp_path, "lenient", check="true")
    v = verdict_of(engine, task, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "nop"
    assert "scores 1.0" in v.reasons[0].message


def test_wrong_reference_solution_is_rejected_at_oracle(engine, tmp_path):
    task = make_task(tmp_path, "badref", solve="echo goodbye > /root/out.txt")
    v = verdict_of(engine, task, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "oracle"


def test_known_wrong_solution_that_passes_is_rejected(engine, tmp_path):
    task = make_task(tmp_path, "weak", check="test -s /root/out.txt", wrong={"any-text.sh": "echo nope > /root/out.txt"})
    v = verdict_of(engine, task, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "wrong"
    assert "any-text.sh" in v.reasons[0].message


def test_random_verifier_is_rejected(engine, tmp_path):
    # Passes a fair coin flip whatever the agent did: it must fail one of 1 + 10 gate trials
    # (the chance it slips through all of them is 2**-11).
    task = make_task(tmp_path, "coin", check='[ $(( $(od -An -N1 -tu1 /dev/urandom) % 2 )) = 0 ]')
    v = verdict_of(engine, task, tmp_path, repeats=10)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate in ("nop", "oracle")


def test_verifier_without_reward_is_rejected_not_scored(engine, tmp_path):
    task = make_task(tmp_path, "silent", test_sh="#!/bin/bash\necho graded but wrote nothing\n")
    v = verdict_of(engine, task, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "nop"
    assert "neither reward.json nor reward.txt" in v.reasons[0].message
    assert v.trials[0].status.value == "error" and v.trials[0].reward is None


def test_build_failure_and_build_timeout(engine, tmp_path):
    broken = make_task(tmp_path, "broken", dockerfile="FROM debian:bookworm-slim\nRUN exit 3\n")
    v = verdict_of(engine, broken, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "build"
    assert "returned a non-zero code: 3" in v.reasons[0].message
    slow = make_task(tmp_path, "slow", dockerfile="FROM debian:bookworm-slim\nRUN sleep 60\n",
                     config={"environment": {"build_timeout_sec": 3}})
    v = verdict_of(engine, slow, tmp_path)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "build" and "timed out" in v.reasons[0].message
    time.sleep(2)
    running = [c for c in engine.client.containers.list() if "sleep 60" in " ".join(c.attrs["Config"]["Cmd"] or [])]
    assert not running, "the timed-out build step must be cancelled, not left running"


def test_batch_goes_on_past_bad_tasks_cli(tmp_path):
    make_task(tmp_path / "batch", "a-missing-copy", dockerfile="FROM debian:bookworm-slim\nCOPY data.csv /app/\n")
    bad_toml = make_task(tmp_path / "batch", "b-bad-toml")
    (bad_toml / "task.toml").write_text("[agent]\ntimeout_sec = \n")
    make_task(tmp_path / "batch", "c-sound")
    report = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "validate", str(tmp_path / "batch"),
                           "--repeats", "1", "--jobs", "2", "--report", str(report), "--job-dir", str(tmp_path / "j")],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    tasks = {t["path"].rsplit("/", 1)[-1]: t for t in json.loads(report.read_text())["tasks"]}
    assert tasks["c-sound"]["verdict"] == "accepted"
    for name, file in (("a-missing-copy", "environment/Dockerfile"), ("b-bad-toml", "task.toml")):
        assert tasks[name]["verdict"] == "rejected"
        assert tasks[name]["reasons"][0]["gate"] == "lint"
        assert file in tasks[name]["reasons"][0]["message"]
    assert "data.csv" in tasks["a-missing-copy"]["reasons"][0]["message"]
    assert "rejected" in proc.stdout and "accepted" in proc.stdout  # the verdict table


def test_ledger_resumes_without_rerunning(engine, tmp_path):
    from litecoder_terminal.runner import validate_many

    task = make_task(tmp_path, "t")
    first = validate_many([task], engine=engine, job_dir=tmp_path / "j", repeats=1)
    seen = []
    again = validate_many([task], engine=engine, job_dir=tmp_path / "j", repeats=1,
                          on_done=lambda v, resumed: seen.append(resumed))
    assert seen == [True] and again[0].verdict == first[0].verdict == Verdict.ACCEPTED
    (task / "tests" / "test.sh").write_text("#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n")  # content changed
    seen.clear()
    third = validate_many([task], engine=engine, job_dir=tmp_path / "j", repeats=1,
                          on_done=lambda v, resumed: seen.append(resumed))
    assert seen == [False] and third[0].verdict is Verdict.REJECTED


def test_image_map_substitutes_base_without_touching_task(engine, tmp_path):
    task = make_task(tmp_path, "mapped", dockerfile="FROM registry.invalid/team/base:1.0\n")
    before = (task / "environment" / "Dockerfile").read_text()
    unmapped = validate_task(task, engine, repeats=1, job_dir=tmp_path / "j1")
    # an unreachable base image is infrastructure, not the task's fault: an error naming the way out
    assert unmapped.verdict is Verdict.ERROR and unmapped.reasons[0].gate == "build"
    assert "--image-map registry.invalid/team/base:1.0=" in unmapped.reasons[0].message
    v = validate_task(task, engine, repeats=1, job_dir=tmp_path / "j2",
                      image_map={"registry.invalid/team/base:1.0": "debian:bookworm-slim"})
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert (task / "environment" / "Dockerfile").read_text() == before


# ---- the battery gates (gates/battery.py): alternative solutions must pass, mutated outputs must fail ----------
OUTPUTS = {"metadata": {"lct": {"outputs": ["/root/out.txt"]}}}


def test_alt_solutions_and_mutations_are_gates(engine, tmp_path):
    task = make_task(tmp_path, "battery", config=OUTPUTS,
                     extra_files={"solution/alt/printf.sh": "#!/bin/bash\nprintf 'hello\\n' > /root/out.txt\n"})
    v = verdict_of(engine, task, tmp_path, repeats=1)
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    gates = [t.gate for t in v.trials]
    assert gates[:3] == ["nop", "oracle", "alt"] and gates.count("mutation") == 4
    # delete and empty are applied and score 0; shape/change need python3, absent from this image: not judged
    assert [t.reward for t in v.trials if t.gate == "mutation"][:2] == [0, 0]


def test_a_verifier_that_only_checks_existence_is_rejected_by_a_mutation(engine, tmp_path):
    task = make_task(tmp_path, "exists-only", check="test -e /root/out.txt", config=OUTPUTS)
    v = verdict_of(engine, task, tmp_path, repeats=1)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "mutation", v.reasons
    assert "/root/out.txt emptied" in v.reasons[0].message


def test_a_correct_alternative_the_verifier_refuses_is_rejected(engine, tmp_path):
    # the verifier demands the reference's exact bytes (no trailing newline tolerance): a false-negative trap
    task = make_task(tmp_path, "exact", solve="echo hello > /root/out.txt",
                     check="[ \"$(od -c /root/out.txt | head -1)\" = \"$(echo hello | od -c | head -1)\" ]",
                     extra_files={"solution/alt/no-newline.sh": "#!/bin/bash\nprintf hello > /root/out.txt\n"})
    v = verdict_of(engine, task, tmp_path, repeats=1)
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "alt", v.reasons
    assert "no-newline.sh" in v.reasons[0].message
