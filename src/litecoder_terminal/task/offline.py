"""`lct offline`: rewrite Harbor tasks so grading needs no network and runs isolated.

The verifier's tools (pytest and what test.sh installs with `uv add`, `uvx --with`, `uv pip install`, `pip install`,
pinned) are baked into a verifier image, `tests/Dockerfile` (Harbor's separate verifier: `[verifier]
environment_mode = "separate"`): the task's own environment, replayed (its build context copied to
`tests/.lct-env/`, COPY/ADD sources pointed there), plus a virtualenv at /opt/lct-verifier and the tests at /tests.
test.sh loses its installers and runs the tools from that virtualenv; the agent's output reaches the verifier as
declared `artifacts` (the task's workdir, and the absolute paths the tests name outside it). Everything else is
copied byte for byte. Each task gets a report entry: what changed, and what could not be converted.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, Field

from litecoder_terminal.task.dockerfile import from_lines
from litecoder_terminal.task.model import TaskDir, TaskLoadError

VENV = "/opt/lct-verifier"
from litecoder_terminal.task.lint import OFFLINE_ENV_COPY as ENV_COPY  # the environment's build context, in tests/
DEFAULT_PINS = {"pytest": "8.4.1", "pytest-json-ctrf": "0.3.5"}  # what Terminal-Bench 2's template pins
MARK = "# lct offline:"

# The verifier never needs these from apt once its tools are baked in.
_INSTALLER_APT = {"curl", "wget", "ca-certificates", "gnupg", "python3", "python3-pip", "python3-venv", "python-is-python3",
                  "pipx", "python3-pytest"}
# Absolute paths a test may name that are not the agent's output.
_NOT_OUTPUT = ("/tests", "/logs", "/proc", "/sys", "/dev", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/opt/lct-verifier",
               "/etc/ld.so", "/run", "/var/lib/apt", "/var/cache")
# Checks of a live system: in separate mode the verifier sees files, not processes.
_LIVE = re.compile(r"\b(localhost|127\.0\.0\.1|systemctl|service\s+\S+\s+status|pgrep|pidof|ps\s+aux|nc\s+-z|"
                   r"redis-cli|psql\s|mysql\s|ss\s+-|netstat)\b")


class OfflineEntry(BaseModel):
    """What `lct offline` did to one task."""

    task: str
    source: str
    out: str | None = None
    status: str = "converted"  # converted | partial (some downloads remain) | copied (nothing to do) | failed
    changes: list[str] = Field(default_factory=list)
    not_converted: list[str] = Field(default_factory=list)
    packages: list[str] = Field(default_factory=list)
    apt_packages: list[str] = Field(default_factory=list)
    artifacts: list[str] = Field(default_factory=list)


@dataclass
class ScriptRewrite:
    text: str
    packages: list[str] = field(default_factory=list)
    requirement_files: list[str] = field(default_factory=list)
    apt: list[str] = field(default_factory=list)
    python: str | None = None
    changes: list[str] = field(default_factory=list)
    unconverted: list[str] = field(default_factory=list)


# ---- test.sh ------------------------------------------------------------------------------------------------------

_SPLIT = re.compile(r"(\s*(?:&&|\|\||;)\s*)")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) with backslash continuations joined."""
    out, pending, start = [], "", 0
    for n, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = n
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        out.append((start, pending + raw))
        pending = ""
    if pending:
        out.append((start, pending))
    return out


def _words(segment: str) -> list[str] | None:
    try:
        return shlex.split(segment, comments=False)
    except ValueError:
        return None


_VALUE_FLAGS = {"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c", "--constraint", "--python",
                "-p", "--target", "-t", "--prefix", "--root", "--cache-dir", "--trusted-host", "--platform"}


def _pip_args(args: list[str], rw: ScriptRewrite) -> None:
    it = iter(args)
    for a in it:
        if a in ("-r", "--requirement"):
            rw.requirement_files.append(next(it, ""))
        elif a.startswith("--requirement="):
            rw.requirement_files.append(a.split("=", 1)[1])
        elif a in _VALUE_FLAGS:
            next(it, None)
        elif not a.startswith("-"):
            rw.packages.append(a)


