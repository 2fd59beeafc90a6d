"""Third-party Harbor task shapes, judged fairly on real containers: the standard TB2/Harbor test.sh (offline rewrite
accepted, as written stopped with the ways out, run as written with network), multi-step tasks, no reference
solution, a prebuilt `docker_image`, an unreachable base image (error, then accepted in the same job dir), and the
two inputs that used to crash lint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from litecoder_terminal.gates import Verdict, validate_task
from litecoder_terminal.task.offline import convert_tasks
from tests.conftest import BASE, make_task

pytestmark = pytest.mark.docker

ROOT = Path(__file__).resolve().parents[2]
HARBOR_026 = ROOT / ".cache" / "harbor-venv-0.26" / "bin" / "harbor"
# One environment for the Python-graded tasks: every build after the first is a cache hit.
PY_ENV = (f"FROM {BASE}\nRUN apt-get update && apt-get install -y --no-install-recommends python3 python3-pip "
          "python3-venv curl && rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY data.txt /app/data.txt\n")
TEST_PY = 'from pathlib import Path\n\n\ndef test_count():\n    assert Path("/app/count.txt").read_text().strip() == "3"\n'
TB2_TEST_SH = """#!/bin/bash

apt-get update
apt-get install -y curl

curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh

source $HOME/.local/bin/env

uvx \\
  -p 3.13 \\
  -w pytest==8.4.1 \\
  -w pytest-json-ctrf==0.3.5 \\
  pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA

