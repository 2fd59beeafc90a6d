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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from litecoder_terminal.agents import Agent
from litecoder_terminal.export.rl import task_meta
from litecoder_terminal.runner.executors import Executor, LocalExecutor, Lost, NodeContext
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


@dataclass
class AgentFactory:
    """A picklable `make_agent` for executors that run trials on other nodes: the agent by name, and for terminus
    an LLM client made once per worker process (its cache file `cache`, its own share of the budget)."""

    spec: str
    llm: dict[str, Any] | None = None  # LLMConfig fields
    cache: str | None = None
    max_cost: float | None = None
    max_total_tokens: int | None = None
    settings: dict[str, Any] = field(default_factory=dict)  # TerminusAgent settings (max_turns, ...)

    def __call__(self, attempt: int) -> Agent:
        from litecoder_terminal.agents import agent_from_spec

        if self.llm is None:
            return agent_from_spec(self.spec)
        return agent_from_spec(self.spec, llm=self._client(), salt=f"attempt-{attempt}", **self.settings)

    def _client(self):
        key = json.dumps([self.llm, self.cache, self.max_cost, self.max_total_tokens], sort_keys=True, default=str)
        with _CLIENTS_LOCK:
            if key not in _CLIENTS:
                from litecoder_terminal.llm import Budget, LLMCache, LLMClient, LLMConfig

                _CLIENTS[key] = LLMClient(LLMConfig(**self.llm), cache=LLMCache(Path(self.cache)) if self.cache else None,
                                          budget=Budget(max_cost=self.max_cost, max_tokens=self.max_total_tokens))
            return _CLIENTS[key]


_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


@dataclass
class RolloutRequest:
    """One (task, attempt) for a node."""

    path: str
    name: str
    content_hash: str
    attempt: int
    out_dir: str
    agent_key: str
    job_id: str
    make_agent: Callable[[int], Agent]
    image_map: dict[str, str] = field(default_factory=dict)
    shown_path: str | None = None  # the task and job dir as the caller named them, for the records
    shown_out: str | None = None


def rollout_on_node(node: NodeContext, req: RolloutRequest) -> TrialRecord:
    """One trial on the node's engine; the task's images are built once per node (content-hash tags)."""
    engine = node.engine
    task = TaskDir(Path(req.path))
    out_dir = Path(req.out_dir)
    trial_dir = out_dir / rollout_trial_name(req.name, req.attempt)
    shutil.rmtree(trial_dir, ignore_errors=True)  # an unfinished attempt starts clean
    base = {"task": req.name, "path": req.shown_path or str(task.root), "attempt": req.attempt,
            "trial_dir": str(Path(req.shown_out or out_dir) / trial_dir.name)}
    metadata = {"kind": "rollout", "task": req.name, "attempt": req.attempt, "agent_key": req.agent_key,
                "content_hash": req.content_hash}

    def build() -> TaskImages | BuildError | TaskLoadError:
        try:
            return build_task_images(engine, task, image_map=req.image_map,
                                     log_dir=build_log_dir(out_dir, req.name, req.content_hash))
        except (BuildError, TaskLoadError) as e:
            return e

    image = node.once(f"images:{req.content_hash}:{json.dumps(req.image_map, sort_keys=True)}", build)
    if isinstance(image, (TaskLoadError, BuildError)):
        if isinstance(image, TaskLoadError):  # a broken task is named and skipped; the other tasks go on
            rec = TrialRecord(**base, status="error", error_kind="task", error=str(image))
        else:
            rec = TrialRecord(**base, status="error", error_kind="infra", error=f"build failed: {image}")
        _record_unrun(trial_dir, req.name, task.root, req.agent_key, rec.error or "")
        stamp_trial(trial_dir, job_id=req.job_id, task_checksum=req.content_hash, metadata=metadata)
        return rec
    result = run_trial(task, req.make_agent(req.attempt), engine, image=image, trial_dir=trial_dir)
    result = stamp_trial(trial_dir, job_id=req.job_id, task_checksum=req.content_hash, metadata=metadata) or result
    return TrialRecord(**base, status=result.status.value, reward=result.reward, seconds=result.seconds,
                       error_kind=result.error.kind.value if result.error else None,
                       error=result.error.cause if result.error else None, **_trajectory_usage(trial_dir))


