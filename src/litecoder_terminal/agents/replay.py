"""The replay agent: types solution/solve.sh into a tmux shell, one top-level command at a time.

The no-LLM source of expert demonstrations. `parse_script` splits a bash script into the commands a person
would type at a prompt (a multi-line `if`, a here-document or a `{ ...; } > file` group is one command),
each with its rationale: the comment lines above it in the script, else a short generated description.
`plan_replay` turns those into what is typed: the leading `set -euo pipefail` lines are applied to the shell
before the first prompt (typing `set -e` into an interactive shell would make the first failure close the
terminal), and errexit is emulated by stopping the replay where the script would have stopped.
`ReplayAgent` types every command into the SAME interactive shell, so `cd`, variables and functions carry
over, records the real screen after each one, and returns an ATIF trajectory (see `atif.py`).
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from litecoder_terminal.agents.atif import TerminalStep, build_trajectory
from litecoder_terminal.agents.basic import SOLUTION_DIR, AgentOutcome
from litecoder_terminal.agents.terminal import TERM_DIR, TmuxError, TmuxSession, ensure_tmux
from litecoder_terminal.sandbox import Sandbox
from litecoder_terminal.task import TaskConfig, TaskDir

# ---------------------------------------------------------------------------------------------------------
# parser
# ---------------------------------------------------------------------------------------------------------

_META = set(" \t\n;&|()<>")
_RESERVED = {"if", "then", "elif", "else", "fi", "for", "select", "while", "until", "do", "done", "case", "esac",
             "{", "}", "!", "[[", "function", "time"}
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_CONTINUING_OPS = {"|", "|&", "&&", "||"}


@dataclass
class Command:
    """One top-level command of a script, as typed at a prompt (may span lines)."""

    text: str
    rationale: str
    line: int = 1  # first line in the script, 1-based
    comment: str = ""  # the comment lines above it ('' when the rationale is generated)
    complete: bool = True  # False only for a trailing command the script never closes (a syntax error)


class _Grammar:
    """A compound construct open in a shell context: if, a loop, case, a brace group, a subshell, [[ ]]."""

    __slots__ = ("kind", "case_state")

    def __init__(self, kind: str):
        self.kind = kind  # if | loop | case | group | subshell | dbrack
        self.case_state = "head"  # case only: head (before `in`) | pattern | body


class _Lex:
    """A lexical context. Shell contexts (top, cmdsub) hold their own grammar stack and word state."""

    __slots__ = ("kind", "grammar", "word", "in_word", "cmd_pos", "last", "prev_word", "need_body", "redir",
                 "after_for", "expect_fname", "depth", "pattern_start")

    def __init__(self, kind: str):
        self.kind = kind  # top | cmdsub | sq | dq | ansi | bq | param | arith | wparen
        self.grammar: list[_Grammar] = []
        self.word: list[str] = []
        self.in_word = False
        self.cmd_pos = True
        self.last = "newline"  # last token: word | an operator | newline
        self.prev_word = ""
        self.need_body = False  # after `name()`: a function body must follow
        self.redir = False  # the next word is a redirection target
        self.after_for = False  # `for ((` is arithmetic
        self.expect_fname = False
        self.depth = 0  # arith / wparen nesting
        self.pattern_start = False  # in a case: the next word starts a pattern (so `esac` closes the case)


class _Scanner:
    def __init__(self, text: str):
        self.t = text
        self.n = len(text)
        self.lex: list[_Lex] = [_Lex("top")]
        self.heredocs: list[tuple[str, bool]] = []  # (delimiter, strip leading tabs) awaiting their body
        self.unterminated: list[str] = []  # heredoc delimiters the script never wrote

    # -- helpers ----------------------------------------------------------------------------------------
    def shell(self) -> _Lex:
        for ctx in reversed(self.lex):
            if ctx.kind in ("top", "cmdsub"):
                return ctx
        return self.lex[0]

    def at_top_boundary(self) -> bool:
        top = self.lex[0]
        return (len(self.lex) == 1 and not top.grammar and not self.heredocs and not top.need_body
                and top.last not in _CONTINUING_OPS)

    def push(self, kind: str) -> None:
        self.lex.append(_Lex(kind))

    # -- words ------------------------------------------------------------------------------------------
    def begin_word(self, sh: _Lex) -> None:
        sh.in_word = True

    def finish_word(self, sh: _Lex) -> None:
        if not sh.in_word:
            return
        word = "".join(sh.word)
        sh.word, sh.in_word = [], False
        if sh.redir:
            sh.redir = False
            sh.last = "word"
            return
        g = sh.grammar[-1] if sh.grammar else None
        sh.last = "word"
        if g is not None and g.kind == "dbrack":
            if word == "]]":
                sh.grammar.pop()
                sh.cmd_pos = False
            return
        if g is not None and g.kind == "case" and g.case_state == "head":
            if word == "in":
                g.case_state = "pattern"
                sh.pattern_start = True
            sh.cmd_pos = False
            return
        if g is not None and g.kind == "case" and g.case_state == "pattern":
            if word == "esac" and sh.pattern_start:
                sh.grammar.pop()
            sh.pattern_start = False
            sh.cmd_pos = False
            return
        if sh.expect_fname:
            sh.expect_fname = False
            sh.need_body = True
            sh.cmd_pos = True
            sh.prev_word = word
            return
        if sh.cmd_pos and word in _RESERVED:
            self.keyword(sh, word)
            sh.prev_word = word
            return
        if sh.cmd_pos and _ASSIGNMENT.match(word):
            sh.prev_word = word
            return  # a prefix assignment: the command word is still to come
        sh.cmd_pos = False
        sh.after_for = False
        sh.prev_word = word

    def keyword(self, sh: _Lex, word: str) -> None:
        g = sh.grammar
        sh.after_for = False
        if word in ("if",):
            g.append(_Grammar("if"))
            sh.need_body = False
            sh.cmd_pos = True
        elif word in ("then", "else", "elif", "do", "!", "time"):
            sh.cmd_pos = True
        elif word == "fi":
            if g and g[-1].kind == "if":
                g.pop()
            sh.cmd_pos = False
        elif word in ("for", "select"):
            g.append(_Grammar("loop"))
            sh.need_body = False
            sh.cmd_pos = False
            sh.after_for = True
        elif word in ("while", "until"):
            g.append(_Grammar("loop"))
            sh.need_body = False
            sh.cmd_pos = True
        elif word == "done":
            if g and g[-1].kind == "loop":
                g.pop()
            sh.cmd_pos = False
        elif word == "case":
            g.append(_Grammar("case"))
            sh.need_body = False
            sh.cmd_pos = False
        elif word == "esac":
            if g and g[-1].kind == "case":
                g.pop()
            sh.cmd_pos = False
        elif word == "{":
            g.append(_Grammar("group"))
            sh.need_body = False
            sh.cmd_pos = True
        elif word == "}":
            if g and g[-1].kind == "group":
                g.pop()
            sh.cmd_pos = False
        elif word == "[[":
            g.append(_Grammar("dbrack"))
            sh.cmd_pos = False
        elif word == "function":
            sh.expect_fname = True
            sh.cmd_pos = False

    # -- operators --------------------------------------------------------------------------------------
    def operator(self, sh: _Lex, op: str) -> None:
        sh.last = op
        sh.after_for = False
        g = sh.grammar[-1] if sh.grammar else None
        if op in (";;", ";&", ";;&") and g is not None and g.kind == "case":
            g.case_state = "pattern"
            sh.cmd_pos = False
            sh.pattern_start = True
            return
        sh.cmd_pos = True

    def newline(self, sh: _Lex, i: int) -> int:
        """A newline token at index i; returns the index of the last character consumed."""
        end = i
        if self.heredocs:
            end = self.read_heredocs(i)
        g = sh.grammar[-1] if sh.grammar else None
        if sh.last in _CONTINUING_OPS:
            sh.cmd_pos = True
            return end
        if g is not None and g.kind == "case" and g.case_state in ("head", "pattern"):
            if g.case_state == "pattern":
                sh.pattern_start = True
            return end
        sh.last = "newline"
        sh.cmd_pos = True
        sh.after_for = False
        return end

    def read_heredocs(self, i: int) -> int:
        j = i + 1
        for delim, strip in self.heredocs:
            while True:
                if j >= self.n:
                    self.unterminated.append(delim)
                    break
                k = self.t.find("\n", j)
                if k < 0:
                    k = self.n
                line = self.t[j:k]
                if (line.lstrip("\t") if strip else line) == delim:
                    j = k + 1
                    break
                j = k + 1
        self.heredocs = []
        return min(j - 1, self.n)

    def heredoc_word(self, i: int, strip: bool) -> int:
        """Read the delimiter word of `<<`/`<<-` starting at i (blanks first); returns the index after it."""
        while i < self.n and self.t[i] in " \t":
            i += 1
        out: list[str] = []
        while i < self.n and self.t[i] not in _META:
            c = self.t[i]
            if c in "'\"":
                k = self.t.find(c, i + 1)
                k = self.n if k < 0 else k
                out.append(self.t[i + 1:k])
                i = k + 1
            elif c == "\\" and i + 1 < self.n:
                out.append(self.t[i + 1])
                i += 2
            elif c == "$" and i + 1 < self.n and self.t[i + 1] in "'\"":
                i += 1
            else:
                out.append(c)
                i += 1
        if out:
            self.heredocs.append(("".join(out), strip))
        return i

    # -- the scan ---------------------------------------------------------------------------------------
    def step(self, i: int) -> int:
        """Consume the character(s) at i; returns the next index."""
        t, ctx = self.t, self.lex[-1]
        c = t[i]
        nxt = t[i + 1] if i + 1 < self.n else ""
        k = ctx.kind
        if k == "sq":
            if c == "'":
                self.lex.pop()
            return i + 1
        if k == "ansi":
            if c == "\\":
                return i + 2
            if c == "'":
                self.lex.pop()
            return i + 1
        if k == "bq":
            if c == "\\":
                return i + 2
            if c == "`":
                self.lex.pop()
            return i + 1
        if k in ("dq", "param", "arith", "wparen"):
            if c == "\\":
                return i + 2
            if c == "$" and nxt == "(":
                if t.startswith("((", i + 1):
                    self.push("arith")
                    return i + 3
                self.push("cmdsub")
                return i + 2
            if c == "$" and nxt == "{":
                self.push("param")
                return i + 2
            if c == "`":
                self.push("bq")
                return i + 1
            if k == "dq":
                if c == '"':
                    self.lex.pop()
                return i + 1
            if c == '"':
                self.push("dq")
                return i + 1
            if c == "'" and k != "arith":
                self.push("sq")
                return i + 1
            if k == "param":
                if c == "}":
                    self.lex.pop()
                return i + 1
            if c == "(":
                ctx.depth += 1
                return i + 1
            if c == ")":
                if ctx.depth > 0:
                    ctx.depth -= 1
                    return i + 1
                self.lex.pop()
                if k == "arith" and nxt == ")":
                    return i + 2
                return i + 1
            if k == "wparen" and c == "#" and (i == 0 or t[i - 1] in " \t\n"):
                e = t.find("\n", i)
                return self.n if e < 0 else e
            return i + 1
        return self.shell_step(ctx, i, c, nxt)

    def shell_step(self, sh: _Lex, i: int, c: str, nxt: str) -> int:
        t = self.t
        g = sh.grammar[-1] if sh.grammar else None
        in_dbrack = g is not None and g.kind == "dbrack"
        if c == "\\":
            if nxt == "\n":
                return i + 2  # line continuation
            self.begin_word(sh)
            sh.word.append(t[i:i + 2])
            return i + 2
        if c == "#" and not sh.in_word:
            e = t.find("\n", i)
            return self.n if e < 0 else e
        if c == "'":
            self.begin_word(sh)
            sh.word.append("'")
            self.push("sq")
            return i + 1
        if c == '"':
            self.begin_word(sh)
            sh.word.append('"')
            self.push("dq")
            return i + 1
        if c == "`":
            self.begin_word(sh)
            sh.word.append("`")
            self.push("bq")
            return i + 1
        if c == "$":
            self.begin_word(sh)
            sh.word.append("$")
            if nxt == "'":
                self.push("ansi")
                return i + 2
            if nxt == '"':
                self.push("dq")
                return i + 2
            if nxt == "(":
                if t.startswith("((", i + 1):
                    self.push("arith")
                    return i + 3
                self.push("cmdsub")
                return i + 2
            if nxt == "{":
                self.push("param")
                return i + 2
            return i + 1
        if c == "(" and sh.in_word:
            word = "".join(sh.word)
            if word.endswith("=") or word[-1:] in ("@", "!", "*", "?", "+"):
                sh.word.append("(")
                self.push("wparen")  # an array literal or an extglob pattern
                return i + 1
        if in_dbrack and c in "()<>":
            self.begin_word(sh)
            sh.word.append(c)
            return i + 1
        if c in "<>" and nxt == "(" and not sh.in_word:
            self.begin_word(sh)
            sh.word.append(c + "(")
            self.push("cmdsub")  # process substitution
            return i + 2
        if c not in _META:
            self.begin_word(sh)
            sh.word.append(c)
            return i + 1
        # a metacharacter ends the word in progress (which may close a construct: `esac)`, `fi;`)
        self.finish_word(sh)
        g = sh.grammar[-1] if sh.grammar else None
        if c in " \t":
            return i + 1
        if c == "\n":
            return self.newline(sh, i) + 1
        if c == ";":
            for op in (";;&", ";;", ";&", ";"):
                if t.startswith(op, i):
                    self.operator(sh, op)
                    return i + len(op)
        if c == "&":
            if nxt == "&":
                self.operator(sh, "&&")
                return i + 2
            if nxt == ">":
                sh.redir = True
                return i + (3 if t.startswith("&>>", i) else 2)
            self.operator(sh, "&")
            return i + 1
        if c == "|":
            g2 = sh.grammar[-1] if sh.grammar else None
            if g2 is not None and g2.kind == "case" and g2.case_state == "pattern":
                return i + 1
            for op in ("||", "|&", "|"):
                if t.startswith(op, i):
                    self.operator(sh, op)
                    return i + len(op)
        if c == "(":
            fdef = re.match(r"\(\s*\)", t[i:i + 64])
            if fdef and not (g is not None and g.kind == "case" and g.case_state == "pattern"):
                # `name ()`: a function definition; its body follows, maybe on a later line
                sh.need_body = True
                sh.cmd_pos = True
                sh.last = "word"
                return i + fdef.end()
            if sh.cmd_pos and nxt == "(" or sh.after_for and nxt == "(":
                self.push("arith")  # (( ... )) or for (( ... ))
                sh.cmd_pos = False
                sh.need_body = False
                return i + 2
            if g is not None and g.kind == "case" and g.case_state == "pattern":
                return i + 1  # the optional ( before a case pattern
            if sh.cmd_pos:
                sh.grammar.append(_Grammar("subshell"))
                sh.need_body = False
                sh.cmd_pos = True
                sh.last = "("
                return i + 1
            sh.grammar.append(_Grammar("subshell"))  # not at a command's start: bash would reject it anyway
            sh.last = "("
            sh.cmd_pos = True
            return i + 1
        if c == ")":
            if g is not None and g.kind == "subshell":
                sh.grammar.pop()
                sh.cmd_pos = False
                sh.last = "word"
                return i + 1
            if g is not None and g.kind == "case" and g.case_state == "pattern":
                g.case_state = "body"
                sh.cmd_pos = True
                sh.pattern_start = False
                sh.last = ")"
                return i + 1
            if sh.kind == "cmdsub" and len(self.lex) > 1:
                self.lex.pop()  # back in the enclosing context, inside the same word
                return i + 1
            return i + 1
        if c in "<>":
            if t.startswith("<<<", i):
                sh.redir = True
                return i + 3
            if t.startswith("<<-", i):
                return self.heredoc_word(i + 3, True)
            if t.startswith("<<", i):
                return self.heredoc_word(i + 2, False)
            for op in (">>", ">&", ">|", "<&", "<>", ">", "<"):
                if t.startswith(op, i):
                    # an fd number just before (2>) was read as a word: it changed nothing that matters
                    sh.redir = True
                    return i + len(op)
        return i + 1


def _clean_comment(line: str) -> str:
    text = line.strip().lstrip("#").strip()
    return text if re.search(r"[A-Za-z0-9]", text) else ""


def describe(text: str) -> str:
    """A short generated rationale for a command without a comment."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    if not lines:
        return ""
    first = lines[0]
    m = re.match(r"^cd\s+(\S+)\s*$", first)
    if m:
        return f"Change into {m.group(1)}."
    m = (re.match(r"""^cat\s*>\s*(\S+)\s*<<-?\s*\S+""", first)
         or re.match(r"""^cat\s*<<-?\s*\S+\s*>\s*(\S+)""", first))
    if m and len(lines) > 1:
        return f"Write {m.group(1).strip(chr(39) + chr(34))} with a here-document."
    m = re.match(r"^[})]\s*(>>?)\s*(\S+)", lines[-1])
    if first in ("{", "(") and m and len(lines) > 2:
        inner = lines[1] if len(lines[1]) <= 80 else lines[1][:77] + "..."
        verb = "Append to" if m.group(1) == ">>" else "Write"
        return f"{verb} {m.group(2)} from a group of commands (starting with: {inner})."
    short = first if len(first) <= 100 else first[:97] + "..."
    return f"Run: {short}"


