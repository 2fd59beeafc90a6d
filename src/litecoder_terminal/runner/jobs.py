"""Validate many task dirs with bounded concurrency; every verdict goes to a ledger so a killed job resumes.

The job dir is a Harbor job (runner/layout.py): config.json, result.json (Harbor's JobResult plus `tasks`, the
verdicts), and every gate trial directly under it, tagged with its gate and task."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from litecoder_terminal.gates import TaskVerdict, Verdict, validate_task
from litecoder_terminal.runner.layout import HarborJob, load_trial
from litecoder_terminal.sandbox import DockerEngine
from litecoder_terminal.store import RecordStore
from litecoder_terminal.task.model import tree_hash


class Ledger(RecordStore[TaskVerdict]):
    """Finished verdicts, keyed by task content hash and the settings that judged them."""

    def __init__(self, path: Path):
        super().__init__(path, "verdicts", TaskVerdict)


def _ledger_key(path: Path, settings: dict) -> str | None:
    try:
        return tree_hash(path) + ":" + json.dumps(settings, sort_keys=True)
    except OSError:
        return None


def validate_many(paths: list[Path], *, engine: DockerEngine | None, job_dir: Path, jobs: int = 2, repeats: int = 3,
                  image_map: dict[str, str] | None = None, lint_only: bool = False,
                  on_done: Callable[[TaskVerdict, bool], None] | None = None) -> list[TaskVerdict]:
    """Verdicts in the order of `paths`. Tasks already judged in this job dir (same content) are not re-run;
    `error` verdicts are always retried."""
    settings = {"repeats": repeats, "image_map": image_map or {}, "lint_only": lint_only}
    job = HarborJob(job_dir, kind="validate", agents=[{"name": "nop"}, {"name": "oracle"}],
                    task_paths=[Path(p) for p in paths], n_attempts=repeats, n_concurrent=jobs, settings=settings)
    ledger = Ledger(job_dir / "ledger.sqlite")
    results: dict[int, TaskVerdict] = {}

    def one(i: int, path: Path) -> tuple[int, TaskVerdict, bool]:
        key = _ledger_key(path, settings) if path.is_dir() else None
        if key:
            prior = ledger.get(key)
            if prior is not None and prior.verdict is not Verdict.ERROR:
                return i, prior, True
        v = validate_task(path, engine, repeats=repeats, image_map=image_map, job_dir=job_dir, lint_only=lint_only,
                          job_id=job.id)
        if key:
            ledger.put(key, v)
        return i, v, False

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, i, Path(p)) for i, p in enumerate(paths)]
            for fut in as_completed(futures):
                i, v, resumed = fut.result()
                results[i] = v
                if on_done:
                    on_done(v, resumed)
    finally:
        ledger.close()
        if engine is not None:
            engine.remove_run_containers()
    ordered = [results[i] for i in range(len(paths))]
    trials = [r for v in ordered for t in v.trials if (r := load_trial(job_dir / Path(t.dir).name)) is not None]
    job.write(trials, n_total=len(trials), extra={"tasks": [v.model_dump(mode="json") for v in ordered]})
    return ordered
