"""Shared fixtures: tiny task dirs written on the fly, and a Docker engine for the `docker` tests."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from litecoder_terminal.task import TaskConfig, write_task_dir

BASE = "debian:bookworm-slim"

# A shell-only verifier: reward 1 when CHECK (a shell condition) holds.
TEST_SH = """#!/bin/bash
mkdir -p /logs/verifier
if {check}; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
"""


def make_task(root: Path, name: str, *, solve: str = "echo hello > /root/out.txt",
              check: str = 'grep -qx hello /root/out.txt 2>/dev/null', test_sh: str | None = None,
              dockerfile: str = f"FROM {BASE}\n", config: dict | None = None,
              wrong: dict[str, str] | None = None, extra_files: dict[str, str] | None = None,
              instruction: str = "Write the word hello to /root/out.txt.") -> Path:
    cfg = {"verifier": {"timeout_sec": 60}, "agent": {"timeout_sec": 60}, "environment": {"build_timeout_sec": 300}}
    for section, values in (config or {}).items():
        if isinstance(values, dict):
            cfg.setdefault(section, {}).update(values)
        else:
            cfg[section] = values
    files = {
        "environment/Dockerfile": textwrap.dedent(dockerfile),
        "solution/solve.sh": "#!/bin/bash\n" + textwrap.dedent(solve) + "\n",
        "tests/test.sh": test_sh if test_sh is not None else TEST_SH.format(check=check),
        **{f"solution/wrong/{k}": "#!/bin/bash\n" + textwrap.dedent(v) + "\n" for k, v in (wrong or {}).items()},
        **(extra_files or {}),
    }
    return write_task_dir(root / name, instruction, TaskConfig.model_validate(cfg), files).root


@pytest.fixture(scope="session")
def engine():
    from litecoder_terminal.sandbox import DockerEngine, SandboxError

    try:
        eng = DockerEngine(run_id=f"pytest-{os.getpid()}")
    except SandboxError as e:
        if os.environ.get("CI"):
            pytest.fail(f"Docker is required in CI: {e}")
        pytest.skip(f"no Docker engine: {e}")
    yield eng
    eng.remove_run_containers()
