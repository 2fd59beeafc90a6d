"""`lct synth`: ideas -> five stages per task -> the same gates as every task; accepted tasks, manifest.jsonl,
drops.jsonl and report.json in the out dir. Everything resumes from `<out>/.lct-synth/` (cache, ledger, states)."""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, model_validator

from litecoder_terminal.llm import (
    Budget,
    BudgetExceeded,
    LLMCache,
    LLMClient,
    LLMConfig,
    LLMError,
)
from litecoder_terminal.sandbox import DockerEngine, SandboxError
from litecoder_terminal.spec import DomainSpec
from litecoder_terminal.synth.llm import blind
from litecoder_terminal.synth.llm.ideas import AXES, IdeaRecord, IdeaSource
from litecoder_terminal.synth.llm.stages import (
    STAGES,
    PackageFields,
    StageContext,
    StageFailed,
    TaskState,
    final_config,
    run_stage,
)
from litecoder_terminal.synth.llm.tools import draft_files
from litecoder_terminal.task import write_task_dir
from litecoder_terminal.task.model import tree_hash

STATE_DIR = ".lct-synth"
# Drops that are no fault of the task (spent budget, unreachable model, Docker trouble) are retried on resume.
RESUMABLE = ("budget:", "llm error:", "sandbox error:")
_USAGE_KEYS = ("calls", "cached_calls", "prompt_tokens", "completion_tokens", "cost_usd", "llm_wall_sec", "sandbox_sec")


class SynthSettings(BaseModel):
    domains: list[str] = Field(min_length=1)
    count: int = Field(ge=1)
    out: Path
    llm: LLMConfig
    jobs: int = Field(1, ge=1)
    max_repairs: int = Field(3, ge=0)
    max_turns: int = Field(16, ge=1, description="tool calls a stage may make before it is dropped")
    repeats: int = Field(2, ge=1, description="reference runs (fresh containers) in the verifier round and gate")
    seed: int = 0
    max_cost: float | None = None
    max_total_tokens: int | None = Field(None, description="the run's token budget (prompt + completion, all calls); "
                                         "the per-call reply limit is llm.max_tokens (--max-output-tokens)")
    redteam_model: str | None = Field(None, description="writes the wrong solutions; default: the same model")
    blind_attempts: int = Field(0, ge=0, description="blind-solver attempts per accepted task (0: no check)")
    blind_max_turns: int = Field(30, ge=1)
    judge_threshold: int = Field(3, ge=1, le=5)
    dedup_threshold: float = Field(0.8, gt=0, le=1)
    max_idea_attempts: int | None = Field(None, description="default: 4 x count + 4")

    @model_validator(mode="before")
    @classmethod
    def _old_budget_name(cls, data: Any) -> Any:
        """`max_tokens` was the run budget's old name (deprecated; it read like the per-call limit)."""
        if isinstance(data, dict) and "max_tokens" in data:
            data = dict(data)
            old = data.pop("max_tokens")
            data.setdefault("max_total_tokens", old)
        return data


@dataclass
class RunStatus:
    """Live counters for the progress bar."""

    target: int
    ideas_drawn: int = 0
    ideas_accepted: int = 0
    accepted: int = 0
    dropped: int = 0
    in_stage: Counter = field(default_factory=Counter)
    cost: float = 0.0
    budget_exhausted: bool = False


def _sum_usage(items: list[dict]) -> dict[str, float]:
    out = {k: 0.0 for k in _USAGE_KEYS}
    for u in items:
        for k in _USAGE_KEYS:
            out[k] += float(u.get(k, 0) or 0)
    return {k: (round(v, 6) if k in ("cost_usd",) else round(v, 3) if "sec" in k else int(v)) for k, v in out.items()}


