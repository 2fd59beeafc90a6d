"""Implement an INI-to-JSON command-line converter to a written specification; hidden files and flags check it.

The dialect varies with the seed (comment characters, key/value separators, boolean words, flag names, exit
codes, empty values), so every task is a slightly different tool to build."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

# The reference implementation. LEVEL 0 = easy, 1 = medium (flags, lowercased keys), 2 = hard (inline comments,
# strict quotes, continuation lines, stdin). MUTATION injects one plausible mistake (used by the wrong solutions).
REF_SRC = r'''#!/usr/bin/env python3
"""@TOOL@: convert an INI file to JSON (see the specification in the ticket)."""
import json
import re
import sys

DEFAULT_SECTION = "@DEFAULT@"
LEVEL = @LEVEL@
MUTATION = "@MUTATION@"
COMMENT_CHARS = "@COMMENTS@"
SEPS = "@SEPS@"
BOOL_WORDS = @BOOLS@
EMPTY_NULL = @EMPTYNULL@
ERR_CODE, NOSEC_CODE, READ_CODE = @ERR@, @NOSEC@, @READ@
FLAG_SECTION, FLAG_FLAT, FLAG_RAW = "@FSEC@", "@FFLAT@", "@FRAW@"
FLAT_SEP = "@FLATSEP@"
if MUTATION == "bool_words":
    BOOL_WORDS = {"true": True, "false": False}
INT_RE = re.compile(r"-?[0-9]+")
FLOAT_RE = re.compile(r"-?[0-9]+\.[0-9]+")
INLINE_RE = re.compile("[ \t][" + re.escape(COMMENT_CHARS) + "]")


class IniError(Exception):
    def __init__(self, line, msg):
        super().__init__(f"line {line}: {msg}")


def logical_lines(text):
    out = []
    prev_key = False
    for no, raw in enumerate(text.split("\n"), 1):
        raw = raw[:-1] if raw.endswith("\r") else raw
        stripped = raw.strip(" \t")
        if LEVEL >= 2 and prev_key and stripped and raw[:1] in (" ", "\t"):
            first, sofar = out[-1]
            out[-1] = (first, sofar + " " + stripped)
            continue
        out.append((no, stripped))
        prev_key = bool(stripped) and stripped[0] not in COMMENT_CHARS + "["
    return out


def parse_value(raw, no):
    if LEVEL >= 2:
        if raw.startswith('"'):
            end = raw.find('"', 1)
            if end < 0:
                raise IniError(no, "unterminated quoted value")
            rest = raw[end + 1:].strip(" \t")
            if rest and rest[0] not in COMMENT_CHARS:
                raise IniError(no, "text after the closing quote")
            return raw[1:end], True
        if MUTATION != "no_inline":
            m = INLINE_RE.search(raw)
            if m:
                raw = raw[:m.start()].rstrip(" \t")
    if len(raw) >= 2 and raw[0] == '"' and raw[-1] == '"':
        return raw[1:-1], True
    return raw, False


def typed(value, quoted, raw_mode):
    if quoted or raw_mode:
        return value
    if value == "":
        return None if EMPTY_NULL else ""
    if INT_RE.fullmatch(value):
        return int(value)
    if FLOAT_RE.fullmatch(value):
        return float(value)
    if value.lower() in BOOL_WORDS:
        return BOOL_WORDS[value.lower()]
    return value


def convert(text):
    sections = {}
    current = None
    for no, line in logical_lines(text):
        if not line or line[0] in COMMENT_CHARS:
            continue
        if line[0] == "[":
            if not line.endswith("]") or not line[1:-1].strip(" \t"):
                raise IniError(no, "bad section header")
            current = line[1:-1].strip(" \t")
            sections.setdefault(current, {})
            continue
        if MUTATION == "eq_first" and "=" in line:
            cut = line.find("=")
        else:
            positions = [p for p in (line.find(c) for c in SEPS) if p >= 0]
            if not positions:
                raise IniError(no, "expected a key/value line")
            cut = min(positions)
        key = line[:cut].strip(" \t")
        if not key:
            raise IniError(no, "empty key")
        if LEVEL >= 1 and MUTATION != "case_keys":
            key = key.lower()
        value, quoted = parse_value(line[cut + 1:].strip(" \t"), no)
        sec = current if current is not None else DEFAULT_SECTION
        if MUTATION == "dup_first":
            sections.setdefault(sec, {}).setdefault(key, (value, quoted))
        else:
            sections.setdefault(sec, {})[key] = (value, quoted)
    return sections


def run(argv, stdin_text=""):
    """(exit status, stdout, stderr) for the command line argv (without the program name)."""
    section, flat, raw_mode, path = None, False, False, None
    i = 0
    while i < len(argv):
        a = argv[i]
        if LEVEL >= 1 and a == FLAG_SECTION and i + 1 < len(argv):
            section = argv[i + 1]
            i += 2
            continue
        if LEVEL >= 1 and a == FLAG_FLAT:
            flat = True
        elif LEVEL >= 1 and a == FLAG_RAW:
            raw_mode = True
        elif path is None and (a == "-" or not a.startswith("-")):
            path = a
        else:
            return ERR_CODE, "", f"usage error: unexpected argument {a!r}\n"
        i += 1
    if path is None:
        return ERR_CODE, "", "usage error: no input file\n"
    if path == "-" and LEVEL >= 2:
        text = stdin_text
    else:
        try:
            with open(path, encoding="utf-8", newline="") as f:
                text = f.read()
        except OSError as e:
            return READ_CODE, "", f"error: {e}\n"
    try:
        sections = convert(text)
    except IniError as e:
        return ERR_CODE, "", f"error: {e}\n"
    result = {s: {k: typed(v, q, raw_mode) for k, (v, q) in kv.items()} for s, kv in sections.items()}
    if section is not None:
        if section not in result:
            return NOSEC_CODE, "", f"error: no section {section!r}\n"
        result = {section: result[section]}
        if not flat:
            result = result[section]
    if flat:
        result = {f"{s}{FLAT_SEP}{k}": v for s, kv in result.items() for k, v in kv.items()}
    return 0, json.dumps(result, indent=2, ensure_ascii=False) + "\n", ""


def main():
    stdin_text = sys.stdin.read() if "-" in sys.argv[1:] else ""
    code, out, err = run(sys.argv[1:], stdin_text)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main())
'''

CONFIGPARSER_SRC = r'''#!/usr/bin/env python3
import configparser
import json
import sys


def typed(v):
    if v == "":
        return None
    for conv in (int, float):
        try:
            return conv(v)
        except ValueError:
            pass
    if v.lower() in ("true", "yes", "on"):
        return True
    if v.lower() in ("false", "no", "off"):
        return False
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    return v


args = [a for a in sys.argv[1:] if not a.startswith("--")]
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="@DEFAULT@")
try:
    cp.read_string(open(args[-1]).read())
except configparser.Error as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(@ERR@)
except OSError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(@READ@)
out = {s: {k: typed(v) for k, v in cp[s].items()} for s in cp.sections()}
if cp.defaults():
    out["@DEFAULT@"] = {k: typed(v) for k, v in cp.defaults().items()}
print(json.dumps(out, indent=2))
'''

BOOL_SETS = {
    "tfyno": {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False},
    "tfyn": {"true": True, "false": False, "yes": True, "no": False},
    "tfo": {"true": True, "false": False, "on": True, "off": False},
}


def make_params(rng: random.Random, level: int, tool: str) -> dict:
    codes = rng.choice([(2, 3, 1), (65, 66, 74), (4, 5, 1), (2, 4, 3)])
    return {
        "tool": tool, "level": level,
        "default": pick(rng, ["global", "default", "_root", "top"]),
        "comments": pick(rng, [";#", "#", ";"]),
        "seps": pick(rng, ["=:", "=:", "="]),
        "bools": pick(rng, sorted(BOOL_SETS)),
        "empty_null": rng.random() < 0.6,
        "err": codes[0], "nosec": codes[1], "read": codes[2],
        "fsec": pick(rng, ["--section", "--only"]),
        "fflat": pick(rng, ["--flat", "--dotted"]),
        "fraw": pick(rng, ["--no-types", "--raw", "--strings"]),
        "flatsep": pick(rng, [".", "/", "::"]),
    }


def ref_source(p: dict, mutation: str = "") -> str:
    out = REF_SRC
    for key, val in (("@TOOL@", p["tool"]), ("@DEFAULT@", p["default"]), ("@LEVEL@", str(p["level"])),
                     ("@MUTATION@", mutation), ("@COMMENTS@", p["comments"]), ("@SEPS@", p["seps"]),
                     ("@BOOLS@", repr(BOOL_SETS[p["bools"]])), ("@EMPTYNULL@", str(p["empty_null"])),
                     ("@ERR@", str(p["err"])), ("@NOSEC@", str(p["nosec"])), ("@READ@", str(p["read"])),
                     ("@FSEC@", p["fsec"]), ("@FFLAT@", p["fflat"]), ("@FRAW@", p["fraw"]),
                     ("@FLATSEP@", p["flatsep"])):
        out = out.replace(key, val)
    return out


_REF_CACHE: dict[str, dict] = {}


def reference(p: dict, mutation: str = "") -> dict:
    key = json.dumps(p, sort_keys=True) + mutation
    if key not in _REF_CACHE:
        ns: dict = {"__name__": "ini_reference"}
        exec(compile(ref_source(p, mutation), "ini_reference", "exec"), ns)
        _REF_CACHE[key] = ns
    return _REF_CACHE[key]


SECTIONS = ["server", "database", "cache", "logging", "auth", "paths", "features", "Metrics", "smtp", "worker",
            "retry", "storage"]
KEYS = ["host", "port", "timeout", "enabled", "name", "path", "level", "ratio", "user", "retries", "mode", "url",
        "max_conn", "debug", "Token", "dir", "format", "interval", "weight", "LogFile"]


def _value(rng: random.Random, p: dict) -> str:
    kind = rng.randrange(12)
    c = p["comments"]
    if kind == 0:
        return str(rng.randint(-500, 70000))
    if kind == 1:
        return f"{rng.randint(0, 99)}.{rng.randint(0, 999):0{rng.randint(1, 3)}d}"
    if kind == 2:
        return rng.choice(["true", "False", "yes", "NO", "on", "Off", "TRUE"])
    if kind == 3:
        return ""
    if kind == 4:
        return '"' + rng.choice(["42", "true", "", " padded ", f"a {c[0]} b", "x=y", "multi word"]) + '"'
    if kind == 5:
        return rng.choice(["http://example.com:8080/api", "a=b=c", "12:30", "C:\\temp", "key: value"])
    if kind == 6:
        return rng.choice(["007", "-0", "1e5", "3.", ".5", "+4", "1,000", "0x1F"])
    if kind == 7 and p["level"] >= 2:
        return rng.choice([f"value {c[0]} trailing comment", f"42 {c[-1]} the answer", f"on   {c[0]}toggle",
                           f'"quoted {c[0]} kept" {c[-1]} gone', f"no{c[0]}space-needed", "a;b#c",
                           f'"x" {c[0]} c'])
    return rng.choice(["/var/lib/app", "INFO", "alice", "eu-west-1", "fast mode", "v2.1", "none", "NULL", "~"])


def _ini(rng: random.Random, p: dict, error: bool) -> tuple[str, list[str]]:
    level, c = p["level"], p["comments"]
    lines: list[str] = []
    secs: list[str] = []
    if rng.random() < 0.7:
        lines.append(rng.choice([f"{c[0]} generated config", f"{c[-1]} top comment", f"   {c[0]} indented"]))
    for _ in range(rng.randint(0, 3)):  # keys before the first section
        lines.append(f"{rng.choice(KEYS)} = {_value(rng, p)}")
    names = rng.sample(SECTIONS, rng.randint(1, 5))
    if rng.random() < 0.3:
        names.append(names[0])  # section re-opened later
    seps = [" = ", "=", "\t=\t"] + ([": ", " : "] if ":" in p["seps"] else [])
    for name in names:
        lines.append(rng.choice([f"[{name}]", f"[ {name} ]", f"[{name}]  "]))
        secs.append(name)
        for _ in range(rng.randint(0, 6)):
            key = rng.choice(KEYS)
            if level >= 1 and rng.random() < 0.2:
                key = key.upper()
            lines.append(rng.choice(["", "", "  ", "\t"]) * (level < 2) + f"{key}{rng.choice(seps)}{_value(rng, p)}")
            if level >= 2 and rng.random() < 0.15:
                lines.append(rng.choice(["    continued text", "\tmore", f"  {c[0]} indented note"]))
            if rng.random() < 0.15:
                lines.append(rng.choice(["", f"{c[0]} comment", f"{c[-1]} note", "   "]))
    if error:
        bad = ["just some text", "[unterminated", "[]", " = orphan", "[ ]"]
        other = next((x for x in ";#" if x not in c), None)
        if other:
            bad.append(f"{other} not a comment in this dialect")
        if ":" not in p["seps"]:
            bad.append("colon: is not a separator here")
        if level >= 2:
            bad += ['quote = "never closed', 'q = "a" b']
        lines.insert(rng.randint(0, len(lines)), rng.choice(bad))
    eol = "\r\n" if rng.random() < 0.15 else "\n"
    return eol.join(lines) + (eol if rng.random() < 0.8 else ""), secs


@register
class CliIniTool(TaskFamily):
    name = "cli_ini_tool"
    domain = "coding"
    title = "Implement an INI-to-JSON command-line converter from a specification"

    def build(self, rng: random.Random) -> TaskDraft:
        level_name = self.config.difficulty
        level = {"easy": 0, "medium": 1, "hard": 2}[level_name]
        tool = pick(rng, ["ini2json", "cfgdump", "confjson", "inicat", "ini-export", "cfg2json", "iniq"])
        tool_path = pick(rng, [f"/app/bin/{tool}", f"/usr/local/bin/{tool}", f"/opt/tools/{tool}"])
        p = make_params(rng, level, tool)
        ref = reference(p)

        # Hidden invocations: files (some invalid), plus flags at higher levels.
        n_files = {"easy": 12, "medium": 14, "hard": 16}[level_name]
        hidden_files = {}
        invocations: list[dict] = []
        sep = ":" if ":" in p["seps"] else "="
        c = p["comments"]
        musts = [f"a{sep} b=c\nx = yes\n[s]\nOff_key = off\n{c[0]} note\n", "[A]\nKey = 1\nkey = 2\nk =\n"]
        if level >= 2:
            musts.append(f'[s]\nv = 1 {c[0]} note\nw = "a;b" {c[-1]} c\nlong = first\n  second\n')
        for i in range(n_files):
            if i < len(musts):
                text, secs = musts[i], ["s", "A"]
            else:
                text, secs = _ini(rng, p, error=i < len(musts) + 2 or rng.random() < 0.2)
            name = f"case{i:02d}.ini"
            hidden_files[name] = text
            invocations.append({"args": [name]})
            if level >= 1:
                sec = rng.choice(secs)
                invocations += [{"args": [p["fflat"], name]}, {"args": [p["fsec"], sec, name]},
                                {"args": [p["fraw"], name]}]
                if rng.random() < 0.4:
                    invocations.append({"args": [p["fsec"], sec, p["fflat"], name]})
                if rng.random() < 0.3:
                    invocations.append({"args": [p["fsec"], "no_such_section", name]})
            if level >= 2 and rng.random() < 0.4:
                invocations.append({"args": ["-"], "stdin": name})
        invocations.append({"args": ["missing-file.ini"]})

        files: dict[str, str | bytes] = {}
        for i in range(2 + level):
            for _attempt in range(100):
                text, _ = _ini(rng, p, error=False)
                try:
                    ref["convert"](text)
                except ref["IniError"]:
                    continue  # a continuation line after a quoted value can make it invalid; examples must parse
                break
            files[f"environment/examples/example{i + 1}.ini"] = text
            converted = {s: {k: ref["typed"](v, q, False) for k, (v, q) in kv.items()}
                         for s, kv in ref["convert"](text).items()}
            files[f"environment/examples/example{i + 1}.json"] = json.dumps(converted, indent=2,
                                                                             ensure_ascii=False) + "\n"

        spec = _spec(rng, tool, p)
        intro = pick(rng, [
            f"Our deploy scripts need the service configuration in JSON, but the configs are INI files in a "
            f"house dialect. Write the converter `{tool}`.",
            f"Please implement `{tool}`, a small command-line tool that turns INI configuration files (our own "
            "dialect, described below) into JSON for the config-management pipeline.",
            f"We keep hand-converting INI configs to JSON. Build a proper tool for it, `{tool}`, following the "
            "dialect rules below to the letter.",
            f"The config-migration project needs `{tool}`: INI in, JSON out. The INI flavour we use has a few "
            "quirks, all listed here.",
        ])
        where = pick(rng, [
            f"It must be an executable at `{tool_path}` (any language available in this image; a "
            "`#!/usr/bin/env python3` script is fine)",
            f"Install it as the executable `{tool_path}` (write it in whatever this image offers; Python 3 with "
            "the standard library is enough)",
        ])
        outro = pick(rng, [
            f"Examples (input and the expected output of `{tool} FILE`) are in `/app/examples/`. The tool will "
            "be run on many other files and flag combinations, including invalid input.",
            f"`/app/examples/` has sample inputs with the JSON that `{tool} FILE` must print for them. Grading "
            "runs the tool on many more files and flag combinations, invalid input included.",
        ])
        keep = f"Only the file `{tool_path}` itself is kept for grading, so it must be self-contained."
        instruction = f"{intro} {where} and follow this specification exactly:\n\n{spec}\n\n{outro} {keep}\n"
        source = ref_source(p)
        files["solution/solve.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: a Python implementation of the specification, checked against the examples.
            set -euo pipefail
            mkdir -p "$(dirname {tool_path})"
            cat > {tool_path} <<'PYEOF'
            {{source}}PYEOF
            chmod +x {tool_path}
            for f in /app/examples/*.ini; do
              {tool_path} "$f" | python3 -c 'import json,sys; a=json.load(sys.stdin); b=json.load(open(sys.argv[1])); assert a == b, sys.argv[1]' "${{f%.ini}}.json"
            done
            """).replace("{source}", source)

        def wrong(mutation: str, comment: str) -> str:
            return (f"#!/bin/bash\n# {comment}\nmkdir -p \"$(dirname {tool_path})\"\n"
                    f"cat > {tool_path} <<'PYEOF'\n{ref_source(p, mutation)}PYEOF\nchmod +x {tool_path}\n")

        cp_src = (CONFIGPARSER_SRC.replace("@DEFAULT@", p["default"]).replace("@ERR@", str(p["err"]))
                  .replace("@READ@", str(p["read"])))
        files["solution/wrong/configparser.sh"] = (
            f"#!/bin/bash\n# Leans on configparser, whose dialect differs from the specification.\n"
            f"mkdir -p \"$(dirname {tool_path})\"\ncat > {tool_path} <<'PYEOF'\n{cp_src}PYEOF\nchmod +x {tool_path}\n")
        files["solution/wrong/true-false-only.sh"] = wrong("bool_words", "Only true/false are booleans.")
        third = {0: ("eq_first", "Splits at '=' even when ':' comes first.") if ":" in p["seps"]
                 else ("dup_first", "Keeps the first value of a duplicated key."),
                 1: ("case_keys", "Keeps the keys' case."),
                 2: ("no_inline", "Does not strip inline comments.")}[level]
        files[f"solution/wrong/{third[0].replace('_', '-')}.sh"] = wrong(*third)

        files["tests/ref_tool.py"] = source
        files["tests/cases.json"] = json.dumps({"tool": tool_path, "files": hidden_files, "err_code": p["err"],
                                                "invocations": invocations}, indent=1) + "\n"
        files["tests/test_outputs.py"] = TEST_TEMPLATE
        return TaskDraft(
            instruction=instruction,
            dockerfile_body="COPY examples/ /app/examples/\nWORKDIR /app\n",
            files=files, tags=["python", "cli", "parsing", "ini", "json"],
            artifacts=[tool_path],  # the converter; the examples it is checked on come from the pristine image
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1500}[level_name],
            verifier_timeout_sec=240, expert_minutes={"easy": 20, "medium": 35, "hard": 50}[level_name],
        )


