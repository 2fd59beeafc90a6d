"""Where work items run: a thread pool on this machine's Docker engine (`local`), or node-local actors on a Ray
cluster (`ray`), each owning its node's engine, image cache and Docker slots. Callers see one interface.

A work function is `fn(node, item) -> result`, a module-level (picklable) function; `node` is the `NodeContext` of
the engine it runs on. `Executor.run` yields `(index, result)` as items finish, exactly once per item. On Ray, an
item whose node (or actor) dies is an infrastructure loss: it is resubmitted to another node (up to
`node_retries` times) and reported to `on_lost`; when no retry is left, `lost_result(item, cause)` stands in for it.
A work function that raises is a harness bug; its result is `lost_result(item, cause)` too (never a verdict).

File movement on a cluster: task dirs and job dirs are named by absolute path. Where the driver's job dir is seen by
a node (a shared filesystem; a marker file decides), the node reads tasks and writes trial dirs in place. Where it is
not, the driver ships each task dir to the node as a tar (unpacked at the same absolute path) and the node sends the
trial dirs it wrote back as a tar, which the driver unpacks into the job dir; the node's copies are then removed.
"""

from __future__ import annotations

import io
import shutil
import socket
import tarfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from litecoder_terminal.sandbox import DockerEngine

EXECUTORS = ("local", "ray")
DOCKER_RESOURCE = "docker"  # the custom Ray resource: Docker slots (trials/tasks at once) a node offers
FS_MARKER = ".lct-shared-fs"


class ExecutorError(RuntimeError):
    """The executor cannot run at all (Ray missing, no node offers Docker slots, ...): a clear, named cause."""


class NodeContext:
    """What one node's work shares: its Docker engine, which task images are in use (so one task's image is not
    removed under another task using the same content-hash tag), and the node's name for records."""

    def __init__(self, engine: DockerEngine, node: str | None = None):
        self.engine = engine
        self.node = node or socket.gethostname()
        self._images: dict[str, int] = {}
        self._lock = threading.Lock()
        self.layers: set[str] = set()  # layer chain hashes of the task images measured on this node
        self._memo: dict[str, Any] = {}
        self._memo_locks: dict[str, threading.Lock] = {}

    def once(self, key: str, make: Callable[[], Any]) -> Any:
        """`make()` once per key on this node (e.g. a task's image build); concurrent callers wait for it."""
        with self._lock:
            lock = self._memo_locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._memo:
                self._memo[key] = make()
            return self._memo[key]

    def register_layers(self, chain: list[str]) -> tuple[set[str], bool]:
        """Record an image's layer chain; returns (the chain hashes this node had seen before, whether this image
        is the node's first: it is kept, holding the shared layers the next builds reuse)."""
        with self._lock:
            first = not self.layers
            seen = {h for h in chain if h in self.layers}
            self.layers.update(chain)
            return seen, first

    def hold(self, key: str) -> None:
        with self._lock:
            self._images[key] = self._images.get(key, 0) + 1

    def release(self, key: str) -> bool:
        """Drop one hold on `key`; True when nobody on this node holds it any more."""
        with self._lock:
            n = self._images.get(key, 0) - 1
            if n <= 0:
                self._images.pop(key, None)
                return True
            self._images[key] = n
            return False


@dataclass
class Lost:
    """One in-flight item that a node took down with it."""

    index: int
    node: str
    cause: str
    retried: bool


