#!/usr/bin/env python3
"""Old INI -> JSON converter (v1), built on configparser."""
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
cp = configparser.ConfigParser(interpolation=None, strict=False, default_section="@@default@@")
try:
    cp.read_string(open(args[-1]).read())
except configparser.Error as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(@@err@@)
except OSError as e:
    print(f"error: {e}", file=sys.stderr)
    sys.exit(@@read@@)
out = {s: {k: typed(v) for k, v in cp[s].items()} for s in cp.sections()}
if cp.defaults():
    out["@@default@@"] = {k: typed(v) for k, v in cp.defaults().items()}
print(json.dumps(out, indent=2))
