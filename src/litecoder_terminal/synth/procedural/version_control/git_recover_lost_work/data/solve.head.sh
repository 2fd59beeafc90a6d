#!/bin/bash
# Reference: read what the clean-up ran, then find the lost commits among the unreachable objects (fsck ignores
# reflogs with --no-reflogs, so this works whether or not the reflogs were expired) and point refs back at them.
set -euo pipefail
# What ran, and where? The clean-up log names the repository and every destructive command.
cat /var/log/repo-cleanup.log
# How the team wants things restored (names of rescue branches, what stays dropped).
cat /srv/runbooks/git-recovery.md
cd @@repo@@
git status --short --branch
git branch -a
git log --oneline -5 main
# Reflogs may be gone; this shows whether they can help at all.
git reflog -n 10 || true
git count-objects -v
# Every commit no ref reaches: the deleted branch (each amended version), reset commits, stash commits.
git fsck --no-reflogs --unreachable 2>/dev/null | awk '$2 == "commit" {print $3}' > /tmp/unreachable.txt
wc -l < /tmp/unreachable.txt
git log --no-walk --format='%ct %h %s' $(cat /tmp/unreachable.txt) | sort -n
# The branch tip subject appears once per amended version: the final version is the newest one.
git log --no-walk --format='%ct %H %s' $(cat /tmp/unreachable.txt) | grep -F ' @@tip_subject@@' > /tmp/tips.txt
cat /tmp/tips.txt
tip=$(sort -n /tmp/tips.txt | @@newest@@ | cut -d' ' -f2)
tip=$(git rev-parse "$tip@@tip_commit@@")
git log -3 --format='%h %ad %s' "$tip"
git show --stat "$tip"
@@make_branch@@