class Executor:
    name = "executor"

    def run(self, fn: Callable[[NodeContext, Any], Any], items: list[Any], *,
            lost_result: Callable[[Any, str], Any], on_lost: Callable[[Lost], None] | None = None,
            job_dir: Path | None = None, ship_paths: Callable[[Any], list[Path]] | None = None,
            result_paths: Callable[[Any, Any], list[Path]] | None = None) -> Iterator[tuple[int, Any]]:
        """`job_dir`: where results write (trial dirs); `ship_paths(item)`: the item's input dirs and
        `result_paths(item, result)`: what it wrote, both moved only when a node does not share the job dir."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name}

    def close(self) -> None:
        pass

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LocalExecutor(Executor):
    """Today's behaviour: `jobs` threads on one engine (the Docker SDK blocks, so threads are the right tool)."""

    name = "local"

    def __init__(self, engine: DockerEngine | None, jobs: int = 2):
        self.engine = engine
        self.jobs = max(1, jobs)
        self.node = NodeContext(engine, "local") if engine is not None else None

    def run(self, fn, items, *, lost_result, on_lost=None, job_dir=None, ship_paths=None, result_paths=None):
        def call(i: int):
            try:
                return fn(self.node, items[i])
            except Exception as e:  # noqa: BLE001 - a harness bug is an error result, the batch goes on
                return lost_result(items[i], f"{type(e).__name__}: {e}")

        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = {pool.submit(call, i): i for i in range(len(items))}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield futures[fut], fut.result()

    def describe(self):
        return {"executor": "local", "jobs": self.jobs}

    def close(self) -> None:
        if self.engine is not None:
            self.engine.remove_run_containers()


# ---------------------------------------------------------------------------------------------------------
# Ray
# ---------------------------------------------------------------------------------------------------------

def _ray():
    try:
        import ray
    except ImportError as e:  # pragma: no cover - ray is a dependency; a broken install still says so
        raise ExecutorError("--executor ray needs the `ray` package: pip install 'ray>=2.9'") from e
    return ray


def tar_paths(paths: list[Path]) -> bytes:
    """A tar of each existing path, stored under its absolute path (without the leading slash)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for p in paths:
            if p.exists():
                tar.add(str(p), arcname=str(p.resolve()).lstrip("/"))
    return buf.getvalue()


def untar_paths(data: bytes, root: Path = Path("/")) -> None:
    """Unpack a `tar_paths` archive at the same absolute paths (under `root`); members stay inside `root`."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        tar.extractall(str(root), filter="tar")


class _NodeWorker:
    """The node-local actor: one per node, owning the node's Docker engine; `slots` calls run at once."""

    def __init__(self, run_id: str, node_name: str, engine_factory: Callable[[str], Any] | None = None):
        self.node = NodeContext((engine_factory or _docker_engine)(run_id), node_name)
        self.run_id = run_id

    def ready(self) -> str:
        return self.node.node

    def call(self, fn, item, ship_in: tuple[list[str], bytes] | None, job_dir: str | None, marker: str | None,
             result_paths: Callable[[Any, Any], list[Path]] | None):
        """Run `fn(node, item)`; returns (result, tar of what it wrote, or None where the job dir is shared).
        `marker` None: shared; "" : not shared (forced); else shared when the marker file is seen here."""
        shared = marker is None or (bool(marker) and job_dir is not None and (Path(job_dir) / marker).exists())
        if shared:
            return fn(self.node, item), None
        inputs = [Path(p) for p in ship_in[0]] if ship_in else []
        if ship_in is not None:
            untar_paths(ship_in[1])
        try:
            result = fn(self.node, item)
            written = [Path(p) for p in (result_paths(item, result) if result_paths else [])]
            return result, tar_paths(written)
        finally:  # the node keeps nothing of a job it does not share with the driver
            for p in inputs + (written if "written" in locals() else []):
                shutil.rmtree(p, ignore_errors=True)

    def shutdown(self) -> int:
        return self.node.engine.remove_run_containers()


def _docker_engine(run_id: str) -> DockerEngine:
    return DockerEngine(run_id=run_id)


@dataclass
class _Actor:
    node_id: str
    name: str
    slots: int
    handle: Any
    inflight: int = 0
    alive: bool = True


