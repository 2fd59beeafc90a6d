"""The five stages (refine, environment, solution, verifier, package) as one agentic loop each, and the check
that runs on real containers when the model says `done`; a failing check goes back to the model as its log."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from litecoder_terminal.agents import Agent, NopAgent, OracleAgent, ScriptAgent
from litecoder_terminal.gates import Verdict, validate_task
from litecoder_terminal.gates.battery import mutation_scripts
from litecoder_terminal.llm import Completion, LLMClient, Usage
from litecoder_terminal.sandbox import BuildError, DockerEngine
from litecoder_terminal.synth.llm.tools import (
    DRAFT_CONFIG,
    draft_config,
    ActionError,
    Draft,
    Workbench,
    apply_write,
    describe_command,
    draft_files,
    normalize,
    parse_action,
    parse_json_object,
    prompt,
)
from litecoder_terminal.task import TaskConfig, TaskDir, write_task_dir
from litecoder_terminal.task.lint import Severity, lint_task
from litecoder_terminal.trial import TrialStatus, run_trial

STAGES = ("refine", "environment", "solution", "verifier", "package")
WRITABLE = {"refine": (), "environment": ("environment/",), "solution": ("solution/",), "verifier": ("tests/",),
            "package": ()}
# Data files in environment/ above this size were pasted, not generated: refused (the released 602 tasks'
# habit of pasting large inputs makes them impossible to vary and easy to memorize).
MAX_PASTED_BYTES = 2000
_DATA_SUFFIXES = (".csv", ".tsv", ".json", ".jsonl", ".txt", ".log", ".xml", ".yaml", ".yml", ".dat", ".sql")
MODEL_ATTACKS = 3
# How much of each reference output the verifier stage sees (it hard-codes expected values from them).
REFERENCE_LINES, REFERENCE_CHARS = 400, 16000
DIFFICULTY_GUIDE = {
    "easy": "a few direct steps; the instruction may say what to compute and how the output looks.",
    "medium": "several steps that depend on each other; the instruction states the goal and the exact output "
              "format, not the commands.",
    "hard": "state the SYMPTOM and the GOAL only, never the steps or the algorithm: the solver must discover what "
            "is wrong or what is needed (inspect the data or code, find the cause, pick the method). Exact output "
            "paths and formats are still given.",
}


def cut_message(limit: int | None, what: str = "tool call") -> str:
    """What the model is told when its reply was cut at the per-call output limit."""
    lim = f"{limit} tokens" if limit else "its limit"
    return (f"error: your reply was CUT at the per-call output limit ({lim}, set by --max-output-tokens) before "
            f"the {what} was complete, so nothing was done. Send a shorter reply: write a long file in parts "
            '(the first part with write_file, each further part with write_file and "append": true), or write '
            "a small script that generates the content.")


class TaskState(BaseModel):
    """One task's progress; written after every turn so a killed run resumes where it stopped."""

    task_id: str
    domain: str
    idea: str
    difficulty: str = "medium"  # the idea's target level
    judge_notes: str = ""  # the idea judge's scores and reason; the refine stage reads them
    draft: Draft = Field(default_factory=Draft)
    stages_done: list[str] = Field(default_factory=list)
    stage_logs: dict[str, str] = Field(default_factory=dict)
    current: str | None = None
    # The draft as the current stage found it: a resumed stage restarts from it, so it sends the same requests
    # as before and gets them from the cache instead of paying again.
    stage_start: Draft | None = None
    step: str = ""  # within the current stage: loop | attacking | gating
    status: Literal["pending", "accepted", "dropped"] = "pending"
    drop_stage: str | None = None
    reason: str = ""
    attacks: dict[str, str] = Field(default_factory=dict)  # model-written wrong/cheating solutions, by name
    package: dict[str, Any] = Field(default_factory=dict)
    usage: dict[str, dict[str, float]] = Field(default_factory=dict)  # stage -> Usage.as_dict() + sandbox_sec
    blind: dict[str, Any] = Field(default_factory=dict)  # the optional blind-solver check (see blind.py)


class StageFailed(Exception):
    """The stage gave up (repairs or turns spent): the task is dropped with this reason."""


@dataclass
class CheckResult:
    ok: bool
    feedback: str  # sent to the model when not ok; the stage's execution log when ok