def _uv_tool_opts(args: list[str], rw: ScriptRewrite) -> list[str]:
    """Consume uv/uvx options (recording --with/--python), return the command that follows."""
    i = 0
    while i < len(args):
        a = args[i]
        flag, eq, value = a.partition("=")
        if flag in ("-w", "--with", "--from"):
            pkg = value if eq else (args[i + 1] if i + 1 < len(args) else "")
            rw.packages.extend(p for p in re.split(r"\s*,\s*", pkg) if p)
            i += 1 if eq else 2
        elif flag in ("-p", "--python"):
            rw.python = value if eq else (args[i + 1] if i + 1 < len(args) else None)
            i += 1 if eq else 2
        elif flag in ("--with-requirements",):
            rw.requirement_files.append(value if eq else (args[i + 1] if i + 1 < len(args) else ""))
            i += 1 if eq else 2
        elif a == "--":
            return args[i + 1:]
        elif a.startswith("-"):
            i += 1
        else:
            return args[i:]
    return []


def _segment(seg: str, rw: ScriptRewrite, where: str) -> str | None:
    """The segment rewritten (None: dropped)."""
    words = _words(seg)
    if not words:
        return seg
    pre = []
    while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
        pre.append(words.pop(0))  # VAR=value before the command
    if not words:
        return seg
    cmd = words[0].rsplit("/", 1)[-1]
    args = words[1:]
    if cmd == "sudo":
        cmd, args = (args[0].rsplit("/", 1)[-1], args[1:]) if args else (cmd, args)
    if cmd in ("apt-get", "apt", "apk", "yum", "dnf") and args:
        sub = next((a for a in args if not a.startswith("-")), "")
        if sub in ("update", "upgrade", "clean"):
            rw.changes.append(f"{where}: dropped `{seg.strip()}` (packages are installed when the image is built)")
            return None
        if sub in ("install", "add"):
            pkgs = [a for a in args[args.index(sub) + 1:] if not a.startswith("-")]
            keep = [p for p in pkgs if p.split("=")[0] not in _INSTALLER_APT]
            rw.apt.extend(keep)
            rw.changes.append(f"{where}: dropped `{seg.strip()}`" + (f"; {' '.join(keep)} baked into the verifier "
                                                                      "image" if keep else ""))
            return None
    if cmd in ("source", ".") and args and re.search(r"\.local/bin/env|\.cargo/env", args[0]):
        rw.changes.append(f"{where}: dropped `{seg.strip()}` (uv is not used at grading time)")
        return None
    if cmd == "export" and args and re.search(r"\.local/bin|\.cargo/bin", " ".join(args)):
        rw.changes.append(f"{where}: dropped `{seg.strip()}`")
        return None
    if cmd in ("pip", "pip3") and args[:1] == ["install"] or cmd.startswith("python") and args[:3] == [
            "-m", "pip", "install"]:
        _pip_args(args[1:] if cmd.startswith("pip") else args[3:], rw)
        rw.changes.append(f"{where}: dropped `{seg.strip()}` (baked into {VENV})")
        return None
    if cmd == "uv" and args:
        sub = args[0]
        if sub in ("init", "venv", "sync", "lock"):
            rw.changes.append(f"{where}: dropped `{seg.strip()}`")
            return None
        if sub == "add":
            _pip_args([a for a in args[1:] if a not in ("--dev", "--script")], rw)
            rw.changes.append(f"{where}: dropped `{seg.strip()}` (baked into {VENV})")
            return None
        if sub == "pip" and args[1:2] == ["install"]:
            _pip_args(args[2:], rw)
            rw.changes.append(f"{where}: dropped `{seg.strip()}` (baked into {VENV})")
            return None
        if sub == "run":
            rest = _uv_tool_opts(args[1:], rw)
            new = " ".join(pre + [shlex.quote(w) for w in rest])
            rw.changes.append(f"{where}: `uv run ...` -> `{new}` (from {VENV})")
            return new
        if sub == "tool" and args[1:2] == ["run"]:
            args = args[2:]
            cmd = "uvx"
    if cmd == "uvx":
        rest = _uv_tool_opts(args, rw)
        if rest:
            tool = rest[0]
            if not any(re.split(r"[<>=!~\[ ]", p)[0] == tool for p in rw.packages):
                rw.packages.append(tool)
            new = " ".join(pre + [f"{VENV}/bin/{tool}"] + [shlex.quote(w) for w in rest[1:]])
            rw.changes.append(f"{where}: `uvx ... {tool}` -> `{VENV}/bin/{tool}`")
            return new
    return seg


