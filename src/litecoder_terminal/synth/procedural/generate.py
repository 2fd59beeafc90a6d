"""`lct generate`: sample tasks from families (or compose them), reject near-duplicates, write task dirs and
manifest.jsonl.

Slots: the plan gives each slot a family and a level; by default easy slots are one family, medium slots compose 2
stages and hard slots 2 to 4 (`--compose K` fixes K for every slot; 1 means no composition), and an easy slot
whose family keeps giving near-duplicates is filled by a 2-stage composition instead of being dropped.
Speed: candidates are sampled (and their task dirs written to a temp dir) in worker processes; the parent admits
them in slot order through the near-duplicate filter, so the output is the same bytes for any number of workers.
A run survives its own samples: a family that raises on one seed is a recorded failure (family, level, seed,
traceback in generate-report.json) and the slot is refilled from the next derived seed. A run survives being
killed: each task dir is written to a temp dir and renamed into place, and each finished slot is appended to a
journal (`.generate-state.jsonl`); the same command on the same out dir replays the journal (dedup filter,
counts, failures) and continues with the first unfinished slot, so the final tree is byte-identical to an
uninterrupted run. An out dir holding a run with other arguments is refused.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import shutil
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from litecoder_terminal import __version__
from litecoder_terminal.synth.procedural.base import GeneratedTask, TaskFamily, derive_seed
from litecoder_terminal.synth.procedural.compose import MAX_STAGES, StageSampleError, compose
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter, diversity, minhash
from litecoder_terminal.synth.procedural.metrics import task_metrics
from litecoder_terminal.synth.procedural.registry import families, get_family
from litecoder_terminal.task import write_task_dir

DIFFICULTY_CYCLE = ("easy", "medium", "hard")
# Stages per level when --compose is not given: (fewest, most). Medium composes 2 so its reference is >= 12 turns
# on average (one family's medium reference averages ~8.5), hard 2-4 (>= 25); see benchmarks/difficulty.py.
AUTO_STAGES = {"easy": (1, 1), "medium": (2, 2), "hard": (2, 4)}
MAX_RESAMPLES = 20
SINGLE_ATTEMPTS = 4  # an easy slot tries its family this often before a 2-stage composition fills it
STATE_FILE = ".generate-state.jsonl"  # the progress journal: a header line, then one line per finished slot
REPORT_FILE = "generate-report.json"
TMP_DIR = ".generate-tmp"  # task dirs are written here, then renamed into the out dir
STATE_VERSION = 2
CHUNK = 16  # slots per worker job
PARALLEL_FROM = 64  # runs with fewer slots are sampled in this process (no worker start-up)


@dataclass
class SampleFailure:
    """One sample that raised instead of returning a task."""

    family: str
    difficulty: str
    slot: int
    attempt: int
    seed: int
    error: str  # "IndexError: list index out of range"
    traceback: str


@dataclass(frozen=True)
class Slot:
    """One task to write: its family (a composition's first drawn stage), level and number of stages."""

    index: int
    family: type[TaskFamily]
    level: str
    stages: tuple[int, int] = (1, 1)  # fewest, most
    fallback: bool = False  # a one-family slot may be filled by a 2-stage composition

    def spec(self, domain: str, run_seed: int) -> tuple:
        """Picklable: what a worker needs to make this slot's candidates."""
        return (self.index, self.family.name, self.level, self.stages, self.fallback, domain, run_seed)

    @property
    def plan_text(self) -> str:
        lo, hi = self.stages
        return f"{self.family.name}:{self.level}" + ("" if (lo, hi) == (1, 1) else f":k{lo}-{hi}") + \
            (":fallback" if self.fallback else "")


@dataclass
class Candidate:
    """One attempt at a slot: a task (its record, instruction and MinHash) or a failure."""

    slot: int
    attempt: int
    seed: int | None = None
    failure: SampleFailure | None = None
    digest: str | None = None
    instruction: str | None = None
    hashvalues: object = None  # the instruction's MinHash values (numpy), computed where the task was made
    record: dict | None = None  # manifest fields known before admission (no id/path)
    task: GeneratedTask | None = None  # in-process candidates: written by the parent on admission
    tmp: str | None = None  # worker candidates: already written here


@dataclass
class SlotResult:
    """What one slot came to: a task the filter admitted, or none (`dropped` says why)."""

    candidate: Candidate | None
    near_duplicates: int
    failures: list[SampleFailure]
    dropped: str | None = None

    @property
    def task(self) -> GeneratedTask | None:
        return self.candidate.task if self.candidate else None


@dataclass
class GenerateReport:
    written: int
    near_duplicates: int
    diversity: float
    manifest: Path
    exhausted: list[str]  # slots dropped ("family/level#slot"): every attempt raised or was a near-duplicate
    failures: list[SampleFailure] = field(default_factory=list)  # samples that raised (their slots were refilled)
    requested: int = 0  # slots planned
    resumed: int = 0  # slots replayed from the journal of an interrupted run
    report: Path | None = None
    stages: dict[int, int] = field(default_factory=dict)  # tasks written by number of stages


class ResumeMismatch(ValueError):
    """The out dir holds (part of) a run with different arguments."""


def plan(domain: str, count: int | None, difficulties: list[str] | None, per_family: int | None,
         compose_k: int | None = None) -> list[Slot]:
    """The slots to fill, in a fixed order."""
    fams = families(domain)
    if not fams:
        raise ValueError(f"no task families for domain {domain!r}")
    most = min(len(fams), MAX_STAGES)
    if compose_k is not None and not 1 <= compose_k <= most:
        raise ValueError(f"--compose {compose_k}: K must be at least 1" if compose_k < 1 else
                         f"--compose {compose_k}: K is 1 to {most} (a composition has at most {MAX_STAGES} stages; "
                         f"domain {domain!r} has {len(fams)} families)")
    levels = list(difficulties or DIFFICULTY_CYCLE)

    def stages(level: str) -> tuple[tuple[int, int], bool]:
        if compose_k is not None:
            return (compose_k, compose_k), False
        if per_family is not None:
            return (1, 1), False  # one task of each family, as it is
        lo, hi = AUTO_STAGES[level]
        return (lo, min(hi, len(fams))), lo == 1 and len(fams) > 1

    out: list[Slot] = []
    if per_family is not None:
        for fam in fams:
            for j in range(per_family):
                level = levels[j % len(levels)]
                out.append(Slot(len(out), fam, level, *stages(level)))
        return out
    # Round-robin over domains first, then over each domain's families: --count 10 covers all 10 domains; the level
    # cycles with the slot, so every run mixes easy, medium and hard (a domain sees them in turn).
    by_domain: dict[str, list[type[TaskFamily]]] = {}
    for fam in fams:
        by_domain.setdefault(fam.domain, []).append(fam)
    names = sorted(by_domain)
    for i in range(count or 0):
        dom = by_domain[names[i % len(names)]]
        turn = i // len(names)
        level = levels[i % len(levels)]
        out.append(Slot(i, dom[turn % len(dom)], level, *stages(level)))
    return out


def _task_id(task: GeneratedTask, digest: str) -> str:
    kind = task.family if task.family != "composed" else f"composed{len(task.config.metadata['stages'])}"
    # "-" between the parts, never ".": Harbor names a trial after the first 32 characters of the task's name
    # and strips only a trailing "_"/"-" from them; a "." there becomes "-__" in its compose project name, which
    # Docker refuses as an image reference (`harbor run` fails for such a task).
    return f"{task.domain}-{kind}-{task.difficulty}-{digest[:10]}"


@lru_cache(maxsize=None)
def _family(name: str) -> type[TaskFamily]:
    return get_family(name)


@lru_cache(maxsize=None)
def _pool(domain: str) -> list[type[TaskFamily]]:
    return families(domain)


def make_candidate(spec: tuple, attempt: int, tmp_root: Path | None = None) -> Candidate:
    """Attempt `attempt` of the slot `spec` (Slot.spec): a pure function of its arguments. With `tmp_root` the task
    dir is written there (worker processes), else the task is kept for the parent to write."""
    index, family_name, level, (lo, hi), fallback, domain, run_seed = spec
    fam = _family(family_name)
    composed = lo > 1 or (fallback and attempt >= SINGLE_ATTEMPTS)
    if composed:
        seed = derive_seed(run_seed, "compose", family_name, level, index, attempt) % (1 << 31)
        k = lo + seed % (hi - lo + 1) if lo > 1 else 2
    else:
        seed = derive_seed(run_seed, family_name, level, index, attempt) % (1 << 31)
    cand = Candidate(index, attempt, seed)
    try:
        task = compose(fam, level, k, seed, _pool(domain)) if composed else fam({"difficulty": level}).sample(seed)
        digest = task.content_hash()
    except StageSampleError as e:
        cand.failure = SampleFailure(e.family, level, index, attempt, e.seed, str(e), e.traceback)
        return cand
    except Exception as e:  # noqa: BLE001 - one bad sample is a recorded event, not the end of the run
        cand.failure = SampleFailure(family_name, level, index, attempt, seed, f"{type(e).__name__}: {e}",
                                     traceback.format_exc())
        return cand
    stages = task.config.metadata.get("stages") or [{"stage": "stage1", "family": task.family,
                                                      "domain": task.domain, "difficulty": level, "seed": seed}]
    cand.digest, cand.instruction = digest, task.instruction
    cand.hashvalues = minhash(task.instruction).hashvalues
    cand.record = {"id": _task_id(task, digest), "domain": task.domain, "family": task.family,
                   "difficulty": level, "seed": seed, "content_hash": digest, "stages": stages,
                   "metrics": task_metrics(task.instruction, task.files, len(stages))}
    if tmp_root is None:
        cand.task = task
    else:
        dest = Path(tmp_root) / f"c{index}-{attempt}"
        write_task_dir(dest, task.instruction, task.config, task.files)
        cand.tmp = str(dest)
    return cand


def _worker_batch(specs: list[tuple], tmp_root: str) -> list[Candidate]:
    return [make_candidate(spec, 0, Path(tmp_root)) for spec in specs]


def fill_slot(slot_spec: tuple, *, admit: Callable[[Candidate], bool], first: Candidate | None = None,
              max_attempts: int = MAX_RESAMPLES, make: Callable[[tuple, int], Candidate] | None = None) -> SlotResult:
    """Try the slot's attempts in turn until one builds and `admit` accepts it; a sample that raises is a recorded
    failure and the next attempt is tried; after `max_attempts` the slot is dropped. `first` is attempt 0 when a
    worker already made it. Deterministic: the same arguments and filter state give the same result."""
    make = make or make_candidate
    failures: list[SampleFailure] = []
    rejected = 0
    for attempt in range(max_attempts):
        cand = first if attempt == 0 and first is not None else make(slot_spec, attempt)
        if cand.failure is not None:
            failures.append(cand.failure)
            continue
        if admit(cand):
            return SlotResult(cand, rejected, failures)
        _discard(cand)
        rejected += 1
    why = ("every sample raised" if len(failures) == max_attempts else
           "every sample raised or was a near-duplicate" if failures else "every sample was a near-duplicate")
    return SlotResult(None, rejected, failures, f"{why} ({max_attempts} attempts)")


def _discard(cand: Candidate) -> None:
    if cand.tmp:
        shutil.rmtree(cand.tmp, ignore_errors=True)


def _fingerprint_args(domain: str, count: int | None, seed: int, difficulties: list[str] | None,
                      per_family: int | None, dedup_threshold: float, compose_k: int | None,
                      slots: list[Slot]) -> dict:
    plan_text = "\n".join(s.plan_text for s in slots)
    return {"domain": domain, "count": count, "seed": seed, "difficulties": list(difficulties or DIFFICULTY_CYCLE),
            "per_family": per_family, "dedup_threshold": dedup_threshold, "max_resamples": MAX_RESAMPLES,
            "compose": compose_k, "plan_sha256": hashlib.sha256(plan_text.encode()).hexdigest(),
            "generator_version": __version__}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _read_journal(path: Path, header: dict) -> list[dict]:
    """The finished slots of an earlier run with the same arguments; [] when there is no journal. A torn last line
    (the run died while appending it) is cut off."""
    if not path.exists():
        return []
    data = path.read_bytes()
    complete = data[:data.rfind(b"\n") + 1]
    if len(complete) != len(data):
        with path.open("r+b") as f:
            f.truncate(len(complete))
    lines = complete.decode("utf-8").splitlines()
    try:
        entries = [json.loads(line) for line in lines]
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: corrupt progress journal ({e}); remove it (and the out dir) to start over") from e
    if not entries:
        return []
    old = entries[0]
    if old.get("state") != STATE_VERSION or old.get("arguments") != header["arguments"]:
        theirs, ours = old.get("arguments") or {}, header["arguments"]
        diff = ", ".join(f"{k}={theirs.get(k)!r} there, {ours.get(k)!r} now" for k in sorted(set(theirs) | set(ours))
                         if theirs.get(k) != ours.get(k)) or f"journal format {old.get('state')!r}"
        raise ResumeMismatch(f"{path.parent} holds a generation run with different arguments ({diff}); "
                             "rerun with the same arguments to resume it, or use another --out")
    return entries[1:]


def _first_candidates(todo: list[Slot], specs: dict[int, tuple], workers: int, tmp_root: Path
                      ) -> Iterator[Candidate | None]:
    """Attempt 0 of each slot in `todo`, in slot order: made by `workers` processes ahead of the parent, or None
    (made on demand by the parent) when running in-process."""
    if workers <= 1:
        for _ in todo:
            yield None
        return
    chunks = [todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK)]
    ctx = multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: deque[Future] = deque()
        ahead = workers * 4
        it = iter(chunks)
        for chunk in it:
            pending.append(pool.submit(_worker_batch, [specs[s.index] for s in chunk], str(tmp_root)))
            if len(pending) >= ahead:
                break
        while pending:
            batch = pending.popleft().result()
            nxt = next(it, None)
            if nxt is not None:
                pending.append(pool.submit(_worker_batch, [specs[s.index] for s in nxt], str(tmp_root)))
            yield from batch


