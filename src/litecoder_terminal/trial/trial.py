"""One attempt at a task, in phases, with grading the agent cannot touch.

agent env up -> agent -> stop the agent's container (every process ends at once) -> what the verifier may see
crosses -> verifier env up (a fresh container) -> tests in -> test.sh -> stop the verifier's container -> the
host reads the reward (finite, in [0, 1]) -> close.

Separate mode (Harbor's `[verifier] environment_mode = "separate"`): the verifier container starts from the
pristine task image (or the task's verifier image) and the host copies in the declared `artifacts` only.
Shared mode (what the task asks for, as most external datasets do): the verifier container starts from the agent's
filesystem as it was left (committed), after the host judged its changes against an allow-list (trial/tamper.py).
In both, nothing the agent started is alive while the tests run or when the reward is read.
"""

from __future__ import annotations

import io
import json
import shlex
import tarfile
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from litecoder_terminal.agents.basic import AgentOutcome
from litecoder_terminal.sandbox import ArchiveTooLarge, BuildError, Limits, SandboxError
from litecoder_terminal.task import NetworkMode, TaskConfig, TaskDir, VerifierEnvironmentMode
from litecoder_terminal.task.model import EnvironmentConfig
from litecoder_terminal.trial.artifacts import (
    DEFAULT_MAX_BYTES,
    Artifact,
    ArtifactRefused,
    entries_with_convention,
    mirror,
    sanitize,
)
from litecoder_terminal.trial.result import (
    ErrorKind,
    PhaseTiming,
    RewardError,
    TrialError,
    TrialResult,
    TrialStatus,
    parse_reward,
)
from litecoder_terminal.trial.tamper import AllowList, shared_mode_tampering

LOGS_DIR = "/logs"
VERIFIER_DIR = "/logs/verifier"
TESTS_DIR = "/tests"
SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
PROBE_ALIAS = "agent"  # the agent's container as the verifier reaches it on the trial's private network


@dataclass(frozen=True)
class TrialPaths:
    """Where a trial's record lives (Harbor's trial dir layout)."""

    root: Path

    @property
    def result_path(self) -> Path:
        return self.root / "result.json"

    @property
    def agent_dir(self) -> Path:
        return self.root / "agent"

    @property
    def verifier_dir(self) -> Path:
        return self.root / "verifier"

    @property
    def artifacts_dir(self) -> Path:
        return self.root / "artifacts"

    @property
    def test_stdout_path(self) -> Path:
        return self.verifier_dir / "test-stdout.txt"

    @property
    def tamper_path(self) -> Path:
        return self.verifier_dir / "tamper.txt"


@dataclass(frozen=True)
class TaskImages:
    """The images one task runs in: the agent's and the verifier's (the same one unless the task says)."""

    agent: str
    verifier: str
    build_seconds: float = 0.0
    cached: bool = True


def build_task_images(engine, task: TaskDir, config: TaskConfig | None = None, *,
                      image_map: dict[str, str] | None = None, force_build: bool = False,
                      log_dir: Path | None = None) -> TaskImages:
    """The one function that turns a task into its images. `[environment] docker_image` is used as Harbor does
    (the local image, else pulled) unless `force_build` and a Dockerfile exist; a separate verifier uses
    `tests/Dockerfile`, else `[verifier.environment] docker_image`, else the agent's image.
    Raises BuildError for a task defect, SandboxError for infrastructure."""
    config = config or task.config()
    t0 = time.monotonic()
    cached = True
    env = config.environment
    if env.docker_image and not (force_build and task.dockerfile_path.is_file()):
        engine.ensure_image(image_map.get(env.docker_image, env.docker_image) if image_map else env.docker_image)
        agent = (image_map or {}).get(env.docker_image, env.docker_image)
    elif task.dockerfile_path.is_file():
        built = engine.build(task.environment_dir, image_map=image_map, timeout_sec=env.build_timeout_sec,
                             log_path=log_dir / "build.log" if log_dir else None)
        agent, cached = built.tag, built.cached
    else:
        raise BuildError(f"{task.dockerfile_path}: missing, and no [environment] docker_image")
    verifier = agent
    if config.verifier_mode is VerifierEnvironmentMode.SEPARATE:
        venv = config.verifier.environment
        if task.verifier_dockerfile_path.is_file():
            built = engine.build(task.tests_dir, image_map=image_map,
                                 timeout_sec=(venv or env).build_timeout_sec,
                                 log_path=log_dir / "verifier-build.log" if log_dir else None)
            verifier, cached = built.tag, cached and built.cached
        elif venv is not None and venv.docker_image:
            engine.ensure_image(venv.docker_image)
            verifier = venv.docker_image
    return TaskImages(agent, verifier, round(time.monotonic() - t0, 3), cached)


