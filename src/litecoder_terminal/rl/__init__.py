"""RL environments over Harbor tasks: `TerminalEnv` (Gymnasium-style), `TerminalEnvPool`, the `lct serve` HTTP
server and `RemoteTerminalEnv`, its client. Rewards come from the task's verifier via `trial.grade`."""

from litecoder_terminal.rl.client import RemoteEnvError, RemoteTerminalEnv
from litecoder_terminal.rl.env import TerminalEnv, TerminalEnvPool, make_envs, parse_action

__all__ = ["RemoteEnvError", "RemoteTerminalEnv", "TerminalEnv", "TerminalEnvPool", "make_envs", "parse_action"]
