"""`lct generate` at scale: time, written, dropped slots, distinct tasks, diversity, tasks/s in worker processes,
against the single-process baseline measured in the same run on the plan's first slots.

    python benchmarks/generate_scale.py [--count 20000] [--seed 11] [--baseline-count 1000] [--workers N] [--out DIR]

Baseline: the same generator with one process (workers=1) on the first `--baseline-count` slots of the same plan
(a plan's slot i does not depend on the count, so those slots are the same tasks: the benchmark checks that their
manifest lines are identical). The ratio printed is parallel tasks/s over baseline tasks/s. Targets (issue 11):
>= 20,000 distinct tasks, no dropped slot, diversity >= 0.98, <= 600 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from litecoder_terminal.synth.procedural.generate import default_workers, generate


def run(out: Path, count: int, seed: int, workers: int | None):
    t0 = time.monotonic()
    rep = generate(out, domain="all", count=count, seed=seed, workers=workers)
    return rep, time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--baseline-count", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None, help="keep the big run here (default: a temp dir, removed)")
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lct-genscale-"))
    out = args.out or root / "big"
    if out.exists():
        shutil.rmtree(out)
    try:
        base, base_s = run(root / "baseline", args.baseline_count, args.seed, 1)
        workers = args.workers or default_workers(args.count)
        rep, big_s = run(out, args.count, args.seed, workers)
        manifest = [json.loads(line) for line in rep.manifest.read_text().splitlines()]
        distinct = len({r["content_hash"] for r in manifest})
        base_lines = base.manifest.read_text().splitlines()
        same_prefix = rep.manifest.read_text().splitlines()[:len(base_lines)] == base_lines
        base_rate, big_rate = base.written / base_s, rep.written / big_s
        print(f"cpus available        {len(os.sched_getaffinity(0))}, load average {os.getloadavg()[0]:.1f}")
        print(f"baseline (1 process)  {base.written} tasks in {base_s:.1f}s = {base_rate:.2f} tasks/s")
        print(f"parallel ({workers} workers)  {rep.written} of {rep.requested} tasks in {big_s:.1f}s = "
              f"{big_rate:.2f} tasks/s")
        print(f"ratio                 {big_rate / base_rate:.2f}x the single-process baseline")
        print(f"dropped slots         {len(rep.exhausted)}")
        print(f"distinct tasks        {distinct} (content hashes)")
        print(f"near-duplicates       {rep.near_duplicates} samples rejected; failed samples {len(rep.failures)}")
        print(f"diversity             {rep.diversity:.4f}")
        print(f"tasks by stages       {rep.stages}")
        print(f"same bytes as baseline on the first {len(base_lines)} slots: {same_prefix}")
        ok = rep.written >= args.count and not rep.exhausted and rep.diversity >= 0.98 and big_s <= 600
        print(f"targets (all written, none dropped, diversity >= 0.98, <= 600 s): {'met' if ok else 'NOT met'}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
