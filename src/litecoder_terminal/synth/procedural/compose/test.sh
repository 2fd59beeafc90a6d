#!/bin/bash
# Grades a composed task offline: each stage keeps its own verifier (tests/<stage>/test_outputs.py), run by its own
# pytest process with the pytest baked into the image. A stage scores 1 only when every one of its tests passed (a
# skipped or errored test counts as failed); the task's reward is 1 only when every stage scored 1.
# Hardened as the single-family test.sh: the interpreter by absolute path in isolated mode without site, no plugin
# autoload, no conftest.py, no ini file found above the stage's directory.
mkdir -p /logs/verifier
# Bytecode caches come from a fresh empty directory: a __pycache__ beside a source is never run.
PY="/usr/bin/python3 -I -S -X pycache_prefix=$(mktemp -d)"
STAGES="@STAGES@"
@UNSEAL@
for stage in $STAGES; do
  cd "/tests/$stage" || continue
  PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 $PY -c '
import sys
sys.path.append("/usr/lib/python3/dist-packages")
import pytest
sys.exit(pytest.main())
' -q -p no:cacheprovider --noconftest -c /dev/null --rootdir="/tests/$stage" \
    --junitxml="/logs/verifier/junit-$stage.xml" "/tests/$stage/test_outputs.py"
done
STAGES="$STAGES" $PY - <<'PY'
import json
import os
import xml.etree.ElementTree as ET

rewards = {}
for stage in os.environ["STAGES"].split():
    checks = []
    try:
        for case in ET.parse(f"/logs/verifier/junit-{stage}.xml").iter("testcase"):
            checks.append(not any(child.tag in ("failure", "error", "skipped") for child in case))
    except (OSError, ET.ParseError):
        pass
    rewards[stage] = 1 if checks and all(checks) else 0
reward = 1 if rewards and all(rewards.values()) else 0
with open("/logs/verifier/reward.json", "w") as f:
    json.dump({"reward": reward, **rewards}, f)
with open("/logs/verifier/reward.txt", "w") as f:
    f.write(f"{reward}\n")
PY
