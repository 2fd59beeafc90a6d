"""Per-trial overhead of lct against Harbor 0.25 on the same trivial separate-verifier tasks and Docker engine.

    python benchmarks/trial_overhead.py [--tasks N] [--repeats R] [--keep]

Writes N trivial tasks (FROM debian:bookworm-slim; solve.sh writes a file; test.sh checks it in plain shell and
writes /logs/verifier/reward.txt; no python in the image) with `write_task_dir`, then times oracle trials, one at
a time, in three set-ups:

* lct: the Python API. DockerEngine.build once per task and one warm-up trial per task (untimed), then
  run_trial(task, OracleAgent(), engine, image=..., trial_dir=...). Per trial: TrialResult.seconds.
* harbor default: `harbor run -p <dir of the N tasks> -a oracle -n 1 --extra-docker-compose <overlay>`, the overlay
  giving the main service `init: true` as in tests/harbor (without it every trial waits out Docker's 10 s stop
  timeout: Harbor's PID 1 is `sh -c "sleep infinity"`). Per trial: finished_at - started_at of each trial's own
  result.json. One untimed warm-up job comes first, so images and build caches are warm.
* harbor tuned: the same plus what Harbor 0.25 offers to cut its own overhead without changing what a trial does:
  `--no-delete` (plain `compose down` instead of `down --rmi local --volumes --remove-orphans`, so the trial's
  compose image is not deleted and rebuilt from cache every trial) and LITELLM_LOCAL_MODEL_COST_MAP=True
  (LiteLLM's bundled cost map instead of fetching it, with retries, once per process). Not used: `--ek
  auto_mounting=true`: it bind-mounts /logs/* instead of `docker compose cp`-ing them, but then chowns each mount
  twice with `docker compose exec`, so a trial makes more compose calls, not fewer. No switch touches what
  dominates: each Harbor trial runs ~20 sequential `docker compose` CLI calls (build, down, up --wait, exec, cp).

The machine may be shared, so the R repeats run in rounds: each round runs every task once in each set-up
(lct, then one Harbor job per set-up with the N tasks), the order rotating from round to round, so a change in
load falls on all three alike. "wall clock / trials" is the time of the lct loop, or of the `harbor run`
commands, over the trials they ran: for Harbor it includes its start-up and exit once per job of N trials.
Every Harbor run has HARBOR_TELEMETRY=0 (no phoning home from a benchmark) and -n 1 (Harbor's default is -n 4).
Prints figures only; asserts nothing about timing.
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
SETUPS = ("lct", "harbor default", "harbor tuned")
LCT_PHASES = ("environment_setup", "agent_execution", "artifact_collection", "verifier_setup", "verifier", "teardown")
HARBOR_PHASES = ("environment_setup", "agent", "agent_to_verifier", "verifier", "after_verifier")
HARBOR_BASE_ENV = {"HARBOR_TELEMETRY": "0"}
HARBOR_FLAGS = {"harbor default": [], "harbor tuned": ["--no-delete"]}
HARBOR_ENV = {"harbor default": {}, "harbor tuned": {"LITELLM_LOCAL_MODEL_COST_MAP": "True"}}

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
            # the separate verifier (a fresh container; /app crosses as an artifact), in lct and Harbor alike
            "verifier": {"timeout_sec": 120.0, "environment_mode": "separate"},
            "environment": {"build_timeout_sec": 300.0, "network_mode": "public"},
            "artifacts": ["/app"],
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


class Tally:
    """Trial times, phase times, wall clock and failures of one set-up, over all rounds."""

    def __init__(self, phases: tuple[str, ...]):
        self.trial: list[float] = []
        self.phases: dict[str, list[float]] = {p: [] for p in phases}
        self.wall = 0.0
        self.failures: list[str] = []
        self.cmd: list[str] = []

    @property
    def n(self) -> int:
        return len(self.trial)


# ---- lct ------------------------------------------------------------------------------------------------------
class LctBench:
    def __init__(self, tasks: list[TaskDir], trials_root: Path):
        self.engine = DockerEngine(run_id=f"bench-{os.getpid()}")
        self.tasks, self.root, self.agent = tasks, trials_root, OracleAgent()
        self.images = {t.name: self.engine.build(t.environment_dir).tag for t in tasks}
        self.tally = Tally(LCT_PHASES)
        for t in tasks:  # warm-up
            res = self._trial(t, "warmup")
            if res.status is not TrialStatus.GRADED or res.reward != 1:
                raise RuntimeError(f"lct warm-up trial of {t.name} failed: {res.error or res.reward}")

    def _trial(self, task: TaskDir, label: str):
        return run_trial(task, self.agent, self.engine, image=self.images[task.name],
                         trial_dir=self.root / label / task.name)

    def round(self, r: int) -> None:
        t0 = time.monotonic()
        for t in self.tasks:
            res = self._trial(t, f"r{r}")
            if res.status is not TrialStatus.GRADED or res.reward != 1:
                self.tally.failures.append(f"{t.name} r{r}: status={res.status.value} reward={res.reward} "
                                           f"error={res.error.model_dump() if res.error else None}")
            self.tally.trial.append(res.seconds)
            for p in LCT_PHASES:
                if p in res.timings:
                    self.tally.phases[p].append(res.timings[p].seconds)
        self.tally.wall += time.monotonic() - t0

    def close(self) -> None:
        self.engine.remove_run_containers()
        for tag in set(self.images.values()):
            subprocess.run(["docker", "image", "rm", tag], capture_output=True)


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


def run_harbor(venv: Path, dataset: Path, jobs: Path, name: str, overlay: Path, flags: list[str],
               env: dict[str, str], tally: Tally | None) -> list[str]:
    """One `harbor run` job over the dataset; adds its trials to `tally`; returns the trial names."""
    cmd = [str(venv / "bin" / "harbor"), "run", "--path", str(dataset), "--agent", "oracle", "--n-concurrent", "1",
           "--jobs-dir", str(jobs), "--job-name", name, "--extra-docker-compose", str(overlay), "--yes", "--quiet",
           *flags]
    t0 = time.monotonic()
    res = subprocess.run(cmd, cwd=jobs.parent, env={**os.environ, **HARBOR_BASE_ENV, **env, "COLUMNS": "200"},
                         capture_output=True, text=True)
    wall = time.monotonic() - t0
    if res.returncode != 0:
        raise RuntimeError(f"harbor run {name} exited {res.returncode}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    names = []
    for f in sorted((jobs / name).glob("*/result.json")):
        r = json.loads(f.read_text())
        names.append(r["trial_name"])
        if tally is None:
            continue
        rewards = (r.get("verifier_result") or {}).get("rewards") or {}
        exc = r.get("exception_info")
        if exc is not None or rewards.get("reward") != 1:
            tally.failures.append(f"{r['trial_name']}: rewards={rewards} "
                                  f"exception={exc and (exc.get('exception_type'), exc.get('exception_message'))}")
        tally.trial.append(_span(r))
        tally.phases["environment_setup"].append(_span(r.get("environment_setup")))
        tally.phases["agent"].append(_span(r.get("agent_setup")) + _span(r.get("agent_execution")))
        if r.get("verifier") and r.get("agent_execution"):
            tally.phases["agent_to_verifier"].append(
                (_ts(r["verifier"]["started_at"]) - _ts(r["agent_execution"]["finished_at"])).total_seconds())
            tally.phases["verifier"].append(_span(r["verifier"]))
            tally.phases["after_verifier"].append(
                (_ts(r["finished_at"]) - _ts(r["verifier"]["finished_at"])).total_seconds())
    if tally is not None:
        tally.wall += wall
        tally.cmd = cmd
    return names


def remove_harbor_images(trial_names: list[str]) -> None:
    """--no-delete leaves each trial's compose image tag (<trial>__env-main) behind: remove exactly those."""
    tags = [f"{n.lower()}__env-main" for n in trial_names]
    present = [t for t in tags if subprocess.run(["docker", "image", "inspect", t], capture_output=True).returncode == 0]
    if present:
        subprocess.run(["docker", "image", "rm", *present], capture_output=True)


