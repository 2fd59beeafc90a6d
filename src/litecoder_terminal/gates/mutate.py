"""Break one declared output of a task the way a lazy or lucky solution would (run inside the agent's container).

Usage: python3 mutate.py shape|change PATH. Standard library only: it runs in the task's image, after the
reference solution. `delete` and `empty` need no Python (gates/battery.py does them in sh). A PATH that is a
directory means its regular files (outside any .git): `shape` blanks every one, `change` alters one value of the
first in sorted order that has a value. Exit 0 when the output changed, 3 when there was nothing to change.
"""

import json
import os
import re
import sys


def _files(path):
    if os.path.isfile(path) and not os.path.islink(path):
        return [path]
    out = []
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        out += [os.path.join(root, n) for n in sorted(names) if not os.path.islink(os.path.join(root, n))]
    return out


def _zero(value):
    """Same structure, every leaf blanked: numbers 0, strings "", booleans false."""
    if isinstance(value, dict):
        return {k: _zero(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_zero(v) for v in value]
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return 0
    if isinstance(value, str):
        return ""
    return value


def _bump(value, done, kind):
    """Change the first leaf of `kind` (number: +1, string: a character appended, boolean: negated)."""
    if done[0]:
        return value
    if isinstance(value, dict):
        return {k: _bump(v, done, kind) for k, v in value.items()}
    if isinstance(value, list):
        return [_bump(v, done, kind) for v in value]
    if kind == "bool" and isinstance(value, bool):
        done[0] = True
        return not value
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        done[0] = True
        return value + 1
    if kind == "string" and isinstance(value, str):
        done[0] = True
        return value + "x"
    return value


def _read(path):
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data, data.decode("utf-8")
    except UnicodeDecodeError:
        return data, None


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def _json(text):
    try:
        return json.loads(text), True
    except ValueError:
        return None, False


def shape(path):
    changed = False
    for p in _files(path):
        data, text = _read(p)
        if text is None:
            new = bytes(len(data))
        else:
            value, is_json = _json(text)
            if is_json and isinstance(value, (dict, list)):
                new = json.dumps(_zero(value), indent=1).encode()
            else:
                blanked = re.sub(r"[0-9]", "0", text)
                if blanked == text:
                    blanked = re.sub(r"[A-Za-z]", "x", text)
                new = blanked.encode()
        if new != data:
            _write(p, new)
            changed = True
    return changed


def change(path):
    for p in _files(path):
        data, text = _read(p)
        if not data:
            continue
        if text is None:
            _write(p, data[:-1] + bytes([data[-1] ^ 1]))
            return True
        value, is_json = _json(text)
        if is_json and isinstance(value, (dict, list)):
            done = [False]
            for kind in ("number", "string", "bool"):  # one value changed: a number first, if there is one
                new = _bump(value, done, kind)
                if done[0]:
                    break
            if done[0]:
                _write(p, json.dumps(new, indent=1).encode())
                return True
            continue
        digits = list(re.finditer(r"[0-9]", text))
        if digits:
            m = digits[-1]
            new_text = text[:m.start()] + str((int(m.group()) + 1) % 10) + text[m.end():]
        else:
            letters = list(re.finditer(r"[A-Za-z]", text))
            if not letters:
                continue
            m = letters[-1]
            others = sorted({c for c in text if c.isalpha() and c != m.group()}, key=lambda c: -text.count(c))
            new_text = text[:m.start()] + (others[0] if others else ("y" if m.group() == "x" else "x")) + text[m.end():]
        _write(p, new_text.encode("utf-8"))
        return True
    return False


if __name__ == "__main__":
    kind, target = sys.argv[1], sys.argv[2]
    if not os.path.lexists(target):
        print(f"mutate: {target} does not exist", file=sys.stderr)
        sys.exit(3)
    ok = {"shape": shape, "change": change}[kind](target)
    print(f"mutate {kind} {target}: {'changed' if ok else 'nothing to change'}")
    sys.exit(0 if ok else 3)
