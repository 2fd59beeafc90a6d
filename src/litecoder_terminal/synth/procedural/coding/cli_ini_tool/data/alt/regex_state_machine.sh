#!/bin/bash
# Alternative: an independent converter written as a line classifier (one regular expression per kind of line)
# and a small state machine, argument parsing by hand-rolled option table; checked on the examples.
set -euo pipefail
cd /app
cat docs/ini-dialect.md
mkdir -p "$(dirname @@tool_path@@)"
cat > @@tool_path@@ <<'PYEOF'
#!/usr/bin/env python3
import json
import re
import sys

FEATURES = @@features@@
COMMENT = "@@comments@@"
SEPARATORS = "@@seps@@"
TRUE_WORDS = @@true_words@@
FALSE_WORDS = @@false_words@@
EMPTY_IS_NULL = @@empty_null@@
EXIT_SYNTAX, EXIT_NO_SECTION, EXIT_UNREADABLE = @@err@@, @@nosec@@, @@read@@
OPT_SECTION, OPT_FLAT, OPT_STRINGS = "@@fsec@@", "@@fflat@@", "@@fraw@@"
JOIN = "@@flatsep@@"
ROOT = "@@default@@"

CMT = "[" + re.escape(COMMENT) + "]"
HEADER = re.compile(r"\[[ \t]*(.*?)[ \t]*\]")
NUMBER_INT = re.compile(r"-?\d+", re.ASCII)
NUMBER_FLOAT = re.compile(r"-?\d+\.\d+", re.ASCII)


class Bad(Exception):
    pass


def fail(lineno, why):
    raise Bad(f"line {lineno}: {why}")


def decode_value(text, lineno):
    """Returns (string, was_quoted)."""
    if FEATURES >= 2:
        m = re.match(r'"([^"]*)"(.*)$', text, re.S)
        if text.startswith('"'):
            if not m:
                fail(lineno, "quote not closed")
            tail = m.group(2).lstrip(" \t")
            if tail and not re.match(CMT, tail):
                fail(lineno, "junk after closing quote")
            return m.group(1), True
        text = re.split(r"[ \t]" + CMT, text, maxsplit=1)[0].rstrip(" \t")
    if len(text) > 1 and text[0] == text[-1] == '"':
        return text[1:-1], True
    return text, False


def to_json_value(text, quoted, strings_only):
    if quoted or strings_only:
        return text
    if not text:
        return None if EMPTY_IS_NULL else ""
    if NUMBER_INT.fullmatch(text):
        return int(text)
    if NUMBER_FLOAT.fullmatch(text):
        return float(text)
    low = text.lower()
    if low in TRUE_WORDS:
        return True
    if low in FALSE_WORDS:
        return False
    return text


def parse(text):
    data = {}
    where = None
    pending = None  # [lineno, text] of the key line being built (continuations join onto it)
    records = []
    physical = text.split("\n")
    for lineno, line in enumerate(physical, 1):
        if line.endswith("\r"):
            line = line[:-1]
        body = line.strip(" \t")
        if FEATURES >= 2 and pending is not None and body and line[0] in " \t":
            pending[1] += " " + body
            continue
        pending = None
        if not body or body[0] in COMMENT:
            records.append((lineno, "skip", body))
            continue
        if body[0] == "[":
            records.append((lineno, "header", body))
            continue
        pending = [lineno, body]
        records.append((lineno, "pair", pending))
    for lineno, kind, item in records:
        if kind == "skip":
            continue
        if kind == "header":
            m = HEADER.fullmatch(item)
            if not m or not m.group(1):
                fail(lineno, "malformed section header")
            where = m.group(1)
            data.setdefault(where, {})
            continue
        body = item[1]
        idx = [i for i, ch in enumerate(body) if ch in SEPARATORS]
        if not idx:
            fail(lineno, "no separator")
        key, rest = body[:idx[0]].strip(" \t"), body[idx[0] + 1:].strip(" \t")
        if not key:
            fail(lineno, "key is empty")
        if FEATURES >= 1:
            key = key.lower()
        data.setdefault(ROOT if where is None else where, {})[key] = decode_value(rest, lineno)
    return data


def main(args):
    want_section = None
    flat = strings = False
    source = None
    args = list(args)
    while args:
        arg = args.pop(0)
        if FEATURES >= 1 and arg == OPT_SECTION and args:
            want_section = args.pop(0)
        elif FEATURES >= 1 and arg == OPT_FLAT:
            flat = True
        elif FEATURES >= 1 and arg == OPT_STRINGS:
            strings = True
        elif source is None and (arg == "-" or not arg.startswith("-")):
            source = arg
        else:
            print(f"bad argument: {arg}", file=sys.stderr)
            return EXIT_SYNTAX
    if source is None:
        print("missing FILE", file=sys.stderr)
        return EXIT_SYNTAX
    if source == "-" and FEATURES >= 2:
        text = sys.stdin.read()
    else:
        try:
            with open(source, "rb") as fh:
                text = fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            print(f"cannot read {source}: {exc}", file=sys.stderr)
            return EXIT_UNREADABLE
    try:
        parsed = parse(text)
    except Bad as exc:
        print(f"{source}: {exc}", file=sys.stderr)
        return EXIT_SYNTAX
    doc = {name: {k: to_json_value(v, q, strings) for k, (v, q) in pairs.items()} for name, pairs in parsed.items()}
    if want_section is not None:
        if want_section not in doc:
            print(f"section not found: {want_section}", file=sys.stderr)
            return EXIT_NO_SECTION
        doc = {want_section: doc[want_section]}
    if flat:
        doc = {name + JOIN + k: v for name, pairs in doc.items() for k, v in pairs.items()}
    elif want_section is not None:
        doc = doc[want_section]
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
    return 0


sys.exit(main(sys.argv[1:]))
PYEOF
chmod 755 @@tool_path@@
# every example must convert to exactly its .json (compared as data)
for ini in examples/*.ini; do
  python3 - "$ini" "${ini%.ini}.json" <<'PY'
import json, subprocess, sys
got = json.loads(subprocess.run(["@@tool_path@@", sys.argv[1]], capture_output=True, text=True, check=True).stdout)
assert got == json.load(open(sys.argv[2])), sys.argv[1]
print("ok", sys.argv[1])
PY
done
