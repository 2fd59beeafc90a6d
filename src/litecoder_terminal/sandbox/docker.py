"""Docker implementation of the sandbox, through the docker SDK (no shelling out).

Callers see a few verbs (build, start, exec, put, get, set_network, kill_all, changed_paths, process_count,
close); Docker stays in here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import socket
import stat
import tarfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import docker
import docker.errors
import requests.exceptions

from litecoder_terminal.task.dockerfile import from_lines, substitute_base_images

LABEL = "lct.managed"
LABEL_RUN = "lct.run"
LABEL_OWNER = "lct.owner"  # "<hostname>:<pid>" of the process that started the container
IMAGE_PREFIX = "lct-env"
DEFAULT_MAX_OUTPUT = 1 << 20

# Stops every process in the container except init (PID 1), the keepalive and the killer itself. SIGSTOP first
# so nothing can fork in between, then SIGKILL; repeated until nothing is left (a fork bomb meets the pids limit).
_KILL_ALL = r"""
keep=" 1 $$ $LCT_KEEP "
i=0
while [ $i -lt 200 ]; do
  left=0
  for sig in STOP KILL; do
    for d in /proc/[0-9]*; do
      p=${d#/proc/}
      case "$keep" in *" $p "*) continue ;; esac
      read -r _pid _comm state _rest < "$d/stat" 2>/dev/null || continue
      [ "$state" = Z ] && continue  # already dead, waiting for its parent to reap it
      kill -$sig "$p" 2>/dev/null && left=1
    done
  done
  [ $left = 0 ] && break
  i=$((i+1))
  # A killed process can take a moment to become a zombie on a loaded machine: after a few quick passes, pace
  # the loop so it waits up to ~10 s instead of spinning through its passes in a few milliseconds.
  [ $i -gt 3 ] && sleep 0.05
done
[ $left = 0 ] || exit 1
"""

# PIDs whose parent is init right after start: the keepalive command (before anything else has run).
_FIND_KEEPALIVE = r"""
for d in /proc/[0-9]*; do
  read -r pid comm state ppid rest < "$d/stat" 2>/dev/null || continue
  [ "$ppid" = 1 ] && printf '%s ' "$pid"
