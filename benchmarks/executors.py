"""Accepted tasks per hour: the local executor (threads on this machine's engine) vs the Ray executor on a fake
2-node cluster on the same machine (`ray.cluster_utils.Cluster`, each node offering `--jobs / 2` Docker slots, so both
runs have the same number of tasks in flight); one run each, same tasks. On one machine the ratio shows Ray's
overhead (actors, object transfer, scheduling), not a speed-up. Also: extra disk per task image over the shared layers.

    python benchmarks/executors.py [--count 8] [--jobs 2] [--repeats 1] [--seed 11]

Baseline named in the output: the local executor. Images are removed after their verdict (as `lct corpus build`
does) and the two runs validate in separate job dirs, so the second run's builds are cached only by Docker's layer
cache, which both runs share (the shared tool layer is built before timing starts).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner.executors import LocalExecutor, RayExecutor
from litecoder_terminal.runner.jobs import validate_outcomes
from litecoder_terminal.sandbox import DockerEngine
from litecoder_terminal.synth.procedural.generate import generate
from litecoder_terminal.task import find_task_dirs


def run(name: str, tasks: list[Path], executor, engine, job_dir: Path, repeats: int) -> dict:
    t0 = time.monotonic()
    outs = validate_outcomes(tasks, engine=engine, job_dir=job_dir, repeats=repeats, executor=executor,
                             measure_disk=True, remove_images=True)
    wall = time.monotonic() - t0
    accepted = sum(o.verdict.verdict is Verdict.ACCEPTED for o in outs)
    extra = [o.disk.extra_bytes for o in outs if o.disk is not None and o.disk.extra_bytes is not None]
    return {"name": name, "wall": wall, "accepted": accepted, "n": len(outs), "per_hour": accepted / wall * 3600,
            "verdicts": [o.verdict.verdict.value for o in outs], "extra": extra,
            "nodes": sorted({o.node for o in outs if o.node})}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--jobs", type=int, default=2, help="tasks in flight (local threads; Ray: split over 2 nodes)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="lct-bench-exec-"))
    generate(root / "tasks", count=args.count, seed=args.seed)
    tasks = find_task_dirs([root / "tasks"])
    engine = DockerEngine()
    # warm-up: the shared tool layer (and its base) exist before either timed run, kept by this reference image
    warm = validate_outcomes(tasks[:1], engine=engine, job_dir=root / "warm", repeats=1, measure_disk=True)
    local = run("local", tasks, LocalExecutor(engine, args.jobs), engine, root / "local", args.repeats)

    import ray
    from ray.cluster_utils import Cluster

    per_node = max(1, args.jobs // 2)
    t0 = time.monotonic()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 100 * 2**20})
    for _ in range(2):
        cluster.add_node(num_cpus=1, object_store_memory=100 * 2**20, resources={"docker": per_node})
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    ex = RayExecutor()
    startup = time.monotonic() - t0
    try:
        remote = run("ray (2 fake nodes)", tasks, ex, None, root / "ray", args.repeats)
    finally:
        ex.close()
        ray.shutdown()
        cluster.shutdown()
    if warm[0].verdict.image:
        engine.remove_image(warm[0].verdict.image)

    print(f"tasks: {len(tasks)} procedural (seed {args.seed}), repeats {args.repeats}, {args.jobs} in flight")
    for r in (local, remote):
        print(f"{r['name']:<20} wall {r['wall']:7.1f}s  accepted {r['accepted']}/{r['n']}  "
              f"{r['per_hour']:7.1f} accepted tasks/hour  nodes {', '.join(r['nodes']) or '-'}")
    print(f"ray cluster start-up (not in the wall time above): {startup:.1f}s")
    same = local["verdicts"] == remote["verdicts"]
    print(f"same verdicts: {same}")
    ratio = remote["per_hour"] / local["per_hour"] if local["per_hour"] else float("nan")
    print(f"ratio ray/local (baseline: local executor) = {ratio:.2f}")
    extra = local["extra"] + remote["extra"]
    if extra:
        print(f"extra disk per task image over the shared layers: median {statistics.median(extra) / 1024:.1f} KB, "
              f"max {max(extra) / 1024:.1f} KB over {len(extra)} images (goal <= 5 MB); tool layer + base kept once")


if __name__ == "__main__":
    main()
