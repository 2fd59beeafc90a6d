"""What a task family is: a validated config, randomness only from the seed, and `sample(seed) -> task`.

A family author writes `build(rng) -> TaskDraft`; this module turns the draft into a complete Harbor task
(shared base layers, the standard offline pytest verifier runner, task.toml) so every family ships the same way.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from litecoder_terminal.task import TaskConfig

BASE_IMAGE = "debian:bookworm-slim"
# The shared tool layer: byte-identical in every generated Dockerfile, so Docker builds it once per machine and
# every task image adds only its own small layers on top. Test tooling (pytest) lives here, baked in.
TOOLBOX_PACKAGES = (
    "bash bc ca-certificates cmake curl file g++ gawk gcc git iproute2 jq libc6-dev make netcat-openbsd "
    "openssl procps python3 python3-numpy python3-pytest python3-scipy sqlite3 tmux xxd"
)
TOOLBOX_LAYER = (
    f"FROM {BASE_IMAGE}\n"
    "# Shared tool layer (identical in every generated task, built once and reused).\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends \\\n"
    f"      {TOOLBOX_PACKAGES} \\\n"
    "    && rm -rf /var/lib/apt/lists/*\n"
)

Difficulty = Literal["easy", "medium", "hard"]
# How much the instruction tells: `full` names the files and the steps, `partial` names the files and the goal,
# `symptom` states only what is wrong (or wanted) and the goal — files, cause and steps are found by looking.
Specificity = Literal["full", "partial", "symptom"]
SPECIFICITY_BY_LEVEL: dict[str, str] = {"easy": "full", "medium": "partial", "hard": "symptom"}


class FamilyConfig(BaseModel):
    """Knobs of a family; subclass it to add more. Validation errors name the field."""

    model_config = ConfigDict(extra="forbid")
    difficulty: Difficulty = "medium"
    # None: follows the difficulty (SPECIFICITY_BY_LEVEL)
    specificity: Specificity | None = None
    # Overrides of single knobs of the family's level table (kit.Levels), so a curriculum moves one knob at a time
    knobs: dict[str, Any] = Field(default_factory=dict)

    @property
    def specificity_in_force(self) -> str:
        """The specificity in force."""
        return self.specificity or SPECIFICITY_BY_LEVEL[self.difficulty]


@dataclass(frozen=True)
class Handoff:
    """A result of a stage's correct work that a later stage of a composition can be sealed with (its inputs reach
    the agent encrypted under it; docs/composition.md). The generator knows the value; the agent learns it only
    by doing the stage."""

    value: str  # what the correct outputs give, e.g. "137"
    read: str  # a shell command that prints the value from the stage's outputs (the composed reference runs it)
    says: str  # how the instruction names it, e.g. "the total of the count column of /app/errors.csv"

    def check(self, where: str) -> None:
        if not re.fullmatch(r"[!-~]{1,200}", self.value) or "'" in self.value:
            raise ValueError(f"{where}: a handoff value is 1-200 printable characters without spaces or quotes, "
                             f"got {self.value!r}")
        if not self.read.strip() or "\n" in self.read or not self.says.strip():
            raise ValueError(f"{where}: a handoff needs a one-line `read` command and a `says` phrase")


@dataclass
class TaskDraft:
    """What a family's `build` returns. Paths in `files` are relative to the task root and must live under
    environment/ (build context, minus the Dockerfile), solution/ (solve.sh, wrong/*.sh) or tests/
    (test_outputs.py and any data it reads)."""

    instruction: str
    dockerfile_body: str  # instructions after the shared tool layer, e.g. "COPY app/ /app/\nWORKDIR /app\n"
    files: dict[str, str | bytes]
    tags: list[str] = field(default_factory=list)
    agent_timeout_sec: float = 600.0
    verifier_timeout_sec: float = 180.0
    memory_mb: int = 1024
    cpus: float = 1.0
    expert_minutes: int = 10  # rough time a professional needs
    # What the verifier may see of the agent's work: absolute paths of files or trees, copied by the host into a
    # fresh verifier container (Harbor's `artifacts`). Default: the image's last WORKDIR.
    artifacts: list[str] | None = None
    # The verifier probes the agent's live container over a private network (reachable as host `agent`)
    probe_agent: bool = False
    # Files or trees the agent must produce or change (each under an artifact): `[metadata.lct] outputs`, what the
    # mutation battery (gates/battery.py) deletes, empties, blanks and alters after the reference solution.
    outputs: list[str] | None = None
    # For composition (docs/composition.md): a result this stage's correct work yields, and input paths (files or
    # trees this stage copies in, read by nothing before the agent) that may reach the agent sealed with the
    # result of the stage before.
    handoff: Handoff | None = None
    sealable: list[str] | None = None


@dataclass
class GeneratedTask:
    family: str
    domain: str
    difficulty: str
    seed: int
    instruction: str
    config: TaskConfig
    files: dict[str, str | bytes]
    handoff: Handoff | None = None
    sealable: list[str] = field(default_factory=list)

    def content_hash(self) -> str:
        h = hashlib.sha256()
        h.update(self.instruction.encode() + b"\0" + self.config.to_toml().encode() + b"\0")
        for rel in sorted(self.files):
            data = self.files[rel]
            h.update(rel.encode() + b"\0" + (data.encode() if isinstance(data, str) else data) + b"\0")
        return h.hexdigest()


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from names and numbers: the same on every machine and Python version."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def standard_test_sh() -> str:
    return resources.files("litecoder_terminal.synth.procedural").joinpath("templates/test.sh").read_text()


def verifier_helper() -> str:
    """lct_verify.py, copied into every generated task's tests/ (run agent code unprivileged, read git safely)."""
    return resources.files("litecoder_terminal.synth.procedural").joinpath("templates/lct_verify.py").read_text()


def default_artifacts(dockerfile_body: str) -> list[str]:
    workdirs = re.findall(r"^WORKDIR\s+(\S+)\s*$", dockerfile_body, flags=re.M)
    return [workdirs[-1]] if workdirs else []


class TaskFamily:
    """Base class of every procedural task family. A family on the kit lives in
    synth/procedural/<domain>/<name>/family.py: its name and domain are read from that path (docs/families.md)."""

    name: ClassVar[str]
    domain: ClassVar[str]
    folder: ClassVar[str | None] = None  # package of a kit family (its templates are package data there)
    title: ClassVar[str]
    multi_stage: ClassVar[bool] = False  # three or more dependent sub-goals, 15+ command reference solution
    interactive: ClassVar[bool] = False  # the agent must drive a live program or service
    Config: ClassVar[type[FamilyConfig]] = FamilyConfig

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        parts = cls.__module__.split(".")
        if parts[-1] == "family" and len(parts) >= 3:
            # the domain comes from the folder, the registered name is the folder's name: never repeated by hand
            for attr, value in (("name", parts[-2]), ("domain", parts[-3])):
                if attr in cls.__dict__ and cls.__dict__[attr] != value:
                    raise TypeError(f"{cls.__module__}: {attr} {cls.__dict__[attr]!r} differs from its folder "
                                    f"({value!r}); drop the attribute, the folder names it")
                setattr(cls, attr, value)
            cls.folder = cls.__module__.rsplit(".", 1)[0]

    def __init__(self, config: FamilyConfig | dict | None = None):
        self.config = config if isinstance(config, FamilyConfig) else self.Config.model_validate(config or {})

    def build(self, rng: random.Random) -> TaskDraft:  # pragma: no cover - every family implements it
        raise NotImplementedError

    def sample(self, seed: int) -> GeneratedTask:
        rng = random.Random(derive_seed(self.name, self.config.difficulty, seed))
        draft = self.build(rng)
        bad = [p for p in draft.files if not p.startswith(("environment/", "solution/", "tests/"))
               or p == "environment/Dockerfile" or p == "tests/test.sh"]
        if bad:
            raise ValueError(f"family {self.name}: files outside environment/, solution/, tests/ or reserved: {bad}")
        for required in ("solution/solve.sh", "tests/test_outputs.py"):
            if required not in draft.files:
                raise ValueError(f"family {self.name}: draft lacks {required}")
        if sum(p.startswith("solution/wrong/") for p in draft.files) < 2:
            raise ValueError(f"family {self.name}: at least two known-wrong solutions are required")
        if self.folder is not None:  # kit families: the alt-solution and mutation gates need these
            if not any(re.fullmatch(r"solution/alt/[^/]+\.sh", p) for p in draft.files):
                raise ValueError(f"family {self.name}: a kit family ships at least one solution/alt/*.sh")
            if not draft.outputs:
                raise ValueError(f"family {self.name}: a kit family declares its outputs (TaskDraft.outputs)")
        files = dict(draft.files)
        files["environment/Dockerfile"] = TOOLBOX_LAYER + draft.dockerfile_body.lstrip("\n")
        files["tests/test.sh"] = standard_test_sh()
        files.setdefault("tests/lct_verify.py", verifier_helper())
        artifacts = draft.artifacts if draft.artifacts is not None else default_artifacts(draft.dockerfile_body)
        if not artifacts or any(not a.startswith("/") or a.rstrip("/") in ("", "/") for a in artifacts):
            raise ValueError(f"family {self.name}: artifacts must be absolute paths below / (got {artifacts})")
        outputs = sorted(set(draft.outputs or []))
        for out in outputs:
            if not any(out == a.rstrip("/") or out.startswith(a.rstrip("/") + "/") for a in artifacts):
                raise ValueError(f"family {self.name}: output {out} lies under no artifact ({artifacts}): "
                                 "the verifier would never see it")
        verifier: dict = {"timeout_sec": draft.verifier_timeout_sec, "environment_mode": "separate"}
        config = TaskConfig.model_validate({
            "schema_version": "1.4",
            "metadata": {
                "author_name": "LiteCoder-Terminal procedural generator",
                "difficulty": self.config.difficulty, "category": self.domain,
                "tags": sorted({self.domain, self.name, *draft.tags}), "family": self.name, "seed": seed,
                "expert_time_estimate_min": draft.expert_minutes,
            },
            "verifier": verifier,
            "agent": {"timeout_sec": draft.agent_timeout_sec},
            "environment": {"build_timeout_sec": 900.0, "cpus": draft.cpus, "memory_mb": draft.memory_mb,
                            "network_mode": "no-network"},
            "artifacts": sorted(set(artifacts)),
        })
        lct: dict[str, Any] = {}
        if draft.probe_agent:
            lct["probe_agent"] = True
        if outputs:
            lct["outputs"] = outputs
        if self.folder is not None:
            lct["specificity"] = self.config.specificity_in_force
        if lct:
            config.metadata["lct"] = lct
        if draft.handoff is not None:
            draft.handoff.check(f"family {self.name}")
        sealable = sorted(set(draft.sealable or []))
        for path in sealable:
            if not path.startswith("/") or path.rstrip("/") in ("", "/") or path == "/tmp" or path.startswith(
                    "/tmp/") or "'" in path or " " in path:
                raise ValueError(f"family {self.name}: sealable path {path!r} must be absolute, below / and not "
                                 "under /tmp, without spaces or quotes")
        return GeneratedTask(self.name, self.domain, self.config.difficulty, seed, draft.instruction.strip() + "\n",
                             config, files, draft.handoff, sealable)


def pick(rng: random.Random, options: list[str]) -> str:
    """One of several phrasings: wording varies with the seed as well as the data."""
    return options[rng.randrange(len(options))]