def _lost_record(req: RolloutRequest, cause: str) -> TrialRecord:
    trial_dir = Path(req.shown_out or req.out_dir) / rollout_trial_name(req.name, req.attempt)
    return TrialRecord(task=req.name, path=req.shown_path or req.path, attempt=req.attempt, trial_dir=str(trial_dir), status="error",
                       error_kind="infra", error=cause)


def _rollout_written(req: RolloutRequest, rec: TrialRecord) -> list[Path]:
    """What a trial wrote, by the node's absolute paths: its trial dir and its task's build logs."""
    out = Path(req.out_dir)
    return [out / rollout_trial_name(req.name, req.attempt), build_log_dir(out, req.name, req.content_hash)]


def run_rollout(task_paths: list[Path], make_agent: Callable[[int], Agent], *, agent_key: str,
                engine: DockerEngine | None, out_dir: Path, attempts: int = 1, jobs: int = 2,
                image_map: dict[str, str] | None = None, success_threshold: float = 1.0,
                executor: Executor | None = None, on_lost: Callable[[Lost], None] | None = None,
                on_done: Callable[[TrialRecord, bool], None] | None = None) -> dict[str, Any]:
    """Run every (task, attempt) not already finished in out_dir; returns (and writes) the summary.

    `make_agent(attempt)` builds a fresh agent per trial (attempt is 1-based, e.g. for an LLM cache salt); it must
    be picklable (e.g. `AgentFactory`) when `executor` runs trials on other nodes. `agent_key` names the agent and
    its settings: a different key means different trials in the ledger. The ledger stays with this process."""
    out_dir = Path(out_dir)
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
    records: dict[tuple[int, int], TrialRecord] = {}
    own_executor = executor is None
    executor = executor or LocalExecutor(engine, jobs)
    todo: list[tuple[int, int]] = []
    for i in range(len(tasks)):
        for a in range(1, attempts + 1):
            prior = ledger.get(f"{hashes[i]}:{agent_key}:{a}")
            if prior is not None and prior.finished:
                records[(i, a)] = prior
                if on_done:
                    on_done(prior, True)
            else:
                todo.append((i, a))
    reqs = [RolloutRequest(path=str(tasks[i].root.resolve()), name=names[i], content_hash=hashes[i], attempt=a,
                           out_dir=str(out_dir.resolve()), agent_key=agent_key, job_id=job.id, make_agent=make_agent,
                           image_map=image_map or {}, shown_path=str(tasks[i].root), shown_out=str(out_dir))
            for i, a in todo]
    try:
        for j, rec in executor.run(rollout_on_node, reqs, lost_result=_lost_record, on_lost=on_lost,
                                   job_dir=out_dir.resolve(), ship_paths=lambda r: [Path(r.path)],
                                   result_paths=_rollout_written):
            i, a = todo[j]
            ledger.put(f"{hashes[i]}:{agent_key}:{a}", rec)
            records[(i, a)] = rec
            if on_done:
                on_done(rec, False)
    finally:
        ledger.close()
        if own_executor:
            executor.close()
        elif engine is not None:
            engine.remove_run_containers()
    summary = summarise(tasks, names, hashes, records, attempts, agent_key, success_threshold)
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2))
    trials = [r for key in sorted(records) if (r := load_trial(Path(records[key].trial_dir))) is not None]
    job.write(trials, n_total=len(tasks) * attempts, extra={"executor": executor.describe()})
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


__all__ = ["AgentFactory", "RolloutRequest", "TrialRecord", "rollout_on_node", "calibration_rows", "pass_at_k", "run_rollout", "summarise"]
