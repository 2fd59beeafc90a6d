"""Harbor's job layout for lct's jobs (validations and rollouts), so Harbor's own tools read them.

A job dir, as `harbor run` writes one under `jobs/`:

    JOB/config.json              Harbor's JobConfig (agents, tasks, attempts), plus `lct` (job kind, settings)
    JOB/result.json              Harbor's JobResult (id, times, trial counts, per-eval reward stats, pass@k),
                                 plus lct's own summary (`tasks`: validate's verdicts)
    JOB/<trial>/result.json      Harbor's TrialResult fields (trial/result.py), plus lct's record of the trial
    JOB/<trial>/config.json      Harbor's TrialConfig
    JOB/<trial>/{agent,artifacts,verifier}/
    JOB/builds/<task>.<hash>/    build logs (no config.json/result.json: not a trial for Harbor)
    JOB/ledger.sqlite, summary.json, ...   lct's resume ledger and summaries

Trial dirs sit directly under the job dir. Their names are `<task>__<gate>-<n>__<hash8>` (validate) and
`<task>__<attempt>` (rollout): the gate, task and attempt are also kept in the trial's `metadata`. `harbor view
jobs/` lists the job with its trials, rewards, verifier output and trajectories.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from litecoder_terminal import __version__
from litecoder_terminal.trial import TrialResult

CONFIG = "config.json"
RESULT = "result.json"
BUILDS = "builds"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name)


def validate_trial_name(task: str, content_hash: str, gate: str, n: int) -> str:
    return f"{_safe(task)}__{gate}-{n}__{content_hash[:8]}"


def rollout_trial_name(task: str, attempt: int) -> str:
    return f"{_safe(task)}__{attempt}"


def build_log_dir(job_dir: Path, task: str, content_hash: str) -> Path:
    return job_dir / BUILDS / f"{_safe(task)}.{content_hash[:8]}"


def _agent_context(trial_dir: Path) -> dict | None:
    """Harbor's AgentContext from the ATIF trajectory's final metrics (tokens, cost), when there is one."""
    try:
        fm = json.loads((trial_dir / "agent" / "trajectory.json").read_text()).get("final_metrics") or {}
    except (OSError, ValueError, AttributeError):
        return None
    out = {"n_input_tokens": fm.get("total_prompt_tokens"), "n_cache_tokens": fm.get("total_cached_tokens"),
           "n_output_tokens": fm.get("total_completion_tokens"), "cost_usd": fm.get("total_cost_usd")}
    return out if any(v is not None for v in out.values()) else None


def load_trial(trial_dir: Path) -> TrialResult | None:
    try:
        return TrialResult.model_validate_json((trial_dir / RESULT).read_text())
    except (OSError, ValueError):
        return None


def stamp_trial(trial_dir: Path, *, job_id: str | None, metadata: dict[str, Any], task_checksum: str | None = None,
                source: str | None = None) -> TrialResult | None:
    """Give a finished trial its place in the job: Harbor's identity fields, lct's metadata (kind, gate, task,
    attempt) and the token usage; writes result.json and Harbor's trial config.json. None if it has no record."""
    result = load_trial(trial_dir)
    if result is None:
        return None
    result.trial_uri = trial_dir.resolve().as_uri()
    result.job_id = job_id or None  # Harbor reads it as a UUID
    result.metadata = {**result.metadata, **metadata}
    result.task_checksum = task_checksum or result.task_checksum
    result.source = source
    result.agent_result = _agent_context(trial_dir) or result.agent_result
    (trial_dir / RESULT).write_text(result.model_dump_json(indent=2))
    (trial_dir / CONFIG).write_text(json.dumps(result.config, indent=2))
    return result


# ---- the job ---------------------------------------------------------------------------------------------


def _eval_key(r: TrialResult) -> str:
    model = r.agent_info.get("model_info", {}).get("name") if r.agent_info.get("model_info") else None
    agent = r.agent_info["name"]
    return f"{agent}__{model}__{r.source or 'adhoc'}" if model else f"{agent}__{r.source or 'adhoc'}"


def _mean_metric(rewards: list[dict[str, float]]) -> dict[str, float]:
    """Harbor's default metric (mean; a missing key counts 0; one key is reported as `mean`)."""
    keys = sorted({k for r in rewards for k in r})
    if len(keys) <= 1:
        values = [next(iter(r.values()), 0) for r in rewards]
        return {"mean": sum(values) / len(values)}
    return {k: sum(r.get(k, 0) for r in rewards) / len(rewards) for k in keys}


