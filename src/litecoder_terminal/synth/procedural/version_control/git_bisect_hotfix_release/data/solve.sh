#!/bin/bash
# Reference: read the ticket and the checklist, reproduce the symptom, bisect with a skip-aware check, revert the
# culprit on a hotfix branch, make the release commit and tag it.
set -euo pipefail
# What is broken and what the release must look like.
ls /etc/hotfix/
cat /etc/hotfix/*.md
cd @@repo@@
git status --short --branch
git tag -n1
git log --oneline -5 main
# How much history is there to search?
git log --oneline @@prev_tag@@..main | wc -l
# Reproduce the symptom on main and confirm the last release was good.
python3 -c 'from @@pkg@@.@@module@@ import @@func@@; print(@@call@@)' || true
git stash list
@@wrapper@@
chmod +x /tmp/bisect_check.sh
/tmp/bisect_check.sh && echo "main is good?!" || echo "main is bad, as reported"
@@find@@
git show --stat "$culprit"
bad=@@culprit@@
echo "$bad" > @@result@@
cat @@result@@
@@branch_and_revert@@
git show --stat HEAD
@@release@@
git tag -a @@new_tag@@ -m 'Release @@new_tag@@'
# Check: the branch tip is the tagged release, and the check passes there.
git log --oneline -3
/tmp/bisect_check.sh && echo "fixed"
head -n 12 CHANGELOG.md
git status --short --branch
