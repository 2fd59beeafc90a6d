"""Per-trial overhead of lct against Harbor 0.25 on the same trivial tasks and the same Docker engine.

    python benchmarks/trial_overhead.py [--tasks N] [--repeats R] [--keep]

Writes N trivial tasks (FROM debian:bookworm-slim; solve.sh writes a file; test.sh checks it in plain shell and
writes /logs/verifier/reward.txt; no python in the image) with `write_task_dir`, then times oracle trials:

* lct: the Python API (DockerEngine.build once per task, untimed; one warm-up trial per task; then R timed trials
  per task, one after another). Per trial: TrialResult.seconds, and the loop's wall clock / trials.
* harbor default: `harbor run -p <dir of the N tasks> -a oracle -k R -n 1 --extra-docker-compose <init overlay>`
  (the overlay gives the main service `init: true`, as in tests/harbor). Per trial: finished_at - started_at of
  each trial's result.json, and the command's wall clock / trials. One untimed warm-up job (-k 1) comes first, so
  images and build caches are warm for both Harbor runs.
* harbor tuned: the same plus what Harbor 0.25 offers to cut its own overhead without changing what a trial does:
  `--no-delete` (plain `compose down` instead of `down --rmi local --volumes --remove-orphans`: the trial's
  compose image is not deleted, and rebuilt from cache, every trial) and LITELLM_LOCAL_MODEL_COST_MAP=True
  (LiteLLM's bundled cost map instead of fetching it, with retries, per process). Not used: `--ek
  auto_mounting=true` (bind-mounts /logs/* instead of `docker compose cp`, but then chowns each mount twice with
  `docker compose exec`, so it issues more compose calls, not fewer). Harbor has no switch for what dominates:
  each trial runs ~20 sequential `docker compose` CLI invocations (build, down, up --wait, exec, cp, ...).

Every Harbor run has HARBOR_TELEMETRY=0 (no phoning home from a benchmark) and -n 1 (trials one at a time, like
the lct loop; Harbor's own default is -n 4). Prints figures only; asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from litecoder_terminal.agents import OracleAgent  # noqa: E402
from litecoder_terminal.sandbox import DockerEngine, SandboxError  # noqa: E402
from litecoder_terminal.task import TaskConfig, TaskDir, write_task_dir  # noqa: E402
from litecoder_terminal.trial import TrialStatus, run_trial  # noqa: E402

BASE_IMAGE = "debian:bookworm-slim"
LCT_PHASES = ("environment_setup", "agent_execution", "verifier_setup", "verifier", "teardown")
HARBOR_BASE_ENV = {"HARBOR_TELEMETRY": "0", "COLUMNS": "200"}
HARBOR_TUNED_FLAGS = ["--no-delete"]
HARBOR_TUNED_ENV = {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}

TEST_SH = """#!/bin/bash
mkdir -p /logs/verifier
if [ "$(cat /app/answer.txt 2>/dev/null)" = "ok {i}" ]; then echo 1; else echo 0; fi > /logs/verifier/reward.txt
"""


def write_tasks(root: Path, n: int) -> list[TaskDir]:
    tasks = []
    for i in range(n):
        config = TaskConfig.model_validate({
            "metadata": {"category": "benchmark", "difficulty": "easy"},
            "agent": {"timeout_sec": 120.0},
            "verifier": {"timeout_sec": 120.0},
            "environment": {"build_timeout_sec": 300.0, "network_mode": "public"},
        })
        files = {
            "environment/Dockerfile": f"FROM {BASE_IMAGE}\nENV LCT_BENCH_TASK={i}\nWORKDIR /app\n",
            "solution/solve.sh": f"#!/bin/bash\necho 'ok {i}' > /app/answer.txt\n",
            "tests/test.sh": TEST_SH.format(i=i),
        }
        tasks.append(write_task_dir(root / f"overhead-{i}", f"Write the line `ok {i}` to /app/answer.txt.",
                                    config, files))
    return tasks


def median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def fmt(x: float | None, unit: str = "s") -> str:
    return "n/a" if x is None else f"{x:.2f}{unit}"


# ---- lct ------------------------------------------------------------------------------------------------------
def bench_lct(tasks: list[TaskDir], repeats: int, trials_root: Path) -> dict:
    engine = DockerEngine(run_id=f"bench-{os.getpid()}")
    images, agent = {}, OracleAgent()
    for t in tasks:
        images[t.name] = engine.build(t.environment_dir).tag
        warm = run_trial(t, agent, engine, image=images[t.name], trial_dir=trials_root / "warmup" / t.name)
        if warm.status is not TrialStatus.GRADED or warm.reward != 1:
            raise RuntimeError(f"lct warm-up trial of {t.name} failed: {warm.error or warm.reward}")
    seconds, phases, bad, failures = [], {p: [] for p in LCT_PHASES}, 0, []
    t0 = time.monotonic()
    for r in range(repeats):
        for t in tasks:
            res = run_trial(t, agent, engine, image=images[t.name], trial_dir=trials_root / f"r{r}" / t.name)
            if res.status is not TrialStatus.GRADED or res.reward != 1:
                bad += 1
                failures.append(f"{t.name} r{r}: status={res.status.value} reward={res.reward} "
                                f"error={res.error.model_dump() if res.error else None}")
            seconds.append(res.seconds)
            for p in LCT_PHASES:
                if p in res.timings:
                    phases[p].append(res.timings[p].seconds)
    wall = time.monotonic() - t0
    engine.remove_run_containers()
    return {"trial": seconds, "wall": wall, "n": len(seconds), "phases": phases, "bad": bad,
            "images": sorted(set(images.values())), "failures": failures}


# ---- harbor ---------------------------------------------------------------------------------------------------
def ensure_harbor() -> Path:
    res = subprocess.run(["bash", str(REPO / "scripts" / "harbor-venv.sh")], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"scripts/harbor-venv.sh failed:\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return Path(os.environ.get("LCT_HARBOR_VENV") or REPO / ".cache" / "harbor-venv")


def _ts(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


def _span(d: dict | None) -> float:
    return (_ts(d["finished_at"]) - _ts(d["started_at"])).total_seconds() if d else 0.0


def run_harbor(venv: Path, dataset: Path, jobs: Path, name: str, attempts: int, overlay: Path,
               flags: list[str], env: dict[str, str]) -> dict:
    cmd = [str(venv / "bin" / "harbor"), "run", "--path", str(dataset), "--agent", "oracle",
           "--n-attempts", str(attempts), "--n-concurrent", "1", "--jobs-dir", str(jobs), "--job-name", name,
           "--extra-docker-compose", str(overlay), "--yes", "--quiet", *flags]
    t0 = time.monotonic()
    res = subprocess.run(cmd, cwd=jobs.parent, env={**os.environ, **HARBOR_BASE_ENV, **env},
                         capture_output=True, text=True)
    wall = time.monotonic() - t0
    if res.returncode != 0:
        raise RuntimeError(f"harbor run {name} exited {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    trials, phases, bad, names = [], {k: [] for k in ("environment_setup", "agent", "agent_to_verifier",
                                                        "verifier", "after_verifier")}, 0, []
    for f in sorted((jobs / name).glob("*/result.json")):
        r = json.loads(f.read_text())
        names.append(r["trial_name"])
        rewards = (r.get("verifier_result") or {}).get("rewards") or {}
        bad += r.get("exception_info") is not None or rewards.get("reward") != 1
        trials.append(_span(r))
        phases["environment_setup"].append(_span(r.get("environment_setup")))
        phases["agent"].append(_span(r.get("agent_setup")) + _span(r.get("agent_execution")))
        if r.get("verifier") and r.get("agent_execution"):
            phases["agent_to_verifier"].append(
                (_ts(r["verifier"]["started_at"]) - _ts(r["agent_execution"]["finished_at"])).total_seconds())
            phases["verifier"].append(_span(r["verifier"]))
            phases["after_verifier"].append((_ts(r["finished_at"]) - _ts(r["verifier"]["finished_at"])).total_seconds())
    return {"trial": trials, "wall": wall, "n": len(trials), "phases": phases, "bad": bad, "cmd": cmd,
            "trial_names": names}


def remove_harbor_images(trial_names: list[str]) -> None:
    """--no-delete leaves each trial's compose image tag (<trial>__env-main) behind: remove those tags."""
    tags = [f"{n.lower()}__env-main" for n in trial_names]
    present = [t for t in tags if subprocess.run(["docker", "image", "inspect", t], capture_output=True).returncode == 0]
    if present:
        subprocess.run(["docker", "image", "rm", *present], capture_output=True)


