"""`lct corpus build`: generate -> validate -> keep the accepted -> refill until N are accepted, then write the
dataset (export/dataset.py). Every step resumes: generation journals its slots, staging is idempotent, verdicts are
in the validate job's ledger, the dataset is rewritten from them. `lct corpus verify` re-checks digests and
re-validates a sample.

DIR/.lct-corpus/ holds the work: `state.json` (arguments and the rounds planned), `gen/round-NNN/` (the source's
output), `pool/<id>/` (candidates with their Harbor name set, as validated), `job/` (the validate job: Harbor
layout, ledger). Accepted candidates are copied to `DIR/tasks/<id>/` byte for byte."""

from __future__ import annotations

import json
import math
import os
import random
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litecoder_terminal import __version__
from litecoder_terminal.export.dataset import (TASKS_DIR, check_digests, set_task_name, stages_of, task_digest,
                                               write_dataset)
from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner.executors import Executor, Lost
from litecoder_terminal.runner.jobs import ValidateOutcome, validate_outcomes
from litecoder_terminal.task.model import tree_hash

WORK = ".lct-corpus"
STATE_VERSION = 1
MAX_ROUNDS = 30


class CorpusError(ValueError):
    """The corpus cannot be built as asked (arguments differ from the dir's, source unusable, rounds exhausted)."""


@dataclass
class CorpusSettings:
    out: Path
    count: int
    seed: int = 0
    repeats: int = 3
    source: str = "procedural"
    domain: str = "all"
    name: str | None = None  # Harbor dataset name org/name; default lct/<out dir name>
    keep_images: bool = False
    image_map: dict[str, str] = field(default_factory=dict)
    synth: dict[str, Any] | None = None  # --source synth: SynthSettings fields (model, api_base, ...)

    @property
    def dataset_name(self) -> str:
        if self.name:
            return self.name
        short = "".join(c if c.isalnum() or c in "._-" else "-" for c in self.out.resolve().name).lstrip("._-")
        return f"lct/{short or 'corpus'}"

    def fingerprint(self) -> dict[str, Any]:
        return {"count": self.count, "seed": self.seed, "repeats": self.repeats, "source": self.source,
                "domain": self.domain, "name": self.dataset_name, "image_map": self.image_map,
                "model": (self.synth or {}).get("model")}


@dataclass
class Candidate:
    id: str
    domain: str
    family: str | None
    difficulty: str | None
    seed: int | None
    src: Path
    round: int


@dataclass
class CorpusEvents:
    """Callbacks for progress: a round planned, a verdict in, a node lost."""

    round: Callable[[int, int, int], None] | None = None  # (round, candidates, still needed)
    verdict: Callable[[ValidateOutcome], None] | None = None
    lost: Callable[[Lost], None] | None = None


def _state(settings: CorpusSettings) -> dict[str, Any]:
    work = settings.out / WORK
    path = work / "state.json"
    if path.exists():
        state = json.loads(path.read_text())
        if state.get("state") != STATE_VERSION or state.get("arguments") != settings.fingerprint():
            theirs, ours = state.get("arguments") or {}, settings.fingerprint()
            diff = ", ".join(f"{k}={theirs.get(k)!r} there, {ours.get(k)!r} now" for k in sorted(set(theirs) | set(ours))
                             if theirs.get(k) != ours.get(k))
            raise CorpusError(f"{settings.out} holds a corpus build with other arguments ({diff}); rerun with the "
                              "same arguments to resume it, or use another --out")
        return state
    return {"state": STATE_VERSION, "arguments": settings.fingerprint(), "rounds": []}


def _save_state(settings: CorpusSettings, state: dict[str, Any]) -> None:
    path = settings.out / WORK / "state.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(".state.json.tmp")
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True))
    os.replace(tmp, path)


