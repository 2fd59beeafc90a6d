"""The agents that need no model: oracle, nop and a script run as the agent."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from litecoder_terminal.sandbox import Sandbox
from litecoder_terminal.task import TaskConfig, TaskDir

SOLUTION_DIR = "/solution"
SCRIPT_AGENT_DIR = "/tmp/.lct-agent"


@dataclass
class AgentOutcome:
    exit_code: int | None
    timed_out: bool
    output: str
    trajectory: dict | None = None  # ATIF document, written to agent/trajectory.json by the trial


class Agent(Protocol):
    name: str  # an LLM agent also has `model_name` (its LiteLLM model), which trial records carry

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome: ...

    def cleanup_paths(self) -> list[str]:
        """Paths the harness removes after the agent phase, before the verifier runs."""
        ...


def _run_script(box: Sandbox, path: str, env: dict[str, str], config: TaskConfig, timeout_sec: float) -> AgentOutcome:
    # As Harbor does: made executable and run by path, so its shebang decides the interpreter; the agent user
    # is `[agent] user`, else the image's USER.
    res = box.exec(["sh", "-c", f"chmod +x '{path}' && exec '{path}'"], env={"DEBIAN_FRONTEND": "noninteractive", **env},
                   timeout_sec=timeout_sec, workdir=config.environment.workdir,
                   user=str(config.agent.user) if config.agent.user is not None else None)
    return AgentOutcome(res.exit_code, res.timed_out, res.output)


class NopAgent:
    name = "nop"

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        return AgentOutcome(0, False, "")

    def cleanup_paths(self) -> list[str]:
        return []


class OracleAgent:
    """Runs solution/solve.sh; the solution dir is copied in for this phase only."""

    name = "oracle"

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        box.put_dir(task.solution_dir, SOLUTION_DIR)
        return _run_script(box, f"{SOLUTION_DIR}/solve.sh", config.solution.env, config, timeout_sec)

    def cleanup_paths(self) -> list[str]:
        return [SOLUTION_DIR]


class ScriptAgent:
    """Runs a given shell script as the agent (wrong answers, cheats, scripted policies)."""

    def __init__(self, script: Path):
        self.script = Path(script)
        self.name = f"script:{self.script.name}"

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        path = f"{SCRIPT_AGENT_DIR}/{self.script.name}"
        box.put_file(self.script.read_bytes(), path)
        return _run_script(box, path, {}, config, timeout_sec)

    def cleanup_paths(self) -> list[str]:
        return [SCRIPT_AGENT_DIR]


def agent_from_spec(spec: str, llm=None, **settings) -> Agent:
    """An agent by name. `terminus` needs `llm` (an LLMClient); `settings` go to TerminusAgent (max_turns, salt...)."""
    if spec == "terminus":
        if llm is None:
            raise ValueError("the terminus agent needs a model: give --model (and --api-base for a local server)")
        from litecoder_terminal.agents.terminus import TerminusAgent

        return TerminusAgent(llm, **settings)
    if spec == "oracle":
        return OracleAgent()
    if spec in ("nop", "noop"):
        return NopAgent()
    if spec == "replay": return __import__("litecoder_terminal.agents.replay").agents.replay.ReplayAgent()  # noqa: E701
    if spec.startswith("script:"):
        path = Path(spec.split(":", 1)[1])
        if not path.is_file():
            raise ValueError(f"agent script {path} does not exist")
        return ScriptAgent(path)
    raise ValueError(f"unknown agent {spec!r}: use oracle, nop, replay, terminus or script:PATH")
