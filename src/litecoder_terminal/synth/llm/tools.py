"""The agentic loop's hands: the JSON tool protocol a model replies in, the task draft it edits, and the sandbox
(built from the current draft) its `run` / `build` tools act on."""

from __future__ import annotations

import json
import re
import shutil
import time
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from litecoder_terminal.sandbox import BuildError, DockerEngine, Limits, Sandbox
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER, standard_test_sh, verifier_helper
from litecoder_terminal.task import TaskConfig, TaskDir, write_task_dir

TAIL_CHARS = 3000
TOOLS = ("write_file", "run", "build", "done")
RUN_TIMEOUT_SEC = 120.0  # one `run` call (stated in the protocol prompt)


def prompt(name: str, **fields: Any) -> str:
    """A prompt from package data (prompts/<name>.md), formatted with `fields` when given."""
    text = resources.files("litecoder_terminal.synth.llm").joinpath(f"prompts/{name}.md").read_text(encoding="utf-8")
    return text.format(**fields) if fields else text


class ActionError(ValueError):
    """A reply that is not one well-formed tool call; the message goes back to the model."""


def parse_json_object(text: str) -> dict[str, Any]:
    """The first JSON object in a reply, tolerating code fences and prose around it."""
    fenced = re.findall(r"```(?:json)?\s*\n(.*?)```", text, re.DOTALL)
    candidates = [*fenced, text]
    decoder = json.JSONDecoder()
    for cand in candidates:
        for m in re.finditer(r"\{", cand):
            try:
                obj, _ = decoder.raw_decode(cand[m.start():])
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return obj
    raise ActionError("no JSON object found in your reply: answer with exactly one JSON object")


def parse_action(text: str) -> dict[str, Any]:
    obj = parse_json_object(text)
    tool = obj.get("tool")
    if tool not in TOOLS:
        raise ActionError(f"unknown tool {tool!r}: use one of {', '.join(TOOLS)}")
    if tool == "write_file" and not (isinstance(obj.get("path"), str) and isinstance(obj.get("content"), str)):
        raise ActionError("write_file needs string fields 'path' and 'content'")
    if tool == "write_file" and not isinstance(obj.get("append", False), bool):
        raise ActionError("write_file's 'append' must be true or false")
    if tool == "run" and not isinstance(obj.get("command"), str):
        raise ActionError("run needs a string field 'command'")
    return obj


_DURATION = re.compile(r"\b\d+\.\d+s\b")  # pytest's "in 0.03s", build step timings
_BUILD_NOISE = [
    (re.compile(r"^.*(---> |Running in |Removing intermediate container).*\n?", re.MULTILINE), ""),
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<id>"),  # layer, container and image ids
]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffd]")


def printable(text: str) -> str:
    """Control bytes (NULs, escapes, the replacement character of undecodable bytes) as visible escapes: a prompt
    never carries raw binary."""
    return _CONTROL.sub(lambda m: "\\ufffd" if m.group() == "\ufffd" else f"\\x{ord(m.group()):02x}", text)


def tail_lines(text: str, limit: int) -> str:
    """The last `limit` characters, starting at a line boundary, with a note of what was cut."""
    if len(text) <= limit:
        return text
    tail = text[-limit:]
    nl = tail.find("\n")
    if 0 <= nl < len(tail) - 1:
        tail = tail[nl + 1:]
    cut = text[:len(text) - len(tail)]
    return f"[... {cut.count(chr(10)) + 1} earlier lines ({len(cut)} chars) cut; the tail follows ...]\n" + tail


def normalize(text: str, limit: int = TAIL_CHARS, build_log: bool = False) -> str:
    """Output as the model sees it: volatile bits (timings, build ids) removed, so a resumed run sends the same
    request and gets it from the cache; control bytes escaped; long output keeps its tail (where errors are),
    cut at a line boundary."""
    text = _DURATION.sub("<t>s", text)
    for rx, rep in _BUILD_NOISE if build_log else []:
        text = rx.sub(rep, text)
    return tail_lines(printable(text.strip()), limit)


