"""Sample every procedural family at every level over many seeds; print samples/s per family and every failure.

    python benchmarks/family_fuzz.py [--seeds 3000] [--family NAME ...] [--jobs N] [--show 20]

A failure is an exception from `sample(seed)` or a broken contract (required files, two wrong solutions, a
non-empty instruction without stray indentation); the checks are the ones of tests/unit/test_family_fuzz.py, which
runs a smaller, cost-weighted sweep of the same seed sequences. Exit status 1 when anything failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from litecoder_terminal.synth.procedural.registry import families  # noqa: E402
from tests.unit.test_family_fuzz import chunks, format_failures, fuzz_chunk, make_pool  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3000, help="seeds per family and level")
    ap.add_argument("--family", action="append", default=[], help="only these families (repeatable)")
    ap.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    ap.add_argument("--show", type=int, default=20, help="failures printed per family")
    args = ap.parse_args()
    names = [f.name for f in families() if not args.family or f.name in args.family]
    total_failures, total_samples, t_all = 0, 0, time.monotonic()
    with make_pool(args.jobs) as pool:
        for name in names:
            work = chunks(name, args.seeds, max(10, args.seeds // 8))
            t0 = time.monotonic()
            failures = [f for result in pool.map(fuzz_chunk, *zip(*work)) for f in result]
            dt = time.monotonic() - t0
            n = 3 * args.seeds
            bad_seeds = len({(lvl, seed) for _, lvl, seed, _ in failures})
            print(f"{name:38s} {n:7d} samples {n / dt:8.1f}/s  failed {bad_seeds}", flush=True)
            if failures:
                print("    " + format_failures(failures, args.show).replace("\n", "\n    "), flush=True)
            total_failures += bad_seeds
            total_samples += n
    dt = time.monotonic() - t_all
    print(f"all: {total_samples} samples of {len(names)} families in {dt:.1f}s ({total_samples / dt:.1f}/s), "
          f"{total_failures} failed")
    return 1 if total_failures else 0


if __name__ == "__main__":
    sys.exit(main())