def _limits(env: EnvironmentConfig, config: TaskConfig) -> Limits:
    return Limits(env.cpus, env.memory_mb, env.pids_limit or config.pids_limit)


def start_agent_env(engine, image: str, config: TaskConfig, labels: dict[str, str] | None = None):
    """The agent's container: the task's limits, env, workdir and labels, network as `[agent]` says."""
    return engine.start(image, limits=_limits(config.environment, config),
                        network=config.phase_network("agent") is NetworkMode.PUBLIC, env=config.environment.env,
                        workdir=config.environment.workdir, labels=labels,
                        setup=f"mkdir -p {LOGS_DIR}/agent {VERIFIER_DIR}")


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class _Phase:
    def __init__(self, result: TrialResult, name: str):
        self.result, self.name = result, name

    def __enter__(self) -> None:
        self.started, self.t0 = _now(), time.monotonic()

    def __exit__(self, *exc: object) -> None:
        self.result.timings[self.name] = PhaseTiming(started_at=self.started, seconds=round(time.monotonic() - self.t0, 4))


def _killed_by_signal(code: int | None) -> bool:
    return code is not None and 128 < code <= 128 + 64


class Grader:
    """Grades what an agent left in its container; `run_trial` and the RL env both use it (the one grading path).

    `grade(agent_box, cleanup_paths)` fills `result` in and never leaves a container of its own behind. It raises
    SandboxError for harness failures; everything the agent can cause ends in a reward (0 with a cause at worst).
    """

    def __init__(self, engine, task: TaskDir, config: TaskConfig, images: TaskImages, result: TrialResult,
                 paths: TrialPaths, *, labels: dict[str, str] | None = None,
                 max_artifact_bytes: int = DEFAULT_MAX_BYTES, verifier_box: Future | None = None):
        self.engine, self.task, self.config, self.images = engine, task, config, images
        self.result, self.paths, self.labels = result, paths, labels
        self.max_artifact_bytes = max_artifact_bytes
        # A verifier container started while the agent worked (run_trial starts it beside the agent's): fresh all the same, the
        # agent never had a way to it (no network, another container); grade() owns and closes it.
        self.verifier_box = verifier_box

    def prestartable(self) -> bool:
        """Whether the verifier container can start before the agent is done (separate mode, no probe network)."""
        return (self.config.verifier_mode is VerifierEnvironmentMode.SEPARATE
                and not self.config.lct.get("probe_agent"))

    def start_verifier(self, network: bool | str = False):
        """A fresh verifier container, its logs dir made and every artifact path of the image removed (the
        verifier sees exactly what the agent left there, or nothing)."""
        venv = self.config.verifier.environment or self.config.environment
        clear = []
        for entry in entries_with_convention(self.config.artifact_entries()):
            if entry.service in (None, "main"):
                src = entry.source.rstrip("/") or "/"
                parent = src.rsplit("/", 1)[0] or "/"
                clear.append(f"rm -rf -- {shlex.quote(src)} && mkdir -p -- {shlex.quote(parent)}")
        return self.engine.start(self.images.verifier, limits=_limits(venv, self.config), network=network,
                                 env=venv.env, workdir=venv.workdir or self.config.environment.workdir,
                                 labels=self.labels,
                                 # The working directory is made again when an artifact path held it: an
                                 # output the agent deleted is then missing, yet test.sh still starts.
                                 setup=" && ".join([f"mkdir -p {LOGS_DIR}/agent {VERIFIER_DIR}", 'W="$PWD"',
                                                    *clear, 'mkdir -p -- "$W"']))

    def _take_prestarted(self):
        fut, self.verifier_box = self.verifier_box, None
        return fut.result() if fut is not None else None

    def discard_prestarted(self) -> None:
        """Close a pre-started verifier container that will not be used (waits for its start to end)."""
        try:
            box = self._take_prestarted()
        except Exception:  # noqa: BLE001 - a start that failed left nothing to close
            return
        if box is not None:
            box.close()

    def grade(self, agent_box, cleanup_paths: list[str]) -> None:
        mode = self.config.verifier_mode
        self.result.verifier_mode = mode.value
        probe = mode is VerifierEnvironmentMode.SEPARATE and bool(self.config.lct.get("probe_agent"))
        network_id = None
        vbox = None
        try:
            if mode is VerifierEnvironmentMode.SEPARATE:
                if probe:  # the verifier checks the live system from outside, over a network of this trial only
                    network_id = self.engine.private_network(f"lct-probe-{uuid.uuid4().hex[:12]}")
                    agent_box.connect(network_id, PROBE_ALIAS)
                vbox = self._separate(agent_box, network_id)
            else:
                vbox = self._shared(agent_box, cleanup_paths)
            if vbox is not None:
                self._run_tests(vbox)
        finally:
            self.discard_prestarted()
            if vbox is not None:
                vbox.close()
            if probe:
                agent_box.stop()
            if network_id is not None:
                self.engine.remove_network(network_id)

    # ---- the two ways in ----------------------------------------------------------------------------------
    def _separate(self, agent_box, network_id: str | None):
        with _Phase(self.result, "artifact_collection"):
            if network_id is None:
                agent_box.stop()  # every process the agent started ends here, at once
            try:
                artifacts = self._collect(agent_box)
            except ArtifactRefused as e:
                return self._zero([str(e)])
        with _Phase(self.result, "verifier_setup"):
            network: bool | str = network_id or self.config.phase_network("verifier") is NetworkMode.PUBLIC
            self.result.verifier_image = self.images.verifier
            vbox = self._take_prestarted() if network_id is None else None
            if vbox is None:
                vbox = self.start_verifier(network)
            try:
                for art in artifacts:
                    self._place(vbox, art)
                vbox.put_dir(self.task.tests_dir, TESTS_DIR)
            except BaseException:
                vbox.close()
                raise
        return vbox

    def _shared(self, agent_box, cleanup_paths: list[str]):
        with _Phase(self.result, "verifier_setup"):
            agent_box.stop()  # nothing the agent started survives; a container it stopped itself is graded too
            lookup = agent_box.image_lookup()
            tamper: list[str] = []
            if bool(getattr(self.config.verifier, "lct_tamper_check", True)) and self.config.lct.get(
                    "tamper_check", True):
                allow = AllowList.for_task(
                    workdir=self.config.environment.workdir,
                    artifacts=[a.source for a in self.config.artifact_entries()],
                    installs=self.config.phase_network("agent") is NetworkMode.PUBLIC,
                    extra=list(self.config.lct.get("writable", [])))
                tamper = shared_mode_tampering(agent_box.changed_paths(), allow, lookup or (lambda _p: True))
            if tamper:
                return self._zero(tamper)
            image = agent_box.commit()
            self.result.verifier_image = self.images.agent
            try:
                vbox = self.engine.start(image, limits=_limits(self.config.environment, self.config),
                                         network=self.config.phase_network("verifier") is NetworkMode.PUBLIC,
                                         env=self.config.environment.env, workdir=self.config.environment.workdir,
                                         labels=self.labels, setup="PATH=" + SYSTEM_PATH + "; rm -rf " + " ".join(
                                             f"'{p}'" for p in [*cleanup_paths, TESTS_DIR, VERIFIER_DIR])
                                         + f" && mkdir -p {VERIFIER_DIR}")
            finally:
                self.engine.remove_image(image)
            try:
                vbox.put_dir(self.task.tests_dir, TESTS_DIR)
            except BaseException:
                vbox.close()
                raise
        return vbox

    # ---- pieces -------------------------------------------------------------------------------------------
    def _collect(self, agent_box) -> list[Artifact]:
        out: list[Artifact] = []
        budget = self.max_artifact_bytes
        for entry in entries_with_convention(self.config.artifact_entries()):
            if entry.service not in (None, "main"):
                continue  # compose sidecars are not ours to run
            try:
                raw = agent_box.archive(entry.source, max_bytes=budget * 2 + (1 << 20))
            except ArchiveTooLarge as e:
                raise ArtifactRefused(f"artifact {entry.source}: larger than the {self.max_artifact_bytes} byte "
                                      f"limit ({e})") from e
            if raw is None:
                out.append(Artifact(entry.source, None))
                continue
            art = sanitize(raw, entry.source, exclude=entry.exclude, max_bytes=budget)
            budget -= art.bytes
            mirror(art, self.paths.artifacts_dir)
            out.append(art)
        self.result.artifacts = [{"source": a.source, "present": a.present, "files": a.files, "bytes": a.bytes}
                                 for a in out]
        return out

    @staticmethod
    def _place(vbox, art: Artifact) -> None:
        """What the agent left at the path, into the verifier container (whose copy `start_verifier` removed)."""
        if art.tar is not None:
            src = art.source.rstrip("/")
            vbox.put_archive(src.rsplit("/", 1)[0] or "/", art.tar)

    def _run_tests(self, vbox) -> None:
        config, result = self.config, self.result
        with _Phase(result, "verifier"):
            # As Harbor does: run by path (its shebang decides), as `[verifier] user`, else the image's USER.
            verdict = vbox.exec(["/bin/sh", "-c", f"chmod +x {TESTS_DIR}/test.sh && exec {TESTS_DIR}/test.sh"],
                                env=config.verifier.env or None, timeout_sec=config.verifier.timeout_sec,
                                user=str(config.verifier.user) if config.verifier.user is not None else None)
            result.verifier_exit_code = verdict.exit_code
            vbox.stop()  # every verifier process (and whatever agent code it ran) is dead before the reward is read
            verifier_dir = self.paths.verifier_dir
            for stale in ("reward.json", "reward.txt"):
                (verifier_dir / stale).unlink(missing_ok=True)
            _extract_files(vbox.archive(VERIFIER_DIR, max_bytes=64 << 20), verifier_dir)
            _write(self.paths.test_stdout_path, verdict.output)
        if verdict.timed_out:
            self._zero([f"the verifier did not finish within {config.verifier.timeout_sec:.0f}s "
                        "(an output that blocks, or agent code that never ends)"])
            return
        if _killed_by_signal(verdict.exit_code):
            result.error = TrialError(kind=ErrorKind.VERIFIER,
                                      cause=f"test.sh was killed by signal {verdict.exit_code - 128}: no reward")
            return
        try:
            result.reward, result.rewards = parse_reward(verifier_dir)
            result.status = TrialStatus.GRADED
        except RewardError as e:
            result.error = TrialError(kind=ErrorKind.VERIFIER, cause=str(e))

    def _zero(self, causes: list[str]) -> None:
        self.result.tamper = causes
        self.result.reward, self.result.rewards = 0.0, {"reward": 0.0, "tampered": 1.0}
        self.result.status = TrialStatus.GRADED
        self.result.error = None
        _write(self.paths.tamper_path, "\n".join(causes) + "\n")
        return None


