#!/bin/bash
# Reference: compare the training script line by line with the documented procedure, fix each deviation, re-run.
set -euo pipefail
cd @@proj@@
# What is there, how is training run, and what does the procedure say?
ls -R . | head -n 30
cat docs/PROCEDURE.md
tail -n 4 logs/runs.log
cat config.json
script=@@script@@
# Which script does the run use? (notebooks/ is scratch work)
grep -n "add_argument" "$script"
# The numbers as the current code reports them, for comparison after the fix.
python3 "$script" --out /tmp/metrics.before.json
# Step 1, the split: train must be strictly before the cutoff.
grep -n "cutoff" "$script"
# Steps 2-3: imputation and scaling statistics must come from the training rows only.
grep -n "nanmedian\|mean(axis=0)\|std(axis=0)\|vstack" "$script"
# Step 4: the intercept must not be penalised.
grep -n "penalty" "$script"
# Steps 5-6: predictions back in original units, SS_tot around the test mean.
grep -n "expm1\|log1p\|ss_tot" "$script"
cp "$script" /tmp/train_fixed.py
python3 - <<'PY'
import json

FIXES = json.loads(r'@@fixes@@')  # (deviation found above, what the procedure says)
path = "/tmp/train_fixed.py"
s = open(path).read()
for broken, fixed in @@which@@:
    assert broken in s, broken
    s = s.replace(broken, fixed)
@@own_stats@@
open(path, "w").write(s)
PY
diff -u "$script" /tmp/train_fixed.py || true
# Run the corrected code and compare with the old numbers.
python3 /tmp/train_fixed.py --out /tmp/metrics.after.json
cat /tmp/metrics.before.json /tmp/metrics.after.json
@@install@@
mkdir -p "$(dirname @@out@@)"
python3 /tmp/train_fixed.py
cat @@out@@
# The inputs must be unchanged: nothing but the script and the metrics should differ from the image.
ls -la config.json @@data@@
