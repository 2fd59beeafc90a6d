"""Pydantic model of Harbor's `task.toml` (schema 1.0-1.4) and the on-disk task directory.

Unknown fields are kept (``extra="allow"``) so a read/write round trip loses nothing Harbor or a user put there.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import Enum
from pathlib import Path, PurePosixPath
from typing import Any

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SUPPORTED_SCHEMA_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
DEFAULT_AGENT_TIMEOUT_SEC = 900.0
DEFAULT_PIDS_LIMIT = 4096


class NetworkMode(str, Enum):
    NO_NETWORK = "no-network"
    PUBLIC = "public"
    ALLOWLIST = "allowlist"


class _Section(BaseModel):
    model_config = ConfigDict(extra="allow")


class AgentConfig(_Section):
    timeout_sec: float | None = None
    user: str | int | None = None
    network_mode: NetworkMode | None = None
    allowed_hosts: list[str] | None = None


class VerifierEnvironmentMode(str, Enum):
    SHARED = "shared"  # the verifier runs in the container the agent used
    SEPARATE = "separate"  # a fresh container; the host copies the declared artifacts across


class ArtifactConfig(_Section):
    """One declared output of the agent (Harbor's `artifacts` entry): a file or tree at an absolute path."""

    source: str
    destination: str | None = None
    exclude: list[str] = Field(default_factory=list)
    service: str | None = None

    @model_validator(mode="after")
    def _check_source(self) -> "ArtifactConfig":
        if ".." in PurePosixPath(self.source).parts:
            raise ValueError(f"artifact source must not contain '..': {self.source!r}")
        return self


class SolutionConfig(_Section):
    env: dict[str, str] = Field(default_factory=dict)


def _size_to_mb(value: str) -> int:
    v = value.strip().upper()
    units = {"G": 1024, "M": 1, "K": 1 / 1024}
    if v[-1:] not in units:
        raise ValueError(f"invalid size {value!r}: expected e.g. '2G' or '512M'")
    return int(float(v[:-1]) * units[v[-1]])


class EnvironmentConfig(_Section):
    build_timeout_sec: float = 600.0
    docker_image: str | None = None
    cpus: int | float | None = None
    memory_mb: int | None = None
    storage_mb: int | None = None
    gpus: int | None = None
    network_mode: NetworkMode = NetworkMode.PUBLIC
    allowed_hosts: list[str] | None = None
    env: dict[str, str] = Field(default_factory=dict)
    workdir: str | None = None
    # Our extension (Harbor ignores unknown fields): the pids cgroup limit for the task container.
    pids_limit: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _migrate_legacy(cls, data: Any) -> Any:
        """Map the deprecated fields Harbor still accepts onto the current ones."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        allow_internet = data.pop("allow_internet", None)
        if allow_internet is not None and "network_mode" not in data and data.get("allowed_hosts") is None:
            data["network_mode"] = NetworkMode.PUBLIC if allow_internet else NetworkMode.NO_NETWORK
        for legacy, field in (("memory", "memory_mb"), ("storage", "storage_mb")):
            if legacy in data:
                raw = data.pop(legacy)
                mb = _size_to_mb(raw) if isinstance(raw, str) else int(raw)
                if field in data and data[field] != mb:
                    raise ValueError(f"conflicting {legacy!r} ({mb} MB) and {field!r} ({data[field]})")
                data.setdefault(field, mb)
        return data


class VerifierConfig(_Section):
    timeout_sec: float = 600.0
    env: dict[str, str] = Field(default_factory=dict)
    user: str | int | None = None
    network_mode: NetworkMode | None = None
    allowed_hosts: list[str] | None = None
    environment_mode: VerifierEnvironmentMode | None = None
    environment: EnvironmentConfig | None = None


_STEP_NAME_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_WINDOWS_DEVICE = re.compile(r"^(CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|(?:COM|LPT)[1-9¹²³])$", re.IGNORECASE)


class StepConfig(_Section):
    """One `[[steps]]` entry (Harbor 0.25/0.26): its own instruction, tests and solution under `steps/<name>/`,
    run one after the other in the same agent environment."""

    name: str
    agent: AgentConfig = Field(default_factory=AgentConfig)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    # Remaining steps are skipped when this step's rewards fall below it: a float gates `reward`, a dict each key.
    min_reward: float | dict[str, float] | None = None
    healthcheck: dict[str, Any] | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_name(self) -> "StepConfig":
        # Harbor's rule: one portable directory name on every host OS.
        n = self.name
        if (not n.strip() or n in (".", "..") or n.endswith((".", " ")) or _STEP_NAME_BAD.search(n)
                or _WINDOWS_DEVICE.fullmatch(n.partition(".")[0].rstrip(" ")) or len(n.encode()) > 255):
            raise ValueError(f"invalid step name {n!r}: must be a portable directory name (no path separators, "
                             "control or reserved characters, no trailing dot or space)")
        return self

    def artifact_entries(self) -> list[ArtifactConfig]:
        return [ArtifactConfig(source=a) if isinstance(a, str) else a for a in self.artifacts]

    def min_reward_failure(self, rewards: dict[str, float] | None) -> str | None:
        """Why this step's rewards stop the remaining steps (Harbor's rule: a missing key is -inf), or None."""
        if self.min_reward is None:
            return None
        thresholds = {"reward": self.min_reward} if isinstance(self.min_reward, (int, float)) else self.min_reward
        for key, threshold in thresholds.items():
            actual = (rewards or {}).get(key, float("-inf"))
            if actual < threshold:
                return f"{key}={actual} below min_reward {threshold}"
        return None


class MultiStepRewardStrategy(str, Enum):
    MEAN = "mean"  # per-key mean over the steps that have a verifier result (a missing key counts 0)
    FINAL = "final"  # the last step's rewards as they are


class TaskConfig(_Section):
    schema_version: str = "1.4"
    metadata: dict[str, Any] = Field(default_factory=dict)
    verifier: VerifierConfig = Field(default_factory=VerifierConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    environment: EnvironmentConfig = Field(default_factory=EnvironmentConfig)
    solution: SolutionConfig = Field(default_factory=SolutionConfig)
    source: str | None = None
    artifacts: list[str | ArtifactConfig] = Field(default_factory=list)
    multi_step_reward_strategy: MultiStepRewardStrategy | None = None
    steps: list[StepConfig] | None = None

    @model_validator(mode="after")
    def _unique_step_names(self) -> "TaskConfig":
        seen: set[str] = set()
        for step in self.steps or []:
            key = unicodedata.normalize("NFC", step.name).casefold()
            if key in seen:
                raise ValueError(f"step names must be unique (ignoring case): {step.name!r}")
            seen.add(key)
        return self

    @model_validator(mode="before")
    @classmethod
    def _rename_version(cls, data: Any) -> Any:
        if isinstance(data, dict) and "version" in data:
            data = dict(data)
            data.setdefault("schema_version", data.pop("version"))
        return data

    @classmethod
    def from_toml(cls, text: str) -> TaskConfig:
        return cls.model_validate(tomllib.loads(text))

    def to_toml(self) -> str:
        data = self.model_dump(mode="json", exclude_none=True, exclude_unset=True)
        # Keep scalars before tables, as TOML requires, and the schema version first.
        data.pop("schema_version", None)
        ordered: dict[str, Any] = {"schema_version": self.schema_version}
        ordered.update({k: v for k, v in data.items() if not _table_like(v)})
        ordered.update({k: v for k, v in data.items() if _table_like(v) and v})
        return tomli_w.dumps(ordered)

    @property
    def is_multi_step(self) -> bool:
        return bool(self.steps)

    def step_config(self, step: StepConfig) -> "TaskConfig":
        """The task's config as one step sees it (Harbor's precedence): the step's `[agent]`/`[verifier]` fields
        that are set win over the task's, the verifier env is merged, the step's artifacts are appended."""
        agent = self.agent.model_copy(update=step.agent.model_dump(exclude_unset=True))
        vset = step.verifier.model_dump(exclude_unset=True, exclude={"environment"})
        verifier = self.verifier.model_copy(update={**vset, "env": {**self.verifier.env, **step.verifier.env}})
        if step.verifier.environment is not None:
            verifier.environment = step.verifier.environment
        return self.model_copy(update={"agent": agent, "verifier": verifier, "steps": None,
                                       "artifacts": [*self.artifacts, *step.artifacts]})

    def combine_step_rewards(self, per_step: list[dict[str, float] | None]) -> dict[str, float] | None:
        """The trial's rewards from its steps' (None: the step has no verifier result), as Harbor combines them."""
        if self.multi_step_reward_strategy is MultiStepRewardStrategy.FINAL:
            return per_step[-1] if per_step else None
        valid = [r for r in per_step if r is not None]
        keys = {k for r in valid for k in r}
        if not keys:
            return None
        return {k: sum(r.get(k, 0.0) for r in valid) / len(valid) for k in sorted(keys)}

    def unknown_fields(self) -> list[str]:
        """Dotted names of fields neither Harbor nor lct knows (kept on a round trip, but probably typos)."""
        return _unknown_fields(self, "")

    # Resolved per-phase network policy: a phase override wins over the environment baseline.
    def phase_network(self, phase: str) -> NetworkMode:
        override = {"agent": self.agent.network_mode, "verifier": self.verifier.network_mode}.get(phase)
        return override or self.environment.network_mode

    @property
    def verifier_mode(self) -> VerifierEnvironmentMode:
        """As Harbor resolves it: explicit mode, else separate when a verifier environment is given, else shared."""
        if self.verifier.environment_mode is not None:
            return self.verifier.environment_mode
        return VerifierEnvironmentMode.SEPARATE if self.verifier.environment is not None else VerifierEnvironmentMode.SHARED

    def artifact_entries(self) -> list[ArtifactConfig]:
        return [ArtifactConfig(source=a) if isinstance(a, str) else a for a in self.artifacts]

    @property
    def lct(self) -> dict[str, Any]:
        """Our own per-task settings, kept where Harbor allows free-form data: `[metadata.lct]`."""
        value = self.metadata.get("lct")
        return value if isinstance(value, dict) else {}

    @property
    def agent_timeout_sec(self) -> float:
        return self.agent.timeout_sec or DEFAULT_AGENT_TIMEOUT_SEC

    @property
    def pids_limit(self) -> int:
        return self.environment.pids_limit or DEFAULT_PIDS_LIMIT


def _table_like(v: Any) -> bool:
    return isinstance(v, dict) or (isinstance(v, list) and any(isinstance(i, dict) for i in v))


# Fields Harbor 0.26 defines that lct reads but does not model (kept as extras), and our own extensions: not "unknown".
HARBOR_EXTRA_FIELDS: dict[str, set[str]] = {
    "TaskConfig": {"task"},
    "EnvironmentConfig": {"os", "gpu_types", "tpu", "mcp_servers", "skills_dir", "healthcheck", "allow_internet"},
    "VerifierConfig": {"collect", "lct_tamper_check"},
    "StepConfig": set(),
    "AgentConfig": set(),
    "SolutionConfig": set(),
    "ArtifactConfig": set(),
}


def _unknown_fields(model: BaseModel, prefix: str) -> list[str]:
    out: list[str] = []
    known_extra = HARBOR_EXTRA_FIELDS.get(type(model).__name__, set())
    for key in (model.model_extra or {}):
        if key not in known_extra:
            out.append(prefix + key)
    for name in type(model).model_fields:
        value = getattr(model, name)
        items = [(f"{name}", value)] if not isinstance(value, list) else [
            (f"{name}[{i}]", v) for i, v in enumerate(value)]
        for label, v in items:
            if isinstance(v, _Section):
                out.extend(_unknown_fields(v, f"{prefix}{label}."))
    return out


class TaskLoadError(Exception):
    """A task dir that cannot be read; names the file and the problem."""

    def __init__(self, file: Path, message: str, line: int | None = None):
        self.file, self.message, self.line = Path(file), message, line
        where = f"{file}:{line}" if line else str(file)
        super().__init__(f"{where}: {message}")


def toml_error_line(err: tomllib.TOMLDecodeError) -> int | None:
    """The line of a TOML syntax error (tomllib only puts it in the message before Python 3.14)."""
    line = getattr(err, "lineno", None)
    if line:
        return line
    m = re.search(r"at line (\d+)", str(err))
    return int(m.group(1)) if m else None


def describe_validation_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(root)"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


@dataclass(frozen=True)
class TaskDir:
    """A Harbor task directory on disk and the names of its parts."""

    root: Path

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def instruction_path(self) -> Path:
        return self.root / "instruction.md"

    @property
    def config_path(self) -> Path:
        return self.root / "task.toml"

    @property
    def environment_dir(self) -> Path:
        return self.root / "environment"

    @property
    def dockerfile_path(self) -> Path:
        return self.environment_dir / "Dockerfile"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solution"

    @property
    def solve_path(self) -> Path:
        return self.solution_dir / "solve.sh"

    @property
    def wrong_solutions(self) -> list[Path]:
        return sorted((self.solution_dir / "wrong").glob("*.sh"))

    @property
    def tests_dir(self) -> Path:
        return self.root / "tests"

    @property
    def test_path(self) -> Path:
        return self.tests_dir / "test.sh"

    @property
    def verifier_dockerfile_path(self) -> Path:
        """Harbor's separate verifier image: built from tests/ when tests/Dockerfile exists."""
        return self.tests_dir / "Dockerfile"

    # ---- multi-step tasks (Harbor's `steps/<name>/{instruction.md,tests/,solution/,workdir/}`) ----------------
    @property
    def steps_dir(self) -> Path:
        return self.root / "steps"

    def step(self, name: str) -> "StepDir":
        return StepDir(self.root, name)

    def instruction(self) -> str:
        try:
            return self.instruction_path.read_text(encoding="utf-8")
        except OSError as e:
            raise TaskLoadError(self.instruction_path, f"cannot read: {e.strerror or e}") from e
        except UnicodeDecodeError as e:
            raise TaskLoadError(self.instruction_path, f"not UTF-8 text: {e}") from e

    def config(self) -> TaskConfig:
        path = self.config_path
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise TaskLoadError(path, f"cannot read: {e.strerror or e}") from e
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise TaskLoadError(path, f"invalid TOML: {e}", toml_error_line(e)) from e
        try:
            return TaskConfig.model_validate(raw)
        except ValidationError as e:
            raise TaskLoadError(path, f"invalid task.toml: {describe_validation_error(e)}") from e

    def content_hash(self) -> str:
        """sha256 over every file of the task (path, executable bit, bytes): the task's identity."""
        return tree_hash(self.root)


