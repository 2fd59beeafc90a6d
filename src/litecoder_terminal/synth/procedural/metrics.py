"""The difficulty record of a generated task: stages, tools needed, files the reference touches, how specific the
instruction is about them, and the replay trajectory's turn count. Static: nothing is run.

Turns come from the replay agent's own plan of solve.sh (`plan_replay`: one typed command per turn, exactly what
`lct run --agent replay` types). Tools and files are read from those commands with a small lexer; the definitions
(and their limits) are in docs/composition.md.
"""

from __future__ import annotations

import posixpath
import re
import shlex

from litecoder_terminal.agents.replay import plan_replay

# Shell keywords and builtins: typed, but not tools the environment must provide.
_KEYWORDS = {"if", "then", "elif", "else", "fi", "for", "select", "while", "until", "do", "done", "case", "esac",
             "in", "function", "time", "!", "{", "}", "[[", "]]", "coproc"}
_SKIP_SEGMENT = {"for", "select", "case", "function"}  # the rest of such a segment names no command
_BUILTINS = {"cd", "echo", "printf", "set", "export", "local", "read", "test", "[", "true", "false", "exit",
             "return", "source", ".", "shift", "unset", "declare", "typeset", "eval", "trap", "wait", "break",
             "continue", "type", "command", "builtin", "alias", "let", "pushd", "popd", "dirs", "umask", "ulimit",
             "shopt", "getopts", "mapfile", "readarray", "hash", "exec", ":", "readonly", "jobs", "fg", "bg",
             "disown", "history", "enable", "caller", "compgen", "complete"}
# Programs that run another program: name -> their options that take a value (`sudo -u app make`: make runs).
_WRAPPERS = {"sudo": {"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}, "runuser": {"-u", "-g", "-G"},
             "env": {"-u", "-C", "-S"}, "nice": {"-n"}, "timeout": {"-s", "-k"}, "nohup": set(), "stdbuf": set(),
             "setsid": set(), "xargs": {"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"}}
_HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
_ABS_PATH = re.compile(r"(?<![\w$}.:/-])(/(?:[A-Za-z0-9_.+@-]+/?)+)")
_REL_PATH = re.compile(r"^(?:\./)?[A-Za-z0-9_.+@-]+(?:/[A-Za-z0-9_.+@-]+)*/?$")
_FILEISH = re.compile(r"\.[A-Za-z0-9]{1,6}$")
_SYSTEM = ("/dev", "/proc", "/sys", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/tmp/lct-solution")
_FUNC_DEF = re.compile(r"^\s*(?:function\s+)?([A-Za-z_][A-Za-z0-9_-]*)\s*\(\)\s*\{?", re.M)
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")


def split_heredocs(text: str) -> tuple[str, str]:
    """(the command text without here-document bodies, the bodies)."""
    lines = text.split("\n")
    shell, bodies, pending = [], [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        shell.append(line)
        pending = [m.group(2) for m in _HEREDOC.finditer(line)]
        i += 1
        for delim in pending:
            while i < len(lines) and lines[i].strip() != delim:
                bodies.append(lines[i])
                i += 1
            i += 1  # the delimiter line
    return "\n".join(shell), "\n".join(bodies)


def _tokens(shell: str) -> list[str]:
    """Shell words and operators, quotes respected (a quoted program text stays one word); newlines separate
    commands as `;` does."""
    text = shell.replace("\\\n", " ").replace("\n", " ; ")
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes (a fragment): words only
        return text.split()


def commands_in(text: str, functions: set[str] | frozenset[str] = frozenset()) -> set[str]:
    """Names of the programs a command line runs (not keywords, builtins or the script's own functions)."""
    shell, _ = split_heredocs(text)
    found: set[str] = set()
    at_start, skipping = True, False
    takes_value: set[str] = set()  # options of the wrapper just seen that take a value
    value_next = False
    for tok in _tokens(shell):
        if tok and set(tok) <= set(";&|()"):
            at_start, skipping, takes_value, value_next = True, False, set(), False
            continue
        if not at_start or skipping:
            continue
        if value_next:
            value_next = False
            continue
        while tok.startswith("$("):  # a command substitution starts a command
            tok = tok[2:]
        if tok in _SKIP_SEGMENT:
            skipping = True
            continue
        if not tok or tok in _KEYWORDS or _ASSIGN.match(tok):
            continue  # still at a command position
        if tok in _WRAPPERS:  # the wrapper is a tool, and so is what it runs
            found.add(tok)
            takes_value = _WRAPPERS[tok]
            continue
        if tok.startswith("-") or tok[:1].isdigit():
            value_next = tok in takes_value
            continue  # a wrapper's option (or a duration, a count)
        at_start = False
        name = posixpath.basename(tok) if "/" in tok else tok
        if (name in _BUILTINS or name in functions
                or not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.+-]*", name)):
            continue
        found.add(name)
    return found


def _is_system(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in _SYSTEM)


def touched_paths(commands: list[str]) -> list[str]:
    """Files and directories the commands name: absolute paths anywhere (here-document bodies included, where
    reference scripts keep their Python), relative ones on the command lines, resolved against the `cd`s before."""
    cwd = "/"
    out: set[str] = set()
    for text in commands:
        shell, bodies = split_heredocs(text)
        for m in _ABS_PATH.finditer(shell + "\n" + bodies):
            path = posixpath.normpath(m.group(1))
            if not _is_system(path) and path != "/":
                out.add(path)
        words = shell.split()
        if len(words) == 2 and words[0] == "cd" and not words[1].startswith(("$", "-", "~")):
            cwd = posixpath.normpath(posixpath.join(cwd, words[1].strip("'\"")))
            continue
        for word in words[1:]:
            word = word.strip("'\";").split("=", 1)[-1]
            if word.startswith(("/", "-", "$", "~")) or not _REL_PATH.match(word) or word in (".", ".."):
                continue
            if "/" in word or _FILEISH.search(word):
                if re.fullmatch(r"[0-9.]+", word):
                    continue
                out.add(posixpath.normpath(posixpath.join(cwd, word)))
    return sorted(out)


def named_in(path: str, instruction: str) -> bool:
    """The instruction names the path: in full, or by its last component (when that is a distinctive name)."""
    base = posixpath.basename(path.rstrip("/"))
    return path in instruction or (len(base) >= 4 and re.search(rf"(?<![\w.-]){re.escape(base)}(?![\w-])",
                                                                instruction) is not None)


def task_metrics(instruction: str, files: dict[str, str | bytes], stages: int = 1) -> dict:
    """The difficulty record of one task (see the module docstring)."""
    solve = files.get("solution/solve.sh", "")
    if isinstance(solve, bytes):
        solve = solve.decode("utf-8", "replace")
    typed = [s.command.text for s in plan_replay(solve).typed]
    functions = set(_FUNC_DEF.findall(solve))
    tools: set[str] = set()
    for text in typed:
        tools |= commands_in(text, functions)
    touched = touched_paths(typed)
    named = sum(named_in(p, instruction) for p in touched)
    return {
        "stages": stages,
        "replay_turns": len(typed),
        "tools": sorted(tools),
        "files_touched": len(touched),
        "specificity": round(named / len(touched), 3) if touched else None,
    }
