"""The alternative-solution gate and the mutation battery: one implementation for `lct validate` and `lct synth`.

- Alternative solutions (`solution/alt/*.sh`, another tool, language or order of work) must score 1 on every
  repeat: a verifier that only accepts the reference's exact choices is a false-negative trap for RL.
- Mutations of the declared outputs (`[metadata.lct] outputs`): after the reference solution, one output is
  deleted, emptied, blanked to its shape (same structure, values zeroed) or has one value changed; each must
  score 0, or the verifier does not look at what it claims to check.
"""

from __future__ import annotations

import base64
import shlex
from importlib import resources
from pathlib import Path

from dataclasses import dataclass

from litecoder_terminal.agents.basic import AgentOutcome, OracleAgent, ScriptAgent
from litecoder_terminal.sandbox import Sandbox
from litecoder_terminal.task import TaskConfig, TaskDir

MUTATIONS = ("delete", "empty", "shape", "change")
MUTATE_PATH = "/tmp/.lct-mutate.py"
# The exit code of a mutation that could not be applied (no such output, no value to change, no python3 in the
# image for shape/change): the output is as the reference left it, so that trial says nothing about the verifier.
NOTHING_TO_MUTATE = 3


def alt_solutions(task: TaskDir) -> list[Path]:
    """The task's alternative correct solutions, in name order (each runs as a script agent, without /solution)."""
    return sorted((task.solution_dir / "alt").glob("*.sh"))


def alt_agents(task: TaskDir) -> list[tuple[str, ScriptAgent]]:
    return [(p.name, ScriptAgent(p)) for p in alt_solutions(task)]


def declared_outputs(config: TaskConfig, where: str = "task.toml") -> list[str]:
    """`[metadata.lct] outputs`: absolute paths of the files or trees the agent must produce or change."""
    outputs = config.lct.get("outputs", [])
    if not isinstance(outputs, list) or not all(isinstance(o, str) and o.startswith("/") and o.rstrip("/")
                                                 for o in outputs):
        raise ValueError(f"{where}: [metadata.lct] outputs must be a list of absolute paths, got {outputs!r}")
    return [o.rstrip("/") for o in outputs]


def mutation_program() -> str:
    """The text of gates/mutate.py, run in the agent's container with its python3."""
    return resources.files("litecoder_terminal.gates").joinpath("mutate.py").read_text()


def mutation_command(kind: str, out: str, program: str = MUTATE_PATH) -> str:
    """The shell command that applies one mutation to output `out` (a file or a tree)."""
    q = shlex.quote(out)
    if kind == "delete":
        return f"[ -e {q} ] || [ -L {q} ] || exit {NOTHING_TO_MUTATE}; rm -rf {q}"
    if kind == "empty":
        return (f"if [ -d {q} ]; then find {q} -mindepth 1 -maxdepth 1 -exec rm -rf {{}} +; "
                f"elif [ -e {q} ]; then : > {q}; else exit {NOTHING_TO_MUTATE}; fi")
    if kind in ("shape", "change"):
        return f"command -v python3 >/dev/null || exit {NOTHING_TO_MUTATE}; python3 {program} {kind} {q}"
    raise ValueError(f"unknown mutation {kind!r} (one of {', '.join(MUTATIONS)})")


def describe(kind: str, out: str) -> str:
    return {"delete": f"{out} deleted", "empty": f"{out} emptied", "shape": f"{out} blanked to its shape (values "
            "zeroed)", "change": f"one value of {out} changed"}[kind]


class MutationAgent:
    """The reference solution (solution/solve.sh, as the oracle runs it), then one mutation of one output, as root."""

    def __init__(self, kind: str, output: str, index: int):
        mutation_command(kind, output)  # fails early on an unknown kind
        self.kind, self.output = kind, output
        self.name = f"mutate-{kind}-{index}"

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        ref = OracleAgent().run(box, task, config, timeout_sec)
        if self.kind in ("shape", "change"):
            box.put_file(mutation_program().encode(), MUTATE_PATH)
        res = box.exec(["sh", "-c", mutation_command(self.kind, self.output)], timeout_sec=120, user="root")
        box.exec(["rm", "-f", MUTATE_PATH], timeout_sec=30, user="root")
        return AgentOutcome(res.exit_code, ref.timed_out or res.timed_out,
                            f"{ref.output}\n[{describe(self.kind, self.output)}: exit {res.exit_code}]\n{res.output}")

    def cleanup_paths(self) -> list[str]:
        return ["/solution", MUTATE_PATH]


