"""The one on-disk key -> record store: a SQLite table, safe across threads, that job ledgers (validate, rollout)
and the LLM cache share. Records are pydantic models (given `model`) or plain JSON values."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class RecordStore(Generic[M]):
    def __init__(self, path: Path, table: str, model: type[M] | None = None):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.table = table
        # autocommit + WAL: every put is durable at once, so a killed job loses nothing it had finished
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"CREATE TABLE IF NOT EXISTS {table} (key TEXT PRIMARY KEY, record TEXT NOT NULL, "
                         "at TEXT DEFAULT CURRENT_TIMESTAMP)")
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        """The record under `key` (a `model` instance, or the JSON value), None when absent."""
        with self._lock:
            row = self._db.execute(f"SELECT record FROM {self.table} WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        return self.model.model_validate_json(row[0]) if self.model else json.loads(row[0])

    def put(self, key: str, record: M | Any) -> None:
        text = record.model_dump_json() if isinstance(record, BaseModel) else json.dumps(record)
        with self._lock:
            self._db.execute(f"INSERT OR REPLACE INTO {self.table} (key, record) VALUES (?, ?)", (key, text))

    def close(self) -> None:
        self._db.close()