def rewrite_test_script(text: str, name: str = "test.sh") -> ScriptRewrite:
    """Drop installers from a test script and point it at the baked virtualenv; record what it needed."""
    rw = ScriptRewrite(text="")
    out: list[str] = []
    for n, line in _logical_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            out.append(line)
            continue
        # curl|wget ... | sh: an installer (uv's, usually)
        pipe = re.match(r"^\s*(curl|wget)\b[^|]*\|\s*(env\s+\S+=\S+\s+)*(ba)?sh\b.*$", line)
        if pipe:
            if re.search(r"astral\.sh/uv|/uv/|uv-installer|install-uv", line):
                rw.changes.append(f"{name}:{n}: dropped the uv installer (`{stripped[:80]}`)")
                continue
            rw.unconverted.append(f"{name}:{n}: `{stripped[:120]}` runs a downloaded installer")
            out.append(line)
            continue
        indent = line[: len(line) - len(line.lstrip())]
        parts = _SPLIT.split(stripped)
        kept: list[str] = []
        for i in range(0, len(parts), 2):
            new = _segment(parts[i], rw, f"{name}:{n}")
            if new is not None:
                if kept:
                    kept.append(parts[i - 1])
                kept.append(new)
        if not kept:
            if stripped.endswith(("then", "do", "else", "{")):
                out.append(indent + ":")
            continue
        joined = "".join(kept).strip()
        if re.match(r"^(&&|\|\||;)", joined):
            joined = joined.lstrip("&|; ")
        newline = indent + joined
        if re.search(r"(?<![\w/.-])(curl|wget)\s+\S*https?://|\bgit\s+clone\b|\bnpm\s+(i|install)\b|\bnpx\b"
                     r"|\bcargo\s+install\b|\bgo\s+(get|install)\b|\bgem\s+install\b|\bconda\s+install\b", newline):
            rw.unconverted.append(f"{name}:{n}: `{joined[:120]}` still downloads at grading time")
        out.append(newline)
    body = "\n".join(out) + ("\n" if text.endswith("\n") else "")
    if rw.changes:
        lines = body.split("\n")
        at = 1 if lines and lines[0].startswith("#!") else 0
        lines.insert(at, f'export PATH="{VENV}/bin:$PATH"  {MARK} the verifier\'s tools, baked into tests/Dockerfile')
        body = "\n".join(lines)
        if at == 0:
            body = "#!/bin/bash\n" + body
    rw.text = body
    return rw


# ---- pins ---------------------------------------------------------------------------------------------------------

def _name(req: str) -> str:
    return re.split(r"[<>=!~\[; @]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pinned(req: str) -> bool:
    return bool(re.search(r"===?\s*[^*\s,;]+$", req.split(";")[0].strip())) or "://" in req


def pin_packages(packages: list[str], resolve: bool = True) -> tuple[list[str], list[str]]:
    """(requirements, problems): every package `name==version`: as written, else Terminal-Bench 2's pins for pytest
    and pytest-json-ctrf, else the version pip resolves now (`pip install --dry-run --report`)."""
    out: dict[str, str] = {}
    unresolved = []
    for p in packages:
        key = _name(p)
        if not key:
            continue
        if _pinned(p):
            out[key] = p.strip()
        elif key in DEFAULT_PINS:
            out.setdefault(key, f"{key}=={DEFAULT_PINS[key]}")
        elif key not in out:
            unresolved.append(p.strip())
            out[key] = p.strip()
    problems: list[str] = []
    if unresolved and resolve:
        try:
            proc = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--no-deps",
                                   "--ignore-installed", "--report", "-", *unresolved],
                                  capture_output=True, text=True, timeout=180)
            report = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else {}
            for item in report.get("install", []):
                meta = item.get("metadata", {})
                key = _name(meta.get("name", ""))
                if key in out and not _pinned(out[key]):
                    extras = re.search(r"\[[^\]]*\]", out[key])
                    out[key] = f"{key}{extras.group(0) if extras else ''}=={meta.get('version')}"
            if proc.returncode != 0:
                problems.append(f"could not resolve pins for {', '.join(unresolved)}: {proc.stderr.strip()[-300:]}")
        except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError) as e:
            problems.append(f"could not resolve pins for {', '.join(unresolved)}: {e}")
    for key, req in out.items():
        if not _pinned(req):
            problems.append(f"{req}: not pinned")
    return sorted(out.values()), problems


