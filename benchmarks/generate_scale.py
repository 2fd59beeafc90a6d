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
import resource
import shutil
import tempfile
import time
from pathlib import Path

from litecoder_terminal.synth.procedural.generate import default_workers, generate


def _cpu() -> tuple[float, float]:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def run(out: Path, count: int, seed: int, workers: int | None):
    """(report, wall seconds, parent CPU seconds, workers' CPU seconds): workers are reaped when the pool closes,
    so their CPU time is in RUSAGE_CHILDREN afterwards."""
    (p0, c0), t0 = _cpu(), time.monotonic()
    rep = generate(out, domain="all", count=count, seed=seed, workers=workers)
    (p1, c1), wall = _cpu(), time.monotonic() - t0
    return rep, wall, p1 - p0, c1 - c0


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
        base, base_s, base_cpu, _ = run(root / "baseline", args.baseline_count, args.seed, 1)
        workers = args.workers or default_workers(args.count)
        rep, big_s, parent_cpu, worker_cpu = run(out, args.count, args.seed, workers)
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
        cores = len(os.sched_getaffinity(0))
        idle = max(parent_cpu, (parent_cpu + worker_cpu) / cores)
        print(f"cpu time              baseline {1000 * base_cpu / base.written:.1f} ms/task; parallel: parent "
              f"{parent_cpu:.0f}s + workers {worker_cpu:.0f}s = {1000 * (parent_cpu + worker_cpu) / rep.written:.1f} "
              f"ms/task")
        print(f"wall on an idle {cores}-core machine (cpu time / cores, or the parent's alone if larger): "
              f"{idle:.0f}s (measured here {big_s:.0f}s, shared machine)")
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
