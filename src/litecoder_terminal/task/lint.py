"""Static lint rules for a Harbor task dir: stable codes, each finding names the file and line."""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ValidationError

from litecoder_terminal.task.dockerfile import copy_sources, from_lines, image_ref_tag
from litecoder_terminal.task.model import (
    SUPPORTED_SCHEMA_VERSIONS,
    NetworkMode,
    TaskConfig,
    TaskDir,
    describe_validation_error,
    toml_error_line,
)


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


class Finding(BaseModel):
    code: str
    severity: Severity
    file: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.code} {self.severity.value} {where}: {self.message}"


# code -> (severity, what the rule checks); the codes are stable, new rules take new codes.
RULES: dict[str, tuple[Severity, str]] = {
    "LCT001": (Severity.ERROR, "required file missing"),
    "LCT002": (Severity.ERROR, "task.toml invalid (TOML syntax or schema)"),
    "LCT003": (Severity.ERROR, "COPY/ADD source missing from the build context"),
    "LCT004": (Severity.ERROR, "tests or solution copied into the image"),
    "LCT005": (Severity.ERROR, "verifier downloads or installs at grading time"),
    "LCT006": (Severity.ERROR, "base image unpinned or :latest"),
    "LCT007": (Severity.ERROR, "instruction empty"),
    "LCT008": (Severity.WARNING, "unknown task.toml schema_version"),
    "LCT009": (Severity.WARNING, "network allowlist enforced as no network"),
    "LCT010": (Severity.ERROR, "Dockerfile has no FROM"),
    "LCT011": (Severity.WARNING, "verifier or solution script not a bash/sh script"),
}

# Commands that fetch or install at grading time; the verifier must find its tools in the image.
_NETWORK_INSTALL = re.compile(
    r"(?<![\w/.-])(curl|wget|uv|uvx|pipx|apt-get|apt|apk|yum|dnf|npm|npx|yarn|pnpm|conda|mamba|gem|cargo)"
    r"(?![\w.-])|\bpip3?\s+install\b|-m\s+pip\s+install\b|\bgit\s+(clone|fetch|pull)\b|\bgo\s+(get|install)\b"
)


def _finding(code: str, file: Path | str, message: str, line: int | None = None) -> Finding:
    return Finding(code=code, severity=RULES[code][0], file=str(file), line=line, message=message)


def lint_task(path: Path) -> list[Finding]:
    task = TaskDir(Path(path))
    findings: list[Finding] = []
    if not task.root.is_dir():
        return [_finding("LCT001", task.root, "task directory does not exist")]

    config: TaskConfig | None = None
    if not task.config_path.exists():
        findings.append(_finding("LCT001", task.config_path, "task.toml is missing"))
    else:
        config = _lint_config(task, findings)

    if not task.instruction_path.exists():
        findings.append(_finding("LCT001", task.instruction_path, "instruction.md is missing"))
    elif not task.instruction_path.read_text(encoding="utf-8", errors="replace").strip():
        findings.append(_finding("LCT007", task.instruction_path, "instruction is empty"))

    prebuilt = config is not None and config.environment.docker_image
    if not task.dockerfile_path.exists() and not prebuilt:
        findings.append(_finding("LCT001", task.dockerfile_path, "environment/Dockerfile is missing "
                                 "(and task.toml sets no environment.docker_image)"))
    elif task.dockerfile_path.exists():
        _lint_dockerfile(task, findings)
    elif prebuilt:
        _lint_base_image(config.environment.docker_image, task.config_path, None, findings)

    for required, what in ((task.test_path, "tests/test.sh"), (task.solve_path, "solution/solve.sh")):
        if not required.exists():
            findings.append(_finding("LCT001", required, f"{what} is missing"))
    if task.tests_dir.is_dir():
        _lint_verifier_scripts(task, findings)
    return findings


def _lint_config(task: TaskDir, findings: list[Finding]) -> TaskConfig | None:
    text = task.config_path.read_text(encoding="utf-8", errors="replace")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        findings.append(_finding("LCT002", task.config_path, f"invalid TOML: {e}", toml_error_line(e)))
        return None
    try:
        config = TaskConfig.model_validate(raw)
    except ValidationError as e:
        findings.append(_finding("LCT002", task.config_path, describe_validation_error(e)))
        return None
    version = raw.get("schema_version", raw.get("version"))
    if version is not None and str(version) not in SUPPORTED_SCHEMA_VERSIONS:
        findings.append(_finding("LCT008", task.config_path,
                                 f"schema_version {version!r} is not one of {', '.join(SUPPORTED_SCHEMA_VERSIONS)}"))
    if NetworkMode.ALLOWLIST in (config.phase_network("agent"), config.phase_network("verifier")):
        findings.append(_finding("LCT009", task.config_path, "network_mode 'allowlist' is enforced as "
                                 "'no-network' by lct (no egress proxy); Harbor enforces the allowlist"))
    return config


