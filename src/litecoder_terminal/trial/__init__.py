"""One attempt at a task, in phases (agent env, agent, artifacts, verifier env, verify), graded where the agent
cannot reach; infra errors kept apart from rewards."""

from litecoder_terminal.trial.result import (
    ErrorKind,
    PhaseTiming,
    RewardError,
    TrialError,
    TrialResult,
    TrialStatus,
    parse_reward,
)
from litecoder_terminal.trial.trial import (
    Grader,
    TaskImages,
    TrialPaths,
    build_task_images,
    run_trial,
    start_agent_env,
)

__all__ = ["ErrorKind", "Grader", "PhaseTiming", "RewardError", "TaskImages", "TrialError", "TrialPaths",
           "TrialResult", "TrialStatus", "build_task_images", "parse_reward", "run_trial", "start_agent_env"]
