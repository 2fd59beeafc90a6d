"""Rollouts: K attempts of one agent on many tasks, each a trial with its ATIF trajectory, in a resumable job.

Layout: OUT is a Harbor job dir (runner/layout.py): `OUT/config.json`, `OUT/result.json` (Harbor's JobResult),
the trials directly under it as `OUT/<task>__<attempt>/` (Harbor trial dirs: result.json with the task and attempt
in its metadata, config.json, agent/trajectory.json, verifier/), a SQLite
ledger `OUT/ledger.sqlite` (finished trials are never re-run; infra errors are), `OUT/summary.json` with
per-task rewards, unbiased pass@k (Chen et al., 2021), tokens and cost. Infra errors are not failures: they
are left out of pass@k and reported apart. Calibration (pass rate per task, for RL) is a rollout plus
`calibration_rows`.
"""

from __future__ import annotations

import json
import shutil
import threading
from datetime import datetime, timezone
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from litecoder_terminal.agents import Agent
from litecoder_terminal.export.rl import task_meta
from litecoder_terminal.runner.layout import HarborJob, build_log_dir, load_trial, rollout_trial_name, stamp_trial
from litecoder_terminal.sandbox import BuildError, DockerEngine
from litecoder_terminal.store import RecordStore
from litecoder_terminal.task import TaskDir
from litecoder_terminal.task.model import TaskLoadError
from litecoder_terminal.trial import (
    ErrorKind,
    TaskImages,
    TrialError,
    TrialResult,
    TrialStatus,
    build_task_images,
    run_trial,
)


class TrialRecord(BaseModel):
    """One finished (or failed) attempt, as the ledger and summary.json keep it."""

    task: str
    path: str
    attempt: int
    trial_dir: str
    status: str  # graded | error
    reward: float | None = None
    error_kind: str | None = None
    error: str | None = None
    seconds: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    turns: int | None = None
    stop_reason: str | None = None

    @property
    def finished(self) -> bool:
        """An infra error is the harness's failure, not the attempt's: it is run again on resume."""
        return self.status == "graded" or self.error_kind == "verifier"


def pass_at_k(n: int, c: int, k: int) -> float | None:
    """Unbiased estimate of P(at least one of k samples succeeds) from n samples with c successes (Chen et al.)."""
    if k < 1 or n < k:
        return None
    if n - c < k:
        return 1.0
    prob_all_fail = 1.0
    for i in range(n - c + 1, n + 1):
        prob_all_fail *= 1.0 - k / i
    return 1.0 - prob_all_fail


def _trajectory_usage(trial_dir: Path) -> dict[str, Any]:
    path = trial_dir / "agent" / "trajectory.json"
    if not path.is_file():
        return {}
    try:
        fm = json.loads(path.read_text()).get("final_metrics") or {}
    except (OSError, json.JSONDecodeError):
        return {}
    extra = fm.get("extra") or {}
    return {"prompt_tokens": int(fm.get("total_prompt_tokens") or 0),
            "completion_tokens": int(fm.get("total_completion_tokens") or 0),
            "cost_usd": float(fm.get("total_cost_usd") or 0.0), "turns": extra.get("turns"),
            "stop_reason": extra.get("stop_reason") or extra.get("stopped")}


def _record_unrun(trial_dir: Path, name: str, root: Path, agent_key: str, cause: str) -> None:
    """A trial that could not start (task unreadable, image not built) still has its record, as in Harbor."""
    now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    trial_dir.mkdir(parents=True, exist_ok=True)
    result = TrialResult(trial_name=trial_dir.name, task_name=name, task_path=str(root),
                         agent=agent_key.split("|")[0], status=TrialStatus.ERROR, started_at=now,
                         error=TrialError(kind=ErrorKind.INFRA, cause=cause))
    (trial_dir / "result.json").write_text(result.model_dump_json(indent=2))


def _names(tasks: list[TaskDir]) -> list[str]:
    """Output dir names: the task dir name, made unique with a hash prefix when two tasks share it."""
    counts: dict[str, int] = {}
    for t in tasks:
        counts[t.name] = counts.get(t.name, 0) + 1
    return [t.name if counts[t.name] == 1 else f"{t.name}-{t.content_hash()[:8]}" for t in tasks]


