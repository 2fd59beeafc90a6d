#!/bin/bash
# Grades offline with the pytest baked into the image (nothing is downloaded here). Every check is a test;
# the reward is 1 only when every test passed: a skipped or errored test counts as failed.
# Hardened against what an agent (root in this container) may have planted: the interpreter is called by
# absolute path in isolated mode without site (no sitecustomize/usercustomize/.pth, no PYTHON* variables),
# no plugin autoload, no conftest.py, and no ini file found above /tests.
mkdir -p /logs/verifier
cd /tests || exit 1
# Bytecode caches come from a fresh empty directory: a __pycache__ beside a source is never run.
PY="/usr/bin/python3 -I -S -X pycache_prefix=$(mktemp -d)"
PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $PY -c '
import sys
sys.path.append("/usr/lib/python3/dist-packages")
import pytest
sys.exit(pytest.main())
' -q -p no:cacheprovider --noconftest -c /dev/null --rootdir=/tests \
  --junitxml=/logs/verifier/junit.xml /tests/test_outputs.py
$PY - <<'PY'
import json
import xml.etree.ElementTree as ET

checks = {}
try:
    for case in ET.parse("/logs/verifier/junit.xml").iter("testcase"):
        bad = any(child.tag in ("failure", "error", "skipped") for child in case)
        checks[case.get("name")] = 0 if bad else 1
except (OSError, ET.ParseError):
    pass
reward = 1 if checks and all(checks.values()) else 0
with open("/logs/verifier/reward.json", "w") as f:
    json.dump({"reward": reward, **checks}, f)
with open("/logs/verifier/reward.txt", "w") as f:
    f.write(f"{reward}\n")
PY
