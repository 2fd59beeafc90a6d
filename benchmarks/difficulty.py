"""The difficulty table per level from a generated set's manifest.jsonl: replay turns (mean, median), stages,
instruction specificity, files the reference touches, tools needed.

    python benchmarks/difficulty.py MANIFEST.jsonl          # a run you already have
    python benchmarks/difficulty.py --count 600 [--seed 11] # generates one first (in a temp dir)

Targets (issue 11): hard >= 25 replay turns on average, medium >= 12. Baseline named in the output: the same
slots as single-family tasks (`--compose 1`), the generator before composition.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from litecoder_terminal.synth.procedural.generate import generate


def table(records: list[dict], title: str) -> dict[str, float]:
    print(f"\n{title}")
    print(f"{'level':8} {'tasks':>6} {'turns mean':>10} {'median':>7} {'min':>4} {'max':>4} {'stages':>7} "
          f"{'specificity':>11} {'files':>6} {'tools':>6}")
    means = {}
    for level in ("easy", "medium", "hard"):
        rows = [r["metrics"] for r in records if r["difficulty"] == level]
        if not rows:
            continue
        turns = [m["replay_turns"] for m in rows]
        spec = [m["specificity"] for m in rows if m["specificity"] is not None]
        means[level] = statistics.mean(turns)
        print(f"{level:8} {len(rows):6d} {statistics.mean(turns):10.1f} {statistics.median(turns):7.1f} "
              f"{min(turns):4d} {max(turns):4d} {statistics.mean(m['stages'] for m in rows):7.2f} "
              f"{(statistics.mean(spec) if spec else float('nan')):11.3f} "
              f"{statistics.mean(m['files_touched'] for m in rows):6.1f} "
              f"{statistics.mean(len(m['tools']) for m in rows):6.1f}")
    return means


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest", nargs="?", type=Path)
    ap.add_argument("--count", type=int, default=600)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lct-difficulty-") as tmp:
        if args.manifest:
            records = load(args.manifest)
            print(f"manifest {args.manifest}: {len(records)} tasks")
        else:
            records = load(generate(Path(tmp) / "composed", count=args.count, seed=args.seed).manifest)
        base = None
        if not args.manifest:
            base = load(generate(Path(tmp) / "single", count=args.count, seed=args.seed, compose_k=1).manifest)
        means = table(records, "difficulty by level (default: easy 1 stage, medium 2, hard 2-4)")
        if base is not None:
            base_means = table(base, "baseline: the same slots as single-family tasks (--compose 1)")
            for level in means:
                print(f"{level}: {means[level] / base_means[level]:.2f}x the baseline's mean replay turns")
        print(f"\ntargets: hard mean >= 25 turns: {'met' if means.get('hard', 0) >= 25 else 'NOT met'}; "
              f"medium mean >= 12: {'met' if means.get('medium', 0) >= 12 else 'NOT met'}")


if __name__ == "__main__":
    main()