@dataclass
class RayExecutor(Executor):
    """Node-local actors on a Ray cluster. Each alive node offering `docker` slots gets one actor holding all of
    them (so a node never runs more than it offers); the driver hands items to the least loaded actor and keeps
    every ledger itself. `address` None starts (or joins, via RAY_ADDRESS or a `ray start` on this machine) a
    local cluster whose node offers `local_slots` Docker slots."""

    address: str | None = None
    local_slots: int = 2
    node_retries: int = 3
    wait_for_nodes_sec: float = 120.0
    init_kwargs: dict[str, Any] = field(default_factory=dict)
    shared_fs: bool | None = None  # None: each node checks for the job dir's marker; False: always ship
    engine_factory: Callable[[str], Any] | None = None  # run_id -> engine, made on the node (default: DockerEngine)
    name: str = "ray"

    def __post_init__(self) -> None:
        ray = _ray()
        self._owns_ray = False
        if not ray.is_initialized():
            kwargs = dict(self.init_kwargs)
            kwargs.setdefault("include_dashboard", False)
            kwargs.setdefault("log_to_driver", False)
            kwargs.setdefault("configure_logging", False)
            if self.address:
                ray.init(address=self.address, **kwargs)
            else:
                try:  # join a cluster that `ray start` (or RAY_ADDRESS) made on this machine
                    ray.init(address="auto", **kwargs)
                except (ConnectionError, RuntimeError, ValueError):  # none: a one-node cluster of our own
                    kwargs.setdefault("object_store_memory", 200 * 2**20)  # task dirs and trial tars are small
                    ray.init(resources={DOCKER_RESOURCE: self.local_slots}, **kwargs)
            self._owns_ray = True
        self.run_id = f"ray-{uuid.uuid4().hex[:8]}"
        self._actors: dict[str, _Actor] = {}
        self._remote_cls = ray.remote(num_cpus=0)(_NodeWorker)
        self.lost: list[Lost] = []
        self._refresh(wait_sec=self.wait_for_nodes_sec)

    # -- nodes ---------------------------------------------------------------------------------------------
    def _refresh(self, wait_sec: float = 0.0) -> None:
        """One actor per alive node offering Docker slots that has none yet."""
        ray = _ray()
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        deadline = time.monotonic() + wait_sec
        while True:
            created = []
            for n in ray.nodes():
                slots = int(n.get("Resources", {}).get(DOCKER_RESOURCE, 0))
                nid = n["NodeID"]
                if not n.get("Alive") or slots < 1:
                    continue
                known = self._actors.get(nid)
                if known is not None:
                    continue
                name = f"{n.get('NodeManagerHostname') or n.get('NodeManagerAddress')}:{nid[:8]}"
                handle = self._remote_cls.options(
                    resources={DOCKER_RESOURCE: slots}, max_concurrency=slots, max_restarts=0,
                    scheduling_strategy=NodeAffinitySchedulingStrategy(nid, soft=False),
                ).remote(f"{self.run_id}-{nid[:8]}", name, self.engine_factory)
                created.append(_Actor(nid, name, slots, handle))
            for a in created:
                try:
                    ray.get(a.handle.ready.remote(), timeout=max(30.0, wait_sec))
                    self._actors[a.node_id] = a
                except Exception:  # noqa: BLE001 - a node that cannot host the actor is skipped (retried later)
                    ray.kill(a.handle)
            if self._live() or time.monotonic() >= deadline:
                break
            time.sleep(1.0)
        if not self._live() and wait_sec:
            raise ExecutorError(
                f"no alive Ray node offers `{DOCKER_RESOURCE}` slots"
                + (f" at {self.address}" if self.address else "")
                + f"; start each node with `ray start ... --resources '{{\"{DOCKER_RESOURCE}\": N}}'` "
                  "(N = trials at once on that node's Docker engine)")

    def _live(self) -> list[_Actor]:
        return [a for a in self._actors.values() if a.alive]

    def describe(self):
        return {"executor": "ray", "run_id": self.run_id,
                "nodes": [{"node": a.name, "slots": a.slots, "alive": a.alive} for a in self._actors.values()],
                "lost": [vars(x) for x in self.lost]}

    # -- work ----------------------------------------------------------------------------------------------
    def run(self, fn, items, *, lost_result, on_lost=None, job_dir=None, ship_paths=None, result_paths=None):
        marker = None
        if job_dir is not None and self.shared_fs is False:
            job_dir, marker = Path(job_dir).resolve(), ""
        elif job_dir is not None:  # a node that sees this file shares the driver's job dir
            job_dir = Path(job_dir).resolve()
            job_dir.mkdir(parents=True, exist_ok=True)
            marker = f"{FS_MARKER}-{self.run_id}"
            (job_dir / marker).write_text(socket.gethostname())
        try:
            yield from self._run(fn, items, lost_result, on_lost, job_dir, marker, ship_paths, result_paths)
        finally:
            if marker:
                (job_dir / marker).unlink(missing_ok=True)

    def _run(self, fn, items, lost_result, on_lost, job_dir, marker, ship_paths, result_paths):
        ray = _ray()
        from ray.exceptions import RayError, RayTaskError

        queue: deque[int] = deque(range(len(items)))
        tries = [0] * len(items)
        inflight: dict[Any, tuple[int, _Actor]] = {}
        job_dir = str(job_dir) if job_dir is not None else None
        last_refresh = time.monotonic()
        idle_since: float | None = None

        def ship(i: int) -> tuple[list[str], bytes] | None:
            if marker is None or ship_paths is None:
                return None
            paths = [Path(p).resolve() for p in ship_paths(items[i])]
            return [str(p) for p in paths], tar_paths(paths)

        while queue or inflight:
            live = self._live()
            if queue and (not live or time.monotonic() - last_refresh > 30):
                self._refresh()  # nodes that joined since (or came back)
                last_refresh = time.monotonic()
                live = self._live()
            if queue and not live and not inflight:
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since > self.wait_for_nodes_sec:
                    while queue:
                        i = queue.popleft()
                        yield i, lost_result(items[i], "no alive Ray node offers Docker slots")
                    break
                time.sleep(1.0)
                continue
            idle_since = None
            for a in sorted(live, key=lambda a: a.inflight / a.slots):
                while queue and a.inflight < a.slots:
                    i = queue.popleft()
                    ref = a.handle.call.remote(fn, items[i], ship(i), job_dir, marker, result_paths)
                    inflight[ref] = (i, a)
                    a.inflight += 1
            if not inflight:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=5.0)
            for ref in ready:
                i, a = inflight.pop(ref)
                a.inflight -= 1
                try:
                    result, shipped = ray.get(ref)
                except RayTaskError as e:  # the work function raised: a harness bug, not a node loss
                    yield i, lost_result(items[i], f"on {a.name}: {str(e).strip().splitlines()[-1][:500]}")
                    continue
                except RayError as e:  # the actor, its worker process or its node went away
                    a.alive = False
                    tries[i] += 1
                    cause = f"node {a.name} lost: {type(e).__name__}"
                    retry = tries[i] <= self.node_retries
                    event = Lost(i, a.name, cause, retry)
                    self.lost.append(event)
                    if on_lost:
                        on_lost(event)
                    if retry:
                        queue.appendleft(i)
                    else:
                        yield i, lost_result(items[i], f"{cause} ({tries[i]} nodes lost this item)")
                    continue
                if shipped:
                    untar_paths(shipped)
                yield i, result

    def close(self) -> None:
        ray = _ray()
        for a in self._live():
            try:
                ray.get(a.handle.shutdown.remote(), timeout=60)
            except Exception:  # noqa: BLE001 - a dead node's containers are `lct gc`'s job there
                pass
            ray.kill(a.handle)
        dead = [f"{self.run_id}-{a.node_id[:8]}" for a in self._actors.values() if not a.alive]
        if dead and self.engine_factory is None:  # a lost node's containers, when its engine is also ours
            try:
                engine = DockerEngine(run_id=self.run_id)
                for run_id in dead:
                    engine.run_id = run_id
                    engine.remove_run_containers()
            except Exception:  # noqa: BLE001 - no engine here (a real cluster): `lct gc` on that node
                pass
        self._actors.clear()
        if self._owns_ray and ray.is_initialized():
            ray.shutdown()


def make_executor(kind: str, *, engine: DockerEngine | None = None, jobs: int = 2, ray_address: str | None = None,
                  **ray_kwargs: Any) -> Executor:
    """`local`: `jobs` threads on `engine`. `ray`: node actors; a local cluster started here offers `jobs` slots."""
    if kind == "local":
        return LocalExecutor(engine, jobs)
    if kind == "ray":
        return RayExecutor(address=ray_address, local_slots=jobs, **ray_kwargs)
    raise ExecutorError(f"unknown executor {kind!r}: use {' or '.join(EXECUTORS)}")


__all__ = ["DOCKER_RESOURCE", "EXECUTORS", "Executor", "ExecutorError", "LocalExecutor", "Lost", "NodeContext",
           "RayExecutor", "make_executor", "tar_paths", "untar_paths"]