# ---- the verifier image -------------------------------------------------------------------------------------------

def _environment_replay(task: TaskDir, dest_tests: Path, entry: OfflineEntry) -> tuple[str, str | None]:
    """The environment's Dockerfile for the verifier image's context (COPY/ADD sources under .lct-env/), and the
    last USER it sets."""
    from dockerfile_parse import DockerfileParser
    import io

    config = task.config()
    if config.environment.docker_image and not task.dockerfile_path.is_file():
        entry.changes.append(f"tests/Dockerfile starts FROM the prebuilt {config.environment.docker_image}")
        return f"FROM {config.environment.docker_image}\n", None
    text = task.dockerfile_path.read_text()
    shutil.copytree(task.environment_dir, dest_tests / ENV_COPY, symlinks=True)
    if (task.environment_dir / ".dockerignore").exists():
        entry.not_converted.append("environment/.dockerignore is not applied to the verifier image's build context")
    lines = text.splitlines()
    user = None
    for ins in reversed(DockerfileParser(fileobj=io.BytesIO(text.encode())).structure):
        if ins["instruction"] == "USER" and user is None:
            user = ins["value"].strip()
        if ins["instruction"] not in ("COPY", "ADD"):
            continue
        value = ins["value"].strip()
        if "<<" in value:
            continue  # a heredoc carries its content inline
        try:
            words = json.loads(value) if value.startswith("[") else shlex.split(value)
            flags = []
        except (ValueError, json.JSONDecodeError):
            entry.not_converted.append(f"environment/Dockerfile:{ins['startline'] + 1}: cannot read `{value}`")
            continue
        if not value.startswith("["):
            while words and words[0].startswith("--"):
                flags.append(words.pop(0))
        if any(f.startswith("--from") for f in flags) or len(words) < 2:
            continue
        srcs = [s if re.match(r"^[a-z]+://", s) else f"{ENV_COPY}/{s.lstrip('/')}" for s in words[:-1]]
        args = srcs + [words[-1]]
        plain = not any(re.search(r"\s|[\"'\\]", a) for a in args)
        new = f"{ins['instruction']} " + " ".join(flags + (args if plain else [json.dumps(args)]))
        lines[ins["startline"]: ins["endline"] + 1] = [new]
    return "\n".join(lines) + "\n", user


