"""Generate a sample across all families and validate it; print accept rate, throughput, build time, disk, diversity.

    python benchmarks/generate_validate.py [--count 100] [--jobs 2] [--repeats 3] [--seed 7]

Baseline named in the output: the same tasks' images built from scratch (no shared tool layer) would each carry the
whole tool layer; the ratio printed is full-image size / extra size per task.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner import validate_many
from litecoder_terminal.sandbox import DockerEngine
from litecoder_terminal.synth.procedural.base import TOOLBOX_PACKAGES
from litecoder_terminal.synth.procedural.generate import generate
from litecoder_terminal.task import find_task_dirs


def layer_sizes(engine: DockerEngine, tag: str) -> tuple[int, int]:
    """(bytes above the shared tool layer, bytes of the whole image)."""
    history = engine.client.api.history(tag)  # newest layer first
    above = 0
    for layer in history:
        if TOOLBOX_PACKAGES.split()[0] in layer.get("CreatedBy", "") and "apt-get install" in layer.get("CreatedBy", ""):
            break
        above += layer.get("Size", 0)
    return above, sum(layer.get("Size", 0) for layer in history)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    root = args.out or Path(tempfile.mkdtemp(prefix="lct-bench-"))

    t0 = time.monotonic()
    rep = generate(root / "tasks", count=args.count, seed=args.seed)
    gen_s = time.monotonic() - t0
    tasks = find_task_dirs([root / "tasks"])
    engine = DockerEngine()
    t1 = time.monotonic()
    verdicts = validate_many(tasks, engine=engine, job_dir=root / "jobs", jobs=args.jobs, repeats=args.repeats)
    wall = time.monotonic() - t1

    accepted = [v for v in verdicts if v.verdict is Verdict.ACCEPTED]
    builds = [v.build_seconds for v in verdicts if v.build_seconds is not None and v.build_cached is False]
    sizes = [layer_sizes(engine, v.image) for v in verdicts if v.image]
    trials = [t.seconds for v in verdicts for t in v.trials]
    print(f"tasks generated      {rep.written} in {gen_s:.2f}s ({rep.near_duplicates} near-duplicate samples "
          f"resampled, {len(rep.exhausted)} slots dropped)")
    print(f"diversity            {rep.diversity:.3f}  (1 - mean pairwise 3-gram Jaccard of instructions)")
    print(f"accept rate          {len(accepted)}/{len(verdicts)} = {100 * len(accepted) / max(1, len(verdicts)):.1f}%")
    for v in verdicts:
        if v.verdict is not Verdict.ACCEPTED:
            print(f"  {v.verdict.value:8} {v.name}: {v.reasons[0].gate}: {v.reasons[0].message.splitlines()[0][:150]}")
    print(f"validation wall time {wall:.0f}s with --jobs {args.jobs}, --repeats {args.repeats}")
    print(f"accepted per hour    {3600 * len(accepted) / wall:.0f}  (this machine: 2 cores)")
    if builds:
        print(f"image build (warm tool layer): median {statistics.median(builds):.2f}s over {len(builds)} builds")
    print(f"trial seconds        median {statistics.median(trials):.2f}s over {len(trials)} trials")
    if sizes:
        extra = statistics.median(s[0] for s in sizes)
        full = statistics.median(s[1] for s in sizes)
        print(f"disk per task image  median {extra / 1e6:.2f} MB above the shared tool layer; a full image is "
              f"{full / 1e6:.0f} MB (baseline: no shared layer) -> {full / max(extra, 1):.0f}x less disk per task")
    print(f"work dir             {root}")


if __name__ == "__main__":
    main()