# ---- main -----------------------------------------------------------------------------------------------------
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
    print(f"{args.tasks} trivial tasks x {args.repeats} timed oracle trials each (+1 warm-up), in {work}", flush=True)
    load_before = os.getloadavg()

    tallies: dict[str, Tally | None] = {s: None for s in SETUPS}
    notes: list[str] = []
    lct: LctBench | None = None
    venv: Path | None = None
    leftover_trials: list[str] = []
    try:
        try:
            print("lct: build + warm-up ...", flush=True)
            lct = LctBench(tasks, work / "lct-trials")
            tallies["lct"] = lct.tally
        except (SandboxError, RuntimeError) as e:
            notes.append(f"lct not timed: {e}")
        try:
            venv = ensure_harbor()
            print("harbor: warm-up job ...", flush=True)
            run_harbor(venv, dataset, jobs, "warmup", overlay, [], {}, None)
            tallies["harbor default"], tallies["harbor tuned"] = Tally(HARBOR_PHASES), Tally(HARBOR_PHASES)
        except RuntimeError as e:
            venv = None
            notes.append(f"harbor not timed: {e}")
        for r in range(args.repeats):
            order = SETUPS[r % 3:] + SETUPS[:r % 3]
            print(f"round {r + 1}/{args.repeats}: {', '.join(order)} ...", flush=True)
            for setup in order:
                if setup == "lct" and lct is not None:
                    lct.round(r)
                elif setup != "lct" and venv is not None:
                    names = run_harbor(venv, dataset, jobs, f"{setup.split()[1]}-r{r}", overlay, HARBOR_FLAGS[setup],
                                       HARBOR_ENV[setup], tallies[setup])
                    if "--no-delete" in HARBOR_FLAGS[setup]:
                        leftover_trials += names
    except RuntimeError as e:
        notes.append(f"stopped early: {e}")
    finally:
        if lct is not None:
            lct.close()
        remove_harbor_images(leftover_trials)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    report(tallies, args, load_before, notes)
    return 0