# Runs inside the container (python3 and `file` are in the shared tool layer): what each path is, without raw
# bytes. Text: its first lines, cut at line boundaries. Compressed (gzip, bzip2, xz, zip, tar): `file` output
# and the decoded head. Other binary: `file` output and a hex dump of the first bytes.
DESCRIBE_PY = r'''
import bz2, gzip, io, lzma, os, re, subprocess, sys, tarfile, zipfile
LINES, CHARS = int(os.environ.get("LCT_LINES", "20")), int(os.environ.get("LCT_CHARS", "2000"))
CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
def ftype(p):
    try:
        out = subprocess.run(["file", "-b", p], capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception:
        return "(file unavailable)"
    return re.sub(r",? ?last modified: [^,]*", "", out)
def is_text(b):
    if b"\0" in b:
        return False
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError as e:
        return e.start >= len(b) - 3
def show_text(b, what, total_lines=None):
    lines = b.decode("utf-8", "replace").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    shown, used = [], 0
    for ln in lines[:LINES]:
        if len(ln) > CHARS:
            ln = ln[:CHARS] + f" [... line continues, {len(ln)} chars in all]"
        if shown and used + len(ln) > CHARS:
            break
        shown.append(CTRL.sub(lambda m: "\\x%02x" % ord(m.group()), ln))
        used += len(ln) + 1
    n = total_lines if total_lines is not None else len(lines)
    print(f"{what} (first {len(shown)} of {n} lines):" if len(shown) < n else f"{what} (all {n} lines):")
    print("\n".join(shown))
def hexdump(b):
    print(f"binary: first {min(len(b), 128)} bytes as hex:")
    for i in range(0, min(len(b), 128), 16):
        row = b[i:i + 16]
        print("%08x: %-48s %s" % (i, " ".join("%02x" % c for c in row), "".join(chr(c) if 32 <= c < 127 else "." for c in row)))
def decoded(p, head):
    if head[:2] == b"\x1f\x8b":
        return "gzip", gzip.open(p)
    if head[:3] == b"BZh":
        return "bzip2", bz2.open(p)
    if head[:6] == b"\xfd7zXZ\x00":
        return "xz", lzma.open(p)
    return None, None
for p in sys.argv[1:]:
    if not os.path.lexists(p):
        print(f"MISSING {p}")
        continue
    if os.path.isdir(p):
        names = sorted(os.listdir(p))
        print(f"== {p} (directory, {len(names)} entries)")
        for n in names[:30]:
            q = os.path.join(p, n)
            print(f"  {n}{'/' if os.path.isdir(q) else ''} {'' if os.path.isdir(q) else os.path.getsize(q)}")
        if len(names) > 30:
            print(f"  [... {len(names) - 30} more entries]")
        continue
    size = os.path.getsize(p)
    with open(p, "rb") as f:
        head = f.read(1 << 20)
    print(f"== {p} ({size} bytes)")
    print(f"file: {ftype(p)}")
    kind, stream = decoded(p, head)
    try:
        if kind:
            data = stream.read(1 << 20)
            if len(data) > 262 and data[257:262] == b"ustar":
                with tarfile.open(p) as t:
                    names = t.getnames()
                print(f"decoded ({kind}): a tar archive of {len(names)} members: " + ", ".join(names[:20]))
            elif is_text(data):
                show_text(data, f"decoded head ({kind}, {len(data)}{'+' if len(data) >= 1 << 20 else ''} bytes decompressed)")
            else:
                print(f"decoded ({kind}) is binary too")
                hexdump(data)
            continue
        if head[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(p) as z:
                names = z.namelist()
            print(f"zip archive of {len(names)} members: " + ", ".join(names[:20]))
            continue
        if len(head) > 262 and head[257:262] == b"ustar":
            with tarfile.open(p) as t:
                names = t.getnames()
            print(f"tar archive of {len(names)} members: " + ", ".join(names[:20]))
            continue
    except Exception as e:
        print(f"(cannot decode: {type(e).__name__}: {e})")
        hexdump(head)
        continue
    if not head:
        print("(empty)")
    elif is_text(head):
        total = head.count(b"\n") + (0 if head.endswith(b"\n") else 1)
        if size > len(head):
            with open(p, "rb") as f:
                total = sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
        show_text(head, "text", total)
    else:
        hexdump(head)
'''


def describe_command(paths: list[str], lines: int = 20, chars: int = 2000) -> list[str]:
    """The exec argv that describes `paths` inside a container (see DESCRIBE_PY)."""
    return ["env", f"LCT_LINES={lines}", f"LCT_CHARS={chars}", "python3", "-c", DESCRIBE_PY, *paths]


class Draft(BaseModel):
    """Everything a task under construction is, persisted in its state file after every turn."""

    instruction: str = ""
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    difficulty: str = "medium"
    files: dict[str, str] = Field(default_factory=dict)

    def dockerfile(self) -> str:
        return self.files.get("environment/Dockerfile", TOOLBOX_LAYER)


DRAFT_CONFIG = TaskConfig.model_validate({
    "verifier": {"timeout_sec": 120.0}, "agent": {"timeout_sec": 300.0},
    "environment": {"build_timeout_sec": 600.0, "cpus": 1, "memory_mb": 1024, "network_mode": "no-network"},
})


def draft_config(draft: Draft) -> TaskConfig:
    """The draft's config for its gate trials: graded as the final task is, in a separate verifier that sees the
    declared outputs only."""
    # validated (model_copy(update=...) would leave the mode a bare string, which the trial cannot read)
    data = DRAFT_CONFIG.model_dump(mode="json")
    data["verifier"]["environment_mode"] = "separate"
    data["artifacts"] = sorted(set(draft.outputs))
    return TaskConfig.model_validate(data)


def draft_files(draft: Draft) -> dict[str, str]:
    """The draft as task files: the shared tool layer is always the Dockerfile's head, test.sh the template."""
    files = dict(draft.files)
    files["environment/Dockerfile"] = draft.dockerfile()
    files["tests/test.sh"] = standard_test_sh()
    files.setdefault("tests/lct_verify.py", verifier_helper())  # run the agent's code unprivileged (see its docstring)
    return files