def _lint_base_image(image: str, file: Path, line: int | None, findings: list[Finding]) -> None:
    if "$" in image:
        findings.append(_finding("LCT006", file, f"base image {image!r} is set by a build argument: "
                                 "its version cannot be checked", line))
        return
    tag = image_ref_tag(image)
    if tag is None:
        findings.append(_finding("LCT006", file, f"base image {image!r} has no tag (implicitly :latest)", line))
    elif tag == "latest":
        findings.append(_finding("LCT006", file, f"base image {image!r} uses :latest", line))


def _lint_dockerfile(task: TaskDir, findings: list[Finding]) -> None:
    path, ctx = task.dockerfile_path, task.environment_dir
    text = path.read_text(encoding="utf-8", errors="replace")
    froms = from_lines(text)
    if not froms:
        findings.append(_finding("LCT010", path, "no FROM instruction"))
    stages = {f.alias.lower() for f in froms if f.alias}
    for f in froms:
        if f.image.lower() not in stages and f.image != "scratch":
            _lint_base_image(f.image, path, f.line, findings)

    context_files = [p for p in ctx.rglob("*") if p.is_file()]
    protected = _protected_hashes(task)
    for cp in copy_sources(text):
        if cp.from_stage:
            continue
        for src in cp.sources:
            if re.match(r"^[a-z]+://", src):
                continue  # ADD <url> is fetched at build time, not from the context
            norm = src.lstrip("/").rstrip("/") or "."
            if norm.startswith(".."):
                leaked = re.match(r"^(\.\./)+(tests|solution)(/|$)", norm)
                findings.append(_finding("LCT004" if leaked else "LCT003", path,
                                         f"{cp.instruction} {src}: outside the build context (environment/)"
                                         + ("; tests and solution must never be in the image" if leaked else ""),
                                         cp.line))
                continue
            matches = _context_matches(ctx, norm, context_files)
            if not matches:
                findings.append(_finding("LCT003", path, f"{cp.instruction} source {src!r} does not exist in "
                                         f"the build context {ctx}", cp.line))
    for p in context_files:
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        if digest in protected and p.stat().st_size > 0:
            findings.append(_finding("LCT004", p, f"same content as {protected[digest]}: tests and solution "
                                     "must not be in the build context"))


def _context_matches(ctx: Path, pattern: str, files: list[Path]) -> list[Path]:
    if pattern == ".":
        return [ctx]
    target = ctx / pattern
    if target.exists():
        return [target]
    if any(c in pattern for c in "*?["):
        rels = [p.relative_to(ctx).as_posix() for p in files]
        dirs = {str(Path(r).parent) for r in rels}
        return [ctx / r for r in list(rels) + sorted(dirs) if fnmatch.fnmatch(r, pattern)]
    return []


def _protected_hashes(task: TaskDir) -> dict[str, str]:
    out = {}
    for d in (task.tests_dir, task.solution_dir):
        if d.is_dir():
            for p in d.rglob("*"):
                if p.is_file():
                    out[hashlib.sha256(p.read_bytes()).hexdigest()] = str(p.relative_to(task.root))
    return out


def _lint_verifier_scripts(task: TaskDir, findings: list[Finding]) -> None:
    for script in sorted(task.tests_dir.rglob("*.sh")):
        for n, raw in enumerate(script.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            line = raw.split("#", 1)[0] if not raw.lstrip().startswith("#!") else ""
            m = _NETWORK_INSTALL.search(line)
            if m:
                findings.append(_finding("LCT005", script, f"'{m.group(0).strip()}' at grading time: bake test "
                                         "tools into the image so the verifier runs offline", n))
    first = task.test_path.read_text(errors="replace").splitlines()[:1] if task.test_path.exists() else []
    if first and first[0].startswith("#!") and not re.search(r"\b(ba)?sh\b", first[0]):
        findings.append(_finding("LCT011", task.test_path, f"shebang {first[0]!r}: Harbor runs test.sh with bash", 1))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def split_by_lint(paths: list[Path]) -> tuple[list[Path], list[str]]:
    """The task dirs without lint errors, and the error findings ("CODE error file:line: problem") of the others:
    what a batch keeps going with, and what it names."""
    good: list[Path] = []
    problems: list[str] = []
    for path in paths:
        errors = [f for f in lint_task(Path(path)) if f.severity is Severity.ERROR]
        if errors:
            problems.extend(str(f) for f in errors)
        else:
            good.append(Path(path))
    return good, problems