done
"""


class SandboxError(Exception):
    """A harness failure (daemon gone, container died, harness timeout): an error, never a reward."""


class ArchiveTooLarge(SandboxError):
    """A copy out of a container exceeded its byte limit (the agent's outputs are refused, not an infra error)."""


class BuildError(SandboxError):
    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


@dataclass
class Limits:
    cpus: float | None = None
    memory_mb: int | None = None
    pids_limit: int | None = 4096


@dataclass
class ExecResult:
    exit_code: int | None
    output: str
    timed_out: bool
    seconds: float
    truncated_bytes: int = 0


@dataclass
class BuildResult:
    tag: str
    cached: bool
    seconds: float
    log: str = ""


class _BoundedBuffer:
    """Keeps the first and last halves of a stream up to `limit` bytes and counts what was dropped."""

    def __init__(self, limit: int):
        self.half = max(limit // 2, 1)
        self.head = bytearray()
        self.tail = bytearray()
        self.dropped = 0

    def write(self, chunk: bytes) -> None:
        room = self.half - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.half:
                cut = len(self.tail) - self.half
                self.dropped += cut
                del self.tail[:cut]

    def text(self) -> str:
        middle = f"\n[... {self.dropped} bytes dropped ...]\n".encode() if self.dropped else b""
        return (bytes(self.head) + middle + bytes(self.tail)).decode("utf-8", errors="replace")


def _context_tar(env_dir: Path, image_map: dict[str, str]) -> tuple[bytes, str]:
    """A reproducible tar of the build context (Dockerfile rewritten by the image map) and its sha256."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(env_dir.rglob("*")):
            rel = path.relative_to(env_dir).as_posix()
            info = tarfile.TarInfo(rel)
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            st = path.stat()
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
                continue
            data = path.read_bytes()
            if rel == "Dockerfile":
                data = substitute_base_images(data.decode(), image_map).encode()
            info.size, info.mode = len(data), 0o755 if st.st_mode & 0o111 else 0o644
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    return raw, hashlib.sha256(raw).hexdigest()


def _tar_dir(src: Path, arcname: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(str(src), arcname=arcname)
    return buf.getvalue()


class DockerEngine:
    """A connection to one Docker engine; builds images and starts sandboxes on it."""

    def __init__(self, client: docker.DockerClient | None = None, run_id: str | None = None,
                 parallel_builds: int = 1):
        try:
            self.client = client or docker.from_env(timeout=120)
            self.client.ping()
        except (docker.errors.DockerException, requests.exceptions.RequestException) as e:
            raise SandboxError(f"no Docker engine reachable: {e}") from e
        self.run_id = run_id or f"{int(time.time())}-{os.getpid()}"
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._build_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # Builds share base layers: two at once would build the same uncached layer twice on a small machine.
        self._build_slots = threading.BoundedSemaphore(max(1, parallel_builds))

    # ---- images -------------------------------------------------------------------------------------------
    def build(self, env_dir: Path, *, image_map: dict[str, str] | None = None, timeout_sec: float = 600.0,
              log_path: Path | None = None) -> BuildResult:
        """Build environment/ into `lct-env:<content hash>`; an image with that tag is reused as is."""
        image_map = image_map or {}
        env_dir = Path(env_dir)
        if not (env_dir / "Dockerfile").exists():
            raise BuildError(f"{env_dir / 'Dockerfile'}: missing")
        context, digest = _context_tar(env_dir, image_map)
        dockerfile = substitute_base_images((env_dir / "Dockerfile").read_text(), image_map)
        # The base images' ids are part of the identity: a rebuilt base means a rebuilt task image.
        bases = []
        for f in from_lines(dockerfile):
            try:
                bases.append(self.client.images.get(f.image).id)
            except (docker.errors.ImageNotFound, docker.errors.APIError):
                bases.append(f.image)
        tag = f"{IMAGE_PREFIX}:{hashlib.sha256((digest + '|'.join(bases)).encode()).hexdigest()[:20]}"
        with self._lock_for(tag):
            start = time.monotonic()
            if self._image_exists(tag):
                return BuildResult(tag, True, time.monotonic() - start)
            with self._build_slots:
                log = self._stream_build(context, tag, timeout_sec)
            if log_path:
                log_path.parent.mkdir(parents=True, exist_ok=True)
                log_path.write_text(log)
            return BuildResult(tag, False, time.monotonic() - start, log)

    def _lock_for(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._build_locks.setdefault(key, threading.Lock())

    def _image_exists(self, tag: str) -> bool:
        try:
            self.client.images.get(tag)
            return True
        except docker.errors.ImageNotFound:
            return False

    def _stream_build(self, context: bytes, tag: str, timeout_sec: float) -> str:
        """POST /build ourselves (the SDK's generator cannot be interrupted), so a timeout can drop the
        connection, which makes the daemon cancel the build and kill its running step."""
        api = self.client.api
        lines: list[str] = []
        outcome: dict[str, object] = {}
        try:
            resp = api.post(api._url("/build"), data=context, stream=True, timeout=None,
                            headers={"Content-Type": "application/x-tar"},
                            params={"t": tag, "rm": "1", "forcerm": "1", "labels": json.dumps({LABEL: "1"})})
        except requests.exceptions.RequestException as e:
            raise SandboxError(f"Docker engine failed to start the build: {e}") from e
        if resp.status_code != 200:
            raise BuildError(f"build refused ({resp.status_code}): {resp.text.strip()[:500]}")

        def pump() -> None:
            try:
                for raw in resp.iter_lines():
                    if not raw:
                        continue
                    chunk = json.loads(raw)
                    if "stream" in chunk:
                        lines.append(chunk["stream"])
                    if "error" in chunk:
                        outcome["error"] = chunk["error"]
                        lines.append(f"ERROR: {chunk['error']}\n")
            except Exception as e:  # noqa: BLE001 - reported below with the log so far
                outcome["exception"] = e

        worker = threading.Thread(target=pump, daemon=True)
        worker.start()
        worker.join(timeout_sec)
        if worker.is_alive():
            _hang_up(resp)
            worker.join(10)
            raise BuildError(f"build timed out after {timeout_sec:.0f}s (build_timeout_sec)", "".join(lines))
        log = "".join(lines)
        if "exception" in outcome:
            raise SandboxError(f"Docker engine failed during build: {outcome['exception']}")
        if "error" in outcome:
            raise BuildError(f"build failed: {str(outcome['error']).strip()}", log)
        return log

    def ensure_image(self, ref: str) -> None:
        """A prebuilt image (`[environment] docker_image`): used when local, else pulled. Failure is infra."""
        if self._image_exists(ref):
            return
        try:
            self.client.images.pull(ref)
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"image {ref} is not local and could not be pulled: {e}") from e

    def private_network(self, name: str) -> str:
        """An internal bridge (no route out) for one trial's containers; removed by `remove_network`."""
        try:
            net = self.client.networks.create(name, driver="bridge", internal=True,
                                              labels={LABEL: "1", LABEL_RUN: self.run_id, LABEL_OWNER: self.owner})
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot create network {name}: {e}") from e
        return net.id

    def remove_network(self, network_id: str) -> None:
        try:
            self.client.networks.get(network_id).remove()
        except (docker.errors.NotFound, docker.errors.APIError, requests.exceptions.RequestException):
            pass  # left for `lct gc`: labelled with our run and owner

    # ---- containers ---------------------------------------------------------------------------------------
    def remove_image(self, ref: str) -> None:
        try:
            self.client.images.remove(ref, force=True, noprune=False)
        except (docker.errors.APIError, requests.exceptions.RequestException):
            pass  # left for `lct gc --images`: labelled

    def start(self, image: str, *, limits: Limits | None = None, network: bool | str = True,
              env: dict[str, str] | None = None, workdir: str | None = None,
              labels: dict[str, str] | None = None, setup: str = "", hostname: str | None = None) -> Sandbox:
        """Start a container (init, limits, labels) and run `setup` (shell, as root) in it before returning."""
        limits = limits or Limits()
        kwargs: dict = dict(
            command=["sleep", "infinity"], init=True, environment=env or {},
            labels={LABEL: "1", LABEL_RUN: self.run_id, LABEL_OWNER: self.owner, **(labels or {})},
            network_mode=network if isinstance(network, str) else ("bridge" if network else "none"),
            pids_limit=limits.pids_limit,
        )
        if workdir:
            kwargs["working_dir"] = workdir
        if hostname:
            kwargs["hostname"] = hostname
        if limits.cpus:
            kwargs["nano_cpus"] = int(float(limits.cpus) * 1e9)
        if limits.memory_mb:
            kwargs["mem_limit"] = f"{int(limits.memory_mb)}m"
            kwargs["memswap_limit"] = f"{int(limits.memory_mb)}m"  # no swap: the limit is the limit
        try:
            container = self.client.containers.create(image, **kwargs)
            try:
                self.client.api.start(container.id)
            except Exception:
                container.remove(force=True)
                raise
        except docker.errors.ImageNotFound as e:
            raise SandboxError(f"image {image} not found: {e}") from e
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot start container from {image}: {e}") from e
        box = Sandbox(self, container, networked=network is True)
        try:
            keep = box.exec(["/bin/sh", "-c", _FIND_KEEPALIVE + "\n" + (setup or "true") + "\n"], timeout_sec=60, user="root")
            box.keep_pids = keep.output.split()
            if keep.exit_code != 0:
                raise SandboxError(f"container set-up failed ({keep.exit_code}): {keep.output[-500:]}")
        except Exception:
            box.close()
            raise
        return box

    def containers(self, *, all_owners: bool = False) -> list:
        found = self.client.containers.list(all=True, filters={"label": LABEL}, ignore_removed=True)
        if all_owners:
            return found
        return [c for c in found if not _owner_alive(c.labels.get(LABEL_OWNER, ""))]

    def gc(self, *, all_owners: bool = False, images: bool = False) -> tuple[int, int]:
        """Remove containers (and optionally task images) that lct runs left behind."""
        removed = 0
        for c in self.containers(all_owners=all_owners):
            try:
                c.remove(force=True)
                removed += 1
            except docker.errors.NotFound:
                pass
        for net in self.client.networks.list(filters={"label": LABEL}):
            if all_owners or not _owner_alive(net.attrs.get("Labels", {}).get(LABEL_OWNER, "")):
                try:
                    net.remove()
                except docker.errors.APIError:
                    pass
        removed_images = 0
        if images:
            for img in self.client.images.list(filters={"label": LABEL}):
                for tag in img.tags:
                    if tag.startswith(IMAGE_PREFIX + ":"):
                        try:
                            self.client.images.remove(tag)
                            removed_images += 1
                        except docker.errors.APIError:
                            pass
        return removed, removed_images

    def remove_run_containers(self) -> int:
        n = 0
        for c in self.client.containers.list(all=True, filters={"label": f"{LABEL_RUN}={self.run_id}"},
                                            ignore_removed=True):
            try:
                c.remove(force=True)
                n += 1
            except docker.errors.NotFound:
                pass
        return n


def _hang_up(resp: requests.Response) -> None:
    """Shut the build's socket down under the reading thread: the daemon sees the client go and cancels."""
    conn = getattr(resp.raw, "_connection", None) or getattr(getattr(resp.raw, "_fp", None), "fp", None)
    sock = getattr(conn, "sock", None)
    if sock is None:
        raw = getattr(getattr(resp.raw, "_fp", None), "fp", None)
        sock = getattr(getattr(raw, "raw", None), "_sock", None)
    try:
        if sock is not None:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    resp.close()


def _overlay_changes(upper: Path, lowers: list[Path]) -> list[tuple[str, str]] | None:
    """Changes read from an overlay upper dir: a whiteout (0/0 char device) is a deletion, a file also found in
    a lower layer a change, else an addition. None when the dirs are not readable here (remote engine) or the
    upper dir holds a renamed directory (redirect xattr), which only the engine's diff resolves."""
    if not upper.is_dir() or not all(p.is_dir() for p in lowers):
        return None
    out: list[tuple[str, str]] = []
    try:
        for root, dirs, files in os.walk(upper):
            for name in [*dirs, *files]:
                full = Path(root, name)
                rel = "/" + full.relative_to(upper).as_posix()
                st = full.lstat()
                if stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                    out.append(("D", rel))
                    continue
                below = any(os.path.lexists(low / rel[1:]) for low in lowers)
                out.append(("C" if below else "A", rel))
                if stat.S_ISDIR(st.st_mode):
                    if _xattr(full, "trusted.overlay.redirect"):
                        return None
                    if below and _xattr(full, "trusted.overlay.opaque") == b"y":
                        # an opaque dir hides everything below it: what is not in the upper dir was deleted
                        for low in lowers:
                            for lroot, ldirs, lfiles in os.walk(low / rel[1:]):
                                for lname in [*ldirs, *lfiles]:
                                    lrel = "/" + Path(lroot, lname).relative_to(low).as_posix()
                                    if not os.path.lexists(upper / lrel[1:]):
                                        out.append(("D", lrel))
    except OSError:
        return None
    return out


def _xattr(path: Path, name: str) -> bytes | None:
    try:
        return os.getxattr(path, name, follow_symlinks=False)
    except OSError:
        return None


def _owner_alive(owner: str) -> bool:
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass
class Sandbox:
    """One running container."""

    engine: DockerEngine
    container: object
    networked: bool
    keep_pids: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.container.id

    def exec(self, cmd: list[str] | str, *, timeout_sec: float | None = None, env: dict[str, str] | None = None,
             user: str | None = None, workdir: str | None = None, max_output: int = DEFAULT_MAX_OUTPUT) -> ExecResult:
        """Run a command; on timeout every process but init is killed and the result says timed_out."""
        if isinstance(cmd, str):
            cmd = ["bash", "-c", cmd]
        api = self.engine.client.api
        start = time.monotonic()
        try:
            exec_id = api.exec_create(self.container.id, cmd, environment=env or None, user=user or "",
                                      workdir=workdir)["Id"]
            stream = api.exec_start(exec_id, stream=True)
        except docker.errors.NotFound as e:
            raise SandboxError(f"container is gone: {e}") from e
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"exec failed: {e}") from e
        buf = _BoundedBuffer(max_output)
        failure: list[BaseException] = []

        def pump() -> None:
            try:
                for chunk in stream:
                    buf.write(chunk)
            except Exception as e:  # noqa: BLE001 - surfaced below as a harness error
                failure.append(e)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        reader.join(timeout_sec)
        timed_out = reader.is_alive()
        if timed_out:
            self.kill_all()
            reader.join(30)
            if reader.is_alive():
                raise SandboxError(f"exec of {cmd[:3]} did not end 30s after its processes were killed")
        if failure and not timed_out:
            raise SandboxError(f"exec stream failed: {failure[0]}")
        try:
            info = api.exec_inspect(exec_id)
            # the output stream can close a moment before the engine records the exit (seen on a loaded
            # machine: Running still true, ExitCode None): wait for the record rather than report no code
            settle = time.monotonic() + 5
            while not timed_out and info.get("Running") and time.monotonic() < settle:
                time.sleep(0.02)
                info = api.exec_inspect(exec_id)
            code = info.get("ExitCode")
        except docker.errors.APIError as e:
            raise SandboxError(f"exec inspect failed: {e}") from e
        return ExecResult(None if timed_out else code, buf.text(), timed_out, time.monotonic() - start, buf.dropped)

    def kill_all(self, then: str = "") -> None:
        """Kill every process left in the container except init and the keepalive, then run `then` (as root)."""
        # /bin/sh by absolute path: a `sh` planted earlier on the container's PATH must not run the killer
        res = self.exec(["/bin/sh", "-c", _KILL_ALL + then], env={"LCT_KEEP": " ".join(self.keep_pids)},
                        user="root", timeout_sec=60)
        if res.exit_code != 0:
            raise SandboxError(f"could not kill the processes left in the container (exit {res.exit_code}): "
                               f"{res.output[-500:]}")

    def changed_paths(self) -> list[tuple[str, str]]:
        """What the container changed in its image's filesystem, seen from the host: ("A"|"C"|"D", path).

        Read from the container's overlay upper dir when this host can see it (milliseconds), else from the
        engine's diff API (the same answer; it compares whole trees, ~1.5 s on a 1 GB image here)."""
        try:
            self.container.reload()
            graph = self.container.attrs.get("GraphDriver") or {}
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot inspect the container: {e}") from e
        data = graph.get("Data") or {}
        if graph.get("Name") == "overlay2" and data.get("UpperDir") and data.get("LowerDir"):
            found = _overlay_changes(Path(data["UpperDir"]), [Path(p) for p in data["LowerDir"].split(":")])
            if found is not None:
                return found
        try:
            diff = self.container.diff() or []
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"docker diff failed: {e}") from e
        return [({0: "C", 1: "A", 2: "D"}.get(d["Kind"], "C"), d["Path"]) for d in diff]

    def image_lookup(self):
        """A function telling whether the container's image has a path (read from its layers on this host), or
        None when the layers are not visible here (remote engine, other storage driver)."""
        try:
            self.container.reload()
            graph = self.container.attrs.get("GraphDriver") or {}
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot inspect the container: {e}") from e
        lowers = [Path(p) for p in ((graph.get("Data") or {}).get("LowerDir") or "").split(":") if p]
        if graph.get("Name") != "overlay2" or not lowers or not all(p.is_dir() for p in lowers):
            return None
        return lambda path: any(os.path.lexists(low / path.lstrip("/")) for low in lowers)

    def threads(self) -> list[tuple[str, str, str]]:
        """Every thread in the container as (pid, state, command line), read by the host (`ps -L`)."""
        try:
            top = self.container.top(ps_args="-eLo pid,stat,args")
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"docker top failed: {e}") from e
        return [(str(r[0]), str(r[1]), str(r[2]) if len(r) > 2 else "") for r in top.get("Processes") or []]

    def exists(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot inspect the container: {e}") from e
        return True

    def commit(self) -> str:
        """The container's filesystem as a new (labelled, temporary) image; returns its id."""
        try:
            img = self.container.commit(conf={"Labels": {LABEL: "1"}})
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot commit the container: {e}") from e
        return img.id

    def stop(self) -> None:
        """Kill the whole container at once (init and every process in it); its filesystem stays readable."""
        try:
            self.container.reload()
            if self.container.status == "running":
                self.container.kill()
            self.container.wait(timeout=60)
        except docker.errors.NotFound as e:
            raise SandboxError(f"container is gone: {e}") from e
        except docker.errors.APIError as e:
            if "is not running" not in str(e):
                raise SandboxError(f"cannot stop the container: {e}") from e
        except requests.exceptions.RequestException as e:
            raise SandboxError(f"cannot stop the container: {e}") from e

    def archive(self, path: str, max_bytes: int) -> bytes | None:
        """The raw tar Docker makes of `path` (running or stopped container), or None when it does not exist.
        Read by the engine from the container's filesystem: nothing inside the container runs."""
        try:
            stream, _ = self.container.get_archive(path, chunk_size=1 << 20)
        except docker.errors.NotFound:
            return None
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"copy out of {path} failed: {e}") from e
        buf = bytearray()
        for chunk in stream:
            buf += chunk
            if len(buf) > max_bytes:
                raise ArchiveTooLarge(f"{path} is larger than {max_bytes} bytes")
        return bytes(buf)

    def put_archive(self, parent: str, data: bytes) -> None:
        """Extract a tar under `parent`, keeping the owners recorded in it (Docker's copyUIDGID)."""
        api = self.engine.client.api
        try:
            resp = api._put(api._url("/containers/{0}/archive", self.container.id),
                            params={"path": parent, "copyUIDGID": "1", "noOverwriteDirNonDir": "false"}, data=data)
            api._raise_for_status(resp)
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"copy into {parent} failed: {e}") from e

    def connect(self, network_id: str, alias: str | None = None) -> str:
        """Join a private network; returns this container's address on it."""
        try:
            net = self.engine.client.networks.get(network_id)
            net.connect(self.container.id, aliases=[alias] if alias else None)
            self.container.reload()
            info = (self.container.attrs.get("NetworkSettings", {}).get("Networks") or {}).get(net.name) or {}
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"cannot join network {network_id}: {e}") from e
        return info.get("IPAddress", "")

    def process_count(self) -> int:
        """Live processes in the container (zombies left out), counted by the host: nothing inside can hide one."""
        try:
            top = self.container.top(ps_args="-o pid,stat")
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"docker top failed: {e}") from e
        # a zombie whose parent is the keepalive (an ENTRYPOINT's child after `exec "$@"`) is never reaped
        return sum(1 for row in top.get("Processes") or [] if not str(row[1]).startswith("Z"))

    def is_running(self) -> bool:
        try:
            self.container.reload()
        except docker.errors.NotFound:
            return False
        return self.container.status == "running"

    def put_dir(self, src: Path, dest: str) -> None:
        """Copy a host directory to `dest` in the container; merged into `dest` if it already exists."""
        dest = dest.rstrip("/")
        parent, name = dest.rsplit("/", 1)
        if parent:
            self.exec(["mkdir", "-p", parent], user="root", timeout_sec=60)
        self._put(parent or "/", _tar_dir(Path(src), name))

    def put_file(self, data: bytes, dest: str, mode: int = 0o755) -> None:
        parent, name = dest.rsplit("/", 1)
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), mode, int(time.time())
            tar.addfile(info, io.BytesIO(data))
        self.exec(["mkdir", "-p", parent or "/"], user="root", timeout_sec=60)
        self._put(parent or "/", buf.getvalue())

    def _put(self, parent: str, data: bytes) -> None:
        try:
            self.container.put_archive(parent, data)
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"copy into {parent} failed: {e}") from e

    def get_dir(self, src: str, dest: Path) -> bool:
        """Copy a container directory's contents into host `dest`; False when it does not exist."""
        try:
            stream, _ = self.container.get_archive(src)
        except docker.errors.NotFound:
            return False
        except (docker.errors.APIError, requests.exceptions.RequestException) as e:
            raise SandboxError(f"copy out of {src} failed: {e}") from e
        data = b"".join(stream)
        dest.mkdir(parents=True, exist_ok=True)
        strip = src.rstrip("/").rsplit("/", 1)[-1] + "/"
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                if not member.isfile() or not member.name.startswith(strip):
                    continue  # only regular files: links or devices from a hostile container stay inside
                rel = Path(member.name[len(strip):])
                if rel.is_absolute() or ".." in rel.parts:
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                f = tar.extractfile(member)
                target.write_bytes(f.read() if f else b"")
        return True

    def set_network(self, enabled: bool) -> None:
        """Connect or cut the container from the bridge network (per-phase network policy)."""
        if enabled == self.networked:
            return
        bridge = self.engine.client.networks.get("bridge")
        try:
            (bridge.connect if enabled else bridge.disconnect)(self.container.id)
        except docker.errors.APIError as e:
            raise SandboxError(f"cannot {'connect' if enabled else 'disconnect'} network: {e}") from e
        self.networked = enabled

    def close(self) -> None:
        try:
            self.container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except (docker.errors.APIError, requests.exceptions.RequestException):
            pass  # left for `lct gc`: labelled with our run and owner