@dataclass
class StageContext:
    state: TaskState
    client: LLMClient
    engine: DockerEngine
    work_dir: Path
    save: Callable[[TaskState], None]
    max_repairs: int = 3
    max_turns: int = 16
    repeats: int = 2
    model: str = ""
    redteam: LLMClient | None = None  # writes the wrong solutions; the synthesizing client when None
    bench: Workbench = field(init=False)

    def __post_init__(self) -> None:
        self.bench = Workbench(self.engine, self.work_dir)

    def stage_usage(self, stage: str) -> Usage:
        d = self.state.usage.get(stage, {})
        return Usage(int(d.get("calls", 0)), int(d.get("cached_calls", 0)), int(d.get("prompt_tokens", 0)),
                     int(d.get("completion_tokens", 0)), float(d.get("cost_usd", 0.0)), float(d.get("llm_wall_sec", 0.0)))

    def complete(self, stage: str, messages: list[dict], salt: str = "", client: LLMClient | None = None) -> Completion:
        c = (client or self.client).complete(messages, salt=salt)
        usage = self.stage_usage(stage)
        usage.add(c)
        self.record(stage, usage)
        return c

    def output_limit(self, client: LLMClient | None = None) -> int | None:
        return (client or self.client).config.max_tokens if (client or self.client) is not None else None

    def record(self, stage: str, usage: Usage | None = None) -> None:
        usage = usage or self.stage_usage(stage)
        sandbox = self.state.usage.get(stage, {}).get("sandbox_sec", 0.0)
        self.state.usage[stage] = {**usage.as_dict(), "sandbox_sec": round(sandbox + self.bench.seconds, 3)}
        self.bench.seconds = 0.0
        self.save(self.state)


def stage_context(state: TaskState, stage: str) -> str:
    d = state.draft
    level = d.difficulty if d.instruction else state.difficulty
    parts = [f"# Domain: {state.domain}", f"# Difficulty target: {level}", f"At {level}: {DIFFICULTY_GUIDE.get(level, '')}",
             "# Task idea", state.idea.strip()]
    if stage == "refine" and state.judge_notes:
        parts += ["# Reviewer's notes on the idea (the idea judge; address them in the instruction)",
                  state.judge_notes.strip()]
    if d.instruction:
        parts += ["# Instruction (instruction.md)", d.instruction.strip(),
                  f"Declared inputs: {', '.join(d.inputs) or '(none)'}", f"Declared outputs: {', '.join(d.outputs)}"]
    for rel, content in sorted(d.files.items()):
        if rel.startswith("solution/wrong/"):
            continue
        parts += [f"## {rel}", "```", content if len(content) < 6000 else content[:6000] + "\n[... cut ...]", "```"]
    i = STAGES.index(stage)
    if i > 0 and state.stage_logs.get(STAGES[i - 1]):
        parts += [f"# Execution log of the previous stage ({STAGES[i - 1]})", state.stage_logs[STAGES[i - 1]]]
    return "\n\n".join(parts)


def run_stage(ctx: StageContext, stage: str) -> None:
    """The agentic loop of one stage; returns when the stage's check passed, raises StageFailed otherwise."""
    state = ctx.state
    if state.current == stage and state.stage_start is not None:
        state.draft = state.stage_start.model_copy(deep=True)
    else:
        state.stage_start = state.draft.model_copy(deep=True)
    state.current, state.step = stage, "loop"
    ctx.save(state)
    messages = [{"role": "system", "content": prompt("protocol") + "\n\n" + prompt(stage)},
                {"role": "user", "content": stage_context(state, stage)}]
    repairs, last_failure = 0, ""
    try:
        for _turn in range(ctx.max_turns):
            c = ctx.complete(stage, messages)
            reply = c.text
            messages.append({"role": "assistant", "content": reply})
            try:
                action = parse_action(reply)
            except ActionError as e:
                # A reply cut at the output limit is not malformed: say so, and how to go on.
                messages.append({"role": "user", "content": cut_message(ctx.output_limit()) if c.truncated
                                 else f"error: {e}"})
                continue
            tool = action["tool"]
            if tool == "done":
                result = CHECKS[stage](ctx, action)
                ctx.record(stage)
                if result.ok:
                    state.stage_logs[stage] = result.feedback
                    state.stages_done.append(stage)
                    state.current, state.step, state.stage_start = None, "", None
                    ctx.save(state)
                    return
                last_failure = result.feedback
                repairs += 1
                if repairs > ctx.max_repairs:
                    raise StageFailed(f"{stage} check still failing after {ctx.max_repairs} repair rounds: "
                                      f"{_first_line(last_failure)}")
                messages.append({"role": "user", "content": f"The {stage} check FAILED:\n{result.feedback}\n\n"
                                 "Fix it with the tools, then call done again."})
                continue
            if tool == "write_file":
                if not WRITABLE[stage]:
                    out = f"error: the {stage} stage writes no files; put what it produces in the done call"
                else:
                    out = apply_write(state.draft, action["path"], action["content"], WRITABLE[stage],
                                      append=bool(action.get("append", False)))
                    if c.truncated:
                        out += ("\nnote: your reply reached the output limit; check that the content is complete")
                    ctx.save(state)
            elif tool == "build":
                out = ctx.bench.tool_build(state.draft)
            else:
                out = ctx.bench.tool_run(state.draft, action["command"])
            ctx.record(stage)
            messages.append({"role": "user", "content": out})
        raise StageFailed(f"{stage}: no passing done within {ctx.max_turns} turns"
                          + (f" (last check: {_first_line(last_failure)})" if last_failure else ""))
    finally:
        ctx.bench.close()


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "")[:300]


