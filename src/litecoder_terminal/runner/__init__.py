"""Jobs over many tasks: bounded concurrency, a resumable SQLite ledger, progress, Harbor's job layout."""

from __future__ import annotations

from typing import Any

__all__ = ["Ledger", "validate_many"]


def __getattr__(name: str) -> Any:  # lazy: gates imports runner.layout, and runner.jobs imports gates
    if name in __all__:
        from litecoder_terminal.runner import jobs

        return getattr(jobs, name)
    raise AttributeError(name)
