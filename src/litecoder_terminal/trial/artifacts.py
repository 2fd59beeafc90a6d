"""The agent's declared outputs, carried by the host from its container to the verifier's.

What crosses is data only: regular files, directories, and symlinks that stay inside their own tree, with their
modes (setuid/setgid dropped) and numeric owners. A FIFO, socket or device, a link out of its tree, a tree over
the size limit, or an artifact that is itself a symlink is refused: the attempt is graded 0 with the cause.
"""

from __future__ import annotations

import fnmatch
import io
import posixpath
import tarfile
from dataclasses import dataclass, field
from pathlib import Path

from litecoder_terminal.task import ArtifactConfig

# Harbor's conventional publish dir: always collected when it exists.
CONVENTION_DIR = "/logs/artifacts"
DEFAULT_MAX_BYTES = 256 << 20


class ArtifactRefused(Exception):
    """The agent left something that must not reach the verifier (graded 0, never an error)."""


@dataclass
class Artifact:
    source: str  # absolute path in both containers
    tar: bytes | None  # sanitized archive whose single top entry is basename(source); None when absent
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # excluded by the entry's patterns

    @property
    def present(self) -> bool:
        return self.tar is not None


def entries_with_convention(entries: list[ArtifactConfig]) -> list[ArtifactConfig]:
    if any(e.source.rstrip("/") == CONVENTION_DIR for e in entries):
        return entries
    return [ArtifactConfig(source=CONVENTION_DIR), *entries]


def _inside(top: str, name: str) -> bool:
    return name == top or name.startswith(top + "/")


def sanitize(raw: bytes, source: str, *, exclude: list[str] | None = None,
             max_bytes: int = DEFAULT_MAX_BYTES) -> Artifact:
    """Check Docker's archive of `source` member by member and rebuild it from the members that may cross."""
    top = posixpath.basename(source.rstrip("/")) or "/"
    out = io.BytesIO()
    art = Artifact(source=source, tar=None)
    seen: set[str] = set()
    with tarfile.open(fileobj=io.BytesIO(raw)) as src, tarfile.open(fileobj=out, mode="w") as dst:
        for m in src:
            name = posixpath.normpath(m.name.lstrip("/"))
            if name.startswith("..") or not _inside(top, name):
                raise ArtifactRefused(f"artifact {source}: unexpected entry {m.name!r} in its archive")
            rel = name[len(top) + 1:] if name != top else ""
            if rel and any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(posixpath.basename(rel), p)
                           for p in exclude or ()):
                art.skipped.append(rel)
                continue
            where = f"{posixpath.dirname(source.rstrip('/'))}/{name}".replace("//", "/")
            if m.isfifo() or m.ischr() or m.isblk() or not (m.isfile() or m.isdir() or m.issym() or m.islnk()):
                raise ArtifactRefused(f"artifact {source}: {where} is a FIFO, socket or device, not data")
            if m.issym():
                if name == top:
                    raise ArtifactRefused(f"artifact {source} is itself a symlink (to {m.linkname!r})")
                target = m.linkname
                resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
                if target.startswith("/") or not _inside(top, resolved):
                    raise ArtifactRefused(f"artifact {source}: symlink {where} -> {target} leaves its tree")
            if m.islnk():
                target = posixpath.normpath(m.linkname.lstrip("/"))
                if target not in seen:
                    raise ArtifactRefused(f"artifact {source}: hard link {where} -> {m.linkname} leaves its tree")
                m.linkname = target
            m.name = name
            m.mode &= 0o1777  # no setuid/setgid across
            data = None
            if m.isfile():
                art.files += 1
                art.bytes += m.size
                if art.bytes > max_bytes:
                    raise ArtifactRefused(f"artifact {source}: more than {max_bytes} bytes")
                data = src.extractfile(m)
            dst.addfile(m, data)
            seen.add(name)
    if not seen:
        return art
    art.tar = out.getvalue()
    return art


def mirror(artifact: Artifact, artifacts_dir: Path) -> None:
    """A copy on the host under the trial's `artifacts/<source path>`, for people and exporters to read."""
    if artifact.tar is None:
        return
    parent = artifacts_dir / posixpath.dirname(artifact.source.rstrip("/")).lstrip("/")
    parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(artifact.tar)) as tar:
        tar.extractall(parent, filter="data")


__all__ = ["Artifact", "ArtifactRefused", "CONVENTION_DIR", "DEFAULT_MAX_BYTES", "entries_with_convention", "mirror",
           "sanitize"]
