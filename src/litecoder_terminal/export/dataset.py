"""The dataset layout trainers and Harbor read: `tasks/<id>/` Harbor task dirs, `data/tasks.jsonl` (one row per task
with its verdict evidence), Harbor's `dataset.toml` (sha256 digest per task, computed as Harbor 0.26's Packager
does), the RL manifest (`rl/manifest.jsonl`) and a `README.md` dataset card whose YAML header tells
`datasets.load_dataset` which files are which configuration."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pathspec
import tomli_w

from litecoder_terminal.export.rl import rl_manifest, write_manifest

TASKS_DIR = "tasks"
INDEX = "data/tasks.jsonl"
RL_MANIFEST = "rl/manifest.jsonl"
DATASET_TOML = "dataset.toml"
CARD = "README.md"
NAME_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*/[a-zA-Z0-9][a-zA-Z0-9._-]*$")  # Harbor's ORG_NAME_PATTERN

# Harbor 0.26 publisher/packager.py: what a task package holds, and what it ignores without a .gitignore.
_SINGLE_FILES = ("task.toml", "instruction.md", "README.md", "trajectory.json")
_TREES = ("environment", "tests", "solution", "steps")
_DEFAULT_IGNORES = ["__pycache__/", "*.pyc", ".DS_Store", "*.swp", "*.swo", "*~"]
_HARBORIGNORE = ".harborignore"
_IGNORE_SCOPES = pathspec.GitIgnoreSpec.from_lines(["/tests/", "/solution/", "/steps/*/tests/",
                                                    "/steps/*/solution/"])


def _harborignored(task_dir: Path, path: Path, cache: dict[Path, pathspec.GitIgnoreSpec]) -> bool:
    """Harbor's TaskFileFilter: `.harborignore` files (and what they exclude, within tests/ and solution/ trees)."""
    rel = path.relative_to(task_dir)
    if rel.name == _HARBORIGNORE:
        return True
    suffix = "/" if path.is_dir() else ""
    if not _IGNORE_SCOPES.match_file(rel.as_posix() + suffix):
        return False
    specs: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    candidate = task_dir
    for part in rel.parts:
        crel = candidate.relative_to(task_dir)
        if _IGNORE_SCOPES.match_file(crel.as_posix() + "/") if crel.parts else False:
            if candidate not in cache:
                f = candidate / _HARBORIGNORE
                cache[candidate] = pathspec.GitIgnoreSpec.from_lines(f.read_text().splitlines() if f.is_file() else [])
            specs.append((candidate, cache[candidate]))
        candidate = candidate / part
        sfx = "/" if candidate != path or path.is_dir() else ""
        if not _IGNORE_SCOPES.match_file(candidate.relative_to(task_dir).as_posix() + sfx):
            continue
        excluded = False
        for directory, spec in specs:
            match = spec.check_file(candidate.relative_to(directory).as_posix() + sfx)
            if match.include is not None:
                excluded = match.include
        if excluded:
            return True
    return False


def package_files(task_dir: Path) -> list[Path]:
    """The files Harbor 0.26 packages for a task (`Packager.collect_files`), sorted by relative path."""
    task_dir = Path(task_dir).resolve()
    cache: dict[Path, pathspec.GitIgnoreSpec] = {}
    files = [task_dir / n for n in _SINGLE_FILES if (task_dir / n).exists()]
    for tree in _TREES:
        root = task_dir / tree
        if not root.is_dir():
            continue

        def visit(d: Path) -> None:
            for p in sorted(d.iterdir()):
                if _harborignored(task_dir, p, cache):
                    continue
                if p.is_file():
                    files.append(p)
                if p.is_dir() and not p.is_symlink():
                    visit(p)

        visit(root)
    gitignore = task_dir / ".gitignore"
    lines = gitignore.read_text().splitlines() if gitignore.exists() else _DEFAULT_IGNORES
    try:  # Harbor uses pathspec's "gitignore" patterns; older pathspec releases call them "gitwildmatch"
        spec = pathspec.PathSpec.from_lines("gitignore", lines)
    except (KeyError, LookupError):
        spec = pathspec.PathSpec.from_lines("gitwildmatch", lines)
    files = [f for f in files if not spec.match_file(f.relative_to(task_dir).as_posix())]
    return sorted(files, key=lambda p: p.relative_to(task_dir).as_posix())


