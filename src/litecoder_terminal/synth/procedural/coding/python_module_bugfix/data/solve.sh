#!/bin/bash
# Reference: find the module behind the symptom, read its docstrings (the spec), fix every function, check.
set -euo pipefail
cd @@root@@
# What is here: the library, its tests, an operators' script, logs.
ls -la
cat README.md
# A recent rewrite is the usual suspect: what changed, and when.
cat CHANGELOG.md
# The nightly log shows what the operators saw (the optparse warning is noise, not the bug).
ls logs
tail -n 20 logs/nightly.log
# Which public functions the module has, and who imports it.
grep -n '^def ' @@mod@@.py
grep -rn 'from @@mod@@ import\|import @@mod@@' --include=*.py . || true
# How the operators call it: replay their call from the log to see the wrong answer first-hand.
head -n 25 scripts/@@cli@@.py
python3 scripts/@@cli@@.py --json '@@cli_args@@' || true
# Which behaviours the docstrings promise as errors (the hidden suite checks those too).
grep -n 'ValueError' @@mod@@.py || true
# What the shipped tests cover, and what they leave out.
ls tests
cat tests/test_@@mod@@.py
# Run the shipped tests first: what do they already catch?
python3 -m pytest -q -p no:cacheprovider tests || true
# Read each function's docstring and body: the docstring is the contract the callers rely on.
@@doc_reads@@
# Probe each function on an input the docstring settles (prints what the module does now).
@@probes@@
# Rewrite the module as documented: docstrings unchanged, every body brought in line with its docstring.
@@write@@ <<'PYEOF'
@@module@@PYEOF
# Check: the shipped tests pass, the probes now give the documented answers, the operators' script still runs.
python3 -m pytest -q -p no:cacheprovider tests
python3 - <<'PY'
import @@mod@@ as m


def outcome(fn, args):
    try:
        return ("ok", fn(*args))
    except ValueError:
        return ("ValueError", None)


def check(fn, args, want):
    got = outcome(fn, args)
    assert got == want, f"{fn.__name__}{tuple(args)!r}: {got!r} != {want!r}"
    print("ok", fn.__name__, tuple(args))


@@checks@@
PY
python3 scripts/@@cli@@.py --json '@@cli_args@@'
