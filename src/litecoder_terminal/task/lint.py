"""Static lint rules for a Harbor task dir (single or multi-step): stable codes, each finding names the file and line.

Lint never raises: a check that fails on odd input becomes an `LCT013` finding naming the file, and the batch goes on.
"""

from __future__ import annotations

import fnmatch
import hashlib
import re
import tomllib
from collections import Counter
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, ValidationError

from litecoder_terminal.task.dockerfile import copy_sources, from_lines, image_ref_tag
from litecoder_terminal.task.model import (
    SUPPORTED_SCHEMA_VERSIONS,
    NetworkMode,
    StepDir,
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


# code -> (severity, what the rule checks); the codes are stable, new rules take new codes. A rule whose severity
# depends on the task (LCT005) lists its strictest one here.
RULES: dict[str, tuple[Severity, str]] = {
    "LCT001": (Severity.ERROR, "required file missing"),
    "LCT002": (Severity.ERROR, "task.toml invalid (TOML syntax or schema)"),
    "LCT003": (Severity.ERROR, "COPY/ADD source missing from the build context"),
    "LCT004": (Severity.ERROR, "verifier or solution code copied into the image"),
    "LCT005": (Severity.ERROR, "verifier downloads or installs at grading time (a warning when the task gives its "
                               "verifier network)"),
    "LCT006": (Severity.ERROR, "base image unpinned or :latest"),
    "LCT007": (Severity.ERROR, "instruction empty"),
    "LCT008": (Severity.WARNING, "unknown task.toml schema_version"),
    "LCT009": (Severity.WARNING, "network allowlist enforced as no network"),
    "LCT010": (Severity.ERROR, "Dockerfile has no FROM"),
    "LCT011": (Severity.WARNING, "verifier or solution script not a bash/sh script"),
    "LCT012": (Severity.WARNING, "unknown task.toml field"),
    "LCT013": (Severity.WARNING, "a file could not be checked"),
    "LCT014": (Severity.WARNING, "no reference solution (validate can only give `unverified`)"),
    "LCT015": (Severity.WARNING, "a Harbor feature lct does not run (compose sidecars, healthchecks, Windows, "
                                 "MCP servers, collect hooks)"),
}

# Commands that fetch or install at grading time; the verifier must find its tools in the image.
_NETWORK_INSTALL = re.compile(
    r"(?<![\w/.-])(curl|wget|uv|uvx|pipx|apt-get|apt|apk|yum|dnf|npm|npx|yarn|pnpm|conda|mamba|gem|cargo)"
    r"(?![\w.-])|\bpip3?\s+install\b|-m\s+pip\s+install\b|\bgit\s+(clone|fetch|pull)\b|\bgo\s+(get|install)\b"
)
# `lct offline` copies the environment's build context here (the verifier image replays it): environment code, not
# the verifier's, and already checked as environment/.
OFFLINE_ENV_COPY = ".lct-env"
# What counts as code when a tests/ or solution/ file also lands in the image (data fixtures may be shared).
_CODE_SUFFIXES = {".py", ".sh", ".bash", ".js", ".mjs", ".ts", ".rb", ".pl", ".php", ".go", ".rs", ".c", ".cc",
                  ".cpp", ".h", ".java", ".kt", ".lua", ".r", ".R", ".jl", ".exs", ".ex", ".scala", ".swift"}


def _finding(code: str, file: Path | str, message: str, line: int | None = None,
             severity: Severity | None = None) -> Finding:
    return Finding(code=code, severity=severity or RULES[code][0], file=str(file), line=line, message=message)


def lint_task(path: Path) -> list[Finding]:
    """Every finding for one task dir; never raises."""
    task = TaskDir(Path(path))
    findings: list[Finding] = []
    if not task.root.is_dir():
        return [_finding("LCT001", task.root, "task directory does not exist")]

    def guarded(check, file: Path, *args) -> None:
        try:
            check(*args)
        except Exception as e:  # noqa: BLE001 - odd input must never stop a batch
            findings.append(_finding("LCT013", file, f"could not be checked ({type(e).__name__}: {e})",
                                     getattr(e, "lineno", None)))

    config: TaskConfig | None = None
    if not task.config_path.is_file():
        findings.append(_finding("LCT001", task.config_path, "task.toml is missing" if not task.config_path.exists()
                                 else "task.toml is not a file"))
    else:
        try:
            config = _lint_config(task, findings)
        except Exception as e:  # noqa: BLE001
            findings.append(_finding("LCT013", task.config_path, f"could not be checked ({type(e).__name__}: {e})"))

    steps = [task.step(s.name) for s in config.steps] if config is not None and config.steps else []
    for instr in ([task.instruction_path] if not steps else []) + [s.instruction_path for s in steps
                                                                   if s.dir.is_dir()]:
        guarded(_lint_instruction, instr, instr, findings)

    prebuilt = config is not None and config.environment.docker_image
    df = task.dockerfile_path
    if df.exists() and not df.is_file():
        findings.append(_finding("LCT001", df, "environment/Dockerfile is a directory, not a file"))
    elif not df.exists() and not prebuilt:
        findings.append(_finding("LCT001", df, "environment/Dockerfile is missing "
                                 "(and task.toml sets no environment.docker_image)"))
    elif df.is_file():
        guarded(_lint_dockerfile, df, task, df, task.environment_dir, findings)
    if prebuilt:
        _lint_base_image(config.environment.docker_image, task.config_path, None, findings)
    vdf = task.verifier_dockerfile_path
    if vdf.is_file():
        guarded(_lint_dockerfile, vdf, task, vdf, task.tests_dir, findings)

    if not steps:
        if not task.test_path.is_file():
            findings.append(_finding("LCT001", task.test_path, "tests/test.sh is missing"))
        if not task.solve_path.is_file():
            findings.append(_finding("LCT014", task.solve_path, "solution/solve.sh is missing: without a reference "
                                     "solution lct validate can check lint, build and no-op only (`unverified`)"))
        if task.tests_dir.is_dir():
            guarded(_lint_verifier_scripts, task.tests_dir, task.tests_dir, task.test_path, config, findings)
    else:
        for step, step_cfg in zip(steps, config.steps):
            guarded(_lint_step, step.dir, task, step, config.step_config(step_cfg), findings)
    unique = {(f.code, f.file, f.line, f.message): f for f in findings}  # shared tests/ is seen by every step
    return list(unique.values())


def _lint_instruction(path: Path, findings: list[Finding]) -> None:
    if not path.exists():
        findings.append(_finding("LCT001", path, f"{path.name} is missing"))
    elif not path.is_file():
        findings.append(_finding("LCT001", path, f"{path.name} is not a file"))
    elif not path.read_text(encoding="utf-8", errors="replace").strip():
        findings.append(_finding("LCT007", path, "instruction is empty"))


def _lint_step(task: TaskDir, step: StepDir, config: TaskConfig, findings: list[Finding]) -> None:
    if not step.dir.is_dir():
        findings.append(_finding("LCT001", step.dir, f"step directory steps/{step.step_name}/ is missing"))
        return
    own_test, shared_test = step.own_tests_dir / "test.sh", task.test_path
    if not own_test.is_file() and not shared_test.is_file():
        findings.append(_finding("LCT001", own_test, f"step {step.step_name!r} has no test script: neither "
                                 f"steps/{step.step_name}/tests/test.sh nor tests/test.sh"))
    if not step.solve_path.is_file():
        findings.append(_finding("LCT014", step.dir / "solution" / "solve.sh",
                                 f"step {step.step_name!r} has no solution/solve.sh (nor does the task): "
                                 "lct validate can check lint, build and no-op only (`unverified`)"))
    for tests in (step.own_tests_dir, task.tests_dir):
        if tests.is_dir():
            _lint_verifier_scripts(tests, own_test if own_test.is_file() else shared_test, config, findings)


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
    phases = [config] + [config.step_config(s) for s in config.steps or []]
    if any(NetworkMode.ALLOWLIST in (c.phase_network("agent"), c.phase_network("verifier")) for c in phases):
        findings.append(_finding("LCT009", task.config_path, "network_mode 'allowlist' is enforced as "
                                 "'no-network' by lct (no egress proxy); Harbor enforces the allowlist"))
    _lint_unsupported(task, config, raw, findings)
    lines = text.splitlines()
    for name in config.unknown_fields():
        leaf = re.sub(r"\[\d+\]", "", name).rsplit(".", 1)[-1]
        line = next((i for i, raw_line in enumerate(lines, 1)
                     if re.match(rf"\s*(\[+\s*)?{re.escape(leaf)}\s*(=|\]|\.)", raw_line)), None)
        findings.append(_finding("LCT012", task.config_path, f"unknown field {name!r}: neither Harbor nor lct "
                                 "reads it (kept as is; a typo?)", line))
    return config


def _lint_unsupported(task: TaskDir, config: TaskConfig, raw: dict, findings: list[Finding]) -> None:
    """What Harbor would run and lct does not: named, so a verdict is read knowing it."""
    env = raw.get("environment", {}) if isinstance(raw.get("environment"), dict) else {}
    ignored = []
    if (task.environment_dir / "docker-compose.yaml").is_file():
        ignored.append("environment/docker-compose.yaml (lct builds and runs environment/Dockerfile only: no "
                       "sidecar services)")
    if str(env.get("os", "linux")).lower() == "windows":
        ignored.append("[environment] os = 'windows' (lct runs Linux containers)")
    if env.get("healthcheck") or any(s.healthcheck for s in config.steps or []):
        ignored.append("healthcheck (not run before the agent)")
    if env.get("mcp_servers"):
        ignored.append("[environment] mcp_servers (not started)")
    verifier = raw.get("verifier", {}) if isinstance(raw.get("verifier"), dict) else {}
    if verifier.get("collect"):
        ignored.append("[[verifier.collect]] hooks (not run)")
    for what in ignored:
        findings.append(_finding("LCT015", task.config_path if "compose" not in what else
                                 task.environment_dir / "docker-compose.yaml", f"lct does not run {what}; Harbor "
                                 "does, so lct's verdict may differ from Harbor's"))


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


def _lint_dockerfile(task: TaskDir, path: Path, ctx: Path, findings: list[Finding]) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    froms = from_lines(text)
    if not froms:
        findings.append(_finding("LCT010", path, "no FROM instruction"))
    stages = {f.alias.lower() for f in froms if f.alias}
    for f in froms:
        if f.image.lower() not in stages and f.image != "scratch":
            _lint_base_image(f.image, path, f.line, findings)

    context_files = [p for p in ctx.rglob("*") if p.is_file()]
    protected = _protected_code(task)
    copied: set[Path] = set()
    for cp in copy_sources(text):
        if cp.problem:
            findings.append(_finding("LCT013", path, f"{cp.instruction} arguments cannot be parsed "
                                     f"({cp.problem}); its sources are not checked (the build will say more)",
                                     cp.line))
        if cp.from_stage or cp.problem:
            continue
        for src in cp.sources:
            if re.match(r"^[a-z]+://", src):
                continue  # ADD <url> is fetched at build time, not from the context
            norm = src.lstrip("/").rstrip("/") or "."
            if norm.startswith(".."):
                leaked = re.match(r"^(\.\./)+(tests|solution|steps)(/|$)", norm)
                findings.append(_finding("LCT004" if leaked else "LCT003", path,
                                         f"{cp.instruction} {src}: outside the build context ({ctx.name}/)"
                                         + ("; verifier and solution code must never be in the image" if leaked
                                            else ""), cp.line))
                continue
            matches = _context_matches(ctx, norm, context_files)
            if not matches:
                findings.append(_finding("LCT003", path, f"{cp.instruction} source {src!r} does not exist in "
                                         f"the build context {ctx}", cp.line))
            for m in matches:
                copied.update([m] if m.is_file() else [p for p in context_files if _is_under(p, m)])
    if path == task.verifier_dockerfile_path:
        return  # the verifier's own image may hold the tests: the agent never runs in it
    for p in sorted(copied):
        if p.stat().st_size == 0:
            continue
        twin = protected.get(hashlib.sha256(p.read_bytes()).hexdigest())
        if twin:
            findings.append(_finding("LCT004", p, f"copied into the image by {path.name}, and the same code as "
                                     f"{twin}: the agent could read or run the verifier's or the solution's code"))


def _is_under(p: Path, d: Path) -> bool:
    try:
        p.relative_to(d)
        return True
    except ValueError:
        return False


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


def _is_code(p: Path) -> bool:
    return p.suffix in _CODE_SUFFIXES or p.name in ("test.sh", "solve.sh") or bool(p.stat().st_mode & 0o111)


def _protected_code(task: TaskDir) -> dict[str, str]:
    """sha256 -> relative path of every code file of the verifier and the solutions (a data fixture the tests
    share with the environment is not protected: the agent sees it anyway)."""
    out = {}
    roots = [task.tests_dir, task.solution_dir]
    if task.steps_dir.is_dir():
        roots += [d / sub for d in task.steps_dir.iterdir() if d.is_dir() for sub in ("tests", "solution")]
    for d in roots:
        if d.is_dir():
            for p in d.rglob("*"):
                if p.is_file() and p.name != "Dockerfile" and OFFLINE_ENV_COPY not in p.parts and _is_code(p):
                    out[hashlib.sha256(p.read_bytes()).hexdigest()] = str(p.relative_to(task.root))
    return out


def _lint_verifier_scripts(tests_dir: Path, test_path: Path, config: TaskConfig | None,
                           findings: list[Finding]) -> None:
    """LCT005: an error when the verifier has no network (the download cannot work), else a warning naming the
    ways out (`lct offline`, `--allow-grading-network`)."""
    networked = config is not None and config.phase_network("verifier") is not NetworkMode.NO_NETWORK
    for script in sorted(tests_dir.rglob("*.sh")):
        if not script.is_file() or OFFLINE_ENV_COPY in script.relative_to(tests_dir).parts:
            continue
        for n, raw in enumerate(script.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            line = raw.split("#", 1)[0] if not raw.lstrip().startswith("#!") else ""
            m = _NETWORK_INSTALL.search(line)
            if not m:
                continue
            if networked:
                findings.append(_finding("LCT005", script, f"'{m.group(0).strip()}' at grading time: the task gives "
                                         "its verifier network, so it may work, but grading is not offline; "
                                         "`lct offline` bakes the tools into a verifier image, or validate as "
                                         "written with --allow-grading-network", n, Severity.WARNING))
            else:
                findings.append(_finding("LCT005", script, f"'{m.group(0).strip()}' at grading time, and the "
                                         "verifier has no network: bake test tools into the image (`lct offline`)",
                                         n))
    first = test_path.read_text(errors="replace").splitlines()[:1] if test_path.is_file() else []
    if first and first[0].startswith("#!") and not re.search(r"\b(ba)?sh\b", first[0]):
        findings.append(_finding("LCT011", test_path, f"shebang {first[0]!r}: Harbor runs test.sh with bash", 1))


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def totals_by_code(findings: list[Finding]) -> dict[str, dict[str, int]]:
    """{code: {"error": n, "warning": m}} over many tasks' findings, codes in order."""
    counts = Counter((f.code, f.severity.value) for f in findings)
    out: dict[str, dict[str, int]] = {}
    for (code, sev), n in sorted(counts.items()):
        out.setdefault(code, {})[sev] = n
    return out


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