def task_digest(task_dir: Path) -> str:
    """`sha256:<hex>` exactly as Harbor 0.26 computes a task package's content hash (`Packager.compute_content_hash`):
    sha256 over `<relative path>\\0<sha256 of the file>\\n` for each packaged file in order."""
    task_dir = Path(task_dir).resolve()
    outer = hashlib.sha256()
    for f in package_files(task_dir):
        h = hashlib.sha256()
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        outer.update(f"{f.relative_to(task_dir).as_posix()}\0{h.hexdigest()}\n".encode())
    return "sha256:" + outer.hexdigest()


def dataset_content_hash(digests: list[str]) -> str:
    """Harbor's DatasetManifest.compute_content_hash for a manifest without files: sha256 of the sorted digests."""
    return hashlib.sha256(",".join(sorted(d.removeprefix("sha256:") for d in digests)).encode()).hexdigest()


def set_task_name(task_dir: Path, name: str) -> None:
    """Give a task its Harbor package name (`[task] name = "org/name"`), which dataset.toml refers to. The rest of
    task.toml is kept as written (the table is appended, or its name replaced)."""
    if not NAME_RE.match(name) or ".." in name:
        raise ValueError(f"task name {name!r} is not Harbor's org/name form")
    path = Path(task_dir) / "task.toml"
    text = path.read_text()
    raw = tomllib.loads(text)
    if (raw.get("task") or {}).get("name") == name:
        return
    if "task" in raw:
        raw["task"]["name"] = name
        text = tomli_w.dumps(raw)
    else:
        text = text.rstrip("\n") + f'\n\n[task]\nname = "{name}"\n'
    tmp = path.with_name(".task.toml.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_dataset_toml(out: Path, name: str, rows: list[dict[str, Any]], description: str,
                       metadata: dict[str, Any]) -> str:
    """Harbor's dataset manifest (`harbor.models.dataset.manifest.DatasetManifest`): [dataset], [[tasks]] with
    name + digest, [metadata]. Returns the dataset's content hash as Harbor computes it."""
    parts = [tomli_w.dumps({"dataset": {"name": name, "description": description,
                                        "keywords": ["terminal", "agents", "rl", "harbor", "litecoder-terminal"]}}),
             tomli_w.dumps({"tasks": [{"name": r["name"], "digest": r["digest"]} for r in rows]}),
             tomli_w.dumps({"metadata": metadata})]
    (out / DATASET_TOML).write_text("schema_version = \"1.0\"\n\n" + "\n".join(parts))
    return dataset_content_hash([r["digest"] for r in rows])


def stages_of(task_dir: Path) -> int:
    steps = Path(task_dir) / "steps"
    return sum(1 for d in steps.iterdir() if d.is_dir()) if steps.is_dir() else 1