def report(tallies: dict[str, Tally | None], args: argparse.Namespace, load_before: tuple, notes: list[str]) -> None:
    print()
    print(f"load average (1/5/15 min) before: {'/'.join(f'{x:.2f}' for x in load_before)}, "
          f"after: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}, on {os.cpu_count()} CPUs")
    print(f"Per-trial seconds: median over {args.tasks}x{args.repeats} oracle trials, one at a time")
    header = f"{'':34}" + "".join(f"{s:>16}" for s in SETUPS)
    print(header)
    print("-" * len(header))
    rows = [("trial (own result.json timing)", lambda t: median(t.trial)),
            ("wall clock / trials", lambda t: t.wall / t.n if t.n else None)]
    for label, f in rows:
        vals = [f(t) if t and t.n else None for t in (tallies[s] for s in SETUPS)]
        print(f"{label:34}" + "".join(f"{fmt(v):>16}" for v in vals))
        ratios = [f"{v / vals[0]:.2f}x" if v is not None and vals[0] else "n/a" for v in vals[1:]]
        print(f"{'  ratio harbor/lct':34}{'':>16}" + "".join(f"{x:>16}" for x in ratios))
    for s in SETUPS:
        t = tallies[s]
        if t and t.failures:
            print(f"WARNING: {s}: {len(t.failures)} trial(s) errored or scored != 1")
            for line in t.failures:
                print(f"  {line}")

    print()
    lct = tallies["lct"]
    if lct and lct.n:
        print("lct per-phase medians (s): " + ", ".join(f"{p} {fmt(median(lct.phases[p]), '')}" for p in LCT_PHASES))
    for s in ("harbor default", "harbor tuned"):
        t = tallies[s]
        if t and t.n:
            print(f"{s} per-phase medians (s, from its result.json): " + ", ".join(
                f"{p} {fmt(median(v), '')}" for p, v in t.phases.items()))
            outside = t.wall - sum(t.trial)
            print(f"  {s}: outside its trials (process start-up, job bookkeeping, exit) {outside / args.repeats:.2f}s "
                  f"per job of {args.tasks} trials")
    default = tallies["harbor default"]
    if default and default.cmd:
        print()
        print("harbor default: harbor " + " ".join(default.cmd[1:]))
        print(f"harbor tuned:   the same + {' '.join(HARBOR_FLAGS['harbor tuned'])}, env "
              + " ".join(f"{k}={v}" for k, v in HARBOR_ENV["harbor tuned"].items()))
        print("both:           env " + " ".join(f"{k}={v}" for k, v in HARBOR_BASE_ENV.items()))
    for n in notes:
        print(f"NOTE: {n}")


if __name__ == "__main__":
    sys.exit(main())
