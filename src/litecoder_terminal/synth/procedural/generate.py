"""`lct generate`: sample tasks from families, reject near-duplicates, write task dirs and manifest.jsonl."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from litecoder_terminal.synth.procedural.base import TaskFamily, derive_seed
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter, diversity
from litecoder_terminal.synth.procedural.registry import families
from litecoder_terminal.task import write_task_dir

DIFFICULTY_CYCLE = ("easy", "medium", "hard")
MAX_RESAMPLES = 20


@dataclass
class GenerateReport:
    written: int
    near_duplicates: int
    diversity: float
    manifest: Path
    exhausted: list[str]  # slots dropped: every resample was a near-duplicate of a task already written


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
    # Round-robin over domains first, then over each domain's families: --count 10 covers all 10 domains.
    by_domain: dict[str, list[type[TaskFamily]]] = {}
    for fam in fams:
        by_domain.setdefault(fam.domain, []).append(fam)
    names = sorted(by_domain)
    for i in range(count or 0):
        dom = by_domain[names[i % len(names)]]
        turn = i // len(names)
        out.append((dom[turn % len(dom)], levels[(turn // len(dom)) % len(levels)], i))
    return out


def generate(out_dir: Path, *, domain: str = "all", count: int | None = None, seed: int = 0,
             difficulties: list[str] | None = None, per_family: int | None = None,
             dedup_threshold: float = 0.9) -> GenerateReport:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dedup = NearDuplicateFilter(dedup_threshold)
    rejected = 0
    exhausted: list[str] = []
    records, instructions = [], []
    for family_cls, level, index in plan(domain, count, difficulties, per_family):
        family = family_cls({"difficulty": level})
        for attempt in range(MAX_RESAMPLES):
            task_seed = derive_seed(seed, family.name, level, index, attempt) % (1 << 31)
            task = family.sample(task_seed)
            digest = task.content_hash()
            if dedup.admit(digest, task.instruction):
                break
            rejected += 1
        else:
            exhausted.append(f"{family.name}/{level}#{index}")  # this slot stays empty; the batch goes on
            continue
        task_id = f"{family.domain}.{family.name}.{level}.{digest[:10]}"
        dest = out_dir / task_id
        if dest.exists():
            shutil.rmtree(dest)
        write_task_dir(dest, task.instruction, task.config, task.files)
        records.append({"id": task_id, "domain": family.domain, "family": family.name, "difficulty": level,
                        "seed": task_seed, "content_hash": digest, "path": task_id})
        instructions.append(task.instruction)
    manifest = out_dir / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    return GenerateReport(len(records), rejected, diversity(instructions), manifest, exhausted)