def _extract_files(raw: bytes | None, dest: Path) -> None:
    """Regular files of a container directory's archive into `dest` (links and devices stay behind)."""
    dest.mkdir(parents=True, exist_ok=True)
    if raw is None:
        return
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts[1:]  # drop the archived directory's own name
            if not member.isfile() or not parts or ".." in parts or Path(member.name).is_absolute():
                continue
            target = dest.joinpath(*parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            f = tar.extractfile(member)
            target.write_bytes(f.read() if f else b"")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def run_trial(task: TaskDir, agent, engine, *, image: str | TaskImages, trial_dir: Path,
              config: TaskConfig | None = None, labels: dict[str, str] | None = None) -> TrialResult:
    """One attempt (images already built). Never raises for harness failures: they are status `error`."""
    config = config or task.config()
    images = image if isinstance(image, TaskImages) else TaskImages(image, image)
    paths = TrialPaths(Path(trial_dir))
    paths.root.mkdir(parents=True, exist_ok=True)
    result = TrialResult(trial_name=paths.root.name, task_name=task.name, task_path=str(task.root), agent=agent.name,
                         model=getattr(agent, "model_name", None), status=TrialStatus.ERROR, image=images.agent,
                         started_at=_now())
    t0 = time.monotonic()
    box = None
    grader = Grader(engine, task, config, images, result, paths, labels=labels)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lct-verifier-start")
    try:
        with _Phase(result, "environment_setup"):
            if grader.prestartable():  # the verifier's fresh container starts while the agent's does
                grader.verifier_box = pool.submit(
                    grader.start_verifier, config.phase_network("verifier") is NetworkMode.PUBLIC)
            box = start_agent_env(engine, images.agent, config, labels)
        with _Phase(result, "agent_execution"):
            try:
                outcome = agent.run(box, task, config, config.agent_timeout_sec)
            except SandboxError as e:
                if box.is_running() or not box.exists():
                    raise
                # the agent stopped its own container: what it left is graded all the same
                outcome = AgentOutcome(None, False, f"[the container stopped during the agent phase: {e}]")
        result.agent_exit_code, result.agent_timed_out = outcome.exit_code, outcome.timed_out
        _write(paths.agent_dir / "output.txt", outcome.output)
        if outcome.trajectory is not None:
            _write(paths.agent_dir / "trajectory.json", json.dumps(outcome.trajectory, indent=2))
        grader.grade(box, agent.cleanup_paths())
    except SandboxError as e:
        result.error = TrialError(kind=ErrorKind.INFRA, cause=str(e))
    except Exception as e:  # noqa: BLE001 - a trial records every failure instead of raising into the batch
        result.error = TrialError(kind=ErrorKind.INFRA, cause=f"{type(e).__name__}: {e}")
    finally:
        grader.discard_prestarted()
        pool.shutdown(wait=False)
        if box is not None:
            with _Phase(result, "teardown"):
                box.close()
        result.seconds = round(time.monotonic() - t0, 4)
        paths.result_path.write_text(result.model_dump_json(indent=2))
    return result


__all__ = ["Grader", "LOGS_DIR", "SYSTEM_PATH", "TESTS_DIR", "TaskImages", "TrialPaths", "VERIFIER_DIR",
           "build_task_images", "run_trial", "start_agent_env"]
