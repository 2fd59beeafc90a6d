"""The RL environment manifest: one row per task (id, path, domain, difficulty, pass rate, content hash), kept
to the pass-rate band RL learns from when a calibration file is given; written as JSONL or Parquet."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from litecoder_terminal.task import TaskDir
from litecoder_terminal.task.lint import split_by_lint


def task_meta(root: Path) -> dict[str, Any]:
    """Domain (task.toml metadata `category`, else `domain`, else the parent dir's name) and difficulty."""
    meta: dict[str, Any] = {}
    try:
        meta = tomllib.loads((Path(root) / "task.toml").read_text()).get("metadata") or {}
    except (OSError, tomllib.TOMLDecodeError):
        pass
    domain = meta.get("category") or meta.get("domain") or Path(root).resolve().parent.name
    return {"domain": str(domain), "difficulty": meta.get("difficulty")}


def load_calibration(path: Path) -> dict[str, dict[str, Any]]:
    """calibration.jsonl (from `lct calibrate`) keyed by task content hash."""
    rows: dict[str, dict[str, Any]] = {}
    for n, line in enumerate(Path(path).read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ValueError(f"{path}:{n}: not JSON: {e}") from e
        if "content_hash" not in row or "pass_rate" not in row:
            raise ValueError(f"{path}:{n}: a calibration row needs content_hash and pass_rate")
        rows[row["content_hash"]] = row
    return rows


def rl_manifest(task_paths: list[Path], *, calibration: Path | None = None, min_pass: float = 0.1,
                max_pass: float = 0.9,
                problems: list[str] | None = None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """(rows, dropped counts by reason). Without calibration every task is kept, pass_rate null.

    A task with lint errors (unreadable task.toml, missing files, ...) is no environment: it is dropped as
    `invalid`, and its findings ("file:line: problem") are appended to `problems` when given.

    With one, a task is kept when min_pass <= pass_rate <= max_pass: tasks always or never solved give a
    policy-gradient learner no signal. A task whose content changed since calibration is not calibrated."""
    cal = load_calibration(calibration) if calibration else None
    valid, found = split_by_lint(task_paths)
    if problems is not None:
        problems.extend(found)
    rows, dropped = [], {"invalid": len(task_paths) - len(valid), "uncalibrated": 0, "too_easy": 0, "too_hard": 0}
    for p in valid:
        task = TaskDir(p)
        h = task.content_hash()
        row: dict[str, Any] = {"task": task.name, "path": str(task.root.resolve()), **task_meta(task.root),
                               "content_hash": h, "pass_rate": None, "attempts": None}
        if cal is not None:
            c = cal.get(h)
            if c is None or c["pass_rate"] is None:
                dropped["uncalibrated"] += 1
                continue
            row["pass_rate"], row["attempts"] = c["pass_rate"], c.get("graded", c.get("attempts"))
            if c["pass_rate"] > max_pass:
                dropped["too_easy"] += 1
                continue
            if c["pass_rate"] < min_pass:
                dropped["too_hard"] += 1
                continue
        rows.append(row)
    return rows, dropped


def write_manifest(rows: list[dict[str, Any]], out: Path, fmt: str = "jsonl") -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        out.write_text("".join(json.dumps(r) + "\n" for r in rows))
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([("task", pa.string()), ("path", pa.string()), ("domain", pa.string()),
                            ("difficulty", pa.string()), ("content_hash", pa.string()),
                            ("pass_rate", pa.float64()), ("attempts", pa.int64())])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out)
    else:
        raise ValueError(f"unknown manifest format {fmt!r}: use jsonl or parquet")
    return out


__all__ = ["load_calibration", "rl_manifest", "task_meta", "write_manifest"]
