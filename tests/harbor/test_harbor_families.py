"""Harbor itself on what we generate: one task of every family passes `harbor lint` (default rules, 0.25 and 0.26)
with zero findings — so no `shared-verifier` — and Harbor's own separate-verifier runs grade a sample of families
as we do (oracle 1.0, nop 0.0). Setting LCT_HARBOR_ALL_FAMILIES=1 runs every family (about 20 minutes here)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from litecoder_terminal.synth.procedural.generate import generate
from tests.harbor.test_harbor_conformance import EXPECTED_REWARD, REPO, _harbor, _harbor_ready_copy, _tail

pytestmark = [pytest.mark.harbor, pytest.mark.docker]

VENVS = {"0.25": REPO / ".cache" / "harbor-venv", "0.26": REPO / ".cache" / "harbor-venv-0.26"}
# a file-output family, a repository family and a system-configuration family: what crosses differs in kind
SAMPLE = ("classification_metrics_report", "leaked_secret_cleanup", "sshd_config_hardening")


@pytest.fixture(scope="module")
def family_tasks(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("families")
    generate(out, per_family=1, seed=7)
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    return {r["family"]: out / r["path"] for r in rows}


def _venv(version: str) -> Path:
    venv = VENVS[version]
    if not (venv / "bin" / "harbor").exists():
        env = {**os.environ, "LCT_HARBOR_VENV": str(venv), "LCT_HARBOR_VERSION": f"{version}.0"}
        res = subprocess.run(["bash", str(REPO / "scripts" / "harbor-venv.sh")], env=env, capture_output=True,
                             text=True, timeout=1800)
        assert res.returncode == 0, f"harbor {version} venv:\n{_tail(res.stderr)}"
    return venv


@pytest.mark.timeout(900)
@pytest.mark.parametrize("version", sorted(VENVS))
def test_harbor_lint_default_rules_find_nothing_in_any_family(family_tasks, version, tmp_path):
    res = _harbor(_venv(version), "lint", "--json", *map(str, family_tasks.values()), cwd=tmp_path, timeout=600)
    findings = json.loads(res.stdout or "[]")
    assert res.returncode == 0 and findings == [], f"harbor {version} lint:\n{res.stdout[-3000:]}\n{_tail(res.stderr)}"


def _families(family_tasks):
    return sorted(family_tasks) if os.environ.get("LCT_HARBOR_ALL_FAMILIES") else list(SAMPLE)


@pytest.mark.timeout(3600)
@pytest.mark.parametrize("agent", sorted(EXPECTED_REWARD))
def test_harbor_run_grades_families_in_separate_mode(family_tasks, agent, tmp_path):
    venv = _venv("0.25")
    failures = []
    for family in _families(family_tasks):
        task = family_tasks[family]
        root = tmp_path / family
        root.mkdir()
        copy, overlay, note = _harbor_ready_copy(task, root, venv)
        res = _harbor(venv, "run", "--path", str(copy), "--agent", agent, "--jobs-dir", str(root / "jobs"),
                      "--job-name", "j", "--n-concurrent", "1", "--extra-docker-compose", str(overlay), "--yes",
                      "--quiet", cwd=root)
        trials = sorted((root / "jobs" / "j").glob("*/result.json"))
        if res.returncode != 0 or len(trials) != 1:
            failures.append(f"{family}: harbor exited {res.returncode} {note}\n{_tail(res.stdout, 20)}\n"
                            f"{_tail(res.stderr, 20)}")
            continue
        trial = json.loads(trials[0].read_text())
        rewards = (trial.get("verifier_result") or {}).get("rewards") or {}
        if trial.get("exception_info") or rewards.get("reward") != EXPECTED_REWARD[agent]:
            failures.append(f"{family}: {agent} got {rewards} ({(trial.get('exception_info') or {}).get('exception_message')})")
    assert not failures, "\n".join(failures)