@dataclass(frozen=True)
class StepDir(TaskDir):
    """One step of a multi-step task, seen as a task dir: its instruction, its solution (the step's
    `solution/`, else the task's, as Harbor's oracle does), and its tests (the step's `tests/` laid over the
    task's `tests/`, as Harbor's verifier uploads them; `merged_tests` makes that tree on disk)."""

    step_name: str = ""

    @property
    def name(self) -> str:
        return f"{self.root.name}/{self.step_name}"

    @property
    def dir(self) -> Path:
        return self.root / "steps" / self.step_name

    @property
    def instruction_path(self) -> Path:
        return self.dir / "instruction.md"

    @property
    def solution_dir(self) -> Path:
        own = self.dir / "solution"
        return own if own.is_dir() else self.root / "solution"

    @property
    def own_tests_dir(self) -> Path:
        return self.dir / "tests"

    @property
    def tests_dir(self) -> Path:
        """The step's tests when it has its own test.sh and no shared tests/, else see `merged_tests`."""
        return self.own_tests_dir if self.own_tests_dir.is_dir() else self.root / "tests"

    @property
    def workdir_dir(self) -> Path:
        """Files put in the agent's working directory before the step (with an optional setup.sh run there)."""
        return self.dir / "workdir"

    def merged_tests(self, dest: Path) -> "StepDir":
        """Lay the task's tests/ and then the step's tests/ into `dest`; the returned view grades from there."""
        import shutil

        dest = Path(dest)
        for src in (self.root / "tests", self.own_tests_dir):
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True, symlinks=True)
        dest.mkdir(parents=True, exist_ok=True)
        return _MergedStepDir(self.root, self.step_name, dest)