def _generate_round(settings: CorpusSettings, r: int, count: int, engine) -> list[Candidate]:
    """Run the source for round `r` (resumable by the source itself) and list its candidates."""
    gen = settings.out / WORK / "gen" / f"round-{r:03d}"
    if settings.source == "procedural":
        from litecoder_terminal.synth.procedural.base import derive_seed
        from litecoder_terminal.synth.procedural.generate import generate

        done = gen / ".lct-corpus-round-done"
        if not done.exists():  # a finished round is read back as it was, even if the generator changed since
            try:
                generate(gen, domain=settings.domain, count=count,
                         seed=derive_seed("corpus", settings.seed, r) % (1 << 31))
            except ValueError as e:
                raise CorpusError(f"round {r}: {e}") from e
            done.write_text("")
        rows = [json.loads(x) for x in (gen / "manifest.jsonl").read_text().splitlines() if x.strip()]
        return [Candidate(x["id"], x["domain"], x.get("family"), x.get("difficulty"), x.get("seed"), gen / x["path"], r)
                for x in rows]
    if settings.source == "synth":
        from litecoder_terminal.llm import LLMConfig
        from litecoder_terminal.spec import load_specs
        from litecoder_terminal.synth.llm import SynthSettings, synthesize

        s = dict(settings.synth or {})
        if not s.get("model"):
            raise CorpusError("--source synth needs --model (a LiteLLM model name; see `lct synth --help`)")
        specs = load_specs([])
        llm = LLMConfig(model=s.pop("model"), api_base=s.pop("api_base", None), api_key_env=s.pop("api_key_env", None))
        domains = list(specs) if settings.domain == "all" else [settings.domain]
        synthesize(SynthSettings(domains=domains, count=count, out=gen, llm=llm, seed=settings.seed * 1000 + r,
                                 repeats=min(settings.repeats, 2), **s), specs, engine)
        rows = [json.loads(x) for x in (gen / "manifest.jsonl").read_text().splitlines() if x.strip()] \
            if (gen / "manifest.jsonl").exists() else []
        return [Candidate(x["task_id"], x["domain"], (x.get("idea") or {}).get("title") if isinstance(x.get("idea"), dict)
                          else x.get("idea"), x.get("difficulty"), None, gen / x["path"], r) for x in rows]
    raise CorpusError(f"unknown --source {settings.source!r}: use procedural or synth")