# ---- checks ------------------------------------------------------------------------------------------------

class RefineFields(BaseModel):
    instruction: str = Field(min_length=40)
    inputs: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(min_length=1)
    difficulty: Literal["easy", "medium", "hard"]


def check_refine(ctx: StageContext, action: dict) -> CheckResult:
    try:
        f = RefineFields.model_validate(action)
    except ValidationError as e:
        return CheckResult(False, f"done fields invalid: {e}")
    bad = [p for p in f.inputs + f.outputs if not p.startswith("/") or any(c in p for c in "*?$`'\"\n")]
    if bad:
        return CheckResult(False, f"paths must be absolute, literal paths: {bad}")
    unmentioned = [p for p in f.outputs if p not in f.instruction]
    if unmentioned:
        return CheckResult(False, f"the instruction never names these outputs: {unmentioned}")
    d = ctx.state.draft
    d.instruction, d.inputs, d.outputs, d.difficulty = f.instruction.strip() + "\n", f.inputs, f.outputs, f.difficulty
    return CheckResult(True, f"instruction accepted ({len(f.instruction)} chars); inputs {f.inputs}; outputs {f.outputs}")


def _lint_and_build(ctx: StageContext, lint_codes: tuple[str, ...] = ()) -> str | CheckResult:
    """The draft's image tag, or the failing CheckResult: lint errors among `lint_codes` (the ones this stage
    owns), else the build log."""
    d = ctx.state.draft
    if lint_codes:
        task = ctx.bench.materialize(d)
        lint = [f for f in lint_task(task.root) if f.severity is Severity.ERROR and f.code in lint_codes]
        if lint:
            return CheckResult(False, "lint: " + "; ".join(str(f).replace(str(task.root) + "/", "") for f in lint))
    try:
        return ctx.bench.build(d)
    except BuildError as e:
        return CheckResult(False, f"the image does not build: {e}\n{normalize(e.log, build_log=True)}")


def check_environment(ctx: StageContext, action: dict) -> CheckResult:
    d = ctx.state.draft
    if "environment/Dockerfile" not in d.files:
        return CheckResult(False, "write environment/Dockerfile first")
    pasted = [rel for rel, c in d.files.items() if rel.startswith("environment/") and rel.endswith(_DATA_SUFFIXES)
              and len(c.encode()) > MAX_PASTED_BYTES]
    if pasted:
        return CheckResult(False, f"data files over {MAX_PASTED_BYTES} bytes were pasted: {pasted}; generate them "
                           "with a script run in the Dockerfile instead")
    tag = _lint_and_build(ctx, ("LCT003", "LCT004", "LCT006", "LCT010"))
    if isinstance(tag, CheckResult):
        return tag
    if not d.inputs:
        return CheckResult(True, "build ok (no declared inputs)")
    box = ctx.bench.fresh_box(tag)
    try:
        t0 = time.monotonic()
        listing = box.exec(describe_command(d.inputs, lines=10, chars=1500), timeout_sec=120, user="root")
        ctx.bench.seconds += time.monotonic() - t0
    finally:
        box.close()
    missing = [p for p in d.inputs if f"MISSING {p}" in listing.output]
    if missing:
        return CheckResult(False, f"declared inputs missing in a fresh container: {missing}\n{normalize(listing.output)}")
    return CheckResult(True, "build ok; inputs in a fresh container (what `file` says, and the head of each: "
                       "text cut at line boundaries, compressed files decoded, binary as hex):\n"
                       + normalize(listing.output, limit=8000))


