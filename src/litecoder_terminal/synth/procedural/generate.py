"""`lct generate`: sample tasks from families, reject near-duplicates, write task dirs and manifest.jsonl.

A run survives its own samples: a family that raises on one seed is a recorded failure (family, level, seed,
traceback in generate-report.json) and the slot is refilled from the next derived seed (`sample_slot`). A run
survives being killed: each task dir is written to a temp dir and renamed into place, and each finished slot is
appended to a journal (`.generate-state.jsonl`); the same command on the same out dir replays the journal (dedup
filter, counts, failures) and continues with the first unfinished slot, so the final tree is byte-identical to an
uninterrupted run. An out dir holding a run with other arguments is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from litecoder_terminal import __version__
from litecoder_terminal.synth.procedural.base import GeneratedTask, TaskFamily, derive_seed
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter, diversity
from litecoder_terminal.synth.procedural.registry import families
from litecoder_terminal.task import write_task_dir

DIFFICULTY_CYCLE = ("easy", "medium", "hard")
MAX_RESAMPLES = 20
STATE_FILE = ".generate-state.jsonl"  # the progress journal: a header line, then one line per finished slot
REPORT_FILE = "generate-report.json"
TMP_DIR = ".generate-tmp"  # task dirs are written here, then renamed into the out dir
STATE_VERSION = 1


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


@dataclass
class SlotResult:
    """What one slot came to: a task the filter admitted, or none (`dropped` says why)."""

    task: GeneratedTask | None
    seed: int | None
    digest: str | None
    near_duplicates: int
    failures: list[SampleFailure]
    dropped: str | None = None


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


class ResumeMismatch(ValueError):
    """The out dir holds (part of) a run with different arguments."""


def plan(domain: str, count: int | None, difficulties: list[str] | None, per_family: int | None
         ) -> list[tuple[type[TaskFamily], str, int]]:
    """(family, difficulty, index) for each task to write, in a fixed order."""
    fams = families(domain)
    if not fams:
        raise ValueError(f"no task families for domain {domain!r}")
    levels = list(difficulties or DIFFICULTY_CYCLE)
    out = []
    if per_family is not None:
        for fam in fams:
            for j in range(per_family):
                out.append((fam, levels[j % len(levels)], len(out)))
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
        out.append((dom[turn % len(dom)], levels[i % len(levels)], i))
    return out


def sample_slot(family: TaskFamily, *, run_seed: int, index: int, admit: Callable[[str, str], bool],
                max_attempts: int = MAX_RESAMPLES) -> SlotResult:
    """Fill slot `index` with one task of `family`: try the seeds derived from (run seed, family, level, slot,
    attempt) in turn until a sample builds without an exception and `admit(content_hash, instruction)` accepts it.
    A sample that raises is recorded as a failure (with its traceback) and the next seed is tried; after
    `max_attempts` the slot is dropped. Deterministic: the same arguments and filter state give the same result."""
    level = family.config.difficulty
    failures: list[SampleFailure] = []
    rejected = 0
    for attempt in range(max_attempts):
        task_seed = derive_seed(run_seed, family.name, level, index, attempt) % (1 << 31)
        try:
            task = family.sample(task_seed)
            digest = task.content_hash()
        except Exception as e:  # noqa: BLE001 - one bad sample is a recorded event, not the end of the run
            failures.append(SampleFailure(family.name, level, index, attempt, task_seed,
                                          f"{type(e).__name__}: {e}", traceback.format_exc()))
            continue
        if admit(digest, task.instruction):
            return SlotResult(task, task_seed, digest, rejected, failures)
        rejected += 1
    why = ("every sample raised" if len(failures) == max_attempts else
           "every sample raised or was a near-duplicate" if failures else "every sample was a near-duplicate")
    return SlotResult(None, None, None, rejected, failures, f"{why} ({max_attempts} attempts)")


def _fingerprint_args(domain: str, count: int | None, seed: int, difficulties: list[str] | None,
                      per_family: int | None, dedup_threshold: float,
                      slots: list[tuple[type[TaskFamily], str, int]]) -> dict:
    plan_text = "\n".join(f"{fam.name}:{level}" for fam, level, _ in slots)
    return {"domain": domain, "count": count, "seed": seed, "difficulties": list(difficulties or DIFFICULTY_CYCLE),
            "per_family": per_family, "dedup_threshold": dedup_threshold, "max_resamples": MAX_RESAMPLES,
            "plan_sha256": hashlib.sha256(plan_text.encode()).hexdigest(), "generator_version": __version__}


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


def generate(out_dir: Path, *, domain: str = "all", count: int | None = None, seed: int = 0,
             difficulties: list[str] | None = None, per_family: int | None = None,
             dedup_threshold: float = 0.9) -> GenerateReport:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slots = plan(domain, count, difficulties, per_family)
    header = {"state": STATE_VERSION, "arguments": _fingerprint_args(domain, count, seed, difficulties, per_family,
                                                                     dedup_threshold, slots)}
    journal_path = out_dir / STATE_FILE
    done = _read_journal(journal_path, header)
    if len(done) > len(slots):
        raise ValueError(f"{journal_path}: journal has {len(done)} slots, the plan only {len(slots)}")
    tmp_root = out_dir / TMP_DIR
    if tmp_root.exists():
        shutil.rmtree(tmp_root)  # half-written task dirs of a killed run

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

    for entry, (family_cls, level, index) in zip(done, slots):
        if (entry.get("slot"), entry.get("family"), entry.get("difficulty")) != (index, family_cls.name, level):
            raise ValueError(f"{journal_path}: slot {index} does not match the plan; remove the out dir to start over")
        if entry["record"] is not None and not dedup.admit(entry["record"]["content_hash"], entry["instruction"]):
            raise ValueError(f"{journal_path}: replaying slot {index} disagrees with the near-duplicate filter")
        account(entry)

    if not done:
        journal_path.write_text(json.dumps(header, sort_keys=True) + "\n", encoding="utf-8")
    with journal_path.open("a", encoding="utf-8") as journal:
        for family_cls, level, index in slots[len(done):]:
            family = family_cls({"difficulty": level})
            if family.name in broken:
                result = SlotResult(None, None, None, 0, [], f"not sampled: every sample of this family raised on "
                                                            f"slot {broken[family.name]}")
            else:
                result = sample_slot(family, run_seed=seed, index=index, admit=dedup.admit)
            entry = {"slot": index, "family": family.name, "difficulty": level, "near_duplicates":
                     result.near_duplicates, "failures": [asdict(f) for f in result.failures], "record": None,
                     "instruction": None, "dropped": result.dropped}
            if result.task is not None:
                task, digest = result.task, result.digest
                task_id = f"{family.domain}.{family.name}.{level}.{digest[:10]}"
                tmp = tmp_root / task_id
                write_task_dir(tmp, task.instruction, task.config, task.files)
                dest = out_dir / task_id
                if dest.exists():  # left by a killed run after the rename, before its journal line
                    shutil.rmtree(dest)
                os.replace(tmp, dest)
                entry["record"] = {"id": task_id, "domain": family.domain, "family": family.name,
                                   "difficulty": level, "seed": result.seed, "content_hash": digest,
                                   "path": task_id}
                entry["instruction"] = task.instruction
            journal.write(json.dumps(entry, sort_keys=True) + "\n")
            journal.flush()  # a killed run resumes after the last complete line
            account(entry)
    if tmp_root.exists():
        shutil.rmtree(tmp_root)

    manifest = out_dir / "manifest.jsonl"
    _write_atomic(manifest, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    div = diversity(instructions)
    report_path = out_dir / REPORT_FILE
    _write_atomic(report_path, json.dumps({
        "arguments": {k: v for k, v in header["arguments"].items() if k != "plan_sha256"},
        "requested": len(slots), "written": len(records), "near_duplicates": state["rejected"], "diversity": div,
        "dropped": dropped, "failures": [asdict(f) for f in failures], "manifest": manifest.name,
    }, indent=2, sort_keys=True) + "\n")
    return GenerateReport(len(records), state["rejected"], div, manifest, exhausted, failures, len(slots), len(done),
                          report_path)
