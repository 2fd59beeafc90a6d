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
    if tool == "run" and not isinstance(obj.get("command"), str):
        raise ActionError("run needs a string field 'command'")
    return obj


_DURATION = re.compile(r"\b\d+\.\d+s\b")  # pytest's "in 0.03s", build step timings
_BUILD_NOISE = [
    (re.compile(r"^.*(---> |Running in |Removing intermediate container).*\n?", re.MULTILINE), ""),
    (re.compile(r"\b[0-9a-f]{12,64}\b"), "<id>"),  # layer, container and image ids
]


def normalize(text: str, limit: int = TAIL_CHARS, build_log: bool = False) -> str:
    """Output as the model sees it: volatile bits (timings, build ids) removed, so a resumed run sends the same
    request and gets it from the cache; long output keeps its tail, where errors are."""
    text = _DURATION.sub("<t>s", text)
    for rx, rep in _BUILD_NOISE if build_log else []:
        text = rx.sub(rep, text)
    text = text.strip()
    return text if len(text) <= limit else "[... head cut ...]\n" + text[-limit:]


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
    return DRAFT_CONFIG.model_copy(update={
        "verifier": DRAFT_CONFIG.verifier.model_copy(update={"environment_mode": "separate"}),
        "artifacts": sorted(set(draft.outputs))})


def draft_files(draft: Draft) -> dict[str, str]:
    """The draft as task files: the shared tool layer is always the Dockerfile's head, test.sh the template."""
    files = dict(draft.files)
    files["environment/Dockerfile"] = draft.dockerfile()
    files["tests/test.sh"] = standard_test_sh()
    files.setdefault("tests/lct_verify.py", verifier_helper())  # run the agent's code unprivileged (see its docstring)
    return files


def apply_write(draft: Draft, path: str, content: str, writable: tuple[str, ...]) -> str:
    """write_file: checks the path against what this stage may edit; returns the message for the model."""
    rel = path.strip()
    while rel.startswith("./"):
        rel = rel[2:]
    if ".." in Path(rel).parts or rel.startswith("/"):
        return f"error: {path!r}: paths are relative to the task root and stay inside it"
    if rel == "tests/test.sh":
        return "error: tests/test.sh is the fixed hardened runner; write tests/test_outputs.py instead"
    if not rel.startswith(writable):
        return f"error: in this stage you may only write under {', '.join(writable)} (not {rel!r})"
    if rel == "environment/Dockerfile":
        body = content.lstrip("\n")
        body = body.removeprefix(TOOLBOX_LAYER)
        if re.match(r"\s*FROM\s", body, re.IGNORECASE) or re.search(r"^\s*FROM\s", body, re.IGNORECASE | re.MULTILINE):
            return ("error: do not write FROM: your Dockerfile is appended to the fixed shared layer "
                    "(FROM debian:bookworm-slim + tools); write only the instructions after it")
        content = TOOLBOX_LAYER + body
    draft.files[rel] = content
    return f"wrote {rel} ({len(content)} bytes)"


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

    def tool_run(self, draft: Draft, command: str, timeout_sec: float = 120.0) -> str:
        try:
            tag = self.build(draft)
        except BuildError as e:
            return f"cannot run: the image does not build: {e}\n{normalize(e.log, build_log=True)}"
        t0 = time.monotonic()
        try:
            if self.box is None or self.tag != tag:
                self.close()
                self.box = self.fresh_box(tag)
                self.tag = tag
            task = TaskDir(self.dir)
            self.box.exec("rm -rf /solution /tests", user="root")
            for src, dest in ((task.solution_dir, "/solution"), (task.tests_dir, "/tests")):
                if src.is_dir():
                    self.box.put_dir(src, dest)
            res = self.box.exec(["bash", "-lc", command], timeout_sec=timeout_sec, user="root")
        finally:
            self.seconds += time.monotonic() - t0
        status = "timed out" if res.timed_out else f"exit code {res.exit_code}"
        return f"{status}\n{normalize(res.output)}"

    def close(self) -> None:
        if self.box is not None:
            self.box.close()
            self.box, self.tag = None, None