def _stage(settings: CorpusSettings, c: Candidate) -> Path:
    """The candidate as validated and published: a copy with `[task] name = "<org>/<id>"` (idempotent)."""
    dest = settings.out / WORK / "pool" / c.id
    if not dest.exists():
        tmp = dest.with_name(f".{c.id}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(c.src, tmp, symlinks=True)
        set_task_name(tmp, f"{settings.dataset_name.split('/')[0]}/{c.id}")
        os.replace(tmp, dest)
    return dest


def _publish(settings: CorpusSettings, staged: Path) -> Path:
    dest = settings.out / TASKS_DIR / staged.name
    if dest.exists() and tree_hash(dest) == tree_hash(staged):
        return dest
    tmp = dest.with_name(f".{staged.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(staged, tmp, symlinks=True)
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return dest


def _row(settings: CorpusSettings, c: Candidate, task_dir: Path, o: ValidateOutcome) -> dict[str, Any]:
    v = o.verdict
    gates = ["lint"] + (["build"] if v.image else []) + list(dict.fromkeys(t.gate for t in v.trials))
    return {
        "id": c.id, "name": f"{settings.dataset_name.split('/')[0]}/{c.id}", "path": f"{TASKS_DIR}/{c.id}",
        "domain": c.domain, "family": c.family, "difficulty": c.difficulty, "seed": c.seed, "stages": stages_of(task_dir),
        "instruction": (task_dir / "instruction.md").read_text() if (task_dir / "instruction.md").exists() else "",
        "digest": task_digest(task_dir), "content_hash": v.content_hash,
        "verdict": {"verdict": v.verdict.value, "gates_passed": gates, "repeats": settings.repeats,
                    "trials": [{"gate": t.gate, "agent": t.agent, "status": t.status.value, "reward": t.reward,
                                "seconds": t.seconds} for t in v.trials],
                    "seconds": v.seconds, "build_seconds": v.build_seconds, "build_cached": v.build_cached,
                    "node": o.node},
        "image_extra_bytes": o.disk.extra_bytes if o.disk else None,
    }


def build_corpus(settings: CorpusSettings, *, executor: Executor, engine=None,
                 events: CorpusEvents | None = None, command: str | None = None) -> dict[str, Any]:
    """Build (or resume) the corpus; returns its statistics. Raises CorpusError when it cannot reach the count."""
    events = events or CorpusEvents()
    out = settings.out = Path(settings.out).resolve()
    (out / WORK).mkdir(parents=True, exist_ok=True)
    state = _state(settings)
    _save_state(settings, state)
    from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter

    dedup = NearDuplicateFilter(0.9)  # across rounds: each round's generator only filters within itself
    seen: set[str] = set()
    outcomes: dict[str, tuple[Candidate, Path, ValidateOutcome]] = {}
    order: list[str] = []
    counts = Counter()
    job_dir = out / WORK / "job"
    t0 = time.monotonic()
    r = 0
    while True:
        accepted = [k for k in order if outcomes[k][2].verdict.verdict is Verdict.ACCEPTED]
        need = settings.count - len(accepted)
        if r < len(state["rounds"]):
            planned = state["rounds"][r]["count"]
        elif need <= 0:
            break
        else:
            if r >= MAX_ROUNDS:
                raise CorpusError(f"{len(accepted)} of {settings.count} accepted after {MAX_ROUNDS} rounds; see "
                                  f"{job_dir} for the rejections")
            tried = sum(1 for k in order if outcomes[k][2].verdict.verdict is not Verdict.ERROR)
            rate = max(0.2, len(accepted) / tried) if tried else 1.0
            planned = need if r == 0 else math.ceil(need / rate * 1.15) + 2
            state["rounds"].append({"round": r, "count": planned, "needed": need})
            _save_state(settings, state)
        cands = _generate_round(settings, r, planned, engine)
        counts["generated"] += len(cands)
        fresh: list[tuple[Candidate, Path]] = []
        for c in cands:
            staged = _stage(settings, c)
            h = tree_hash(staged)
            text = (staged / "instruction.md").read_text() if (staged / "instruction.md").exists() else ""
            if h in seen or not dedup.admit(h, text):
                counts["duplicates"] += 1
                continue
            seen.add(h)
            fresh.append((c, staged))
        if events.round:
            events.round(r, len(fresh), max(0, need))
        for attempt in range(2):  # infrastructure errors get one more try within the build (the ledger keeps the rest)
            todo = [(c, p) for c, p in fresh if c.id not in outcomes
                    or outcomes[c.id][2].verdict.verdict is Verdict.ERROR]
            if not todo:
                break
            res = validate_outcomes([p for _, p in todo], engine=engine, job_dir=job_dir, repeats=settings.repeats,
                                    image_map=settings.image_map, executor=executor, measure_disk=True,
                                    remove_images=not settings.keep_images, on_done=events.verdict,
                                    on_lost=events.lost)
            for (c, p), o in zip(todo, res):
                if c.id not in outcomes:
                    order.append(c.id)
                outcomes[c.id] = (c, p, o)
        r += 1
    # the first N accepted in (round, slot) order are the corpus; what is beyond was surplus
    accepted = [k for k in order if outcomes[k][2].verdict.verdict is Verdict.ACCEPTED]
    chosen = accepted[:settings.count]
    rows = []
    keep = set(chosen)
    tasks_root = out / TASKS_DIR
    tasks_root.mkdir(parents=True, exist_ok=True)
    for d in tasks_root.iterdir():  # a task dir of an earlier, different selection does not belong
        if d.name not in keep:
            shutil.rmtree(d, ignore_errors=True)
    for k in chosen:
        c, staged, o = outcomes[k]
        rows.append(_row(settings, c, _publish(settings, staged), o))
    verdicts = [outcomes[k][2] for k in order]
    disks = [o.disk.extra_bytes for o in verdicts if o.disk is not None and o.disk.extra_bytes is not None]
    rejected_at = Counter(o.verdict.reasons[0].gate for o in verdicts
                          if o.verdict.verdict is Verdict.REJECTED and o.verdict.reasons)
    acc_secs = [outcomes[k][2].verdict.seconds for k in chosen]
    stats = {
        "count": len(rows), "seed": settings.seed, "repeats": settings.repeats, "source": settings.source,
        "executor": executor.describe().get("executor"), "rounds": r, "keep_images": settings.keep_images,
        "lct_version": __version__, "command": command or " ".join(["lct"] + sys.argv[1:]),
        "gates": {"generated": counts["generated"], "duplicates": counts["duplicates"], "validated": len(verdicts),
                  "accepted": len(accepted), "rejected": sum(rejected_at.values()),
                  "errors": sum(o.verdict.verdict is Verdict.ERROR for o in verdicts),
                  "other": sum(o.verdict.verdict not in (Verdict.ACCEPTED, Verdict.REJECTED, Verdict.ERROR)
                               for o in verdicts),
                  "surplus": len(accepted) - len(chosen), "rejected_at": dict(rejected_at),
                  "seconds_mean": statistics.fmean(acc_secs) if acc_secs else 0.0},
        "disk": {"measured": len(disks), "extra_median": statistics.median(disks) if disks else None,
                 "extra_mean": statistics.fmean(disks) if disks else None, "extra_max": max(disks) if disks else None,
                 "images_removed": sum(1 for o in verdicts if o.disk is not None and o.disk.removed)},
        "wall_seconds_this_run": round(time.monotonic() - t0, 1),
    }
    write_dataset(out, settings.dataset_name, rows, stats)
    (out / WORK / "stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True))
    if len(rows) < settings.count:
        raise CorpusError(f"only {len(rows)} of {settings.count} accepted")
    return stats


def verify_corpus(out: Path, *, sample: int, seed: int, executor: Executor | None, engine=None, repeats: int = 1,
                  job_dir: Path | None = None,
                  on_done: Callable[[ValidateOutcome], None] | None = None) -> dict[str, Any]:
    """Digests of every task against dataset.toml (as Harbor computes them), then the gates again on a random
    sample of `sample` tasks (0: none) in a fresh job dir."""
    out = Path(out).resolve()
    n, problems = check_digests(out)
    tasks = sorted(d for d in (out / TASKS_DIR).iterdir() if (d / "task.toml").is_file()) \
        if (out / TASKS_DIR).is_dir() else []
    picked = sorted(random.Random(seed).sample(tasks, min(sample, len(tasks))))
    outcomes: list[ValidateOutcome] = []
    if picked:
        job_dir = job_dir or out / WORK / f"verify-{time.strftime('%Y%m%d-%H%M%S')}"
        outcomes = validate_outcomes(picked, engine=engine, job_dir=job_dir, repeats=repeats, executor=executor,
                                     remove_images=True, on_done=on_done)
    not_accepted = [f"{o.verdict.name}: {o.verdict.verdict.value}"
                    + (f" at {o.verdict.reasons[0].gate}: {o.verdict.reasons[0].message.splitlines()[0][:200]}"
                       if o.verdict.reasons else "") for o in outcomes if o.verdict.verdict is not Verdict.ACCEPTED]
    return {"tasks": n, "digest_problems": problems, "sampled": [p.name for p in picked],
            "revalidated": len(outcomes), "not_accepted": not_accepted, "job_dir": str(job_dir) if picked else None}


__all__ = ["CorpusError", "CorpusEvents", "CorpusSettings", "build_corpus", "verify_corpus"]