def _pass_at_k(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    prob = 1.0
    for i in range(n - c + 1, n + 1):
        prob *= 1.0 - k / i
    return 1.0 - prob


def _harbor_pass_at_k(trials: list[TrialResult]) -> dict[int, float]:
    """pass@k over tasks as Harbor reports it: binary single-key rewards only, k = 2, 4, 8... and 5, 10, 15..."""
    per_task: dict[str, list[int]] = defaultdict(list)
    for r in trials:
        rewards = (r.verifier_result or {}).get("rewards")
        if not rewards:
            continue
        if len(rewards) != 1 or next(iter(rewards.values())) not in (0, 1):
            return {}
        per_task[r.task_name].append(int(next(iter(rewards.values()))))
    if not per_task:
        return {}
    n_min = min(len(s) for s in per_task.values())
    ks = sorted({2 ** i for i in range(1, 20) if 2 ** i <= n_min} | set(range(5, n_min + 1, 5)))
    return {k: sum(_pass_at_k(len(s), sum(s), k) for s in per_task.values()) / len(per_task) for k in ks}


def job_stats(trials: list[TrialResult]) -> dict[str, Any]:
    """Harbor's JobStats for these trials."""
    evals: dict[str, dict[str, Any]] = {}
    grouped: dict[str, list[TrialResult]] = defaultdict(list)
    n_errored = 0
    tokens: dict[str, float | None] = {"n_input_tokens": None, "n_cache_tokens": None, "n_output_tokens": None,
                                       "cost_usd": None}
    for r in trials:
        key = _eval_key(r)
        grouped[key].append(r)
        ev = evals.setdefault(key, {"n_trials": 0, "n_errors": 0, "metrics": [], "pass_at_k": {},
                                    "reward_stats": {}, "exception_stats": {}})
        rewards = (r.verifier_result or {}).get("rewards")
        if rewards:
            ev["n_trials"] += 1
            for k, v in rewards.items():
                ev["reward_stats"].setdefault(k, {}).setdefault(str(v), []).append(r.trial_name)
        exc = r.exception_info
        if exc:
            ev["n_errors"] += 1
            n_errored += 1
            ev["exception_stats"].setdefault(exc["exception_type"], []).append(r.trial_name)
        for k, v in (r.agent_result or {}).items():
            if k in tokens and v is not None:
                tokens[k] = (tokens[k] or 0) + v
    for key, rs in grouped.items():
        rewards = [(r.verifier_result or {}).get("rewards") for r in rs]
        rewards = [x for x in rewards if x]
        evals[key]["metrics"] = [_mean_metric(rewards)] if rewards else []
        evals[key]["pass_at_k"] = {str(k): v for k, v in _harbor_pass_at_k(rs).items()}
    return {"n_completed_trials": len(trials), "n_errored_trials": n_errored, "n_running_trials": 0,
            "n_pending_trials": 0, "n_cancelled_trials": 0, "n_retries": 0, "evals": evals, **tokens}


class HarborJob:
    """The job dir's own config.json and result.json. The job keeps its id and start time across resumes."""

    def __init__(self, job_dir: Path, *, kind: str, agents: list[dict[str, Any]], task_paths: list[Path],
                 n_attempts: int = 1, n_concurrent: int = 1, settings: dict[str, Any] | None = None):
        self.dir = job_dir
        self.dir.mkdir(parents=True, exist_ok=True)
        prior = self._read(RESULT)
        self.id = str(prior.get("id") or uuid.uuid4())
        self.started_at = prior.get("started_at") or _now()
        self.kind = kind
        self.config = {
            "schema_version": 1, "job_name": job_dir.name, "jobs_dir": str(job_dir.resolve().parent),
            "n_attempts": max(1, n_attempts), "n_concurrent_trials": max(1, n_concurrent),
            "environment": {"type": "docker"}, "agents": agents,
            "tasks": [{"path": str(Path(p).resolve())} for p in task_paths],
            "lct": {"kind": kind, "version": __version__, "settings": settings or {}},
        }
        (self.dir / CONFIG).write_text(json.dumps(self.config, indent=2))
        self.n_total = len(task_paths) * max(1, n_attempts)
        self.write([], finished=False)  # Harbor's viewer lists the job while it runs

    def _read(self, name: str) -> dict[str, Any]:
        try:
            data = json.loads((self.dir / name).read_text())
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def write(self, trials: list[TrialResult], *, finished: bool = True, extra: dict[str, Any] | None = None,
              n_total: int | None = None) -> dict[str, Any]:
        n_total = max(n_total if n_total is not None else self.n_total, len(trials))
        stats = job_stats(trials)
        stats["n_pending_trials"] = max(n_total - len(trials), 0)
        now = _now()
        doc = {"schema_version": 1, "id": self.id, "started_at": self.started_at, "updated_at": now,
               "finished_at": now if finished else None, "n_total_trials": n_total, "stats": stats,
               "lct": {"kind": self.kind, "trials": [r.trial_name for r in trials]}, **(extra or {})}
        (self.dir / RESULT).write_text(json.dumps(doc, indent=2))
        return doc


def is_job_dir(path: Path) -> bool:
    """A Harbor job dir written by lct (config.json with lct's job kind)."""
    try:
        return bool(json.loads((path / CONFIG).read_text()).get("lct", {}).get("kind"))
    except (OSError, ValueError, AttributeError):
        return False


def job_kind(path: Path) -> str | None:
    try:
        return json.loads((path / CONFIG).read_text())["lct"]["kind"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def trial_dirs(job_dir: Path) -> list[Path]:
    """The job's trial dirs, as Harbor's viewer finds them (a dir with result.json or config.json)."""
    return sorted(d for d in job_dir.iterdir() if d.is_dir() and d.name != BUILDS
                  and ((d / RESULT).is_file() or (d / CONFIG).is_file()))


__all__ = ["HarborJob", "build_log_dir", "is_job_dir", "job_kind", "job_stats", "load_trial",
           "rollout_trial_name", "stamp_trial", "trial_dirs", "validate_trial_name"]