def check_solution(ctx: StageContext, action: dict) -> CheckResult:
    d = ctx.state.draft
    if "solution/solve.sh" not in d.files:
        return CheckResult(False, "write solution/solve.sh first")
    tag = _lint_and_build(ctx)
    if isinstance(tag, CheckResult):
        return tag
    task = TaskDir(ctx.bench.dir)
    box = ctx.bench.fresh_box(tag)
    try:
        t0 = time.monotonic()
        run = OracleAgent().run(box, task, DRAFT_CONFIG, DRAFT_CONFIG.agent_timeout_sec)
        probe = box.exec(describe_command(d.outputs, lines=REFERENCE_LINES, chars=REFERENCE_CHARS),
                         timeout_sec=120, user="root")
        ctx.bench.seconds += time.monotonic() - t0
    finally:
        box.close()
    if run.timed_out or run.exit_code != 0:
        status = "timed out" if run.timed_out else f"exited {run.exit_code}"
        return CheckResult(False, f"solve.sh {status} in a fresh container:\n{normalize(run.output)}")
    missing = [p for p in d.outputs if f"MISSING {p}" in probe.output]
    if missing:
        return CheckResult(False, f"solve.sh exited 0 but did not create {missing}:\n{normalize(run.output)}")
    shown = normalize(probe.output, limit=REFERENCE_CHARS * max(1, len(d.outputs)) + 2000)
    return CheckResult(True, "solve.sh exit 0 in a fresh container; the reference outputs it created (in full up to "
                       f"{REFERENCE_LINES} lines / {REFERENCE_CHARS} chars each; where a head says 'first N of M "
                       "lines', read the rest with run, e.g. `bash /solution/solve.sh >/dev/null && sed -n "
                       "'401,800p' /path`):\n" + shown)


# ---- verifier: adversarial rounds ------------------------------------------------------------------------------

def attack_messages(state: TaskState) -> list[dict]:
    """The red team's request: the task as a solver sees it (instruction, declared paths, the inputs as the
    environment check described them), never the reference solution, its outputs or the tests."""
    d = state.draft
    inputs = state.stage_logs.get("environment", "")
    return [{"role": "user", "content": prompt(
        "attacks", n=MODEL_ATTACKS, instruction=d.instruction.strip(), inputs=", ".join(d.inputs) or "(none)",
        outputs=", ".join(d.outputs), environment=inputs or "(not described)")}]


def ask_attacks(ctx: StageContext) -> dict[str, str]:
    c = ctx.complete("verifier", attack_messages(ctx.state), client=ctx.redteam)
    try:
        items = parse_json_object(c.text).get("wrong")
    except ActionError:
        return {}
    attacks = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("script"), str):
            continue
        name = re.sub(r"[^a-z0-9-]+", "-", str(item.get("name", "")).lower()).strip("-")[:40] or f"attack-{len(attacks) + 1}"
        script = item["script"] if item["script"].startswith("#!") else "#!/bin/bash\n" + item["script"]
        why = str(item.get("why", "")).replace("\n", " ")[:200]
        attacks[f"wrong-{name}"] = script if not why else script.replace("\n", f"\n# Known wrong: {why}\n", 1)
    return attacks


