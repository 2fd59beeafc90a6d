"""The Terminus-style LLM terminal agent: a model drives a tmux shell in the sandbox with JSON replies.

Each turn the model (any LiteLLM model, through `LLMClient`) answers `{"analysis", "plan", "commands":
[{"keystrokes", "duration"}], "task_complete"}`; the keystrokes are typed raw, and the new terminal output
(bounded, head + tail) is the next user message. Replies are parsed tolerantly (`parse_reply`): code fences,
prose around the object, trailing commas and missing fields are accepted with a warning shown to the model;
an unusable reply gets an error turn asking for valid JSON. `task_complete` is confirmed once, as Terminus-2
does. When the conversation outgrows the context budget, one model call summarises the older turns and the
history is replaced by the task, the summary and the last turns. The outcome is an ATIF trajectory whose agent
steps are the model calls (see `atif.py`); `render_prompt` is also what the SFT exporter uses as first turn.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from typing import Any

from litecoder_terminal.agents.atif import LLMCall, TerminalStep, build_trajectory
from litecoder_terminal.agents.basic import AgentOutcome
from litecoder_terminal.agents.terminal import TERM_DIR, TmuxError, TmuxSession, _bound, ensure_tmux
from litecoder_terminal.llm import LLMClient, LLMError
from litecoder_terminal.sandbox import Sandbox
from litecoder_terminal.task import TaskConfig, TaskDir

# Stop reasons (recorded in the trajectory's final_metrics.extra.stop_reason). Only TASK_COMPLETE is a finished run.
TASK_COMPLETE, MAX_TURNS, TIMEOUT, PARSE_ERRORS, LLM_ERROR, TERMINAL_ERROR = (
    "task_complete", "max_turns", "timeout", "parse_errors", "llm_error", "terminal_error")

CONFIRM_TEMPLATE = ("{screen}\n\nAre you sure you want to mark the task as complete? "
                    "This will grade your solution and you will not be able to make further changes. If so, reply "
                    'again with "task_complete": true.')
PARSE_ERROR_TEMPLATE = ("Your previous response could not be used:\nERROR: {error}\n\nReply with one JSON object "
                        'with the fields "analysis", "plan", "commands" and "task_complete", as described.')
SUMMARY_REQUEST = ("You are about to run out of context. Summarise the work so far on this task for yourself: what "
                   "you found out, the commands that mattered and their results, what is done and what remains. "
                   "Be specific (paths, file names, values). Reply with the summary only, in plain text.")
SUMMARY_HANDOFF = "Summary of your work on this task so far (earlier turns were summarised to save context):\n"
CUT_ERROR = ("your reply was cut at the output limit ({limit}) before the JSON object was complete, so none of it was "
             "used. Send a shorter reply: fewer or shorter commands per turn; write a long file in several commands "
             "(cat > file, then cat >> file for the following parts), or generate it with a short script")
CUT_WARNING = "Your reply reached the output limit ({limit}); it was used as far as it could be read. Keep replies shorter."
DEADLINES = ("wall", "env")

# tmux key names: a `keystrokes` made only of these is sent as keys, anything else is typed literally.
_KEY = re.compile(r"^(?:[CMS]-\S|C-M-\S|Enter|Escape|Tab|BTab|BSpace|Space|Up|Down|Left|Right|Home|End|"
                  r"PageUp|PageDown|PgUp|PgDn|PPage|NPage|IC|DC|F\d{1,2})$")


def _duration(sec: float) -> str:
    """Coarse on purpose (whole minutes, then 10 s steps): a prompt that carries it repeats, and so stays cached,
    unless the clock moved a whole step."""
    sec = max(sec, 0.0)
    if sec >= 120:
        return f"{int(sec // 60)} min"
    return f"{int(sec // 10) * 10} s"


def budget_line(turns_left: int, max_turns: int, seconds_left: float, deadline: str) -> str:
    """What the agent is told of its budget, after the task and after every observation."""
    clock = ("environment time: time spent waiting for your replies does not count" if deadline == "env"
             else "wall-clock time: the time you take to reply counts too")
    return (f"[Budget: {turns_left} of {max_turns} turns left; about {_duration(seconds_left)} left before the "
            f"deadline ({clock}).]")


def render_prompt(instruction: str, terminal_state: str) -> str:
    """The first user message: our Terminus-style prompt with the task and the terminal as it starts."""
    template = resources.files("litecoder_terminal.agents").joinpath("prompts/terminus.md").read_text().rstrip()
    return template.replace("{instruction}", instruction.strip()).replace("{terminal_state}", terminal_state)


# ---------------------------------------------------------------------------------------------------------
# the reply parser
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Keystrokes:
    keystrokes: str
    duration: float


@dataclass
class ParsedReply:
    analysis: str = ""
    plan: str = ""
    commands: list[Keystrokes] = field(default_factory=list)
    task_complete: bool = False
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # set when nothing usable could be read (then the other fields are empty)

    def as_json(self) -> str:
        """The canonical reply (what a model should have written)."""
        return json.dumps({"analysis": self.analysis, "plan": self.plan,
                           "commands": [{"keystrokes": c.keystrokes, "duration": c.duration} for c in self.commands],
                           "task_complete": self.task_complete}, ensure_ascii=False, indent=2)


_FENCE = re.compile(r"```(?:json|JSON)?[ \t]*\n(.*?)```", re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _object_span(text: str) -> tuple[int, int] | None:
    """The first balanced {...} in text (braces inside JSON strings ignored)."""
    start = text.find("{")
    while start >= 0:
        depth, in_str, esc = 0, False, False
        for i in range(start, len(text)):
            c = text[i]
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return start, i + 1
        start = text.find("{", start + 1)
    return None


def _loads(blob: str) -> tuple[Any, bool]:
    """json.loads, else again without trailing commas; (value, repaired)."""
    try:
        return json.loads(blob), False
    except json.JSONDecodeError:
        return json.loads(_TRAILING_COMMA.sub(r"\1", blob)), True


def parse_reply(text: str, max_duration: float = 60.0) -> ParsedReply:
    """Read a model reply; never raises. Problems that still leave a usable reply become warnings."""
    out = ParsedReply()
    raw = text.strip()
    fence = _FENCE.search(raw)
    body, outside = (fence.group(1), raw[:fence.start()] + raw[fence.end():]) if fence else (raw, "")
    span = _object_span(body)
    if span is None:
        out.error = "no JSON object found in the response"
        return out
    outside = (outside + body[:span[0]] + body[span[1]:]).strip()
    try:
        data, repaired = _loads(body[span[0]:span[1]])
    except json.JSONDecodeError as e:
        out.error = f"invalid JSON: {e}"
        return out
    if not isinstance(data, dict):
        out.error = "the response must be a JSON object"
        return out
    if outside:
        out.warnings.append("Extra text was found around the JSON object; reply with the JSON object only.")
    if repaired:
        out.warnings.append("The JSON had trailing commas; they were ignored.")
    for name in ("analysis", "plan"):
        value = data.get(name)
        if value is None:
            out.warnings.append(f'Missing field "{name}".')
        setattr(out, name, value if isinstance(value, str) else json.dumps(value) if value is not None else "")
    if "commands" not in data:
        out.warnings.append('Missing field "commands"; no keystrokes were sent.')
    commands = data.get("commands") or []
    if not isinstance(commands, list):
        out.error = '"commands" must be a list of {"keystrokes", "duration"} objects'
        return out
    for i, cmd in enumerate(commands, 1):
        if isinstance(cmd, str):
            out.warnings.append(f'Command {i} is a string, not an object; it was sent as "keystrokes".')
            cmd = {"keystrokes": cmd}
        if not isinstance(cmd, dict) or not isinstance(cmd.get("keystrokes"), str):
            out.error = f'command {i} has no "keystrokes" string'
            return out
        duration = cmd.get("duration")
        if duration is None:
            out.warnings.append(f'Command {i} has no "duration"; 1 second was used.')
            duration = 1.0
        try:
            duration = float(duration)
        except (TypeError, ValueError):
            out.warnings.append(f'Command {i}: "duration" {duration!r} is not a number; 1 second was used.')
            duration = 1.0
        if duration > max_duration:
            out.warnings.append(f"Command {i}: duration {duration:g}s was capped at {max_duration:g}s.")
        out.commands.append(Keystrokes(cmd["keystrokes"], min(max(duration, 0.0), max_duration)))
    done = data.get("task_complete", False)
    if isinstance(done, str):
        done = done.strip().lower() in ("true", "yes", "1")
    out.task_complete = bool(done)
    return out


# ---------------------------------------------------------------------------------------------------------
# the agent
# ---------------------------------------------------------------------------------------------------------

def estimate_tokens(messages: list[dict]) -> int:
    """Rough prompt size (4 characters a token): decides when to summarise, needs no tokenizer download."""
    return sum(len(m.get("content") or "") for m in messages) // 4 + 4 * len(messages)


class TerminusAgent:
    """A model solving the task through a tmux terminal, Terminus-2 style (see the module docstring)."""

    width: int = 160
    height: int = 48

    def __init__(self, llm: LLMClient, *, max_turns: int = 50, max_observation_chars: int = 10000,
                 context_tokens: int = 32000, keep_turns: int = 2, max_duration_sec: float = 60.0,
                 max_parse_errors: int = 3, salt: str = "", deadline: str = "wall", show_budget: bool = True):
        if deadline not in DEADLINES:
            raise ValueError(f"deadline must be one of {', '.join(DEADLINES)} (not {deadline!r})")
        self.llm = llm
        self.max_turns = max_turns
        self.max_observation_chars = max_observation_chars
        self.context_tokens = context_tokens
        self.keep_turns = keep_turns  # (assistant, user) pairs kept verbatim after a summary
        self.max_duration_sec = max_duration_sec
        self.max_parse_errors = max_parse_errors  # in a row
        self.salt = salt  # separates independent attempts in the LLM cache (the k-th attempt of a task)
        # wall: the task's agent timeout counts everything; env: model latency (waiting for replies) is excluded
        self.deadline = deadline
        self.show_budget = show_budget  # remaining turns and time appended to the first prompt and each observation
        self.name = "terminus"

    @property
    def model_name(self) -> str:
        """The model behind the agent (trial records carry it, as Harbor's do)."""
        return self.llm.config.model

    def cleanup_paths(self) -> list[str]:
        return [TERM_DIR]

    # ---- terminal ---------------------------------------------------------------------------------------
    def _send(self, session: TmuxSession, keys: str) -> None:
        parts = keys.split()
        if parts and keys == keys.strip() and all(_KEY.match(p) for p in parts):
            session.send_special(*parts)
        elif keys:
            session.send_keys(keys, enter=False)

    def _new_output(self, session: TmuxSession, previous: list[str]) -> tuple[str, list[str]]:
        """What appeared since the last look (as Terminus-2: else the whole screen), bounded."""
        full = session.capture(10_000_000, full=True).split("\n")
        keep = len(previous) - 1  # the last line (the prompt) gets the typed command appended
        if keep >= 0 and len(full) > keep and full[:keep] == previous[:keep]:
            text = "New Terminal Output:\n" + "\n".join(full[keep:])
        else:
            text = "Current Terminal Screen:\n" + session.capture(10_000_000)
        return _bound(text, self.max_observation_chars), full

    # ---- context ----------------------------------------------------------------------------------------
    def _summarise(self, messages: list[dict], first: str) -> tuple[list[dict], dict[str, float]] | None:
        """Replace older turns by a model-written summary; None when there is nothing to cut."""
        keep = 2 * self.keep_turns
        if len(messages) <= 1 + keep:
            return None
        c = self.llm.complete([*messages, {"role": "user", "content": SUMMARY_REQUEST}], salt=self.salt)
        tail = messages[-keep:] if keep else []
        if tail and tail[0]["role"] != "assistant":  # the history must go user, assistant, user, ...
            tail = tail[1:]
        head = {"role": "user", "content": f"{first}\n\n{SUMMARY_HANDOFF}{c.text.strip()}"}
        if not tail:
            return [head], {"prompt": c.prompt_tokens, "completion": c.completion_tokens, "cost": c.cost}
        return [head, *tail], {"prompt": c.prompt_tokens, "completion": c.completion_tokens, "cost": c.cost}

    # ---- the loop ---------------------------------------------------------------------------------------
    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        t0 = time.monotonic()
        llm_sec = 0.0  # waiting for the model (excluded from the deadline in env mode)

        def remaining() -> float:  # seconds left, with 5 s kept for the harness to collect the screen
            used = time.monotonic() - t0 - (llm_sec if self.deadline == "env" else 0.0)
            return timeout_sec - 5.0 - used

        def budget(turns_used: int) -> str:
            if not self.show_budget:
                return ""
            return "\n\n" + budget_line(self.max_turns - turns_used, self.max_turns, remaining(), self.deadline)

        started_at = datetime.now(timezone.utc).isoformat()
        instruction = task.instruction_path.read_text()
        user = str(config.agent.user) if config.agent.user is not None else None
        session = TmuxSession(box, tmux=ensure_tmux(box, user=user), user=user, workdir=config.environment.workdir,
                              env={"DEBIAN_FRONTEND": "noninteractive"})
        session.start(self.width, self.height)
        initial = session.capture(self.max_observation_chars)
        first = render_prompt(instruction, initial)
        first_message = first + budget(0)  # the prompt as sent (the trajectory's task step holds exactly this)
        messages: list[dict] = [{"role": "user", "content": first_message}]
        seen = session.capture(10_000_000, full=True).split("\n")
        steps: list[TerminalStep] = []
        other = {"prompt": 0.0, "completion": 0.0, "cost": 0.0}
        stop, detail = MAX_TURNS, ""
        confirming = False
        errors_in_row = parse_errors = summaries = 0
        for turn in range(1, self.max_turns + 1):
            if remaining() <= 0:
                stop = TIMEOUT
                break
            t_llm = time.monotonic()
            try:
                if estimate_tokens(messages) > self.context_tokens and (cut := self._summarise(messages, first)):
                    messages, usage = cut
                    summaries += 1
                    for key in other:
                        other[key] += usage[key]
                c = self.llm.complete(messages, salt=self.salt)
            except LLMError as e:
                stop, detail = LLM_ERROR, str(e)
                break
            finally:
                llm_sec += time.monotonic() - t_llm
            at = datetime.now(timezone.utc).isoformat()
            messages.append({"role": "assistant", "content": c.text})
            reply = parse_reply(c.text, self.max_duration_sec)
            limit = f"{self.llm.config.max_tokens} tokens" if self.llm.config.max_tokens else "the server's limit"
            if c.finish_reason == "length":
                if reply.error:
                    reply.error = CUT_ERROR.format(limit=limit)
                else:
                    reply.warnings.append(CUT_WARNING.format(limit=limit))
            call = LLMCall(self.llm.config.model, "\n\n".join(x for x in (reply.analysis, reply.plan) if x),
                           c.prompt_tokens, c.completion_tokens, c.cost)
            if reply.error:
                parse_errors += 1
                errors_in_row += 1
                note = PARSE_ERROR_TEMPLATE.format(error=reply.error) + budget(turn)
                steps.append(TerminalStep(rationale=c.text, keystrokes="", observation=note, timestamp=at,
                                          commands=[], llm=call, extra={"turn": turn, "parse_error": reply.error}))
                messages.append({"role": "user", "content": note})
                if errors_in_row >= self.max_parse_errors:
                    stop = PARSE_ERRORS
                    break
                continue
            errors_in_row = 0
            t_turn = time.monotonic()
            timed_out = False
            try:
                for cmd in reply.commands:
                    self._send(session, cmd.keystrokes)
                    wait = min(cmd.duration, remaining())
                    if wait < cmd.duration:
                        timed_out = True
                    time.sleep(max(wait, 0.0))
                    if timed_out:
                        break
                screen, seen = self._new_output(session, seen)
            except TmuxError as e:
                steps.append(TerminalStep(rationale=c.text, keystrokes="", observation=f"[terminal error: {e}]",
                                          timestamp=at, commands=[(k.keystrokes, k.duration) for k in reply.commands],
                                          llm=call, task_complete=reply.task_complete, extra={"turn": turn}))
                stop, detail = TERMINAL_ERROR, str(e)
                break
            warnings = "".join(f"WARNING: {w}\n" for w in reply.warnings)
            finished = reply.task_complete and confirming
            if finished:
                observation = screen
            elif reply.task_complete:
                observation = warnings + CONFIRM_TEMPLATE.format(screen=screen) + budget(turn)
            else:
                observation = (f"Previous response had warnings:\n{warnings}\n" if warnings else "") + screen + budget(turn)
            confirming = reply.task_complete
            steps.append(TerminalStep(rationale=c.text, keystrokes="", observation=observation, timestamp=at,
                                      duration_sec=round(time.monotonic() - t_turn, 3), timed_out=timed_out,
                                      commands=[(k.keystrokes, k.duration) for k in reply.commands], llm=call,
                                      task_complete=reply.task_complete,
                                      extra={"turn": turn, **({"warnings": reply.warnings} if reply.warnings else {})}))
            if finished:
                stop = TASK_COMPLETE
                break
            if timed_out:
                stop = TIMEOUT
                break
            messages.append({"role": "user", "content": observation})
        try:
            output = session.capture(200_000, full=True)
            session.close()
        except TmuxError as e:
            output = f"[terminal unavailable: {e}]"
        final = {"stop_reason": stop, "turns": len(steps), "parse_errors": parse_errors, "summaries": summaries,
                 "summarised": summaries > 0, "seconds": round(time.monotonic() - t0, 3),
                 "summary_prompt_tokens": int(other["prompt"]), "summary_completion_tokens": int(other["completion"]),
                 "deadline": self.deadline, "timeout_sec": timeout_sec, "llm_seconds": round(llm_sec, 3),
                 "env_seconds": round(time.monotonic() - t0 - llm_sec, 3),
                 **({"error": detail} if detail else {})}
        trajectory = build_trajectory(
            # as Harbor's terminus-2: the task step holds the whole first prompt, so Harbor's trace export rebuilds
            # the same conversation as ours
            session_id=str(uuid.uuid4()), agent_name=self.name, instruction=first_message, initial_screen=initial,
            user_extra={"instruction": instruction},
            steps=steps, started_at=started_at, model_name=self.llm.config.model,
            agent_extra={"scaffold": "terminus-json", "terminal": f"tmux {self.width}x{self.height}",
                         "max_turns": self.max_turns, "context_tokens": self.context_tokens,
                         "temperature": self.llm.config.temperature, "salt": self.salt,
                         "deadline": self.deadline, "timeout_sec": timeout_sec, "show_budget": self.show_budget,
                         "max_output_tokens": self.llm.config.max_tokens},
            final_extra=final, other_usage=other)
        return AgentOutcome(0 if stop == TASK_COMPLETE else None if stop == TIMEOUT else 1, stop == TIMEOUT, output,
                            trajectory)


__all__ = ["CONFIRM_TEMPLATE", "CUT_ERROR", "DEADLINES", "Keystrokes", "ParsedReply", "TerminusAgent", "budget_line",
           "estimate_tokens", "parse_reply", "render_prompt"]