@dataclass(frozen=True)
class _MergedStepDir(StepDir):
    merged: Path = Path()

    @property
    def tests_dir(self) -> Path:
        return self.merged


def tree_hash(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        h.update(rel.encode() + b"\0" + (b"x" if os.access(path, os.X_OK) else b"-") + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def find_task_dirs(paths: list[Path]) -> list[Path]:
    """Task dirs at or below each path: a dir holding task.toml or instruction.md is a task (not descended)."""
    found: list[Path] = []
    for base in paths:
        base = Path(base)
        if not base.is_dir():
            found.append(base)  # reported as a missing task by the caller's lint
            continue
        stack = [base]
        while stack:
            d = stack.pop()
            if (d / "task.toml").exists() or (d / "instruction.md").exists():
                found.append(d)
                continue
            stack.extend(sorted((c for c in d.iterdir() if c.is_dir() and not c.name.startswith(".")), reverse=True))
    return found


def write_task_dir(dest: Path, instruction: str, config: TaskConfig, files: dict[str, str | bytes],
                   executable: set[str] | None = None) -> TaskDir:
    """The one place that writes a task dir: instruction, task.toml, and files by relative path."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    executable = set(executable or ())
    (dest / "instruction.md").write_text(instruction.rstrip() + "\n", encoding="utf-8")
    (dest / "task.toml").write_text(config.to_toml(), encoding="utf-8")
    for rel, content in sorted(files.items()):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        path.write_bytes(data)
        if rel in executable or rel.endswith(".sh"):
            path.chmod(0o755)
        else:
            path.chmod(0o644)
    return TaskDir(dest)
