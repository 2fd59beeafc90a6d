"""Jobs over many tasks: bounded concurrency, a resumable SQLite ledger, progress."""

from litecoder_terminal.runner.jobs import Ledger, validate_many

__all__ = ["Ledger", "validate_many"]
