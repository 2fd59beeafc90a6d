"""Validate many task dirs on an executor (threads here, or Ray nodes); every verdict goes to a ledger the driver
keeps, so a killed job resumes.

The job dir is a Harbor job (runner/layout.py): config.json, result.json (Harbor's JobResult plus `tasks`, the
verdicts), and every gate trial directly under it, tagged with its gate and task. `validate_task` is a black box
here: whatever verdict it returns is recorded; only `error` verdicts are re-run on resume."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from litecoder_terminal.gates import GateReason, TaskVerdict, Verdict, validate_task
from litecoder_terminal.runner.executors import Executor, LocalExecutor, Lost, NodeContext
from litecoder_terminal.runner.layout import HarborJob, build_log_dir, load_trial, validate_trial_name
from litecoder_terminal.sandbox import DockerEngine
from litecoder_terminal.store import RecordStore
from litecoder_terminal.task.model import tree_hash


class Ledger(RecordStore[TaskVerdict]):
    """Finished verdicts, keyed by task content hash and the settings that judged them."""

    def __init__(self, path: Path):
        super().__init__(path, "verdicts", TaskVerdict)


class ImageDisk(BaseModel):
    """A task image's disk (`docker image inspect` / history sizes): its size, the bytes of layers it shares with
    task images measured before it on the same node (base image, the shared tool layer), and the rest, which is
    what this task adds. A node's first image has nothing to compare with (`reference`): it is kept, as the holder
    of the shared layers, and left out of the per-task figures."""

    image: str
    image_bytes: int
    shared_bytes: int | None = None
    extra_bytes: int | None = None
    reference: bool = False
    removed: bool = False


class ValidateOutcome(BaseModel):
    verdict: TaskVerdict
    node: str | None = None
    disk: ImageDisk | None = None
    resumed: bool = False


@dataclass
class ValidateRequest:
    """One task for a node: everything `validate_task` needs, picklable."""

    path: str
    job_dir: str
    repeats: int = 3
    image_map: dict[str, str] = field(default_factory=dict)
    lint_only: bool = False
    job_id: str | None = None
    measure_disk: bool = False
    remove_image: bool = False
    gate_options: dict[str, bool] = field(default_factory=dict)  # validate_task's keyword options (no_oracle, ...)


def _ledger_key(path: Path, settings: dict) -> str | None:
    try:
        return tree_hash(path) + ":" + json.dumps(settings, sort_keys=True)
    except OSError:
        return None


def image_disk(node: NodeContext, image: str) -> ImageDisk | None:
    """Size of `image`, split into the layers this node's earlier task images share and the layers only it has
    (layers named by the chain of instructions and sizes from its base up, as `docker history` lists them)."""
    try:
        size = int(node.engine.client.images.get(image).attrs["Size"])
        history = list(reversed(node.engine.client.api.history(image)))  # oldest first
    except Exception:  # noqa: BLE001 - a figure we cannot read is left out, never a verdict
        return None
    chain, h = [], hashlib.sha256()
    for entry in history:
        h.update(f"{entry.get('CreatedBy', '')}\0{entry.get('Size', 0)}\n".encode())
        chain.append(h.copy().hexdigest())
    seen, first = node.register_layers(chain)
    shared = sum(int(e.get("Size") or 0) for e, c in zip(history, chain) if c in seen)
    if first:
        return ImageDisk(image=image, image_bytes=size, reference=True)
    return ImageDisk(image=image, image_bytes=size, shared_bytes=shared, extra_bytes=size - shared)


def validate_on_node(node: NodeContext | None, req: ValidateRequest) -> ValidateOutcome:
    """One task's verdict on the node's engine; with `remove_image`, its image is removed once the verdict is in
    (unless another task on this node is using the same content-hash image)."""
    path = Path(req.path)
    engine = node.engine if node is not None else None
    hold = None
    if node is not None and req.remove_image:
        try:
            hold = "env:" + tree_hash(path / "environment")
        except OSError:
            hold = None
        if hold:
            node.hold(hold)
    try:
        v = validate_task(path, engine, repeats=req.repeats, image_map=req.image_map or None,
                          job_dir=Path(req.job_dir), lint_only=req.lint_only, job_id=req.job_id,
                          **req.gate_options)
    finally:
        last = node.release(hold) if hold and node is not None else False
    out = ValidateOutcome(verdict=v, node=node.node if node is not None else None)
    if node is not None and v.image and v.image.startswith("lct-env:") and (req.measure_disk or req.remove_image):
        out.disk = image_disk(node, v.image)
        if req.remove_image and last and out.disk is not None and not out.disk.reference:
            node.engine.remove_image(v.image)
            out.disk.removed = True
    return out


def _written(req: ValidateRequest, outcome: ValidateOutcome) -> list[Path]:
    """What a verdict wrote into the job dir: its trial dirs and its build logs."""
    v = outcome.verdict
    paths = [Path(t.dir) for t in v.trials]
    if v.content_hash and v.trials:
        paths.append(build_log_dir(Path(v.trials[0].dir).parent, v.name, v.content_hash))
    return paths


def _error_outcome(req: ValidateRequest, cause: str) -> ValidateOutcome:
    p = Path(req.path)
    return ValidateOutcome(verdict=TaskVerdict(path=str(p), name=p.name, verdict=Verdict.ERROR,
                                               reasons=[GateReason(gate="executor", message=cause)]))


def validate_outcomes(paths: list[Path], *, engine: DockerEngine | None = None, job_dir: Path, jobs: int = 2,
                      repeats: int = 3, image_map: dict[str, str] | None = None, lint_only: bool = False,
                      executor: Executor | None = None, measure_disk: bool = False, remove_images: bool = False,
                      gate_options: dict[str, bool] | None = None,
                      on_done: Callable[[ValidateOutcome], None] | None = None,
                      on_lost: Callable[[Lost], None] | None = None) -> list[ValidateOutcome]:
    """Outcomes in the order of `paths` (verdict, node, image disk). Tasks already judged in this job dir (same
    content, same settings) are not re-run; `error` verdicts always are. Without `executor`, `jobs` threads on
    `engine` (today's behaviour)."""
    job_dir = Path(job_dir).resolve()
    settings = {"repeats": repeats, "image_map": image_map or {}, "lint_only": lint_only}
    gate_options = {k: v for k, v in (gate_options or {}).items() if v}
    if gate_options:  # only when given, so ledgers of runs without them keep their keys
        settings["gate_options"] = gate_options
    own_executor = executor is None
    executor = executor or LocalExecutor(engine, jobs)
    job = HarborJob(job_dir, kind="validate", agents=[{"name": "nop"}, {"name": "oracle"}],
                    task_paths=[Path(p) for p in paths], n_attempts=repeats, n_concurrent=jobs, settings=settings)
    ledger = Ledger(job_dir / "ledger.sqlite")
    disks = RecordStore(job_dir / "ledger.sqlite", "image_disk", ImageDisk)
    results: dict[int, ValidateOutcome] = {}
    keys: dict[int, str | None] = {}
    todo: list[int] = []
    for i, p in enumerate(paths):
        p = Path(p)
        keys[i] = _ledger_key(p, settings) if p.is_dir() else None
        prior = ledger.get(keys[i]) if keys[i] else None
        if prior is not None and prior.verdict is not Verdict.ERROR:
            results[i] = ValidateOutcome(verdict=prior, disk=disks.get(keys[i]), resumed=True)
            if on_done:
                on_done(results[i])
        else:
            todo.append(i)
    reqs = [ValidateRequest(path=str(Path(paths[i]).resolve()), job_dir=str(job_dir), repeats=repeats,
                            image_map=image_map or {}, lint_only=lint_only, job_id=job.id,
                            measure_disk=measure_disk, remove_image=remove_images, gate_options=gate_options)
            for i in todo]

    def lost(event: Lost) -> None:
        _clear_trials(job_dir, Path(reqs[event.index].path))  # the retry starts clean: no half-run trial stays
        if on_lost:
            on_lost(event)

    try:
        for j, outcome in executor.run(validate_on_node, reqs, lost_result=_error_outcome, on_lost=lost,
                                       job_dir=job_dir, ship_paths=lambda r: [Path(r.path)],
                                       result_paths=_written):
            i = todo[j]
            outcome.verdict.path = str(Path(paths[i]))  # as the caller named it, wherever it ran
            results[i] = outcome
            if keys[i]:
                ledger.put(keys[i], outcome.verdict)
                if outcome.disk is not None:
                    disks.put(keys[i], outcome.disk)
            if on_done:
                on_done(outcome)
    finally:
        ledger.close()
        disks.close()
        if own_executor:
            executor.close()
        elif engine is not None:
            engine.remove_run_containers()
    ordered = [results[i] for i in range(len(paths))]
    trials = [r for o in ordered for t in o.verdict.trials if (r := load_trial(job_dir / Path(t.dir).name)) is not None]
    extra = {"tasks": [o.verdict.model_dump(mode="json") for o in ordered], "executor": executor.describe()}
    job.write(trials, n_total=len(trials), extra=extra)
    return ordered


def _clear_trials(job_dir: Path, task: Path) -> None:
    """Remove what a lost attempt at `task` left in the job dir (its trial dirs and build logs)."""
    try:
        h = tree_hash(task)
    except OSError:
        return
    for d in job_dir.glob(validate_trial_name(task.name, h, "*", 0).replace("*-0", "*")):
        shutil.rmtree(d, ignore_errors=True)
    shutil.rmtree(build_log_dir(job_dir, task.name, h), ignore_errors=True)


def validate_many(paths: list[Path], *, engine: DockerEngine | None, job_dir: Path, jobs: int = 2, repeats: int = 3,
                  image_map: dict[str, str] | None = None, lint_only: bool = False,
                  executor: Executor | None = None, gate_options: dict[str, bool] | None = None,
                  on_done: Callable[[TaskVerdict, bool], None] | None = None,
                  on_lost: Callable[[Lost], None] | None = None) -> list[TaskVerdict]:
    """Verdicts in the order of `paths`. Tasks already judged in this job dir (same content, same settings) are not
    re-run; `error` verdicts are always retried. `gate_options` go to `validate_task` (no_oracle, ...)."""
    cb = (lambda o: on_done(o.verdict, o.resumed)) if on_done else None
    return [o.verdict for o in validate_outcomes(paths, engine=engine, job_dir=job_dir, jobs=jobs, repeats=repeats,
                                                 image_map=image_map, lint_only=lint_only, executor=executor,
                                                 gate_options=gate_options, on_done=cb, on_lost=on_lost)]