def apply_write(draft: Draft, path: str, content: str, writable: tuple[str, ...], append: bool = False) -> str:
    """write_file: checks the path against what this stage may edit; returns the message for the model, with
    honest sizes (bytes the model wrote, and what the file now holds)."""
    rel = path.strip()
    while rel.startswith("./"):
        rel = rel[2:]
    if ".." in Path(rel).parts or rel.startswith("/"):
        return f"error: {path!r}: paths are relative to the task root and stay inside it"
    if rel == "tests/test.sh":
        return "error: tests/test.sh is the fixed hardened runner; write tests/test_outputs.py instead"
    if not rel.startswith(writable):
        return f"error: in this stage you may only write under {', '.join(writable)} (not {rel!r})"
    n = len(content.encode())
    if append and rel not in draft.files:
        return f"error: cannot append to {rel}: it does not exist yet (write its first part without append)"
    if rel == "environment/Dockerfile":
        body = content if append else content.lstrip("\n")
        body = body.removeprefix(TOOLBOX_LAYER)
        if re.match(r"\s*FROM\s", body, re.IGNORECASE) or re.search(r"^\s*FROM\s", body, re.IGNORECASE | re.MULTILINE):
            return ("error: do not write FROM: your Dockerfile is appended to the fixed shared layer "
                    "(FROM debian:bookworm-slim + tools); write only the instructions after it")
        yours = (draft.files[rel].removeprefix(TOOLBOX_LAYER) if append else "") + body
        draft.files[rel] = TOOLBOX_LAYER + yours
        return (f"{'appended to' if append else 'wrote'} {rel}: {n} bytes from you; your instructions are now "
                f"{len(yours.encode())} bytes, after the fixed tool layer ({len(TOOLBOX_LAYER.encode())} bytes)")
    if append:
        draft.files[rel] += content
        return f"appended {n} bytes to {rel} (now {len(draft.files[rel].encode())} bytes)"
    draft.files[rel] = content
    return f"wrote {rel} ({n} bytes)"


class Workbench:
    """The sandbox of one task's stage: the draft materialized as a task dir, its image, one live container."""

    def __init__(self, engine: DockerEngine, work_dir: Path):
        self.engine = engine
        self.dir = work_dir / "draft"
        self.box: Sandbox | None = None
        self.tag: str | None = None
        self.seconds = 0.0  # sandbox wall time, for the accounting

    def materialize(self, draft: Draft) -> TaskDir:
        if self.dir.exists():
            shutil.rmtree(self.dir)
        return write_task_dir(self.dir, draft.instruction or "(draft)", DRAFT_CONFIG, draft_files(draft))

    def build(self, draft: Draft) -> str:
        """Image tag of the current draft (raises BuildError with the log)."""
        t0 = time.monotonic()
        try:
            task = self.materialize(draft)
            return self.engine.build(task.environment_dir, timeout_sec=DRAFT_CONFIG.environment.build_timeout_sec).tag
        finally:
            self.seconds += time.monotonic() - t0

    def fresh_box(self, tag: str) -> Sandbox:
        t0 = time.monotonic()
        try:
            return self.engine.start(tag, limits=Limits(1, 1024), network=False, setup="mkdir -p /logs/agent /logs/verifier")
        finally:
            self.seconds += time.monotonic() - t0

    def tool_build(self, draft: Draft) -> str:
        try:
            return f"build ok: image {self.build(draft)}"
        except BuildError as e:
            return f"build FAILED: {e}\n{normalize(e.log, build_log=True)}"

    def tool_run(self, draft: Draft, command: str, timeout_sec: float = RUN_TIMEOUT_SEC) -> str:
        """One `run`: the stage's container is reused while the image is unchanged (files and state carry over
        between calls); an environment change builds a new image and starts a fresh container. The output
        says which, so the model never has to guess."""
        try:
            tag = self.build(draft)
        except BuildError as e:
            return f"cannot run: the image does not build: {e}\n{normalize(e.log, build_log=True)}"
        t0 = time.monotonic()
        try:
            if self.box is None or self.tag != tag:
                note = ("fresh container (the image changed)" if self.box is not None else "fresh container")
                self.close()
                self.box = self.fresh_box(tag)
                self.tag = tag
            else:
                note = "same container as your previous run (its state carried over)"
            task = TaskDir(self.dir)
            self.box.exec("rm -rf /solution /tests", user="root")
            for src, dest in ((task.solution_dir, "/solution"), (task.tests_dir, "/tests")):
                if src.is_dir():
                    self.box.put_dir(src, dest)
            res = self.box.exec(["bash", "-lc", command], timeout_sec=timeout_sec, user="root")
        finally:
            self.seconds += time.monotonic() - t0
        status = (f"timed out after {timeout_sec:g}s (the command was killed)" if res.timed_out
                  else f"exit code {res.exit_code}")
        return f"{status} [{note}]\n{normalize(res.output)}"

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box, self.tag = None, None
