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
    for i in range(count or 0):
        fam = fams[i % len(fams)]
        out.append((fam, levels[(i // len(fams)) % len(levels)], i))
    return out


def generate(out_dir: Path, *, domain: str = "all", count: int | None = None, seed: int = 0,
             difficulties: list[str] | None = None, per_family: int | None = None,
             dedup_threshold: float = 0.85) -> GenerateReport:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    dedup = NearDuplicateFilter(dedup_threshold)
    rejected = 0
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
            raise RuntimeError(f"{family.name}: {MAX_RESAMPLES} samples in a row were near-duplicates")
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
    return GenerateReport(len(records), rejected, diversity(instructions), manifest)
