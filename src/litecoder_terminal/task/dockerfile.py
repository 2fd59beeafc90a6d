"""Read what a Dockerfile asks of its build context and which base images it starts from."""

from __future__ import annotations

import io
import json
import re
import shlex
from dataclasses import dataclass

from dockerfile_parse import DockerfileParser


@dataclass(frozen=True)
class FromLine:
    image: str
    alias: str | None
    line: int  # 1-based


@dataclass(frozen=True)
class CopySources:
    instruction: str  # COPY or ADD
    sources: list[str]
    line: int
    from_stage: bool  # COPY --from=...: sources live in another image, not the context
    problem: str | None = None  # why the arguments could not be read as Docker would (then split on blanks)


def _instructions(text: str) -> list[dict]:
    return DockerfileParser(fileobj=io.BytesIO(text.encode())).structure


def from_lines(text: str) -> list[FromLine]:
    out = []
    for ins in _instructions(text):
        if ins["instruction"] != "FROM":
            continue
        words = [w for w in ins["value"].split() if not w.startswith("--")]
        if not words:
            continue
        alias = words[2] if len(words) >= 3 and words[1].lower() == "as" else None
        out.append(FromLine(words[0], alias, ins["startline"] + 1))
    return out


def copy_sources(text: str) -> list[CopySources]:
    out = []
    for ins in _instructions(text):
        if ins["instruction"] not in ("COPY", "ADD"):
            continue
        value = ins["value"].strip()
        flags: list[str] = []
        problem = None
        args = None
        if value.startswith("["):
            try:
                args = json.loads(value)
            except json.JSONDecodeError:
                pass
        try:
            words = shlex.split(value) if args is None else []
        except ValueError as e:  # an unbalanced quote: report it, and read the words as they stand
            problem, words = f"{e} in {value!r}", value.split()
        if value.startswith("[") and args is None:
            args = words
        elif args is None:
            while words and words[0].startswith("--"):
                flags.append(words.pop(0))
            args = words
        # Heredoc sources (COPY <<EOF) carry their content inline.
        srcs = [a for a in args[:-1] if not a.startswith("<<")]
        out.append(CopySources(ins["instruction"], srcs, ins["startline"] + 1,
                               any(f.startswith("--from") for f in flags), problem))
    return out


def image_ref_tag(image: str) -> str | None:
    """The tag of an image reference ('' when digest-pinned, None when absent)."""
    if "@" in image:
        return ""
    last = image.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


_FROM_RE = re.compile(r"^(\s*FROM\s+(?:--\S+\s+)*)(\S+)", re.IGNORECASE | re.MULTILINE)


def substitute_base_images(text: str, image_map: dict[str, str]) -> str:
    """Rewrite FROM images by an exact-reference map (air-gapped hosts, images we lack)."""
    if not image_map:
        return text
    return _FROM_RE.sub(lambda m: m.group(1) + image_map.get(m.group(2), m.group(2)), text)