# ---- report ---------------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tasks", type=int, default=3, help="trivial tasks to write (default 3)")
    ap.add_argument("--repeats", type=int, default=3, help="timed trials per task, after one warm-up (default 3)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (tasks, trial dirs, Harbor jobs)")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lct-overhead-"))
    dataset = work / "tasks"
    tasks = write_tasks(dataset, args.tasks)
    overlay = work / "harbor-init-overlay.yaml"
    overlay.write_text("services:\n  main:\n    init: true\n")
    jobs = work / "jobs"
    jobs.mkdir()
    print(f"{args.tasks} trivial tasks x {args.repeats} timed oracle trials each (+1 warm-up) in {work}", flush=True)
    load_before = os.getloadavg()

    results: dict[str, dict | None] = {}
    notes: list[str] = []
    lct_images: list[str] = []
    try:
        try:
            print("lct: timing ...", flush=True)
            results["lct"] = bench_lct(tasks, args.repeats, work / "lct-trials")
            lct_images = results["lct"]["images"]
        except (SandboxError, RuntimeError) as e:
            results["lct"] = None
            notes.append(f"lct: {e}")
        try:
            venv = ensure_harbor()
            print("harbor: warm-up job ...", flush=True)
            warm = run_harbor(venv, dataset, jobs, "warmup", 1, overlay, [], {})
            if warm["bad"]:
                notes.append(f"harbor warm-up: {warm['bad']} trial(s) errored or scored != 1")
            print("harbor: default ...", flush=True)
            results["harbor default"] = run_harbor(venv, dataset, jobs, "default", args.repeats, overlay, [], {})
            print("harbor: tuned ...", flush=True)
            tuned = run_harbor(venv, dataset, jobs, "tuned", args.repeats, overlay, HARBOR_TUNED_FLAGS,
                               HARBOR_TUNED_ENV)
            results["harbor tuned"] = tuned
            remove_harbor_images(tuned["trial_names"])
        except RuntimeError as e:
            results.setdefault("harbor default", None)
            results.setdefault("harbor tuned", None)
            notes.append(f"harbor: {e}")
    finally:
        if lct_images:
            subprocess.run(["docker", "image", "rm", *lct_images], capture_output=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    lct = results.get("lct")
    print()
    print(f"load average (1/5/15 min) before: {'/'.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {'/'.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"Per-trial seconds, median over {args.tasks}x{args.repeats} oracle trials (trials run one at a time)")
    header = f"{'':34}{'lct':>10}{'harbor default':>17}{'harbor tuned':>15}"
    print(header)
    print("-" * len(header))
    rows = [("trial (own result timing)", lambda r: median(r["trial"])),
            ("wall clock / trials", lambda r: r["wall"] / r["n"] if r["n"] else None)]
    for label, f in rows:
        vals = [f(r) if r else None for r in (results.get(k) for k in ("lct", "harbor default", "harbor tuned"))]
        print(f"{label:34}{fmt(vals[0]):>10}{fmt(vals[1]):>17}{fmt(vals[2]):>15}")
        ratios = [f"{v / vals[0]:.2f}x" if v is not None and vals[0] else "n/a" for v in vals[1:]]
        print(f"{'  ratio harbor/lct':34}{'':>10}{ratios[0]:>17}{ratios[1]:>15}")
    bad = {k: r["bad"] for k, r in results.items() if r and r["bad"]}
    if bad:
        print(f"WARNING: trials that errored or scored != 1: {bad}")
        for k, r in results.items():
            for line in (r or {}).get("failures", []):
                print(f"  {k}: {line}")

    if lct:
        print()
        print("lct per-phase medians (s): " + ", ".join(f"{p} {fmt(median(lct['phases'][p]), '')}"
                                                     for p in LCT_PHASES))
        print(f"  sum of phase medians {sum(median(v) or 0 for v in lct['phases'].values()):.2f}s "
              f"(trial median {fmt(median(lct['trial']))})")
    for k in ("harbor default", "harbor tuned"):
        r = results.get(k)
        if r:
            print(f"{k} per-phase medians (s, from result.json): " + ", ".join(
                f"{p} {fmt(median(v), '')}" for p, v in r["phases"].items()))
            outside = r["wall"] - sum(r["trial"])
            print(f"  outside trials (process start-up, job bookkeeping, exit): {outside:.2f}s per job, "
                  f"{outside / r['n']:.2f}s per trial")
    print()
    print("harbor default: " + " ".join(results["harbor default"]["cmd"][1:]) if results.get("harbor default")
          else "harbor default: not run")
    print(f"harbor tuned:   default + {' '.join(HARBOR_TUNED_FLAGS)} with "
          f"{' '.join(f'{k}={v}' for k, v in HARBOR_TUNED_ENV.items())}")
    print(f"all Harbor runs: {' '.join(f'{k}={v}' for k, v in HARBOR_BASE_ENV.items() if k != 'COLUMNS')}")
    for n in notes:
        print(f"NOTE: {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
