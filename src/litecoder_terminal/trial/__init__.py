"""One attempt at a task: sandbox up, agent phase, cleanup, verifier, reward. Infra errors are kept apart."""

from litecoder_terminal.trial.run import (
    ErrorKind,
    PhaseTiming,
    TrialError,
    TrialResult,
    TrialStatus,
    grade,
    parse_reward,
    run_trial,
    start_sandbox,
)

__all__ = ["ErrorKind", "PhaseTiming", "TrialError", "TrialResult", "TrialStatus", "grade", "parse_reward", "run_trial",
           "start_sandbox"]
