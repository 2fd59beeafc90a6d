"""The domain specification schema (YAML in package data, validated by pydantic) and its loaders."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from litecoder_terminal.task.model import describe_validation_error

DIFFICULTIES = ("easy", "medium", "hard")


class DomainSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="stable identifier, e.g. system_admin")
    title: str
    description: str
    subtopics: list[str] = Field(min_length=1)
    skills: list[str] = Field(min_length=1)
    tools: list[str] = Field(min_length=1, description="programs the domain's environments provide")
    difficulty: dict[str, str] = Field(description="what each level (easy, medium, hard) asks of the solver")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", v):
            raise ValueError("must be lower_snake_case")
        return v

    @field_validator("difficulty")
    @classmethod
    def _levels(cls, v: dict[str, str]) -> dict[str, str]:
        missing = [lvl for lvl in DIFFICULTIES if lvl not in v]
        unknown = [lvl for lvl in v if lvl not in DIFFICULTIES]
        if missing or unknown:
            raise ValueError(f"levels must be exactly {', '.join(DIFFICULTIES)} (missing {missing}, unknown {unknown})")
        return v


class SpecError(Exception):
    def __init__(self, file: Path | str, message: str):
        self.file = str(file)
        super().__init__(f"{file}: {message}")


def load_spec(path: Path | str, text: str | None = None) -> DomainSpec:
    try:
        data = yaml.safe_load(text if text is not None else Path(path).read_text(encoding="utf-8"))
    except OSError as e:
        raise SpecError(path, f"cannot read: {e.strerror or e}") from e
    except yaml.YAMLError as e:
        raise SpecError(path, f"invalid YAML: {e}") from e
    if not isinstance(data, dict):
        raise SpecError(path, "a domain specification is a YAML mapping")
    try:
        return DomainSpec.model_validate(data)
    except ValidationError as e:
        raise SpecError(path, describe_validation_error(e)) from e


def builtin_specs() -> dict[str, DomainSpec]:
    out = {}
    for entry in sorted(resources.files("litecoder_terminal.spec").joinpath("data").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".yaml"):
            spec = load_spec(entry.name, entry.read_text(encoding="utf-8"))
            out[spec.name] = spec
    return out


def load_specs(extra: list[Path] | None = None) -> dict[str, DomainSpec]:
    specs = builtin_specs()
    for path in extra or []:
        spec = load_spec(path)
        specs[spec.name] = spec
    return specs