def verifier_dockerfile(env_part: str, user: str | None, requirements: list[str], apt: list[str],
                        requirement_files: list[str], test_entries: list[str]) -> str:
    apt_pkgs = " ".join(sorted(set(apt)))
    req_copy = "".join(f"COPY {json.dumps(f)} /opt/lct-verifier-requirements/\n" for f in requirement_files)
    req_args = "".join(f" -r /opt/lct-verifier-requirements/{PurePosixPath(f).name}" for f in requirement_files)
    parts = [
        "# Written by `lct offline`: the task's environment (replayed from environment/), plus the verifier's tools,",
        "# so that grading downloads nothing. The agent never runs in this image.",
        env_part.rstrip(),
        "",
        f"{MARK} the verifier's tools",
        "USER root",
        "RUN set -e; if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then \\",
        "      if command -v apt-get >/dev/null; then apt-get update && DEBIAN_FRONTEND=noninteractive \\",
        "        apt-get install -y --no-install-recommends python3 python3-venv && rm -rf /var/lib/apt/lists/*; \\",
        "      elif command -v apk >/dev/null; then apk add --no-cache python3; \\",
        "      else (dnf install -y python3 || yum install -y python3); fi; fi",
    ]
    if apt_pkgs:
        parts += ["RUN set -e; if command -v apt-get >/dev/null; then apt-get update && DEBIAN_FRONTEND=noninteractive "
                  f"apt-get install -y --no-install-recommends {apt_pkgs} && rm -rf /var/lib/apt/lists/*; "
                  f"else apk add --no-cache {apt_pkgs}; fi"]
    if req_copy:
        parts.append(req_copy.rstrip())
    parts.append(f"RUN python3 -m venv {VENV} && {VENV}/bin/pip install --no-cache-dir "
                 + " ".join(shlex.quote(r) for r in requirements) + req_args)
    parts.append("COPY " + json.dumps([*test_entries, "/tests/"]))
    if user:
        parts.append(f"USER {user}")
    return "\n".join(parts) + "\n"


# ---- artifacts ----------------------------------------------------------------------------------------------------

_ABS_PATH = re.compile(r"""(?<![\w.$:/~-])(/(?:[A-Za-z0-9_.@+-]+/?)+)""")


def _workdir(task: TaskDir, config) -> str | None:
    if config.environment.workdir:
        return config.environment.workdir
    if task.dockerfile_path.is_file():
        from dockerfile_parse import DockerfileParser
        import io

        structure = DockerfileParser(fileobj=io.BytesIO(task.dockerfile_path.read_bytes())).structure
        last_from = max((i for i, s in enumerate(structure) if s["instruction"] == "FROM"), default=0)
        workdirs = [s["value"].strip() for s in structure[last_from:] if s["instruction"] == "WORKDIR"]
        if workdirs and workdirs[-1].startswith("/"):
            return workdirs[-1]
    return None


def guess_artifacts(task: TaskDir, config, tests_dirs: list[Path]) -> tuple[list[str], list[str]]:
    """(artifact paths, notes): the workdir, and literal absolute paths the tests name outside it that are not
    system or verifier paths; nested paths collapse into their parent."""
    notes = []
    found: list[str] = []
    wd = _workdir(task, config)
    if wd and wd != "/":
        found.append(wd.rstrip("/"))
    else:
        notes.append("no workdir (task.toml [environment] workdir or WORKDIR): artifacts are only the paths the "
                     "tests name")
    for d in tests_dirs:
        for f in sorted(d.rglob("*")) if d.is_dir() else []:
            if not f.is_file() or f.suffix not in (".py", ".sh", ".bash", ".js", ".ts", ".json", ".yaml", ".toml", ""):
                continue
            if ENV_COPY in f.parts or f.name == "Dockerfile":
                continue
            text = f.read_text(errors="replace")
            if _LIVE.search(text):
                notes.append(f"{f.name} seems to check a live process or service ({_LIVE.search(text).group(0)!r}): "
                             "a separate verifier sees only the artifacts; check the result with lct validate")
            for m in _ABS_PATH.finditer(text):
                p = m.group(1).rstrip("/.")
                if len(p) < 3 or p.count("/") < 1 or any(p == x or p.startswith(x + "/") for x in _NOT_OUTPUT):
                    continue
                if p in ("/tmp", "/root", "/home", "/etc", "/var", "/opt", "/srv", "/mnt", "/data"):
                    continue
                if re.search(r"\.(com|org|io|net)(/|$)", p) or p.startswith("//"):
                    continue
                found.append(p)
    unique: list[str] = []
    for p in sorted(set(found), key=lambda s: (s.count("/"), s)):
        if not any(p == u or p.startswith(u.rstrip("/") + "/") for u in unique):
            unique.append(p)
    return unique, notes


# ---- one task -----------------------------------------------------------------------------------------------------

