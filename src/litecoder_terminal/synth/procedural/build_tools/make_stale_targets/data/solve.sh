#!/bin/bash
# Reference: ask make itself (dry run with basic debug output), keep the targets that have a recipe.
set -euo pipefail
# What does the pipeline want, and where? The CI notes and the log say.
ls /app
cat @@notes@@
tail -n 5 /app/logs/ci.log
# The previous plan is from an older run: only a hint of the format, not the answer.
head -n 5 /app/logs/rebuild-plan.prev.txt
cd @@root@@
out=$(sed -n 's/^Before it schedules a runner, the pipeline reads a \*rebuild plan\* from `\(.*\)`:$/\1/p' @@notes@@)
goals=$(sed -n 's/^The build job runs `make \(.*\)` in .*/\1/p' @@notes@@)
echo "plan goes to $out; goals: $goals"
# The rules: which targets exist, which are phony, any order-only (|) or FORCE prerequisites.
sed -n '1,12p' Makefile
grep -n '^\.PHONY' Makefile
grep -n '|' Makefile || true
grep -n 'FORCE' Makefile || true
# GNU make's --debug=b output (used below) is what the plan is read from: check which make this is.
make --version | sed -n 1p
# Is anything stale at all? make -q runs no recipe; exit status 1 means some target must be remade.
make -q $goals > /dev/null 2>&1 && echo "make -q: up to date" || echo "make -q: something must be remade"
# Timestamps matter (newer, missing, or equal): look at the products next to their sources.
find . -type f -newer Makefile | sort | sed -n "1,20p"
ls -la --time-style=+%s "$(dirname "$(grep -m1 -o '^[a-z]*/[^:]*' Makefile)")" | sed -n "1,15p" || true
# Targets without a recipe (phony aggregates, FORCE) are not part of the plan.
awk '/^[^\t#.][^=]*:/ && !/:=/ {if (t != "") print t; t = $1; sub(/:.*/, "", t); next}
     /^\t/ {t = ""}
     END {if (t != "") print t}' Makefile > /tmp/norecipe.txt
cat /tmp/norecipe.txt
# make -n runs nothing; --debug=b says which targets it must remake, in the order it would remake them.
make -n --debug=b $goals > /tmp/dryrun.log
grep -c "Must remake target" /tmp/dryrun.log
mkdir -p "$(dirname "$out")"
sed -n "s/^ *Must remake target '\(.*\)'\.$/\1/p" /tmp/dryrun.log | { @@filter@@; } > "$out"
cat "$out"
# Which targets make would visit but the plan leaves out (no recipe of their own): should be only those.
sed -n "s/^ *Must remake target '\(.*\)'\.$/\1/p" /tmp/dryrun.log | grep -vxFf "$out" || true
@@after@@
# Check: nothing new or modified in the tree (a dry run writes nothing).
find . -type f -newer /tmp/dryrun.log | wc -l