def default_workers(slots: int) -> int:
    return 1 if slots < PARALLEL_FROM else max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                               else (os.cpu_count() or 1))


def generate(out_dir: Path, *, domain: str = "all", count: int | None = None, seed: int = 0,
             difficulties: list[str] | None = None, per_family: int | None = None,
             dedup_threshold: float = 0.9, compose_k: int | None = None, workers: int | None = None
             ) -> GenerateReport:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slots = plan(domain, count, difficulties, per_family, compose_k)
    header = {"state": STATE_VERSION, "arguments": _fingerprint_args(domain, count, seed, difficulties, per_family,
                                                                     dedup_threshold, compose_k, slots)}
    journal_path = out_dir / STATE_FILE
    done = _read_journal(journal_path, header)
    if len(done) > len(slots):
        raise ValueError(f"{journal_path}: journal has {len(done)} slots, the plan only {len(slots)}")
    tmp_root = out_dir / TMP_DIR
    if tmp_root.exists():
        shutil.rmtree(tmp_root)  # half-written task dirs of a killed run
    tmp_root.mkdir()

    dedup = NearDuplicateFilter(dedup_threshold)
    state = {"rejected": 0}
    exhausted: list[str] = []
    dropped: list[dict] = []
    failures: list[SampleFailure] = []
    records: list[dict] = []
    instructions: list[str] = []
    broken: dict[str, int] = {}  # family -> slot on which every attempt raised: its later slots are not tried

    def account(entry: dict) -> None:
        """Fold one finished slot into the run's totals: the same code for a replayed and a fresh slot."""
        state["rejected"] += entry["near_duplicates"]
        failures.extend(SampleFailure(**f) for f in entry["failures"])
        if entry["record"] is None:
            exhausted.append(f"{entry['family']}/{entry['difficulty']}#{entry['slot']}")
            dropped.append({k: entry[k] for k in ("slot", "family", "difficulty")} | {"reason": entry["dropped"]})
            if entry["failures"] and len(entry["failures"]) == MAX_RESAMPLES:
                broken.setdefault(entry["family"], entry["slot"])
        else:
            records.append(entry["record"])
            instructions.append(entry["instruction"])

    for entry, slot in zip(done, slots):
        if (entry.get("slot"), entry.get("family"), entry.get("difficulty")) != (slot.index, slot.family.name,
                                                                                 slot.level):
            raise ValueError(f"{journal_path}: slot {slot.index} does not match the plan; remove the out dir to "
                             "start over")
        if entry["record"] is not None and not dedup.admit(entry["record"]["content_hash"], entry["instruction"]):
            raise ValueError(f"{journal_path}: replaying slot {slot.index} disagrees with the near-duplicate filter")
        account(entry)

    def admit(c: Candidate) -> bool:
        return dedup.admit_minhash(c.digest, c.hashvalues)

    if not done:
        journal_path.write_text(json.dumps(header, sort_keys=True) + "\n", encoding="utf-8")
    todo = slots[len(done):]
    specs = {s.index: s.spec(domain, seed) for s in todo}
    n_workers = default_workers(len(todo)) if workers is None else max(1, workers)
    with journal_path.open("a", encoding="utf-8") as journal:
        for slot, first in zip(todo, _first_candidates(todo, specs, n_workers, tmp_root)):
            if slot.family.name in broken:
                if first is not None:
                    _discard(first)
                result = SlotResult(None, 0, [], f"not sampled: every sample of this family raised on slot "
                                                 f"{broken[slot.family.name]}")
            else:
                result = fill_slot(specs[slot.index], admit=admit, first=first,
                                   make=lambda spec, a: make_candidate(spec, a, tmp_root if n_workers > 1
                                                                       else None))
            entry = {"slot": slot.index, "family": slot.family.name, "difficulty": slot.level,
                     "near_duplicates": result.near_duplicates, "failures": [asdict(f) for f in result.failures],
                     "record": None, "instruction": None, "dropped": result.dropped}
            cand = result.candidate
            if cand is not None:
                record = dict(cand.record)
                dest = out_dir / record["id"]
                if cand.tmp is None:
                    tmp = tmp_root / record["id"]
                    write_task_dir(tmp, cand.task.instruction, cand.task.config, cand.task.files)
                else:
                    tmp = Path(cand.tmp)
                if dest.exists():  # left by a killed run after the rename, before its journal line
                    shutil.rmtree(dest)
                os.replace(tmp, dest)
                record["path"] = record["id"]
                entry["record"], entry["instruction"] = record, cand.instruction
            journal.write(json.dumps(entry, sort_keys=True) + "\n")
            journal.flush()  # a killed run resumes after the last complete line
            account(entry)
    if tmp_root.exists():
        shutil.rmtree(tmp_root)

    manifest = out_dir / "manifest.jsonl"
    _write_atomic(manifest, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    div = diversity(instructions)
    by_stages = Counter(len(r.get("stages") or [None]) for r in records)
    report_path = out_dir / REPORT_FILE
    _write_atomic(report_path, json.dumps({
        "arguments": {k: v for k, v in header["arguments"].items() if k != "plan_sha256"},
        "requested": len(slots), "written": len(records), "near_duplicates": state["rejected"], "diversity": div,
        "stages": {str(k): v for k, v in sorted(by_stages.items())},
        "dropped": dropped, "failures": [asdict(f) for f in failures], "manifest": manifest.name,
    }, indent=2, sort_keys=True) + "\n")
    return GenerateReport(len(records), state["rejected"], div, manifest, exhausted, failures, len(slots), len(done),
                          report_path, dict(sorted(by_stages.items())))
