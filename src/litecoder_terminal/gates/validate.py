"""lint -> pre-flight (base images) -> build -> no-op scores 0 -> oracle scores 1 on K fresh containers -> each
wrong solution scores 0 -> each alternative solution scores 1 on K containers -> each mutation of a declared output
scores 0 (gates/battery.py); multi-step tasks step by step. Infrastructure failures are `error` (never a verdict on the
task, never served from a ledger); a task without a reference solution can only be `unverified`."""

from __future__ import annotations

import re
import time
from collections import Counter
from enum import Enum
from pathlib import Path

from pydantic import BaseModel, Field

from litecoder_terminal.agents import Agent, NopAgent, OracleAgent, ScriptAgent
from litecoder_terminal.gates.battery import NOTHING_TO_MUTATE, alt_agents, describe, mutation_agents
from litecoder_terminal.runner.layout import build_log_dir, stamp_trial, validate_trial_name
from litecoder_terminal.sandbox import BuildError, DockerEngine, SandboxError
from litecoder_terminal.task import NetworkMode, TaskConfig, TaskDir, TaskLoadError, VerifierEnvironmentMode
from litecoder_terminal.task.dockerfile import from_lines, substitute_base_images
from litecoder_terminal.task.lint import Finding, Severity, lint_task
from litecoder_terminal.trial import ErrorKind, TrialResult, TrialStatus, build_task_images, run_trial


