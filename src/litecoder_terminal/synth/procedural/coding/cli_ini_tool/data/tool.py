#!/usr/bin/env python3
"""@@tool@@: convert an INI file of the house dialect to JSON (docs/ini-dialect.md is the specification)."""
import json
import re
import sys

DEFAULT_SECTION = "@@default@@"
LEVEL = @@features@@
COMMENT_CHARS = "@@comments@@"
SEPS = "@@seps@@"
DIALECT_BOOLS = @@bools@@
EMPTY_NULL = @@empty_null@@
ERR_CODE, NOSEC_CODE, READ_CODE = @@err@@, @@nosec@@, @@read@@
FLAG_SECTION, FLAG_FLAT, FLAG_RAW = "@@fsec@@", "@@fflat@@", "@@fraw@@"
FLAT_SEP = "@@flatsep@@"
@@bool_words@@
INT_RE = re.compile(r"-?[0-9]+")
FLOAT_RE = re.compile(r"-?[0-9]+\.[0-9]+")
INLINE_RE = re.compile("[ \t][" + re.escape(COMMENT_CHARS) + "]")


class IniError(Exception):
    def __init__(self, line, msg):
        super().__init__(f"line {line}: {msg}")


def logical_lines(text):
    """(line number, stripped text) per logical line; continuation lines (hard dialect) are joined."""
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
    """(value text, quoted?)"""
    if LEVEL >= 2:
        if raw.startswith('"'):
            end = raw.find('"', 1)
            if end < 0:
                raise IniError(no, "unterminated quoted value")
            rest = raw[end + 1:].strip(" \t")
            if rest and rest[0] not in COMMENT_CHARS:
                raise IniError(no, "text after the closing quote")
            return raw[1:end], True
        m = INLINE_RE.search(raw) if @@inline@@ else None
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
    """{section: {key: (value text, quoted?)}}; IniError names the line of the first bad one."""
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
        positions = [p for p in (line.find(c) for c in SEPS) if p >= 0]
        if not positions:
            raise IniError(no, "expected a key/value line")
        cut = @@split_at@@
        key = line[:cut].strip(" \t")
        if not key:
            raise IniError(no, "empty key")
        if LEVEL >= 1:
            @@key_case@@
        value, quoted = parse_value(line[cut + 1:].strip(" \t"), no)
        sec = current if current is not None else DEFAULT_SECTION
        @@store@@
    return sections


def read_path(path):
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


def run(argv, stdin_text="", read=read_path):
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
            text = read(path)
        except (OSError, UnicodeDecodeError) as e:
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


def main(argv):
    stdin_text = sys.stdin.read() if "-" in argv else ""
    code, out, err = run(argv, stdin_text)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
