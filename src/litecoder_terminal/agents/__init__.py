"""Agents act in a sandbox during the agent phase: oracle (reference solution), nop, and script:PATH."""

from litecoder_terminal.agents.basic import Agent, AgentOutcome, NopAgent, OracleAgent, ScriptAgent, agent_from_spec

__all__ = ["Agent", "AgentOutcome", "NopAgent", "OracleAgent", "ScriptAgent", "agent_from_spec"]
