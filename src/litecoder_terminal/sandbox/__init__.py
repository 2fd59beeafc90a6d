"""Containers for tasks: build with a content-hash cache, start with limits, exec, copy, stop, clean up by label."""

from litecoder_terminal.sandbox.docker import (
    ArchiveTooLarge,
    BuildError,
    BuildResult,
    DockerEngine,
    ExecResult,
    Limits,
    Sandbox,
    SandboxError,
)

__all__ = ["ArchiveTooLarge", "BuildError", "BuildResult", "DockerEngine", "ExecResult", "Limits", "Sandbox", "SandboxError"]