def convert_task(src: Path, out_root: Path, *, resolve_pins: bool = True) -> OfflineEntry:
    """Copy one task dir to `out_root/<name>` and make its grading offline; never raises (status `failed`)."""
    task = TaskDir(Path(src))
    entry = OfflineEntry(task=task.name, source=str(task.root))
    dest = Path(out_root) / task.name
    try:
        config = task.config()
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(task.root, dest, symlinks=True)
        entry.out = str(dest)
        out = TaskDir(dest)
        if config.steps:
            entry.status = "copied"
            entry.not_converted.append("multi-step task: Harbor bundles one verifier image per tests/ dir and does "
                                       "not upload step tests into it; left as is")
            return entry
        if str((config.environment.model_extra or {}).get("os", "linux")).lower() == "windows":
            entry.status = "copied"
            entry.not_converted.append("Windows task: lct offline writes a Linux verifier image; left as is")
            return entry
        if (task.environment_dir / "docker-compose.yaml").is_file():
            entry.not_converted.append("environment/docker-compose.yaml: the verifier image replays only "
                                       "environment/Dockerfile; sidecar services are not in it")
        if not task.test_path.is_file():
            entry.status = "failed"
            entry.not_converted.append("tests/test.sh is missing")
            return entry
        if task.verifier_dockerfile_path.exists():
            entry.status = "copied"
            entry.not_converted.append("tests/Dockerfile exists already (the task has its own verifier image)")
            return entry
        rw = rewrite_test_script(task.test_path.read_text(errors="replace"))
        for sh in sorted(task.tests_dir.rglob("*.sh")):
            if sh != task.test_path:
                other = rewrite_test_script(sh.read_text(errors="replace"), sh.name)
                if other.changes or other.unconverted:
                    (out.tests_dir / sh.relative_to(task.tests_dir)).write_text(other.text)
                    rw.packages += other.packages
                    rw.apt += other.apt
                    rw.changes += other.changes
                    rw.unconverted += other.unconverted
        uses_pytest = bool(re.search(r"\bpytest\b", rw.text))
        if uses_pytest and not any(_name(p) == "pytest" for p in rw.packages):
            rw.packages.append("pytest")
        if not rw.changes and not rw.unconverted and not uses_pytest:
            entry.status = "copied"
            entry.changes.append("test.sh installs nothing: left as is")
            return entry
        requirements, pin_problems = pin_packages(rw.packages, resolve=resolve_pins)
        entry.not_converted += pin_problems
        entry.packages, entry.apt_packages = requirements, sorted(set(rw.apt))
        if rw.python:
            entry.changes.append(f"test.sh asked for Python {rw.python}; the verifier uses the image's python3")
        (out.test_path).write_text(rw.text)
        out.test_path.chmod(0o755)
        entry.changes += rw.changes
        entry.not_converted += rw.unconverted
        for req in rw.requirement_files:
            if not (task.tests_dir / PurePosixPath(req).name).is_file():
                entry.not_converted.append(f"requirements file {req} is not in tests/: not baked in")
        env_part, user = _environment_replay(task, out.tests_dir, entry)
        entries = sorted(p.name for p in out.tests_dir.iterdir() if p.name not in (ENV_COPY, "Dockerfile"))
        reqs = [PurePosixPath(r).name for r in rw.requirement_files if (task.tests_dir / PurePosixPath(r).name).is_file()]
        out.verifier_dockerfile_path.write_text(verifier_dockerfile(env_part, user, requirements, rw.apt, reqs, entries))
        entry.changes.append(f"tests/Dockerfile: the environment replayed + {VENV} with {', '.join(requirements)}")
        artifacts, notes = guess_artifacts(task, config, [out.tests_dir])
        entry.not_converted += notes
        _rewrite_config(out, config, artifacts, offline=not rw.unconverted, entry=entry)
        entry.status = "partial" if rw.unconverted or any("docker-compose" in n for n in entry.not_converted) \
            else "converted"
    except TaskLoadError as e:
        entry.status = "failed"
        entry.not_converted.append(str(e))
    except Exception as e:  # noqa: BLE001 - one odd task never stops the batch
        entry.status = "failed"
        entry.not_converted.append(f"{type(e).__name__}: {e}")
    return entry


