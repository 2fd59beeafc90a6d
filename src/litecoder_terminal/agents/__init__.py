"""Agents act in a sandbox during the agent phase: oracle (reference solution), nop, script:PATH, replay and
terminus (an LLM driving a tmux terminal, imported lazily: it pulls in the LLM client)."""

from litecoder_terminal.agents.basic import Agent, AgentOutcome, NopAgent, OracleAgent, ScriptAgent, agent_from_spec
from litecoder_terminal.agents.replay import ReplayAgent, parse_script, plan_replay
from litecoder_terminal.agents.terminal import TmuxError, TmuxSession

__all__ = ["Agent", "AgentOutcome", "NopAgent", "OracleAgent", "ReplayAgent", "ScriptAgent", "TmuxError",
           "TmuxSession", "agent_from_spec", "parse_script", "plan_replay"]
