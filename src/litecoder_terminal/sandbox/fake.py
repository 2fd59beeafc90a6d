"""An in-memory sandbox provider with Docker's verbs, for unit tests of trial, gates and RL logic.

Files live in dicts; `exec` is answered by the test's `programs` (a function of the box and the command) — the
harness's own small shell steps (mkdir, rm) are understood here. Nothing runs.
"""

from __future__ import annotations

import io
import itertools
import re
import shlex
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from litecoder_terminal.sandbox.docker import ArchiveTooLarge, ExecResult, SandboxError


@dataclass
class Node:
    kind: str = "file"  # file | dir | symlink | fifo
    data: bytes = b""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    link: str = ""


Program = Callable[["FakeSandbox", list[str], dict], ExecResult | None]
_ids = itertools.count(1)


class FakeEngine:
    """Images are dicts of path -> Node; `programs` answer commands the harness does not itself understand."""

    def __init__(self, images: dict[str, dict[str, Node]] | None = None, programs: list[Program] | None = None):
        self.images: dict[str, dict[str, Node]] = {k: dict(v) for k, v in (images or {}).items()}
        self.programs = list(programs or [])
        self.boxes: list[FakeSandbox] = []
        self.networks: set[str] = set()
        self.fail_start = False

    def ensure_image(self, ref: str) -> None:
        if ref not in self.images:
            raise SandboxError(f"image {ref} is not local and could not be pulled")

    def build(self, *args, **kwargs):  # pragma: no cover - unit tests pass images in
        raise SandboxError("the fake engine builds nothing")

    def private_network(self, name: str) -> str:
        self.networks.add(name)
        return name

    def remove_network(self, network_id: str) -> None:
        self.networks.discard(network_id)

    def remove_image(self, ref: str) -> None:
        self.images.pop(ref, None)

    def start(self, image: str, *, network: bool | str = True, setup: str = "", **kwargs) -> FakeSandbox:
        if self.fail_start:
            raise SandboxError("the fake engine is down")
        if image not in self.images:
            raise SandboxError(f"image {image} not found")
        box = FakeSandbox(self, image, dict(self.images[image]), network=network, options=kwargs)
        self.boxes.append(box)
        box.exec(["/bin/sh", "-c", setup or "true"], user="root")
        return box


def _parents(path: str) -> list[str]:
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


@dataclass
class FakeSandbox:
    engine: FakeEngine
    image: str
    fs: dict[str, Node]
    network: bool | str = True
    options: dict = field(default_factory=dict)
    running: bool = True
    closed: bool = False
    execs: list[list[str]] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"fake-{id(self):x}"

    # ---- files ------------------------------------------------------------------------------------------------
    def write(self, path: str, data: bytes | str = b"", **node) -> None:
        for parent in _parents(path):
            self.fs.setdefault(parent, Node(kind="dir", mode=0o755))
        self.fs[path] = Node(data=data.encode() if isinstance(data, str) else data, **node)

    def read(self, path: str) -> bytes | None:
        node = self.fs.get(path)
        return node.data if node and node.kind == "file" else None

    def remove(self, path: str) -> None:
        for p in [p for p in self.fs if p == path or p.startswith(path.rstrip("/") + "/")]:
            del self.fs[p]

    # ---- the sandbox verbs ------------------------------------------------------------------------------------
    def exec(self, cmd, *, timeout_sec=None, env=None, user=None, workdir=None, max_output=None) -> ExecResult:
        if self.closed or not self.running:
            raise SandboxError("container is not running")
        cmd = ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        self.execs.append(cmd)
        for program in self.engine.programs:
            res = program(self, cmd, env or {})
            if res is not None:
                return res
        script = cmd[-1] if len(cmd) >= 3 and cmd[1] == "-c" else ""
        for step in re.split(r"&&|;|\n", script):
            words = shlex.split(step)
            if words[:2] == ["rm", "-rf"]:
                for w in words[2:]:
                    if w != "--":
                        self.remove(w)
            elif words[:2] == ["mkdir", "-p"]:
                for w in words[2:]:
                    if w != "--":
                        for p in [*_parents(w), w]:
                            self.fs.setdefault(p, Node(kind="dir", mode=0o755))
        return ExecResult(0, "", False, 0.0)

    def put_dir(self, src: Path, dest: str) -> None:
        src = Path(src)
        for path in sorted(src.rglob("*")):
            target = dest.rstrip("/") + "/" + path.relative_to(src).as_posix()
            if path.is_dir():
                self.fs[target] = Node(kind="dir", mode=0o755)
            else:
                self.write(target, path.read_bytes(), mode=0o755 if path.stat().st_mode & 0o111 else 0o644)

    def put_file(self, data: bytes, dest: str, mode: int = 0o755) -> None:
        self.write(dest, data, mode=mode)

    def archive(self, path: str, max_bytes: int) -> bytes | None:
        path = path.rstrip("/") or "/"
        if path not in self.fs:
            return None
        base = path.rsplit("/", 1)[0]
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for p in sorted(p for p in self.fs if p == path or p.startswith(path + "/")):
                node = self.fs[p]
                info = tarfile.TarInfo(p[len(base):].lstrip("/"))
                info.mode, info.uid, info.gid = node.mode, node.uid, node.gid
                info.type = {"file": tarfile.REGTYPE, "dir": tarfile.DIRTYPE, "symlink": tarfile.SYMTYPE,
                             "fifo": tarfile.FIFOTYPE}[node.kind]
                info.linkname = node.link
                info.size = len(node.data) if node.kind == "file" else 0
                tar.addfile(info, io.BytesIO(node.data) if node.kind == "file" else None)
        raw = buf.getvalue()
        if len(raw) > max_bytes:
            raise ArchiveTooLarge(f"{path} is larger than {max_bytes} bytes")
        return raw

    def put_archive(self, parent: str, data: bytes) -> None:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for m in tar.getmembers():
                target = (parent.rstrip("/") + "/" + m.name).replace("//", "/")
                kind = "dir" if m.isdir() else "symlink" if m.issym() else "fifo" if m.isfifo() else "file"
                f = tar.extractfile(m) if m.isfile() else None
                self.write(target, f.read() if f else b"", kind=kind, mode=m.mode, uid=m.uid, gid=m.gid,
                           link=m.linkname)

    def stop(self) -> None:
        if self.closed:
            raise SandboxError("container is gone")
        self.running = False

    def is_running(self) -> bool:
        return self.running and not self.closed

    def exists(self) -> bool:
        return not self.closed

    def close(self) -> None:
        self.closed = True
        self.running = False

    def connect(self, network_id: str, alias: str | None = None) -> str:
        self.networks.append(network_id)
        return "10.0.0.2"

    def set_network(self, enabled: bool) -> None:
        self.network = enabled

    def commit(self) -> str:
        ref = f"fake-commit-{next(_ids)}"
        self.engine.images[ref] = dict(self.fs)
        return ref

    def image_lookup(self):
        image = self.engine.images.get(self.image, {})
        return lambda path: path in image

    def changed_paths(self) -> list[tuple[str, str]]:
        image = self.engine.images.get(self.image, {})
        out = [("D", p) for p in image if p not in self.fs]
        for p, node in self.fs.items():
            if p not in image:
                out.append(("A", p))
            elif image[p] != node:
                out.append(("C", p))
        return sorted(out, key=lambda c: c[1])


__all__ = ["FakeEngine", "FakeSandbox", "Node"]