def _write_json_atomic(path: Path, data: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(data)
    os.replace(tmp, path)  # a kill mid-write leaves the previous state, never half a file


class Pipeline:
    def __init__(self, settings: SynthSettings, specs: dict[str, DomainSpec], engine: DockerEngine,
                 on_event: Callable[[RunStatus], None] | None = None):
        self.s, self.specs, self.engine = settings, specs, engine
        self.out = Path(settings.out)
        self.state_dir = self.out / STATE_DIR
        (self.state_dir / "tasks").mkdir(parents=True, exist_ok=True)
        self.cache = LLMCache(self.state_dir / "llm-cache.sqlite")
        self.budget = Budget(settings.max_cost, settings.max_total_tokens)
        self.client = LLMClient(settings.llm, cache=self.cache, budget=self.budget)
        self.redteam_model = settings.redteam_model or settings.llm.model
        self.redteam = self.client if self.redteam_model == settings.llm.model else LLMClient(
            settings.llm.model_copy(update={"model": self.redteam_model}), cache=self.cache, budget=self.budget)
        self.status = RunStatus(settings.count)
        self.on_event = on_event
        self._lock = threading.Lock()
        self._stop = threading.Event()

    # ---- persistence ---------------------------------------------------------------------------------------
    def _task_dir(self, task_id: str) -> Path:
        return self.state_dir / "tasks" / task_id

    def _save(self, st: TaskState) -> None:
        d = self._task_dir(st.task_id)
        d.mkdir(parents=True, exist_ok=True)
        _write_json_atomic(d / "state.json", st.model_dump_json(indent=1))

    def _load(self, rec: IdeaRecord) -> TaskState:
        p = self._task_dir(rec.task_id) / "state.json"
        if p.exists():
            return TaskState.model_validate_json(p.read_text())
        return TaskState(task_id=rec.task_id, domain=rec.domain, idea=rec.text, difficulty=rec.difficulty,
                         judge_notes=rec.notes)

    def _manifest_rows(self) -> list[dict]:
        p = self.out / "manifest.jsonl"
        return [json.loads(ln) for ln in p.read_text().splitlines() if ln.strip()] if p.exists() else []

    def _emit(self) -> None:
        self.status.cost = self.budget.spent.cost
        if self.on_event:
            self.on_event(self.status)

    # ---- ideas -----------------------------------------------------------------------------------------------
    def ideas(self, target: int | None = None) -> tuple[list[IdeaRecord], list[dict]]:
        """The first `target` (default --count) accepted ideas, drawing new ones only when the ledger has fewer."""
        target = target or self.s.count
        src = IdeaSource(self.client, self.specs, self.s.domains, seed=self.s.seed,
                         judge_threshold=self.s.judge_threshold, dedup_threshold=self.s.dedup_threshold)
        for row in self._manifest_rows():
            if row.get("idea"):
                src.remember(row["task_id"], row["idea"])
        ledger_path = self.state_dir / "ideas.jsonl"
        ledger = [json.loads(ln) for ln in ledger_path.read_text().splitlines() if ln.strip()] if ledger_path.exists() else []
        accepted = [IdeaRecord(**{k: v for k, v in r.items() if k != "usage"}) for r in ledger if r["status"] == "accepted"]
        for rec in accepted:
            src.remember(rec.task_id, rec.text)
        limit = self.s.max_idea_attempts or 4 * self.s.count + 4
        i = len(ledger)
        self.status.ideas_drawn, self.status.ideas_accepted = len(ledger), len(accepted)
        while len(accepted) < target and i < limit and not self._stop.is_set():
            before = src.usage.as_dict()
            try:
                rec = src.draw(i)
            except BudgetExceeded:
                self._stop.set()
                self.status.budget_exhausted = True
                break
            except LLMError as e:
                rec = IdeaRecord(i, self.s.domains[i % len(self.s.domains)], "", "", "invalid", f"llm error: {e}",
                                 axes=["llm_error"])
            after = src.usage.as_dict()
            row = {**rec.as_dict(), "usage": {k: after[k] - before[k] for k in after}}
            ledger.append(row)
            with ledger_path.open("a") as f:
                f.write(json.dumps(row) + "\n")
            i += 1
            if rec.status == "accepted":
                accepted.append(rec)
            self.status.ideas_drawn, self.status.ideas_accepted = len(ledger), len(accepted)
            self._emit()
        return accepted[:target], ledger

    # ---- tasks -----------------------------------------------------------------------------------------------
    def _drop(self, st: TaskState, stage: str | None, reason: str) -> None:
        st.status, st.drop_stage, st.reason = "dropped", stage, reason
        st.current, st.step = None, ""

    def _blind(self, st: TaskState, fields: PackageFields) -> PackageFields:
        """The optional blind-solver stage: K attempts by the synthesizing model; relabel a hard task it always
        solves. Recorded in the state (a resumed run does not pay again: the rollout and its calls resume)."""
        if not self.s.blind_attempts:
            return fields
        if not st.blind:
            dest = write_task_dir(self.out / st.task_id, st.draft.instruction, final_config(st, fields, self.s.llm.model),
                                  draft_files(st.draft))
            result = blind.blind_check(dest.root, self.client, self.engine, self.s.blind_attempts,
                                       self._task_dir(st.task_id) / "blind", max_turns=self.s.blind_max_turns)
            self.budget.check()  # a check cut short by the budget says nothing: drop (resumable), do not record
            new = blind.relabelled(fields.difficulty, result)
            st.blind = {**result, "labelled": fields.difficulty, "final": new or fields.difficulty,
                        "relabelled": new is not None}
            self._save(st)
        return fields.model_copy(update={"difficulty": st.blind["final"]})

    def _finish(self, st: TaskState) -> None:
        """Write the accepted task where users find it, and its manifest line (once, even across resumes)."""
        fields = self._blind(st, PackageFields.model_validate(st.package))
        config = final_config(st, fields, self.s.llm.model)
        if st.blind:
            config.metadata["blind_pass_rate"] = st.blind["pass_rate"]
            config.metadata["blind_model"] = st.blind["model"]
            if st.blind["relabelled"]:
                config.metadata["relabelled_from"] = st.blind["labelled"]
        dest = write_task_dir(self.out / st.task_id, st.draft.instruction, config, draft_files(st.draft))
        with self._lock:
            if not any(r.get("task_id") == st.task_id for r in self._manifest_rows()):
                row = {"task_id": st.task_id, "path": st.task_id, "domain": st.domain, "difficulty": fields.difficulty,
                       "target_difficulty": st.difficulty,
                       "idea": st.idea, "model": self.s.llm.model, "redteam_model": self.redteam_model,
                       "content_hash": tree_hash(dest.root),
                       "wrong_solutions": len(dest.wrong_solutions),
                       **({"blind": st.blind} if st.blind else {}),
                       "usage": _sum_usage(list(st.usage.values()))}
                with (self.out / "manifest.jsonl").open("a") as f:
                    f.write(json.dumps(row, sort_keys=True) + "\n")
        st.status = "accepted"

    def work(self, st: TaskState) -> TaskState:
        if st.status != "pending":
            return st
        stage: str | None = next((s for s in STAGES if s not in st.stages_done), None)
        if self._stop.is_set():
            self._drop(st, stage, "budget: the run's budget was spent before this task started")
            self._save(st)
            return st
        ctx = StageContext(st, self.client, self.engine, self._task_dir(st.task_id), self._save,
                           max_repairs=self.s.max_repairs, max_turns=self.s.max_turns, repeats=self.s.repeats,
                           model=self.s.llm.model, redteam=self.redteam)
        try:
            for stage in STAGES:
                if stage in st.stages_done:
                    continue
                with self._lock:
                    self.status.in_stage[stage] += 1
                self._emit()
                try:
                    run_stage(ctx, stage)
                finally:
                    with self._lock:
                        self.status.in_stage[stage] -= 1
            self._finish(st)
        except BudgetExceeded as e:
            self._stop.set()
            self.status.budget_exhausted = True
            self._drop(st, stage, f"budget: {e}")
        except StageFailed as e:
            self._drop(st, stage, str(e))
        except LLMError as e:
            self._drop(st, stage, f"llm error: {e}")
        except SandboxError as e:
            self._drop(st, stage, f"sandbox error: {e}")
        self._save(st)
        with self._lock:
            if st.status == "accepted":
                self.status.accepted += 1
            else:
                self.status.dropped += 1
        self._emit()
        return st

    def run(self) -> dict[str, Any]:
        t0 = time.monotonic()
        try:
            # Rounds: a task dropped in a stage is replaced by a fresh idea, until --count tasks are accepted,
            # the idea attempts are spent, or the budget is.
            target, done = self.s.count, {}
            while True:
                accepted, ledger = self.ideas(target)
                fresh = []
                for rec in accepted:
                    if rec.task_id in done:
                        continue
                    st = self._load(rec)
                    if st.status == "dropped" and st.reason.startswith(RESUMABLE):
                        st.status, st.drop_stage, st.reason = "pending", None, ""
                    fresh.append(st)
                    if st.status == "accepted":
                        self.status.accepted += 1
                    elif st.status == "dropped":
                        self.status.dropped += 1
                self._emit()
                with ThreadPoolExecutor(max_workers=self.s.jobs) as pool:
                    for st in pool.map(self.work, fresh):
                        done[st.task_id] = st
                n_ok = sum(st.status == "accepted" for st in done.values())
                if n_ok >= self.s.count or self._stop.is_set() or not fresh:
                    break
                target = len(accepted) + self.s.count - n_ok
            return self.report(ledger, list(done.values()), time.monotonic() - t0)
        finally:
            self.cache.close()

    # ---- report ----------------------------------------------------------------------------------------------
    def _usage_this_run(self) -> dict[str, Any]:
        """Both clients' calls (the red team's client is its own when --redteam-model differs)."""
        mine = self.client.usage.as_dict()
        if self.redteam is self.client:
            return mine
        other = self.redteam.usage.as_dict()
        return {k: round(mine[k] + other[k], 6) for k in mine}

    def report(self, ledger: list[dict], states: list[TaskState], seconds: float) -> dict[str, Any]:
        drops = [{"stage": "idea", "task_id": r.get("task_id", ""), "domain": r["domain"], "reason": f"{r['status']}: {r['reason']}",
                  "idea": r["text"]} for r in ledger if r["status"] != "accepted"]
        drops += [{"stage": st.drop_stage, "task_id": st.task_id, "domain": st.domain, "reason": st.reason,
                   "idea": st.idea} for st in states if st.status == "dropped"]
        (self.out / "drops.jsonl").write_text("".join(json.dumps(d, sort_keys=True) + "\n" for d in drops))
        yields: dict[str, dict[str, Any]] = {"idea": {
            "in": len(ledger), "out": sum(r["status"] == "accepted" for r in ledger),
            "drops": dict(Counter(r["status"] for r in ledger if r["status"] != "accepted")),
            "drops_by_axis": drops_by_axis(ledger)}}
        for stage in STAGES:
            reached = [st for st in states if stage in st.stages_done or st.drop_stage == stage or st.current == stage]
            yields[stage] = {"in": len(reached), "out": sum(stage in st.stages_done for st in reached),
                             "drops": dict(Counter(st.reason[:160] for st in reached if st.drop_stage == stage))}
        checked = [st for st in states if st.blind]
        if self.s.blind_attempts or checked:
            yields["blind"] = {"in": len(checked), "out": len(checked),
                               "relabelled": sum(bool(st.blind.get("relabelled")) for st in checked),
                               "attempts": self.s.blind_attempts, "model": self.s.llm.model, "drops": {}}
        per_stage = {stage: _sum_usage([st.usage[stage] for st in states if stage in st.usage]) for stage in STAGES}
        per_stage["idea"] = _sum_usage([r.get("usage", {}) for r in ledger])
        report = {
            "model": self.s.llm.model, "domains": self.s.domains, "requested": self.s.count,
            "redteam": {"model": self.redteam_model, "independent": self.redteam_model != self.s.llm.model,
                        "note": ("a different model from --model writes the wrong solutions"
                                 if self.redteam_model != self.s.llm.model else
                                 "same model as --model (default): the red team is not independent; pass "
                                 "--redteam-model for an independent one")},
            "limits": {"max_output_tokens_per_call": self.s.llm.max_tokens, "timeout_sec_per_call": self.s.llm.timeout_sec,
                       "max_total_tokens": self.s.max_total_tokens, "max_cost": self.s.max_cost},
            "accepted": sum(st.status == "accepted" for st in states),
            "dropped": sum(st.status == "dropped" for st in states),
            "budget_exhausted": self.status.budget_exhausted,
            "yield": yields,
            "usage_by_stage": per_stage,
            "usage_all_runs": _sum_usage(list(per_stage.values())),
            "usage_this_run": self._usage_this_run(),
            "tasks": [{"task_id": st.task_id, "domain": st.domain, "status": st.status, "stage": st.drop_stage,
                       "reason": st.reason, "target_difficulty": st.difficulty,
                       **({"blind": st.blind} if st.blind else {}),
                       "usage": st.usage, "total": _sum_usage(list(st.usage.values()))}
                      for st in states],
            "seconds": round(seconds, 2),
        }
        (self.out / "report.json").write_text(json.dumps(report, indent=2))
        return report


def _axes_of(row: dict) -> list[str]:
    """The axes an idea was dropped on (ledgers written before axes were recorded: read from the reason)."""
    if row.get("axes"):
        return list(row["axes"])
    reason = row.get("reason", "")
    if row["status"] == "duplicate":
        return ["duplicate"]
    if reason.startswith("needs unavailable"):
        return ["resources"]
    if reason.startswith("llm error"):
        return ["llm_error"]
    if reason.startswith("judge reply"):
        return ["judge_reply"]
    found = [a for a in AXES if re.search(rf"\b{a} \d<", reason)]
    return found or ["other"]


def drops_by_axis(ledger: list[dict]) -> dict[str, dict[str, Any]]:
    """Idea drops grouped by the axis that failed: count and the reasons (an idea low on two axes is in both)."""
    out: dict[str, dict[str, Any]] = {}
    for r in ledger:
        if r["status"] == "accepted":
            continue
        for axis in _axes_of(r):
            e = out.setdefault(axis, {"count": 0, "reasons": Counter()})
            e["count"] += 1
            e["reasons"][r.get("reason", "")[:160]] += 1
    return {a: {"count": e["count"], "reasons": dict(e["reasons"].most_common(10))}
            for a, e in sorted(out.items(), key=lambda kv: -kv[1]["count"])}


def synthesize(settings: SynthSettings, specs: dict[str, DomainSpec], engine: DockerEngine,
               on_event: Callable[[RunStatus], None] | None = None) -> dict[str, Any]:
    unknown = [d for d in settings.domains if d not in specs]
    if unknown:
        raise ValueError(f"unknown domain(s) {unknown}; known: {', '.join(specs)}")
    return Pipeline(settings, specs, engine, on_event).run()