def mutation_agents(task: TaskDir, config: TaskConfig | None = None, *,
                    full: bool = False) -> list[tuple[str, MutationAgent]]:
    """Mutation agents for the declared outputs; run each with the trial harness: every one must score 0.
    By default every output gets at least one mutation and every kind is used at least once (max(outputs, 4)
    trials: a composed task declares a dozen outputs); `full` gives every (output, kind) pair.
    An agent whose outcome exit code is NOTHING_TO_MUTATE left the reference's output as it was (e.g. an output
    without a value to change): its trial says nothing about the verifier and should not be judged."""
    config = config or task.config()
    outs = declared_outputs(config, str(task.root / "task.toml"))
    if not outs:
        return []
    if full:
        pairs = [(i, out, k) for i, out in enumerate(outs, 1) for k in MUTATIONS]
    else:
        pairs = [(j % len(outs) + 1, outs[j % len(outs)], MUTATIONS[j % len(MUTATIONS)])
                 for j in range(max(len(outs), len(MUTATIONS)))]
    return [(a.name, a) for a in (MutationAgent(k, out, i) for i, out, k in pairs)]


def mutation_scripts(solve_sh: str, outputs: list[str], inputs: list[str] | None = None) -> dict[str, str]:
    """The same battery as standalone scripts (for pipelines that keep attacks as files): the reference embedded
    (base64, since such scripts run without /solution), then the mutation; plus the inputs emptied before the
    reference runs (a verifier that recomputes the answer from inputs the agent can edit passes that one)."""
    blob = base64.b64encode(solve_sh.encode()).decode()
    reference = (f"echo '{blob}' | base64 -d > /tmp/.lct-ref.sh\nbash /tmp/.lct-ref.sh >/dev/null 2>&1\n"
                 "rm -f /tmp/.lct-ref.sh\n")
    program = (f"cat > {MUTATE_PATH} <<'LCT_MUTATE_PY'\n{mutation_program().rstrip()}\nLCT_MUTATE_PY\n")
    scripts = {}
    for i, out in enumerate(outputs, 1):
        for kind in MUTATIONS:
            setup = program if kind in ("shape", "change") else ""
            scripts[f"mutate-{kind}-{i}"] = (f"#!/bin/bash\n# Known wrong: the reference solution, then "
                                             f"{describe(kind, out)}.\n{reference}{setup}"
                                             f"{mutation_command(kind, out)}\n")
    # A file fixed in place is an output too: emptying it first is no attack, the reference rewrites it.
    inputs = [p for p in inputs or [] if p not in outputs]
    if inputs:
        empty = "".join(f"if [ -d {q} ]; then find {q} -type f -exec truncate -s 0 {{}} +; else : > {q}; fi\n"
                        for q in map(shlex.quote, inputs))
        scripts["mutate-inputs-emptied"] = ("#!/bin/bash\n# Known wrong: the inputs emptied, then the reference "
                                            f"solution run on them.\n{empty}{reference}")
    return scripts


@dataclass
class BatteryOutcome:
    gate: str  # alt | mutation
    name: str  # the alt script's file name, or mutate-<kind>-<output index>
    want: float
    reward: float | None  # None: no reward (status error; `cause` says why)
    cause: str | None = None
    skipped: bool = False  # a mutation that found nothing to change

    @property
    def ok(self) -> bool:
        return self.skipped or self.reward == self.want


def run_battery(task: TaskDir, engine, images, trial_root: Path, *, repeats: int = 1,
                config: TaskConfig | None = None) -> list[BatteryOutcome]:
    """Both gates through the trial harness (run_trial), for scripts and tests: every alt solution `repeats`
    times (must score 1), then every mutation once (must score 0). `lct validate` runs the same agents through its
    own `trial(gate, agent, n)`."""
    from litecoder_terminal.trial import TrialStatus, run_trial

    config = config or task.config()
    out: list[BatteryOutcome] = []

    def one(gate: str, name: str, agent, n: int, want: float) -> None:
        r = run_trial(task, agent, engine, image=images, trial_dir=Path(trial_root) / f"{gate}-{name}-{n}",
                      config=config)
        graded = r.status is TrialStatus.GRADED
        skipped = gate == "mutation" and r.agent_exit_code == NOTHING_TO_MUTATE
        out.append(BatteryOutcome(gate, name, want, r.reward if graded else None,
                                  None if graded else (r.error.cause if r.error else "no reward"), skipped))

    for name, agent in alt_agents(task):
        for n in range(1, repeats + 1):
            one("alt", name, agent, n, 1.0)
    for name, agent in mutation_agents(task, config, full=True):
        one("mutation", name, agent, 1, 0.0)
    return out


__all__ = ["BatteryOutcome", "run_battery", "MUTATIONS", "NOTHING_TO_MUTATE", "MutationAgent", "alt_agents", "alt_solutions", "declared_outputs",
           "mutation_agents", "mutation_command", "mutation_scripts", "mutation_program"]