def parse_script(text: str) -> list[Command]:
    """Split a bash script into its top-level commands, each with its rationale.

    A command ends at a newline outside quotes, here-documents, compound commands and line continuations,
    and not after `|`, `&&` or `||`. Several commands on one line (`a; b`) stay one command, as typed.
    Comment lines between commands become the next command's rationale; the shebang is dropped.
    """
    text = text.replace("\r\n", "\n")
    sc = _Scanner(text)
    out: list[Command] = []
    comments: list[str] = []
    i, n = 0, len(text)
    start: int | None = None
    line_starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]

    def line_of(idx: int) -> int:
        lo, hi = 0, len(line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if line_starts[mid] <= idx:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    def emit(end: int, complete: bool) -> None:
        nonlocal comments, start
        body = text[start:end].rstrip()
        for delim in sc.unterminated:
            body += "\n" + delim  # the script relied on end-of-file to close it; a prompt needs the line
        sc.unterminated = []
        comment = "\n".join(c for c in comments if c)
        out.append(Command(body, comment or describe(body), line_of(start), comment, complete))
        comments, start = [], None

    if text.startswith("#!"):
        e = text.find("\n")
        i = n if e < 0 else e + 1
    while i < n:
        if start is None:
            c = text[i]
            if c in " \t\n;":
                i += 1
                continue
            if c == "#":
                e = text.find("\n", i)
                e = n if e < 0 else e
                comments.append(_clean_comment(text[i:e]))
                i = e + 1
                continue
            start = i
            sc.lex = [_Lex("top")]
        j = sc.step(i)
        # a command is complete at a newline token in the top context with nothing left open
        if text[i] == "\n" and len(sc.lex) == 1 and sc.at_top_boundary() and sc.lex[0].in_word is False:
            emit(j - 1, True)
        i = j
    if start is not None:
        sc.finish_word(sc.lex[0])
        if sc.heredocs:
            sc.unterminated.extend(d for d, _ in sc.heredocs)
            sc.heredocs = []
        emit(n, sc.at_top_boundary())
    return out


# ---------------------------------------------------------------------------------------------------------
# plan: what is typed, and which script semantics are kept how
# ---------------------------------------------------------------------------------------------------------

_EXIT = re.compile(r"^exit(\s+(\S+))?\s*;?\s*$")


@dataclass
class PlannedStep:
    command: Command
    errexit: bool  # the script would stop if this command fails
    exit_code: int | None = None  # a top-level `exit N`: the replay ends here with N (not typed)


@dataclass
class ReplayPlan:
    shell_options: list[str] = field(default_factory=list)  # applied before the first prompt, not typed
    steps: list[PlannedStep] = field(default_factory=list)

    @property
    def typed(self) -> list[PlannedStep]:
        return [s for s in self.steps if s.exit_code is None]


def _split_set(text: str) -> tuple[bool | None, str] | None:
    """For a pure `set` options line: (errexit on/off/unchanged, the same line without errexit, or '')."""
    tokens = text.strip().rstrip(";").split()
    if len(tokens) < 2 or tokens[0] != "set":
        return None
    errexit: bool | None = None
    kept: list[str] = []
    k = 1
    while k < len(tokens):
        tok = tokens[k]
        k += 1
        if len(tok) < 2 or tok[0] not in "-+" or not tok[1:].isalpha():
            return None
        sign, rest, names = tok[0], "", []
        for f in tok[1:]:
            if f == "o":
                if k >= len(tokens) or not re.fullmatch(r"[a-z]+", tokens[k]):
                    return None
                names.append(tokens[k])
                k += 1
            elif f == "e":
                errexit = sign == "-"
            else:
                rest += f
        if rest:
            kept.append(sign + rest)
        for name in names:
            if name == "errexit":
                errexit = sign == "-"
            else:
                kept.append(f"{sign}o {name}")
    return errexit, ("set " + " ".join(kept)) if kept else ""


def _errexit_exempt(text: str) -> bool:
    """A failing and-or list or a negated command never triggers errexit (approximated on the top level)."""
    sc = _Scanner(text)
    i = 0
    while i < len(text):
        ch = text[i]
        if len(sc.lex) == 1 and not sc.lex[0].grammar and ch in "&|!":
            if text.startswith("&&", i) or text.startswith("||", i):
                return True
            if ch == "!" and sc.lex[0].cmd_pos and not sc.lex[0].in_word and i + 1 < len(text) and text[i + 1] in " \t":
                return True
        i = sc.step(i)
    return False


def plan_replay(script: str) -> ReplayPlan:
    plan = ReplayPlan()
    errexit = False
    carried: list[str] = []
    for cmd in parse_script(script):
        split = _split_set(cmd.text)
        if split is not None:
            change, rest = split
            if change is not None:
                errexit = change
            if rest and not plan.steps:
                plan.shell_options.append(rest)  # a header option: set before the first prompt
                rest = ""
            if not rest:
                if cmd.comment:
                    carried.append(cmd.comment)
                continue
            cmd = Command(rest, cmd.rationale, cmd.line, cmd.comment, cmd.complete)
        if carried:
            comment = "\n".join([*carried, cmd.comment] if cmd.comment else carried)
            cmd = Command(cmd.text, comment, cmd.line, comment, cmd.complete)
            carried = []
        m = _EXIT.match(cmd.text)
        if m:
            arg = m.group(2) or "0"
            plan.steps.append(PlannedStep(cmd, errexit, int(arg) if arg.isdigit() else 0))
            break  # nothing after a top-level exit runs
        plan.steps.append(PlannedStep(cmd, errexit and not _errexit_exempt(cmd.text)))
    return plan


# ---------------------------------------------------------------------------------------------------------
# the agent
# ---------------------------------------------------------------------------------------------------------

@dataclass
class ReplayAgent:
    """Replays solution/solve.sh as keystrokes in tmux and records an ATIF trajectory."""

    width: int = 160
    height: int = 48
    max_observation_chars: int = 10000
    name: str = "replay"

    def cleanup_paths(self) -> list[str]:
        return [SOLUTION_DIR, TERM_DIR]

    def run(self, box: Sandbox, task: TaskDir, config: TaskConfig, timeout_sec: float) -> AgentOutcome:
        t0 = time.monotonic()
        deadline = t0 + timeout_sec
        started_at = datetime.now(timezone.utc).isoformat()
        box.put_dir(task.solution_dir, SOLUTION_DIR)
        plan = plan_replay(task.solve_path.read_text(errors="replace"))
        user = str(config.agent.user) if config.agent.user is not None else None
        tmux = ensure_tmux(box, user=user)
        session = TmuxSession(box, tmux=tmux, user=user, workdir=config.environment.workdir,
                              env={"DEBIAN_FRONTEND": "noninteractive", **config.solution.env},
                              shell_options=plan.shell_options)
        session.start(self.width, self.height)
        initial_screen = session.capture(self.max_observation_chars)
        steps: list[TerminalStep] = []
        exit_code: int | None = 0
        timed_out = False
        stopped = "completed"
        for k, planned in enumerate(plan.steps, 1):
            cmd = planned.command
            if planned.exit_code is not None:
                exit_code, stopped = planned.exit_code, f"exit {planned.exit_code} (line {cmd.line})"
                break
            if not cmd.complete:
                exit_code, stopped = 2, f"syntax error: command at line {cmd.line} is never closed"
                break
            remaining = deadline - time.monotonic() - 5.0
            if remaining <= 1.0:
                exit_code, timed_out, stopped = None, True, "agent timeout before the next command"
                break
            at = datetime.now(timezone.utc).isoformat()
            res = session.execute(cmd.text, remaining)
            steps.append(TerminalStep(
                rationale=cmd.rationale, keystrokes=cmd.text + "\n", observation=res.screen,
                timestamp=at, duration_sec=res.seconds, exit_code=res.exit_code, timed_out=res.timed_out,
                interrupted=res.interrupted,
                extra={"script_line": cmd.line, "rationale": "comment" if cmd.comment else "generated"}))
            if res.shell_gone:
                exit_code, stopped = None, f"the shell exited during line {cmd.line}"
                break
            if res.timed_out:
                exit_code, timed_out, stopped = None, True, f"command at line {cmd.line} timed out"
                break
            if res.exit_requested is not None:
                exit_code, stopped = res.exit_requested, f"exit {res.exit_requested} inside line {cmd.line}"
                break
            exit_code = res.exit_code
            if planned.errexit and res.exit_code not in (0, None):
                stopped = f"errexit: command at line {cmd.line} exited {res.exit_code}"
                break
        try:
            output = session.capture(200_000, full=True)
            session.close()
        except TmuxError as e:  # the shell (and so tmux) may be gone: the trajectory still stands
            output = f"[terminal unavailable: {e}]"
        trajectory = build_trajectory(
            session_id=str(uuid.uuid4()), agent_name=self.name, instruction=task.instruction_path.read_text(),
            initial_screen=initial_screen, steps=steps, started_at=started_at,
            agent_extra={"source": "solution/solve.sh", "terminal": f"tmux {self.width}x{self.height}",
                         "shell_options": plan.shell_options},
            final_extra={"commands_planned": len(plan.typed), "commands_run": len(steps), "stopped": stopped,
                         "exit_code": exit_code, "seconds": round(time.monotonic() - t0, 3)})
        return AgentOutcome(exit_code, timed_out, output, trajectory)


__all__ = ["Command", "PlannedStep", "ReplayAgent", "ReplayPlan", "TmuxError", "describe", "parse_script",
           "plan_replay"]