def _spec(rng: random.Random, tool: str, p: dict) -> str:
    level, c = p["level"], p["comments"]
    cnames = " or ".join(f"`{x}`" for x in c)
    usage = f"{tool} FILE" if level == 0 else f"{tool} [{p['fsec']} NAME] [{p['fflat']}] [{p['fraw']}] FILE"
    parts = [f"**Usage:** `{usage}`" + (" (`FILE` may be `-` for standard input)" if level >= 2 else "")]
    lines = [pick(rng, [
        "The file is read as UTF-8 and split into lines at `\\n`; a trailing `\\r` on a line is ignored. "
        "Leading and trailing spaces and tabs of a line are ignored.",
        "Input is UTF-8 text; lines end at `\\n` and a `\\r` just before it is dropped. Spaces and tabs at the "
        "start and end of every line do not matter.",
    ])]
    if level >= 2:
        lines.append("**Continuation lines:** a line that starts with a space or tab, is not blank, and directly "
                     "follows a key line or another continuation line is appended to that key line's text, "
                     "separated by a single space (after stripping). Everything below applies to the joined "
                     "line, whose line number is that of the key line.")
    seps = "`=` or `:` (whichever comes first)" if ":" in p["seps"] else "`=` (a `:` is an ordinary character)"
    lines += [
        pick(rng, [f"Blank lines and lines whose first character is {cnames} are ignored (comments).",
                   f"A line that is blank or starts with {cnames} is a comment and is skipped."])
        + ("" if len(c) == 2 else " No other character starts a comment."),
        pick(rng, ["`[name]` starts a section; the name is the text between the brackets with surrounding "
                   "spaces/tabs removed, and must not be empty. A section may appear more than once; its keys "
                   "are merged.",
                   "A section header is `[name]`: the name is what is between the brackets, trimmed of spaces and "
                   "tabs, and it must not be empty. Repeating a header reopens the section (keys are merged)."]),
        f"Any other line is a key line, split at the first {seps}; key and value are stripped of spaces/tabs, "
        "and the key must not be empty."
        + (" Keys are case-insensitive and are output in lowercase; section names keep their case."
           if level >= 1 else " Keys and section names are case-sensitive."),
        f"Keys that appear before the first section header belong to a section named `{p['default']}`. "
        + pick(rng, ["When a key appears twice in a section, the last value wins.",
                     "A key repeated within a section keeps its last value."]),
    ]
    if level >= 2:
        lines.append(f"**Values and comments:** if the value starts with `\"` it is a quoted value: it ends at the "
                     f"next `\"`, the text between the quotes is the value (kept verbatim), and after the closing "
                     f"quote only spaces/tabs and optionally a comment starting with {cnames} may follow. "
                     f"Otherwise, a {cnames} preceded by a space or tab starts an inline comment: it and the "
                     f"spaces/tabs before it are removed (one not preceded by whitespace is part of the value).")
    else:
        lines.append("**Quoted values:** a value of at least two characters that starts and ends with `\"` is "
                     "the text between the quotes, verbatim.")
    words = BOOL_SETS[p["bools"]]
    trues = ", ".join(f"`{w}`" for w, v in words.items() if v)
    falses = ", ".join(f"`{w}`" for w, v in words.items() if not v)
    empty = "`null`" if p["empty_null"] else 'the empty string `""`'
    lines.append(f"**Types:** quoted values are always strings. Otherwise an empty value is {empty}; a value "
                 "matching `-?[0-9]+` is an integer; one matching `-?[0-9]+\\.[0-9]+` is a floating-point "
                 f"number; {trues} (true) and {falses} (false), in any letter case, are booleans; anything "
                 "else is a string."
                 + (f" With `{p['fraw']}` every value is a string (an empty value is `\"\"`)." if level >= 1 else ""))
    out = [pick(rng, ["**Output:** a JSON object mapping each section name to an object of its keys and values "
                      "(sections without keys map to `{}`), printed on standard output; exit status 0.",
                      "**Output:** print one JSON object on standard output whose members are the sections, each "
                      "an object of that section's keys and values (`{}` for an empty section); exit status 0."])]
    if level >= 1:
        out += [f"`{p['fsec']} NAME` prints only that section's object (not wrapped); if there is no such "
                f"section, print an error on standard error and exit with status {p['nosec']}.",
                f"`{p['fflat']}` prints a single object whose keys are `section{p['flatsep']}key`; combined with "
                f"`{p['fsec']} NAME`, only that section's keys are included (still prefixed)."]
    out += ["**Errors:** if a line is not blank, a comment, a valid section header or a valid key line"
            + (" (including an unterminated quoted value or text after a closing quote)" if level >= 2 else "")
            + f", print a message containing `line N` (N = the 1-based line number) on standard error, print "
            f"nothing on standard output, and exit with status {p['err']}. If the file cannot be read, exit with "
            f"status {p['read']}."]
    parts += [f"- {x}" for x in lines + out]
    return "\n".join(parts)