def _rewrite_config(out: TaskDir, config, artifacts: list[str], *, offline: bool, entry: OfflineEntry) -> None:
    """task.toml: separate verifier, artifacts (unless declared), verifier without network once nothing downloads.
    Edited as text where it can be (comments and order kept), else written from the model."""
    text = out.config_path.read_text()
    raw = tomllib.loads(text)
    verifier = dict(raw.get("verifier", {}))
    changes = {"environment_mode": "separate"}
    if offline:
        changes["network_mode"] = "no-network"
    add_artifacts = not config.artifacts and artifacts
    for k, v in changes.items():
        if verifier.get(k) != v:
            entry.changes.append(f"task.toml: [verifier] {k} = {v!r}" + (f" (was {verifier[k]!r})" if k in verifier
                                                                          else ""))
    if add_artifacts:
        entry.changes.append(f"task.toml: artifacts = {artifacts} (what the separate verifier sees of the agent's work)")
        entry.artifacts = artifacts
    elif config.artifacts:
        entry.artifacts = [a if isinstance(a, str) else a.source for a in config.artifacts]
    # Text edit: set keys inside [verifier] (a new table at the end if absent); artifacts as a root key at the top.
    lines = text.splitlines()
    header = next((i for i, ln in enumerate(lines) if re.match(r"^\s*\[verifier\]\s*(#.*)?$", ln)), None)
    if header is None:
        lines += ["", "[verifier]"]
        header = len(lines) - 1
    end = next((i for i in range(header + 1, len(lines)) if re.match(r"^\s*\[", lines[i])), len(lines))
    for k, v in changes.items():
        at = next((i for i in range(header + 1, end) if re.match(rf"^\s*{k}\s*=", lines[i])), None)
        new = f'{k} = "{v}"'
        if at is None:
            lines.insert(header + 1, new)
            end += 1
        else:
            lines[at] = new
    if add_artifacts:
        first_table = next((i for i, ln in enumerate(lines) if re.match(r"^\s*\[", ln)), len(lines))
        lines.insert(first_table, "artifacts = " + json.dumps(artifacts))
        if first_table < len(lines) - 1:
            lines.insert(first_table + 1, "")
    new_text = "\n".join(lines) + "\n"
    try:
        tomllib.loads(new_text)
        from litecoder_terminal.task.model import TaskConfig

        TaskConfig.from_toml(new_text)
    except Exception:  # noqa: BLE001 - odd layouts (dotted keys, inline tables): write from the model instead
        data = config.model_copy(deep=True)
        data.verifier.environment_mode = "separate"
        if offline:
            data.verifier.network_mode = "no-network"
        if add_artifacts:
            data.artifacts = list(artifacts)
        new_text = type(config).model_validate(data.model_dump(mode="json", exclude_none=True)).to_toml()
        entry.changes.append("task.toml rewritten from its model (comments dropped): its layout could not be edited "
                             "in place")
    out.config_path.write_text(new_text)


def convert_tasks(paths: list[Path], out_root: Path, *, resolve_pins: bool = True) -> list[OfflineEntry]:
    """Every task dir under `paths` converted into `out_root`; the report goes to `out_root/offline-report.json`."""
    from litecoder_terminal.task.model import find_task_dirs

    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    entries = []
    for p in find_task_dirs([Path(x) for x in paths]):
        if not Path(p).is_dir():
            entries.append(OfflineEntry(task=Path(p).name, source=str(p), status="failed",
                                        not_converted=["not a task directory"]))
            continue
        if Path(p).resolve() == out_root.resolve() or out_root.resolve() in Path(p).resolve().parents:
            continue
        entries.append(convert_task(Path(p), out_root, resolve_pins=resolve_pins))
    (out_root / "offline-report.json").write_text(json.dumps(
        {"tasks": [e.model_dump() for e in entries]}, indent=2) + "\n")
    return entries


__all__ = ["OfflineEntry", "convert_task", "convert_tasks", "guess_artifacts", "pin_packages", "rewrite_test_script",
           "verifier_dockerfile"]
