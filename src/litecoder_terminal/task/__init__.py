"""The Harbor task model: read and write task dirs, the `task.toml` schema, static lint rules."""

from litecoder_terminal.task.model import (
    ArtifactConfig,
    NetworkMode,
    TaskConfig,
    TaskDir,
    TaskLoadError,
    VerifierEnvironmentMode,
    find_task_dirs,
    write_task_dir,
)

__all__ = ["ArtifactConfig", "VerifierEnvironmentMode", "NetworkMode", "TaskConfig", "TaskDir", "TaskLoadError", "find_task_dirs", "write_task_dir"]
