"""RL environment speed: step latency (keystrokes to observation), reset latency, episodes per minute.

    python benchmarks/rl_latency.py [--steps 30] [--episodes 6] [--concurrency 1 2 4]

One task on the shared tool layer, graded by the hardened pytest runner (the same as tests/docker/test_rl_env.py).
* step latency: `env.step("echo hi")` (a command: typed, Enter, returns at the next prompt) and a keystrokes
  action with duration 0 (typed, screen captured at once), median and p90 over --steps steps in one episode.
* reset latency: fresh container + terminal, median over --episodes resets.
* episodes per minute at each concurrency: short episodes (reset, 3 commands, submit -> verifier -> reward) on a
  TerminalEnvPool of that many envs, --episodes episodes per env.
* baseline named in the output: the same number of episodes as one `run_trial` with the oracle agent each, one at a
  time (the cheapest graded attempt the trial runner offers); the ratio printed is RL episodes/min over it.
Prints figures only; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from litecoder_terminal.agents import OracleAgent
from litecoder_terminal.rl import TerminalEnv, TerminalEnvPool, make_envs
from litecoder_terminal.sandbox import DockerEngine
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER, standard_test_sh
from litecoder_terminal.task import TaskConfig, TaskDir, write_task_dir
from litecoder_terminal.trial import run_trial

SOLVE = "awk '{s+=$1} END {print s}' /app/nums.txt > /app/sum.txt"


def make_task(root: Path) -> Path:
    cfg = {"metadata": {"category": "data_science", "difficulty": "easy"}, "verifier": {"timeout_sec": 60},
           "agent": {"timeout_sec": 300}, "environment": {"network_mode": "no-network"}}
    return write_task_dir(root / "sum-numbers", "Write the sum of the numbers in /app/nums.txt to /app/sum.txt.",
                          TaskConfig.model_validate(cfg), {
        "environment/Dockerfile": TOOLBOX_LAYER + "RUN mkdir -p /app && printf '3\\n4\\n5\\n' > /app/nums.txt\n"
                                                  "WORKDIR /app\n",
        "solution/solve.sh": f"#!/bin/bash\n{SOLVE}\n",
        "tests/test.sh": standard_test_sh(),
        "tests/test_outputs.py": "from pathlib import Path\n\n\ndef test_sum():\n"
                                 "    assert Path('/app/sum.txt').read_text().strip() == '12'\n",
    }).root


def pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def fmt(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:7.1f} ms   p90 {pct(values, 0.9) * 1000:7.1f} ms   (n={len(values)})"


def episodes_per_minute(task: Path, engine: DockerEngine, concurrency: int, episodes_each: int) -> tuple[float, list]:
    rewards = []
    with TerminalEnvPool(make_envs([task], concurrency, engine, max_steps=10)) as pool:
        t0 = time.monotonic()
        for _ in range(episodes_each):
            pool.reset()
            for action in ("cat /app/nums.txt", SOLVE, "cat /app/sum.txt"):
                pool.step([action] * concurrency)
            rewards += [r[1] for r in pool.step([{"submit": True}] * concurrency)]
        elapsed = time.monotonic() - t0
    return len(rewards) / elapsed * 60, rewards


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--episodes", type=int, default=6, help="episodes per env at each concurrency")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 2, 4])
    args = ap.parse_args()
    engine = DockerEngine(run_id=f"bench-rl-{int(time.time())}")
    try:
        with tempfile.TemporaryDirectory(prefix="lct-bench-rl-") as tmp:
            task = make_task(Path(tmp))
            image = engine.build(task / "environment").tag
            print(f"task {task.name} ({image}); machine: {__import__('os').cpu_count()} cores")
            env = TerminalEnv(task, engine, max_steps=10_000)
            resets = []
            for _ in range(args.episodes):
                t0 = time.monotonic()
                env.reset()
                resets.append(time.monotonic() - t0)
            cmd, keys = [], []
            for _ in range(args.steps):
                t0 = time.monotonic()
                env.step("echo hi")
                cmd.append(time.monotonic() - t0)
                t0 = time.monotonic()
                env.step({"keystrokes": "echo hi\n", "duration": 0})
                keys.append(time.monotonic() - t0)
            env.step("true")  # back in step with the prompt count before the episode is graded
            t0 = time.monotonic()
            _, reward, *_ = env.step({"submit": True})
            submit = time.monotonic() - t0
            env.close()
            print(f"reset (container + tmux)            {fmt(resets)}")
            print(f"step, command 'echo hi'             {fmt(cmd)}")
            print(f"step, keystrokes duration=0         {fmt(keys)}")
            print(f"submit -> verifier -> reward        {submit * 1000:7.1f} ms (reward {reward})")

            base_n = args.episodes * max(1, min(args.concurrency))
            t0 = time.monotonic()
            base_rewards = [run_trial(TaskDir(task), OracleAgent(), engine, image=image,
                                      trial_dir=Path(tmp) / "trials" / f"oracle-{k}").reward for k in range(base_n)]
            base_epm = base_n / (time.monotonic() - t0) * 60
            print(f"baseline: run_trial + oracle agent, sequential   {base_epm:6.1f} episodes/min "
                  f"(n={base_n}, rewards {sorted(set(base_rewards))})")
            for c in args.concurrency:
                epm, rewards = episodes_per_minute(task, engine, c, args.episodes)
                print(f"RL episodes (reset, 3 commands, submit) at concurrency {c}: {epm:6.1f} episodes/min "
                      f"(n={len(rewards)}, rewards {sorted(set(rewards))}; {epm / base_epm:.2f}x the baseline)")
    finally:
        engine.remove_run_containers()


if __name__ == "__main__":
    main()