TEST_TEMPLATE = '''"""Run the agent's converter on hidden INI files and flag combinations; compare with the reference."""

import importlib.util
import json
import os
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

import lct_verify

HERE = Path(__file__).parent
C = json.loads((HERE / "cases.json").read_text())
TOOL = C["tool"]


def load_ref():
    spec = importlib.util.spec_from_file_location("ref_tool", HERE / "ref_tool.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


REF = load_ref()


@pytest.fixture(scope="module")
def workdir():
    """The hidden files, readable (not writable) by the agent's tool."""
    d = Path(tempfile.mkdtemp(prefix="lct-ini-"))
    os.chmod(d, 0o755)
    for name, text in C["files"].items():
        (d / name).write_bytes(text.encode())
        os.chmod(d / name, 0o644)
    return d


def agent_tool(args, cwd, stdin=b""):
    """The agent's converter runs unprivileged (a timeout shows as returncode -9)."""
    return lct_verify.run_as_agent([TOOL, *args], cwd=str(cwd), input=stdin, text=False, timeout=30)


def canon(obj):
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def run_case(workdir, inv):
    stdin = C["files"][inv["stdin"]] if "stdin" in inv else ""
    agent = agent_tool(inv["args"], workdir, stdin.encode())
    code, out, err = REF.run(inv["args"], stdin) if "stdin" in inv else _ref_in(workdir, inv["args"])
    return agent, code, out, err


def _ref_in(workdir, args):
    import os
    old = os.getcwd()
    os.chdir(workdir)
    try:
        return REF.run(args)
    finally:
        os.chdir(old)


def describe(inv):
    src = C["files"].get(inv.get("stdin") or inv["args"][-1], "")
    return f"{inv['args']}\\n--- input ---\\n{src[:600]}"


def check(workdir, selected):
    bad = []
    for inv in selected:
        agent, code, out, err = run_case(workdir, inv)
        if agent.returncode != code:
            bad.append(f"exit {agent.returncode}, expected {code}: {describe(inv)}")
            continue
        if code == 0:
            try:
                got = json.loads(agent.stdout.decode())
            except ValueError:
                bad.append(f"stdout is not JSON: {describe(inv)}")
                continue
            if canon(got) != canon(json.loads(out)):
                bad.append(f"got {canon(got)[:300]}\\nexpected {canon(json.loads(out))[:300]}\\n{describe(inv)}")
        else:
            if agent.stdout.strip():
                bad.append(f"printed to stdout on error: {describe(inv)}")
            m = re.search(r"line (\\d+)", err)
            if m and not re.search(rf"line {m.group(1)}(?!\\d)", agent.stderr.decode()):
                bad.append(f"stderr lacks 'line {m.group(1)}': {agent.stderr.decode()[:200]} {describe(inv)}")
    assert not bad, f"{len(bad)} of {len(selected)} invocations wrong; first:\\n" + "\\n\\n".join(bad[:3])


def test_tool_is_executable():
    p = Path(TOOL)
    assert p.is_file() and p.stat().st_mode & 0o111, f"{TOOL} is not an executable file"


def test_examples_match():
    for ini in sorted(Path("/app/examples").glob("*.ini")):
        res = agent_tool([str(ini)], ini.parent)
        assert res.returncode == 0, res.stderr
        assert canon(json.loads(res.stdout.decode())) == canon(json.loads(ini.with_suffix(".json").read_text()))


def test_plain_conversion(workdir):
    check(workdir, [i for i in C["invocations"] if len(i["args"]) == 1 and "stdin" not in i
                    and _ref_in(workdir, i["args"])[0] != C["err_code"]])


def test_invalid_input_errors(workdir):
    check(workdir, [i for i in C["invocations"] if _ref_in(workdir, i["args"])[0] == C["err_code"]
                    and "stdin" not in i])


def test_flags_and_stdin(workdir):
    selected = [i for i in C["invocations"] if len(i["args"]) > 1 or "stdin" in i]
    if not selected:  # the easy tool has no flags: a missing file must still fail cleanly
        selected = [i for i in C["invocations"] if i["args"] == ["missing-file.ini"]]
    check(workdir, selected)
'''