class Verdict(str, Enum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    ERROR = "error"  # infrastructure (registry, DNS, daemon, download host): retried, never a verdict on the task
    UNVERIFIED = "unverified"  # lint, build and no-op passed, but no reference solution showed it solvable


class GateReason(BaseModel):
    gate: str
    message: str
    kind: str | None = None  # a short, stable class of the reason (an LCT code, "oracle scores < 1", ...): totals


class TrialSummary(BaseModel):
    gate: str
    agent: str
    status: TrialStatus
    reward: float | None
    seconds: float
    error: str | None = None
    dir: str
    steps: list[dict] | None = None  # multi-step: each step's name, reward, status, why the trial stopped there


class TaskVerdict(BaseModel):
    path: str
    name: str
    verdict: Verdict
    reasons: list[GateReason] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    image: str | None = None
    build_seconds: float | None = None
    build_cached: bool | None = None
    trials: list[TrialSummary] = Field(default_factory=list)
    content_hash: str | None = None
    seconds: float = 0.0


class _Stop(Exception):
    def __init__(self, verdict: Verdict, gate: str, message: str, kind: str | None = None):
        self.verdict, self.gate, self.message, self.kind = verdict, gate, message, kind


_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\r")
# A build or download that failed because a host could not be reached: the network's fault, not the task's.
_UNREACHABLE = re.compile(
    r"could not resolve host|temporary failure (in name resolution|resolving)|no such host|name or service not known"
    r"|failed to establish a new connection|connection (refused|reset|timed out)|network is unreachable"
    r"|i/o timeout|tls handshake timeout|could not connect to|unable to connect to|failed to connect to"
    r"|dial tcp|proxyerror|max retries exceeded|toomanyrequests|429 too many requests|503 service unavailable"
    r"|502 bad gateway|pull access denied|error pulling image|failed to resolve source metadata"
    r"|unable to locate credentials|registry.*(unreachable|unavailable)|failed to fetch http", re.IGNORECASE)
_ERROR_LINE = re.compile(r"^(error|e:|fatal)\b|\berror\b|\bfailed\b|no such file|not found|denied", re.IGNORECASE)
_ERROR_HEAD = re.compile(r"^(ERROR|E:|error:|fatal:)")
# What a verifier prints when a download host cannot be reached (a failing test of the agent's server is not this).
_VERIFIER_UNREACHABLE = re.compile(
    r"could not resolve host|temporary failure (in name resolution|resolving)|no such host|name or service not known"
    r"|failed to establish a new connection|network is unreachable|max retries exceeded|failed to fetch http"
    r"|failed to download|error sending request", re.IGNORECASE)
_PYTEST_SUMMARY = re.compile(r"^=*\s*((\d+ (passed|failed|errors?|skipped|xfailed|xpassed|warnings?|deselected)"
                             r"[, ]*)+|no tests ran)( in [\d.]+s.*)?\s*=*$")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def build_failure(e: BuildError) -> tuple[bool, str]:
    """(is infrastructure, message): the first error line leads, then the tail of the log, without colour codes."""
    log = strip_ansi(e.log or "")
    text = strip_ansi(str(e))
    lines = [ln.strip() for ln in log.splitlines() if ln.strip()]
    first = (next((ln for ln in lines if _ERROR_HEAD.match(ln)), None)
             or next((ln for ln in lines if _ERROR_LINE.search(ln)), None) or text)
    tail = "\n".join(lines[-15:])
    infra = bool(_UNREACHABLE.search(text) or _UNREACHABLE.search(log))
    message = first if first == text else f"{first} ({text})"
    return infra, f"{message}\n{tail}".strip()


def verifier_evidence(trial_dir: Path, lines: int = 12) -> tuple[str | None, str]:
    """The verifier's pytest summary line (if any) and the last lines of its output, from a trial record (for a
    multi-step trial, the last step that ran)."""
    candidates = [trial_dir / "verifier" / "test-stdout.txt"]
    steps = trial_dir / "steps"
    if steps.is_dir():
        candidates += sorted(steps.glob("*/verifier/test-stdout.txt"), key=lambda p: p.stat().st_mtime,
                             reverse=True)
    out = next((p for p in candidates if p.is_file()), None)
    if out is None:
        return None, ""
    text = [ln.rstrip() for ln in strip_ansi(out.read_text(errors="replace")).splitlines() if ln.strip()]
    summary = next((ln.strip("= ").strip() for ln in reversed(text) if _PYTEST_SUMMARY.match(ln.strip())), None)
    return summary, "\n".join(text[-lines:])


def validate_task(path: Path, engine: DockerEngine | None, *, repeats: int = 3, image_map: dict[str, str] | None = None,
                  job_dir: Path, lint_only: bool = False, job_id: str | None = None, no_oracle: bool = False,
                  allow_grading_network: bool = False, force_build: bool = False) -> TaskVerdict:
    """The verdict for one task dir; never raises (an unexpected failure is an `error` verdict with its cause).

    `no_oracle` (automatic when the task has no reference solution): lint, build and no-op only, verdict
    `unverified`. `allow_grading_network`: a task whose test.sh downloads at grading time (LCT005 warning) runs as
    written, its verifier on the network the task gives it; without it such a task is stopped at lint with the ways
    out named. `force_build`: build environment/Dockerfile even when `[environment] docker_image` is set.
    Trials go directly under `job_dir` in Harbor's job layout (runner/layout.py), named and tagged with their gate."""
    t0 = time.monotonic()
    task = TaskDir(Path(path))
    out = TaskVerdict(path=str(task.root), name=task.name, verdict=Verdict.ACCEPTED)
    try:
        out.findings = lint_task(task.root)
        errors = [f for f in out.findings if f.severity is Severity.ERROR]
        if errors:
            raise _Stop(Verdict.REJECTED, "lint", "; ".join(str(f) for f in errors), errors[0].code)
        downloads = [f for f in out.findings if f.code == "LCT005"]
        if downloads and not allow_grading_network:
            where = ", ".join(f"{Path(f.file).relative_to(task.root)}:{f.line} '{f.message.split(chr(39))[1]}'"
                              for f in downloads[:3])
            raise _Stop(Verdict.REJECTED, "lint", f"test.sh downloads or installs at grading time ({where}); lct "
                        "grades offline: convert the task with `lct offline`, or validate it as written with "
                        "--allow-grading-network", "LCT005 grading-time download")
        out.content_hash = task.content_hash()
        if lint_only:
            return out
        if engine is None:
            raise _Stop(Verdict.ERROR, "build", "no Docker engine", "no Docker engine")
        config = task.config()
        if allow_grading_network:
            config = _grading_network(config)
        content_hash = out.content_hash
        _preflight(engine, task, config, image_map or {}, force_build)
        try:
            images = build_task_images(engine, task, config, image_map=image_map, force_build=force_build,
                                       log_dir=build_log_dir(job_dir, task.name, content_hash))
        except BuildError as e:
            infra, message = build_failure(e)
            if infra:
                raise _Stop(Verdict.ERROR, "build", f"a host the build needs could not be reached: {message}",
                            "build: host unreachable") from e
            raise _Stop(Verdict.REJECTED, "build", message, "build failed") from e
        out.image, out.build_seconds, out.build_cached = images.agent, images.build_seconds, images.cached
        multi = config.is_multi_step
        steps = [task.step(s.name) for s in config.steps or []]
        solvable = all(s.solve_path.is_file() for s in steps) if multi else task.solve_path.is_file()
        verify = not no_oracle and solvable

        def trial(gate: str, agent: Agent | list[Agent], n: int, stop_after: int | None = None) -> TrialResult:
            trial_dir = job_dir / validate_trial_name(task.name, content_hash, gate, n)
            if multi:
                from litecoder_terminal.trial.multi_step import run_multi_step_trial

                r = run_multi_step_trial(task, agent, engine, image=images, trial_dir=trial_dir, config=config,
                                         stop_after=stop_after)
            else:
                r = run_trial(task, agent, engine, image=images, trial_dir=trial_dir, config=config)
            r = stamp_trial(trial_dir, job_id=job_id, task_checksum=content_hash, metadata={
                "kind": "validate", "task": task.name, "gate": gate, "n": n, "content_hash": content_hash}) or r
            name = agent.name if not isinstance(agent, list) else "+".join(a.name for a in agent[: stop_after])
            out.trials.append(TrialSummary(gate=gate, agent=name, status=r.status, reward=r.reward,
                                           seconds=r.seconds, error=r.error.cause if r.error else None,
                                           dir=str(trial_dir), steps=r.metadata.get("steps") if multi else None))
            summary, tail = verifier_evidence(trial_dir)
            r.metadata["_evidence"] = _evidence(summary, tail)
            # A host the verifier downloads from could not be reached (and the task gave it network): the
            # network's fault, so whatever the trial scored is not a verdict on the task.
            r.metadata["_unreachable"] = (_unreachable_line(trial_dir) if config.phase_network("verifier")
                                          is not NetworkMode.NO_NETWORK else None)
            if r.status is TrialStatus.ERROR:
                if r.error and r.error.kind is ErrorKind.INFRA:
                    raise _Stop(Verdict.ERROR, gate, f"{name} trial {n}: {r.error.cause}", "infrastructure")
                cause = r.error.cause if r.error else "unknown"
                fail(r, gate, f"{name} trial {n}: verifier gave no reward: {cause}", "verifier gave no reward")
            return r

        def fail(r: TrialResult, gate: str, message: str, kind: str) -> None:
            unreachable = r.metadata.get("_unreachable")
            if unreachable:
                raise _Stop(Verdict.ERROR, gate, f"the verifier could not reach a host it downloads from "
                            f"({unreachable!r}): infrastructure, not a verdict on the task ({message.splitlines()[0]})"
                            f"{r.metadata['_evidence']}", "verifier: download host unreachable")
            raise _Stop(Verdict.REJECTED, gate, message + r.metadata["_evidence"], kind)

        if multi:
            _multi_step_gates(task, config, steps, trial, fail, repeats, verify)
        else:
            r = trial("nop", NopAgent(), 1)
            if r.reward != 0:
                fail(r, "nop", f"doing nothing scores {r.reward} (must be 0)", "no-op scores > 0")
            if verify:
                for i in range(1, repeats + 1):
                    r = trial("oracle", OracleAgent(), i)
                    if r.reward != 1:
                        why = f" ({'; '.join(r.tamper)})" if r.tamper else ""
                        fail(r, "oracle", f"reference solution scores {r.reward} on repeat {i} of {repeats} (must "
                             f"be 1 every time){why}", "oracle scores < 1")
                for i, script in enumerate(task.wrong_solutions, 1):
                    r = trial("wrong", ScriptAgent(script), i)
                    if r.reward != 0:
                        fail(r, "wrong", f"known-wrong solution {script.name} scores {r.reward} (must be 0)",
                             "wrong solution scores > 0")
                _battery_gates(task, config, trial, fail, repeats)
        if not verify:
            why = "--no-oracle" if no_oracle else "the task has no reference solution"
            raise _Stop(Verdict.UNVERIFIED, "oracle", f"lint, build and no-op passed; not shown solvable ({why})",
                        "no reference solution" if not no_oracle else "--no-oracle")
    except _Stop as stop:
        out.verdict = stop.verdict
        out.reasons.append(GateReason(gate=stop.gate, message=stop.message, kind=stop.kind))
    except TaskLoadError as e:
        out.verdict = Verdict.REJECTED
        out.reasons.append(GateReason(gate="lint", message=str(e), kind="task unreadable"))
    except SandboxError as e:
        out.verdict = Verdict.ERROR
        out.reasons.append(GateReason(gate="sandbox", message=str(e), kind="infrastructure"))
    except Exception as e:  # noqa: BLE001 - one bad task never stops the batch
        out.verdict = Verdict.ERROR
        out.reasons.append(GateReason(gate="internal", message=f"{type(e).__name__}: {e}", kind="internal"))
    out.seconds = round(time.monotonic() - t0, 3)
    return out


def _unreachable_line(trial_dir: Path) -> str | None:
    """The first line of the verifier's output (any step's) saying a download host could not be reached."""
    outs = [trial_dir / "verifier" / "test-stdout.txt", *sorted((trial_dir / "steps").glob("*/verifier/test-stdout.txt"))]
    for out in outs:
        if out.is_file():
            for line in strip_ansi(out.read_text(errors="replace")).splitlines():
                if _VERIFIER_UNREACHABLE.search(line):
                    return line.strip()[:200]
    return None


def _evidence(summary: str | None, tail: str) -> str:
    if not tail:
        return ""
    head = f"; pytest: {summary}" if summary else ""
    return f"{head}\n--- verifier output (last lines) ---\n{tail}"


def _grading_network(config: TaskConfig) -> TaskConfig:
    """As written, for the verifier: Harbor enforces an allowlist, lct cannot, so an allowlisted verifier gets the
    public network (only with --allow-grading-network)."""
    if config.phase_network("verifier") is NetworkMode.ALLOWLIST:
        return config.model_copy(update={"verifier": config.verifier.model_copy(
            update={"network_mode": NetworkMode.PUBLIC})})
    return config


def base_images(task: TaskDir, config: TaskConfig, image_map: dict[str, str], force_build: bool = False) -> list[str]:
    """The images a build of this task starts from (after --image-map), in order: the prebuilt `docker_image`, or
    the FROM images of environment/Dockerfile, plus the separate verifier's."""
    refs: list[str] = []

    def from_dockerfile(path: Path) -> None:
        lines = from_lines(substitute_base_images(path.read_text(errors="replace"), image_map))
        stages = {f.alias.lower() for f in lines if f.alias}
        refs.extend(f.image for f in lines if f.image.lower() not in stages and f.image != "scratch"
                    and "$" not in f.image)

    env = config.environment
    if env.docker_image and not (force_build and task.dockerfile_path.is_file()):
        refs.append(image_map.get(env.docker_image, env.docker_image))
    elif task.dockerfile_path.is_file():
        from_dockerfile(task.dockerfile_path)
    if config.verifier_mode is VerifierEnvironmentMode.SEPARATE:
        if task.verifier_dockerfile_path.is_file():
            from_dockerfile(task.verifier_dockerfile_path)
        elif config.verifier.environment is not None and config.verifier.environment.docker_image:
            refs.append(config.verifier.environment.docker_image)
    return list(dict.fromkeys(refs))


def _preflight(engine: DockerEngine, task: TaskDir, config: TaskConfig, image_map: dict[str, str],
               force_build: bool) -> None:
    """Every base image local (or pulled now) before anything is built; else an `error` naming the missing ones."""
    missing: list[str] = []
    causes: list[str] = []
    for ref in base_images(task, config, image_map, force_build):
        try:
            engine.ensure_image(ref)
        except SandboxError as e:
            missing.append(ref)
            causes.append(strip_ansi(str(e)).splitlines()[0][:300])
    if missing:
        hint = " ".join(f"--image-map {m}=<local image>" for m in missing)
        raise _Stop(Verdict.ERROR, "build", f"base image{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                    f"not local and no registry answered: make {'them' if len(missing) > 1 else 'it'} available "
                    f"(docker pull / docker load) or use {hint} ({'; '.join(causes)})", "base image missing")


def _battery_gates(task: TaskDir, config, trial, fail, repeats: int) -> None:
    """The gates of gates/battery.py, for a task that provides them: every `solution/alt/*.sh` scores 1 on every
    repeat (another correct way must pass), and every mutation of a declared output scores 0 (the verifier looks at
    what it claims to check). A mutation that found nothing to change is not judged."""
    for j, (name, agent) in enumerate(alt_agents(task)):
        for i in range(1, repeats + 1):
            r = trial("alt", agent, j * repeats + i)
            if r.reward != 1:
                fail(r, "alt", f"alternative solution {name} scores {r.reward} on repeat {i} of {repeats} (must be "
                     "1: a correct solution other than the reference fails)", "alternative solution scores < 1")
    try:
        mutations = mutation_agents(task, config)
    except ValueError as e:
        raise _Stop(Verdict.REJECTED, "lint", str(e), "bad [metadata.lct] outputs") from e
    for n, (name, agent) in enumerate(mutations, 1):
        r = trial("mutation", agent, n)
        if r.agent_exit_code == NOTHING_TO_MUTATE:
            continue
        if r.reward != 0:
            fail(r, "mutation", f"{describe(agent.kind, agent.output)} after the reference solution still scores "
                 f"{r.reward} (must be 0)", "mutated output scores > 0")


def _multi_step_gates(task: TaskDir, config: TaskConfig, steps, trial, fail, repeats: int,
                      verify: bool) -> None:
    """Per step k: the reference for steps before k, then doing nothing at k must score 0 at k; the reference at
    every step must score 1 at every step (and overall), `repeats` times; each `steps/<k>/solution/wrong/*.sh`
    after the reference for the steps before it must score 0 at k. Without references: no-op at every step."""
    n_steps = len(steps)
    if not verify:
        r = trial("nop", NopAgent(), 1)
        for rec in r.metadata.get("steps", []):
            if rec.get("reward") not in (0, None):
                fail(r, "nop", f"doing nothing scores {rec['reward']} at step "
                     f"{rec['name']!r} (must be 0)", "no-op scores > 0")
        return
    for k in range(1, n_steps + 1):
        r = trial("nop", [OracleAgent()] * (k - 1) + [NopAgent()], k, stop_after=k)
        recs = r.metadata.get("steps", [])
        if len(recs) < k:
            stopped = recs[-1] if recs else {}
            fail(r, "oracle", f"reference solution of step {stopped.get('name')!r} does not "
                 f"reach its min_reward ({stopped.get('stopped')}), so step {steps[k - 1].step_name!r} "
                 f"never runs", "oracle scores < 1")
        if recs[-1].get("reward") != 0:
            fail(r, "nop", f"doing nothing at step {recs[-1]['name']!r} (after the reference "
                 f"for the steps before) scores {recs[-1]['reward']} (must be 0)",
                 "no-op scores > 0")
    for i in range(1, repeats + 1):
        r = trial("oracle", OracleAgent(), i)
        low = [rec for rec in r.metadata.get("steps", []) if rec.get("reward") != 1]
        if low or len(r.metadata.get("steps", [])) != n_steps or r.reward != 1:
            where = (f" at step {low[0]['name']!r} ({low[0]['reward']})" if low else
                     f" (only {len(r.metadata.get('steps', []))} of {n_steps} steps ran)")
            fail(r, "oracle", f"reference solution scores {r.reward} on repeat {i} of "
                 f"{repeats}{where} (must be 1 at every step, every time)",
                 "oracle scores < 1")
    for k, step in enumerate(steps, 1):
        own = step.dir / "solution" / "wrong"
        for j, script in enumerate(sorted(own.glob("*.sh")) if own.is_dir() else [], 1):
            r = trial("wrong", [OracleAgent()] * (k - 1) + [ScriptAgent(script)], k * 100 + j, stop_after=k)
            rec = r.metadata.get("steps", [])[-1]
            if rec.get("reward") != 0:
                fail(r, "wrong", f"known-wrong solution {script.name} of step "
                     f"{step.step_name!r} scores {rec.get('reward')} (must be 0)",
                     "wrong solution scores > 0")


def verdict_totals(verdicts: list[TaskVerdict]) -> dict[str, dict[str, int]]:
    """Counts by verdict, by gate (of the first reason) and by reason kind, most common first."""
    by_verdict = Counter(v.verdict.value for v in verdicts)
    by_gate = Counter(f"{v.verdict.value}/{v.reasons[0].gate}" for v in verdicts if v.reasons)
    by_reason = Counter(f"{v.verdict.value}/{v.reasons[0].kind or v.reasons[0].gate}" for v in verdicts if v.reasons)
    return {"verdict": dict(by_verdict.most_common()), "gate": dict(by_gate.most_common()),
            "reason": dict(by_reason.most_common())}