if [ $? -eq 0 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
"""
PIP_TEST_SH = """#!/bin/bash
pip install --break-system-packages --quiet pytest==8.4.1
python3 -m pytest /tests/test_outputs.py -rA
if [ $? -eq 0 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""


def py_task(root: Path, name: str, test_sh: str, **kw) -> Path:
    """A TB2-shaped task: count the lines of /app/data.txt into /app/count.txt; graded by pytest."""
    return make_task(root, name, dockerfile=PY_ENV, test_sh=test_sh, solve="wc -l < /app/data.txt > /app/count.txt",
                     instruction="Write the number of lines of /app/data.txt to /app/count.txt.",
                     extra_files={"environment/data.txt": "a\nb\nc\n", "tests/test_outputs.py": TEST_PY, **kw})


@pytest.fixture(scope="module")
def shapes(tmp_path_factory):
    root = tmp_path_factory.mktemp("shapes")
    tb2 = py_task(root / "src", "tb2-uvx", TB2_TEST_SH)
    return {"root": root, "tb2": tb2, "offline": convert_tasks([tb2], root / "offline")[0]}


def test_tb2_template_as_written_names_the_ways_out(shapes, engine, tmp_path):
    v = validate_task(shapes["tb2"], engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "lint" and not v.trials
    assert "lct offline" in v.reasons[0].message and "--allow-grading-network" in v.reasons[0].message
    assert {f.code: f.severity.value for f in v.findings} == {"LCT005": "warning"}
    # run as written: astral.sh does not resolve here, so the uv installer fails: infrastructure, not a verdict
    # (the template without its apt-get lines, which would only make each trial slower: curl is in the image)
    quick = py_task(tmp_path, "tb2-no-apt", TB2_TEST_SH.replace("apt-get update\napt-get install -y curl\n", ""))
    v = validate_task(quick, engine, repeats=1, job_dir=tmp_path / "j", allow_grading_network=True)
    assert v.verdict is Verdict.ERROR and v.reasons[0].kind == "verifier: download host unreachable", v.reasons
    assert "astral.sh" in v.reasons[0].message


def test_tb2_template_offline_rewrite_is_accepted_and_harbor_lint_clean(shapes, engine, tmp_path):
    entry = shapes["offline"]
    assert entry.status == "converted" and not entry.not_converted, entry
    assert entry.packages == ["pytest-json-ctrf==0.3.5", "pytest==8.4.1"] and entry.artifacts == ["/app"]
    out = Path(entry.out)
    assert "astral.sh" not in (out / "tests" / "test.sh").read_text()
    assert (out / "environment" / "Dockerfile").read_text() == PY_ENV  # everything else unchanged
    report = json.loads((out.parent / "offline-report.json").read_text())
    assert report["tasks"][0]["status"] == "converted" and report["tasks"][0]["changes"]
    v = validate_task(out, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert [f.code for f in v.findings] == []
    if HARBOR_026.exists():
        proc = subprocess.run([str(HARBOR_026), "lint", str(out)], capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        before = subprocess.run([str(HARBOR_026), "lint", str(shapes["tb2"])], capture_output=True, text=True,
                                timeout=300)
        assert "shared-verifier" in before.stdout  # what the rewrite fixed
    elif __import__("os").environ.get("CI"):
        pytest.fail(f"Harbor 0.26 venv missing: {HARBOR_026}")


def test_pip_test_sh_runs_as_written_with_grading_network(shapes, engine, tmp_path):
    task = py_task(shapes["root"] / "src", "pip-as-written", PIP_TEST_SH)
    v = validate_task(task, engine, repeats=1, job_dir=tmp_path / "j", allow_grading_network=True)
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert [t.gate for t in v.trials] == ["nop", "oracle"]


def _multi_step(root: Path, name: str, *, second_solve: str = "echo two >> /app/log.txt") -> Path:
    t = make_task(root, name, dockerfile=f"FROM {BASE}\nWORKDIR /app\n",
                  config={"multi_step_reward_strategy": "mean"})
    (t / "instruction.md").unlink()
    shutil.rmtree(t / "tests")
    shutil.rmtree(t / "solution")
    (t / "task.toml").write_text((t / "task.toml").read_text() + textwrap.dedent("""
        [[steps]]
        name = "one"
        min_reward = 1.0

        [[steps]]
        name = "two"
        """))
    files = {
        "one": ("echo one > /app/log.txt", 'grep -qx one /app/log.txt'),
        "two": (second_solve, '[ "$(cat /app/log.txt)" = "$(printf "one\\ntwo")" ]'),
    }
    for step, (solve, check) in files.items():
        d = t / "steps" / step
        (d / "tests").mkdir(parents=True)
        (d / "solution").mkdir()
        (d / "instruction.md").write_text(f"Step {step}: append '{step}' to /app/log.txt.\n")
        (d / "tests" / "test.sh").write_text(f"#!/bin/bash\nif {check}; then echo 1; else echo 0; fi "
                                             "> /logs/verifier/reward.txt\n")
        (d / "solution" / "solve.sh").write_text(f"#!/bin/bash\n{solve}\n")
    (t / "steps" / "two" / "workdir").mkdir()
    (t / "steps" / "two" / "workdir" / "setup.sh").write_text("touch /app/.step-two-ready\n")
    return t


def test_multi_step_task_validated_step_by_step(engine, tmp_path):
    good = _multi_step(tmp_path, "steps-good")
    v = validate_task(good, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert [(t.gate, t.reward) for t in v.trials] == [("nop", 0.0), ("nop", 0.5), ("oracle", 1.0)]
    # per step: nop at one; oracle at one then nop at two (mean of 1 and 0); oracle at both
    assert [[s["reward"] for s in t.steps] for t in v.trials] == [[0.0], [1.0, 0.0], [1.0, 1.0]]
    trial = Path(v.trials[-1].dir)
    assert (trial / "steps" / "two" / "verifier" / "reward.txt").read_text().strip() == "1"
    bad = _multi_step(tmp_path, "steps-bad", second_solve="echo three >> /app/log.txt")
    v = validate_task(bad, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.REJECTED and v.reasons[0].gate == "oracle"
    assert "at step 'two'" in v.reasons[0].message


def test_no_solution_is_unverified_and_counted_apart(engine, tmp_path):
    from litecoder_terminal.gates.validate import verdict_totals

    nosol = make_task(tmp_path, "nosol")
    shutil.rmtree(nosol / "solution")
    v1 = validate_task(nosol, engine, repeats=2, job_dir=tmp_path / "j")
    assert v1.verdict is Verdict.UNVERIFIED and [t.gate for t in v1.trials] == ["nop"], v1.reasons
    v2 = validate_task(make_task(tmp_path, "asked"), engine, repeats=2, job_dir=tmp_path / "j", no_oracle=True)
    assert v2.verdict is Verdict.UNVERIFIED and "--no-oracle" in v2.reasons[0].message
    lenient = make_task(tmp_path, "lenient", check="true")
    shutil.rmtree(lenient / "solution")
    v3 = validate_task(lenient, engine, repeats=2, job_dir=tmp_path / "j")
    assert v3.verdict is Verdict.REJECTED and v3.reasons[0].gate == "nop"  # no-op still judges it
    totals = verdict_totals([v1, v2, v3])
    assert totals["verdict"] == {"unverified": 2, "rejected": 1}


def test_prebuilt_docker_image_with_harbor_semantics(engine, tmp_path):
    engine.client.images.get(BASE).tag("example.org/prebuilt", "1")
    only = make_task(tmp_path, "prebuilt-only", config={"environment": {"docker_image": "example.org/prebuilt:1"}})
    (only / "environment" / "Dockerfile").unlink()
    v = validate_task(only, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.ACCEPTED and v.image == "example.org/prebuilt:1", v.reasons
    # with a Dockerfile too, the image is used as Harbor does; --force-build builds the Dockerfile instead
    both = make_task(tmp_path, "both", dockerfile=f"FROM {BASE}\nRUN echo built > /built\n",
                     config={"environment": {"docker_image": "example.org/prebuilt:1"}})
    v = validate_task(both, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.ACCEPTED and v.image == "example.org/prebuilt:1"
    v = validate_task(both, engine, repeats=1, job_dir=tmp_path / "j", force_build=True)
    assert v.verdict is Verdict.ACCEPTED and v.image.startswith("lct-env:")


def test_unreachable_base_image_is_an_error_then_accepted_in_the_same_job_dir(engine, tmp_path):
    from litecoder_terminal.runner import validate_many

    ref = "example.org/lct-missing-base:1"
    try:
        engine.client.images.remove(ref)
    except Exception:  # noqa: BLE001 - not there, as wanted
        pass
    task = make_task(tmp_path, "missing-base", dockerfile=f"FROM {ref}\n")
    (first,) = validate_many([task], engine=engine, job_dir=tmp_path / "j", repeats=1)
    assert first.verdict is Verdict.ERROR and first.reasons[0].kind == "base image missing"
    assert f"--image-map {ref}=" in first.reasons[0].message and not first.trials
    engine.client.images.get(BASE).tag("example.org/lct-missing-base", "1")
    try:
        seen = []
        (again,) = validate_many([task], engine=engine, job_dir=tmp_path / "j", repeats=1,
                                 on_done=lambda v, resumed: seen.append(resumed))
        assert seen == [False] and again.verdict is Verdict.ACCEPTED, again.reasons
    finally:
        engine.client.images.remove(ref)


def test_download_host_unreachable_during_build_is_an_error(engine, tmp_path):
    task = make_task(tmp_path, "build-download", dockerfile=f"FROM {BASE}\nRUN getent hosts deps.example.invalid "
                     "|| { echo 'curl: (6) Could not resolve host: deps.example.invalid' >&2; exit 6; }\n")
    v = validate_task(task, engine, repeats=1, job_dir=tmp_path / "j")
    assert v.verdict is Verdict.ERROR and v.reasons[0].gate == "build", v.reasons
    assert "Could not resolve host" in v.reasons[0].message and "\x1b[" not in v.reasons[0].message


def test_lint_crash_inputs_in_a_cli_batch(tmp_path):
    batch = tmp_path / "batch"
    make_task(batch, "a-quote", dockerfile=f'FROM {BASE}\nCOPY "my file.txt /app/\n')
    dirdf = make_task(batch, "b-dockerfile-dir")
    (dirdf / "environment" / "Dockerfile").unlink()
    (dirdf / "environment" / "Dockerfile").mkdir()
    make_task(batch, "c-sound")
    proc = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "lint", "--json", str(batch)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["tasks_total"] == 3 and doc["tasks_with_errors"] == 1
    assert doc["totals"] == {"LCT001": {"error": 1}, "LCT013": {"warning": 1}}
    quote = next(t for t in doc["tasks"] if t["task"].endswith("a-quote"))["findings"][0]
    assert quote["file"].endswith("environment/Dockerfile") and quote["line"] == 2
    report = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "validate", str(batch), "--repeats", "1",
                           "--report", str(report), "--job-dir", str(tmp_path / "j")],
                          capture_output=True, text=True, timeout=600)
    tasks = {Path(t["path"]).name: t for t in json.loads(report.read_text())["tasks"]}
    assert tasks["c-sound"]["verdict"] == "accepted"
    assert tasks["b-dockerfile-dir"]["verdict"] == "rejected" and "is a directory" in tasks["b-dockerfile-dir"][
        "reasons"][0]["message"]
    assert tasks["a-quote"]["verdict"] == "rejected" and tasks["a-quote"]["reasons"][0]["gate"] == "build"
    # piped output: rows are not wrapped, and totals by verdict, gate and reason close the run
    row = next(ln for ln in proc.stdout.splitlines() if "b-dockerfile-dir" in ln)
    assert "is a directory" in row
    assert "verdict" in proc.stdout and "rejected/lint" in proc.stdout and "rejected/build" in proc.stdout