def check_verifier(ctx: StageContext, action: dict) -> CheckResult:
    state, d = ctx.state, ctx.state.draft
    if "tests/test_outputs.py" not in d.files:
        return CheckResult(False, "write tests/test_outputs.py first")
    tag = _lint_and_build(ctx, ("LCT001", "LCT005"))
    if isinstance(tag, CheckResult):
        return tag
    task = TaskDir(ctx.bench.dir)
    if not state.attacks:
        state.attacks = ask_attacks(ctx)
    attacks = {**mutation_scripts(d.files["solution/solve.sh"], d.outputs, d.inputs), **state.attacks}
    state.step = "attacking"
    ctx.save(state)
    rounds = len(list((ctx.work_dir / "trials").glob("verifier-*"))) + 1
    round_dir = ctx.work_dir / "trials" / f"verifier-{rounds}"
    scripts_dir = round_dir / "attacks"
    scripts_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    failures: list[str] = []
    lines: list[str] = []

    def trial(label: str, agent: Agent, want: float, script: str | None = None) -> None:
        r = run_trial(task, agent, ctx.engine, image=tag, trial_dir=round_dir / label, config=draft_config(d))
        test_out = (round_dir / label / "verifier" / "test-stdout.txt")
        out = test_out.read_text(errors="replace") if test_out.exists() else ""
        got = r.reward if r.status is TrialStatus.GRADED else None
        lines.append(f"{label}: reward {got if got is not None else 'none (' + (r.error.cause if r.error else '?') + ')'}"
                     f" (must be {want:g})")
        if got != want:
            what = {"nop": "doing nothing (the no-op agent)"}.get(label, f"attack {label}")
            if label.startswith("oracle"):
                what = f"the reference solution (repeat {label.split('-')[-1]})"
            msg = f"- {what} scored {got if got is not None else 'no reward'}; it must score {want:g}."
            if script:
                msg += f"\n  attack script:\n```bash\n{script[-1500:]}\n```"
            msg += f"\n  test output:\n```\n{normalize(out, 1500) or (r.error.cause if r.error else '')}\n```"
            failures.append(msg)

    trial("nop", NopAgent(), 0.0)
    for i in range(1, ctx.repeats + 1):
        trial(f"oracle-{i}", OracleAgent(), 1.0)
    for name, script in attacks.items():
        path = scripts_dir / f"{name}.sh"
        path.write_text(script)
        trial(name, ScriptAgent(path), 0.0, script)
    ctx.bench.seconds += time.monotonic() - t0
    state.step = "loop"
    if failures:
        return CheckResult(False, f"{len(failures)} of {len(lines)} adversarial trials went wrong:\n"
                           + "\n".join(failures[:6]))
    for name, script in attacks.items():
        d.files[f"solution/wrong/{name}.sh"] = script
    return CheckResult(True, "adversarial round passed:\n" + "\n".join(lines))


# ---- package ---------------------------------------------------------------------------------------------------

class PackageFields(BaseModel):
    difficulty: Literal["easy", "medium", "hard"]
    expert_time_estimate_min: int = Field(ge=1, le=600)
    junior_time_estimate_min: int = Field(ge=1, le=2400)
    tags: list[str] = Field(default_factory=list, max_length=10)
    cpus: float = Field(1, ge=0.5, le=4)
    memory_mb: int = Field(1024, ge=256, le=8192)
    agent_timeout_sec: float = Field(900, ge=60, le=7200)
    verifier_timeout_sec: float = Field(120, ge=30, le=1800)


def final_config(state: TaskState, f: PackageFields, model: str) -> TaskConfig:
    return TaskConfig.model_validate({
        "schema_version": "1.4",
        "metadata": {
            "author_name": f"LiteCoder-Terminal LLM pipeline ({model})", "category": state.domain,
            "difficulty": f.difficulty, "tags": sorted({state.domain, *f.tags}),
            "expert_time_estimate_min": f.expert_time_estimate_min,
            "junior_time_estimate_min": f.junior_time_estimate_min, "synth_task_id": state.task_id,
        },
        "verifier": {"timeout_sec": f.verifier_timeout_sec, "environment_mode": "separate"},
        "agent": {"timeout_sec": f.agent_timeout_sec},
        "environment": {"build_timeout_sec": 900.0, "cpus": f.cpus, "memory_mb": f.memory_mb,
                        "network_mode": "no-network"},
        "artifacts": sorted(set(state.draft.outputs)),
    })


def check_package(ctx: StageContext, action: dict) -> CheckResult:
    state = ctx.state
    try:
        f = PackageFields.model_validate(action)
    except ValidationError as e:
        return CheckResult(False, f"done fields invalid: {e}")
    final = ctx.work_dir / "final"
    if final.exists():
        shutil.rmtree(final)
    write_task_dir(final, state.draft.instruction, final_config(state, f, ctx.model), draft_files(state.draft))
    state.step = "gating"
    ctx.save(state)
    t0 = time.monotonic()
    verdict = validate_task(final, ctx.engine, repeats=ctx.repeats, job_dir=ctx.work_dir / "gate")
    ctx.bench.seconds += time.monotonic() - t0
    state.step = "loop"
    if verdict.verdict is not Verdict.ACCEPTED:
        reason = verdict.reasons[0] if verdict.reasons else None
        return CheckResult(False, f"gate {reason.gate if reason else '?'} ({verdict.verdict.value}): "
                           f"{reason.message if reason else ''}")
    state.package = f.model_dump()
    trials = ", ".join(f"{t.gate}:{t.reward:g}" for t in verdict.trials if t.reward is not None)
    return CheckResult(True, f"gates passed ({trials})")


CHECKS: dict[str, Callable[[StageContext, dict], CheckResult]] = {
    "refine": check_refine, "environment": check_environment, "solution": check_solution,
    "verifier": check_verifier, "package": check_package,
}