def run_rollout(task_paths: list[Path], make_agent: Callable[[int], Agent], *, agent_key: str, engine: DockerEngine,
                out_dir: Path, attempts: int = 1, jobs: int = 2, image_map: dict[str, str] | None = None,
                success_threshold: float = 1.0,
                on_done: Callable[[TrialRecord, bool], None] | None = None) -> dict[str, Any]:
    """Run every (task, attempt) not already finished in out_dir; returns (and writes) the summary.

    `make_agent(attempt)` builds a fresh agent per trial (attempt is 1-based, e.g. for an LLM cache salt);
    `agent_key` names the agent and its settings: a different key means different trials in the ledger."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [TaskDir(Path(p)) for p in task_paths]
    names = _names(tasks)
    hashes = [t.content_hash() for t in tasks]
    agent_name, _, model = agent_key.partition("|")
    job = HarborJob(out_dir, kind="rollout", agents=[{"name": agent_name, **({"model_name": model.split("|")[0]}
                                                                          if model else {})}],
                    task_paths=[t.root for t in tasks], n_attempts=attempts, n_concurrent=jobs,
                    settings={"agent": agent_key, "attempts": attempts, "image_map": image_map or {},
                              "success_threshold": success_threshold})
    ledger = RecordStore(out_dir / "ledger.sqlite", "trials", TrialRecord)
    images: dict[int, TaskImages | BuildError | TaskLoadError] = {}
    build_locks = [threading.Lock() for _ in tasks]
    records: dict[tuple[int, int], TrialRecord] = {}

    def image_for(i: int) -> TaskImages | BuildError | TaskLoadError:
        with build_locks[i]:
            if i not in images:
                try:
                    images[i] = build_task_images(engine, tasks[i], image_map=image_map or {},
                                                  log_dir=build_log_dir(out_dir, names[i], hashes[i]))
                except (BuildError, TaskLoadError) as e:
                    images[i] = e
            return images[i]

    def one(i: int, attempt: int) -> tuple[int, int, TrialRecord, bool]:
        key = f"{hashes[i]}:{agent_key}:{attempt}"
        prior = ledger.get(key)
        if prior is not None and prior.finished:
            return i, attempt, prior, True
        trial_dir = out_dir / rollout_trial_name(names[i], attempt)
        shutil.rmtree(trial_dir, ignore_errors=True)  # an unfinished attempt starts clean
        base = {"task": names[i], "path": str(tasks[i].root), "attempt": attempt, "trial_dir": str(trial_dir)}
        image = image_for(i)
        metadata = {"kind": "rollout", "task": names[i], "attempt": attempt, "agent_key": agent_key,
                    "content_hash": hashes[i]}
        if isinstance(image, (TaskLoadError, BuildError)):
            if isinstance(image, TaskLoadError):  # a broken task is named and skipped; the other tasks go on
                rec = TrialRecord(**base, status="error", error_kind="task", error=str(image))
            else:
                rec = TrialRecord(**base, status="error", error_kind="infra", error=f"build failed: {image}")
            _record_unrun(trial_dir, names[i], tasks[i].root, agent_key, rec.error or "")
            stamp_trial(trial_dir, job_id=job.id, task_checksum=hashes[i], metadata=metadata)
        else:
            result = run_trial(tasks[i], make_agent(attempt), engine, image=image, trial_dir=trial_dir)
            result = stamp_trial(trial_dir, job_id=job.id, task_checksum=hashes[i], metadata=metadata) or result
            rec = TrialRecord(**base, status=result.status.value, reward=result.reward, seconds=result.seconds,
                              error_kind=result.error.kind.value if result.error else None,
                              error=result.error.cause if result.error else None, **_trajectory_usage(trial_dir))
        ledger.put(key, rec)
        return i, attempt, rec, False

    try:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = [pool.submit(one, i, a) for i in range(len(tasks)) for a in range(1, attempts + 1)]
            for fut in as_completed(futures):
                i, attempt, rec, resumed = fut.result()
                records[(i, attempt)] = rec
                if on_done:
                    on_done(rec, resumed)
    finally:
        ledger.close()
        engine.remove_run_containers()
    summary = summarise(tasks, names, hashes, records, attempts, agent_key, success_threshold)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    trials = [r for key in sorted(records) if (r := load_trial(Path(records[key].trial_dir))) is not None]
    job.write(trials, n_total=len(tasks) * attempts)
    return summary


def summarise(tasks: list[TaskDir], names: list[str], hashes: list[str], records: dict[tuple[int, int], TrialRecord],
              attempts: int, agent_key: str, success_threshold: float) -> dict[str, Any]:
    rows = []
    for i, task in enumerate(tasks):
        recs = [records[(i, a)] for a in range(1, attempts + 1) if (i, a) in records]
        graded = [r for r in recs if r.status == "graded"]
        successes = sum(1 for r in graded if (r.reward or 0.0) >= success_threshold)
        meta = task_meta(task.root)
        rows.append({
            "task": names[i], "path": str(task.root), "content_hash": hashes[i], **meta,
            "attempts": len(recs), "graded": len(graded), "successes": successes,
            "errors": [{"attempt": r.attempt, "kind": r.error_kind, "cause": r.error} for r in recs
                       if r.status != "graded"],
            "rewards": [r.reward for r in recs],
            "mean_reward": sum(r.reward or 0.0 for r in graded) / len(graded) if graded else None,
            "pass_rate": successes / len(graded) if graded else None,
            "pass_at_k": {str(k): pass_at_k(len(graded), successes, k) for k in range(1, attempts + 1)},
            "prompt_tokens": sum(r.prompt_tokens for r in recs),
            "completion_tokens": sum(r.completion_tokens for r in recs),
            "cost_usd": round(sum(r.cost_usd for r in recs), 6),
            "trials": [r.model_dump() for r in recs],
        })
    overall_pass = {}
    for k in range(1, attempts + 1):
        vals = [r["pass_at_k"][str(k)] for r in rows if r["pass_at_k"][str(k)] is not None]
        overall_pass[str(k)] = sum(vals) / len(vals) if vals else None
    return {
        "agent": agent_key, "attempts": attempts, "success_threshold": success_threshold,
        "tasks": rows,
        "overall": {"tasks": len(rows), "trials": sum(r["attempts"] for r in rows),
                    "graded": sum(r["graded"] for r in rows), "errors": sum(len(r["errors"]) for r in rows),
                    "pass_at_k": overall_pass,
                    "prompt_tokens": sum(r["prompt_tokens"] for r in rows),
                    "completion_tokens": sum(r["completion_tokens"] for r in rows),
                    "cost_usd": round(sum(r["cost_usd"] for r in rows), 6)},
    }


def calibration_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per task: the pass rate RL filtering keys on (None when no attempt was graded)."""
    return [{"task": r["task"], "path": r["path"], "content_hash": r["content_hash"], "domain": r["domain"],
             "difficulty": r["difficulty"], "attempts": r["attempts"], "graded": r["graded"],
             "successes": r["successes"], "pass_rate": r["pass_rate"], "agent": summary["agent"]}
            for r in summary["tasks"]]


__all__ = ["TrialRecord", "calibration_rows", "pass_at_k", "run_rollout", "summarise"]
