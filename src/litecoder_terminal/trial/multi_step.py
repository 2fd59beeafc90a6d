"""One attempt at a multi-step task (Harbor's `[[steps]]`): the steps run one after the other in one agent
environment, each graded by its own verifier, and the trial's reward combines theirs as the task says.

As Harbor 0.25/0.26 does: before a step, `steps/<name>/workdir/` is copied into the working directory and its
`setup.sh` run there; the agent gets the step's instruction (the oracle the step's `solution/`, else the task's); the
verifier gets the task's `tests/` with the step's `tests/` laid over it; a step whose rewards fall below its
`min_reward` (a missing key is -inf) stops the remaining steps; the trial's rewards are the per-key mean over the
steps that were graded (`multi_step_reward_strategy = "mean"`, the default) or the last step's (`"final"`).
Grading is ours (trial.Grader): a step before the last is graded from a snapshot of the agent's container taken
while it keeps running (the next step continues in it); the last step exactly as a single-step trial.
Each step's record goes to `<trial>/steps/<name>/` (agent/, verifier/, artifacts/, result.json), as Harbor lays it.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from pathlib import Path

from litecoder_terminal.sandbox import SandboxError
from litecoder_terminal.task import TaskConfig, TaskDir
from litecoder_terminal.trial.result import ErrorKind, PhaseTiming, TrialError, TrialResult, TrialStatus
from litecoder_terminal.trial.trial import Grader, TaskImages, TrialPaths, _now, _Phase, _write, start_agent_env


class _Running:
    """The agent's container as a step before the last one sees it: grading must not stop it (the next step
    continues in it), so `stop` is a no-op; everything else is the container itself."""

    def __init__(self, box):
        self._box = box

    def stop(self) -> None:
        return None

    def __getattr__(self, name):
        return getattr(self._box, name)


def run_multi_step_trial(task: TaskDir, agents, engine, *, image: TaskImages, trial_dir: Path,
                         config: TaskConfig | None = None, labels: dict[str, str] | None = None,
                         stop_after: int | None = None) -> TrialResult:
    """One attempt at every step (or the first `stop_after`). `agents` is one agent for every step, or a list with
    one per step. Never raises for harness failures: they are status `error`, as in `run_trial`.

    `result.metadata["steps"]` lists each step's name, reward, rewards, status, error and why the trial stopped
    there (`stopped`); `reward`/`rewards` are the combined ones."""
    config = config or task.config()
    steps = list(config.steps or [])[: stop_after or None]
    per_step = agents if isinstance(agents, list) else [agents] * len(steps)
    paths = TrialPaths(Path(trial_dir))
    paths.root.mkdir(parents=True, exist_ok=True)
    names = sorted({a.name for a in per_step[: len(steps)]})
    result = TrialResult(trial_name=paths.root.name, task_name=task.name, task_path=str(task.root),
                         agent=names[0] if len(names) == 1 else "+".join(a.name for a in per_step[: len(steps)]),
                         status=TrialStatus.ERROR, image=image.agent, started_at=_now())
    records: list[dict] = []
    t0 = time.monotonic()
    box = None
    try:
        with _Phase(result, "environment_setup"):
            box = start_agent_env(engine, image.agent, config, labels)
        graded: list[dict[str, float] | None] = []
        for i, (step_cfg, agent) in enumerate(zip(steps, per_step)):
            last = i == len(steps) - 1
            step = task.step(step_cfg.name)
            scfg = config.step_config(step_cfg)
            sub = TrialResult(trial_name=f"{paths.root.name}/{step.step_name}", task_name=step.name,
                              task_path=str(step.dir), agent=agent.name, status=TrialStatus.ERROR, image=image.agent,
                              started_at=_now())
            spaths = TrialPaths(paths.root / "steps" / step.step_name)
            record = {"name": step.step_name, "agent": agent.name}
            records.append(record)
            try:
                setup_error = _prepare(box, step, scfg)
                if setup_error:
                    sub.error = TrialError(kind=ErrorKind.VERIFIER, cause=setup_error)
                else:
                    with tempfile.TemporaryDirectory(prefix="lct-step-tests-") as tmp:
                        view = step.merged_tests(Path(tmp) / "tests")
                        with _Phase(sub, "agent_execution"):
                            outcome = agent.run(box, view, scfg, scfg.agent_timeout_sec)
                        sub.agent_exit_code, sub.agent_timed_out = outcome.exit_code, outcome.timed_out
                        _write(spaths.agent_dir / "output.txt", outcome.output)
                        Grader(engine, view, scfg, image, sub, spaths, labels=labels).grade(
                            box if last else _Running(box), agent.cleanup_paths())
                    if not last and agent.cleanup_paths():  # what the harness put in for this step goes
                        box.exec(["rm", "-rf", "--", *agent.cleanup_paths()], user="root", timeout_sec=60)
            finally:
                sub.seconds = round(time.monotonic() - t0, 4)
                spaths.root.mkdir(parents=True, exist_ok=True)
                spaths.result_path.write_text(sub.model_dump_json(indent=2))
                _merge_timings(result, sub)
            record.update(reward=sub.reward, rewards=sub.rewards, status=sub.status.value,
                          error=sub.error.cause if sub.error else None, tamper=sub.tamper)
            if sub.status is TrialStatus.ERROR:
                graded.append(None)
                if sub.error and sub.error.kind is ErrorKind.INFRA:
                    raise SandboxError(f"step {step.step_name!r}: {sub.error.cause}")
                record["stopped"] = "no verifier result"
                result.error = TrialError(kind=ErrorKind.VERIFIER, cause=f"step {step.step_name!r}: "
                                          f"{sub.error.cause if sub.error else 'no reward'}")
                break
            graded.append(sub.rewards or {"reward": sub.reward or 0.0})
            failure = step_cfg.min_reward_failure(sub.rewards or {"reward": sub.reward or 0.0})
            if failure and not last:
                record["stopped"] = failure
                break
        if result.error is None:
            combined = config.combine_step_rewards(graded)
            if combined is None:
                result.error = TrialError(kind=ErrorKind.VERIFIER, cause="no step gave a reward")
            else:
                result.rewards = combined
                result.reward = combined.get("reward", next(iter(combined.values())))
                result.status = TrialStatus.GRADED
    except SandboxError as e:
        result.error = TrialError(kind=ErrorKind.INFRA, cause=str(e))
    except Exception as e:  # noqa: BLE001 - a trial records every failure instead of raising into the batch
        result.error = TrialError(kind=ErrorKind.INFRA, cause=f"{type(e).__name__}: {e}")
    finally:
        if box is not None:
            with _Phase(result, "teardown"):
                box.close()
        result.metadata = {**result.metadata, "steps": records}
        result.seconds = round(time.monotonic() - t0, 4)
        paths.result_path.write_text(result.model_dump_json(indent=2))
    return result


def _prepare(box, step, config: TaskConfig) -> str | None:
    """The step's workdir files in, its setup.sh run there; the cause if setup failed (a task defect)."""
    if not step.workdir_dir.is_dir():
        return None
    workdir = config.environment.workdir
    if not workdir:
        res = box.exec(["sh", "-c", "pwd"], timeout_sec=30)
        workdir = (res.output or "/").strip().splitlines()[-1] if res.exit_code == 0 else "/"
    box.put_dir(step.workdir_dir, workdir)
    if (step.workdir_dir / "setup.sh").is_file():
        script = f"{workdir.rstrip('/')}/setup.sh"
        res = box.exec(["bash", "-c", f"cd {shlex.quote(workdir)} && bash {shlex.quote(script)}"],
                       timeout_sec=config.agent_timeout_sec, workdir=workdir)
        if res.exit_code != 0:
            return f"step {step.step_name!r} setup.sh exited with {res.exit_code}: {res.output[-500:]}"
    return None


def _merge_timings(result: TrialResult, sub: TrialResult) -> None:
    """A phase's time over all steps: started when the first step's began, lasting the sum."""
    for name, t in sub.timings.items():
        prior = result.timings.get(name)
        result.timings[name] = PhaseTiming(started_at=prior.started_at if prior else t.started_at,
                                           seconds=round((prior.seconds if prior else 0.0) + t.seconds, 4))


__all__ = ["run_multi_step_trial"]