def _fmt_bytes(n: float | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return str(n)


def write_card(out: Path, name: str, rows: list[dict[str, Any]], stats: dict[str, Any]) -> None:
    """README.md: the `configs` header `datasets.load_dataset` reads, then counts, gate statistics, how it was
    made, and how to load it with Harbor, TRL and SkyRL."""
    domains = Counter(r["domain"] for r in rows)
    levels = Counter(str(r["difficulty"]) for r in rows)
    cross = Counter((r["domain"], str(r["difficulty"])) for r in rows)
    lv = sorted(levels, key=lambda x: ["easy", "medium", "hard"].index(x) if x in ("easy", "medium", "hard") else 9)
    by_domain = "\n".join(f"| {d} | {domains[d]} | " + " | ".join(str(cross[(d, level)]) for level in lv) + " |"
                          for d in sorted(domains))
    g = stats.get("gates", {})
    rejected = "\n".join(f"| {gate} | {n} |" for gate, n in sorted(g.get("rejected_at", {}).items())) or "| - | 0 |"
    disk = stats.get("disk", {})
    short = name.split("/")[1]
    text = f"""---
configs:
- config_name: default
  data_files:
  - split: train
    path: {INDEX}
- config_name: rl
  data_files:
  - split: train
    path: {RL_MANIFEST}
license: apache-2.0
task_categories:
- reinforcement-learning
tags:
- terminal
- agents
- harbor
- litecoder-terminal
pretty_name: {short}
size_categories:
- {"n<1K" if len(rows) < 1000 else "1K<n<10K" if len(rows) < 10000 else "10K<n<100K"}
---

# {name}

{len(rows)} executable, verified terminal-agent environments as [Harbor](https://pypi.org/project/harbor/) task
directories, made by LiteCoder-Terminal (`lct corpus build`). Every task here passed the gates in real Docker
containers: lint, image build, doing nothing scores 0, the reference solution scores 1 in each of
{stats.get("repeats")} fresh container(s), and every known-wrong solution scores 0.

## Contents
| path | what |
|---|---|
| `tasks/<id>/` | Harbor task dirs (`task.toml` with `[task] name`, `instruction.md`, `environment/`, `solution/`, `tests/`) |
| `{INDEX}` | one row per task: id, name, domain, family, difficulty, stages, instruction, Harbor digest, verdict evidence (gates passed, trials, timings), image disk |
| `{DATASET_TOML}` | Harbor's dataset manifest: every task by name with its `sha256` digest (dataset content hash `{stats.get("dataset_hash", "")[:16]}…`) |
| `{RL_MANIFEST}` | the RL environment manifest (task, path, domain, difficulty, content hash, pass rate) |

### Tasks by domain and difficulty
| domain | tasks | {" | ".join(lv)} |
|---|---|{"---|" * len(lv)}
{by_domain}
| **all** | **{len(rows)}** | {" | ".join(f"**{levels[level]}**" for level in lv)} |

### Gate statistics
Generated {g.get("generated", 0)} candidates in {stats.get("rounds", 0)} round(s); validated {g.get("validated", 0)};
accepted {g.get("accepted", 0)} ({100 * g.get("accepted", 0) / max(1, g.get("validated", 0)):.1f}%), rejected
{g.get("rejected", 0)}, infrastructure errors {g.get("errors", 0)} (not verdicts; retried); {g.get("surplus", 0)} accepted
beyond the {len(rows)} wanted were left out.

| rejected at gate | tasks |
|---|---|
{rejected}

Validation time per accepted task: mean {g.get("seconds_mean", 0):.1f} s. Extra disk per task image over the layers
it shares with the other task images (base image and shared tool layer): median {_fmt_bytes(disk.get("extra_median"))},
mean {_fmt_bytes(disk.get("extra_mean"))}, max {_fmt_bytes(disk.get("extra_max"))} ({disk.get("measured", 0)} images
measured; {"each removed after its verdict, but an engine's first, which holds the shared layers"
           if not stats.get("keep_images") else "images kept"}).

## How it was made
`{stats.get("command", "lct corpus build")}` (LiteCoder-Terminal {stats.get("lct_version")}, source
`{stats.get("source")}`, executor `{stats.get("executor")}`, seed {stats.get("seed")}): generate → validate → keep the
accepted → refill until {len(rows)} are accepted. Procedural tasks are byte-identical for the same seed; no LLM was
involved unless the source says `synth`.

## Load it
**Hugging Face `datasets`** (the index, or the RL manifest):
```python
from datasets import load_dataset
tasks = load_dataset("path/to/{short}", split="train")          # data/tasks.jsonl
rl = load_dataset("path/to/{short}", "rl", split="train")       # rl/manifest.jsonl
```
**Harbor** (0.26): every task dir is a local dataset entry; the manifest pins digests.
```bash
harbor run --path path/to/{short}/tasks --agent oracle          # all tasks
harbor run --path path/to/{short}/tasks/<id> --agent oracle     # one task
```
**TRL** (GRPO with an environment): rows of `{INDEX}` give the prompt (`instruction`) and the task dir (`path`);
the reward is the task's own verifier, e.g. through `lct serve path/to/{short}/tasks` (HTTP reset/step/reward) or
`litecoder_terminal.rl.TerminalEnv` (Gymnasium):
```python
from litecoder_terminal.rl import TerminalEnv
env = TerminalEnv("path/to/{short}/tasks/" + tasks[0]["id"])
obs, info = env.reset()
```
**SkyRL** (and other trainers that read Harbor task dirs, e.g. NeMo Gym, rLLM): point the trainer's Harbor task
source at `path/to/{short}/tasks`; `{RL_MANIFEST}` lists each task's domain, difficulty and content hash for
filtering (`lct calibrate` + `lct export rl --calibration` keeps a pass-rate band).
"""
    (out / CARD).write_text(text)


def write_dataset(out: Path, name: str, rows: list[dict[str, Any]], stats: dict[str, Any]) -> dict[str, Any]:
    """Write the index, dataset.toml, the RL manifest and the card for the task dirs already under out/tasks."""
    out = Path(out)
    (out / INDEX).parent.mkdir(parents=True, exist_ok=True)
    tmp = out / (INDEX + ".tmp")
    tmp.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    os.replace(tmp, out / INDEX)
    stats["dataset_hash"] = write_dataset_toml(
        out, name, rows, f"{len(rows)} verified terminal-agent environments (LiteCoder-Terminal)",
        {"generator": "litecoder-terminal", "source": stats.get("source"), "seed": stats.get("seed"),
         "repeats": stats.get("repeats"), "count": len(rows)})
    manifest, _ = rl_manifest([out / r["path"] for r in rows])
    for m in manifest:  # relative to the dataset root, so the dataset can move
        m["path"] = str(Path(m["path"]).resolve().relative_to(out.resolve()))
    write_manifest(manifest, out / RL_MANIFEST)
    write_card(out, name, rows, stats)
    return stats


def check_digests(out: Path) -> tuple[int, list[str]]:
    """(tasks checked, problems): every dataset.toml entry has its task dir under tasks/, named in task.toml, with
    the digest Harbor would compute; every task dir is in the manifest; the index agrees."""
    out = Path(out)
    problems: list[str] = []
    try:
        manifest = tomllib.loads((out / DATASET_TOML).read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        return 0, [f"{out / DATASET_TOML}: {e}"]
    by_name: dict[str, Path] = {}
    tasks_root = out / TASKS_DIR
    for d in sorted(tasks_root.iterdir()) if tasks_root.is_dir() else []:
        if not (d / "task.toml").is_file():
            continue
        try:
            n = (tomllib.loads((d / "task.toml").read_text()).get("task") or {}).get("name")
        except tomllib.TOMLDecodeError as e:
            problems.append(f"{d / 'task.toml'}: {e}")
            continue
        if not n:
            problems.append(f"{d / 'task.toml'}: no [task] name")
            continue
        by_name[n] = d
    refs = manifest.get("tasks") or []
    for ref in refs:
        d = by_name.pop(ref.get("name"), None)
        if d is None:
            problems.append(f"{out / DATASET_TOML}: task {ref.get('name')!r} has no dir under {tasks_root}")
            continue
        got = task_digest(d)
        if got != ref.get("digest"):
            problems.append(f"{d}: digest {got} differs from dataset.toml's {ref.get('digest')}")
    for n, d in by_name.items():
        problems.append(f"{d}: task {n!r} is not in {DATASET_TOML}")
    try:
        index = {json.loads(line)["name"]: json.loads(line)["digest"]
                 for line in (out / INDEX).read_text().splitlines() if line.strip()}
        for ref in refs:
            if index.get(ref.get("name")) != ref.get("digest"):
                problems.append(f"{out / INDEX}: {ref.get('name')} digest differs from dataset.toml's")
    except (OSError, ValueError, KeyError) as e:
        problems.append(f"{out / INDEX}: {e}")
    return len(refs), problems


__all__ = ["check_digests", "dataset_content_hash", "package_files", "set_task_name", "stages_of", "task_digest",
           "write_dataset"]
