#!/bin/bash
# Reference: find what the scanner flagged, learn the placeholder convention, rewrite only main..branch with a
# tree filter that replaces the exact leaked values (tags follow), drop the backup refs, then re-scan.
set -euo pipefail
# The scanner writes its reports under /var/log; the newest one names the repository, branch and findings.
ls -la /var/log/secretscan/
tail -n 20 /var/log/secretscan/*.log
cd @@repo@@
# Which branch is checked out, what is unpushed, and which tags sit on the branch (they must follow the rewrite).
git status --short --branch
git branch -a
git tag --list
git stash list
git count-objects -v
git log --oneline --decorate main..@@branch@@
# The team's convention says what replaces each credential and which keys are public fixtures.
cat docs/SECURITY.md
cat tests/fixtures/provider.json
# Where was each value introduced? -S finds the commits that add or remove the string.
git log --oneline -S'@@secret1@@' main..@@branch@@
git show --stat HEAD
git grep -n -F '@@secret1@@' @@branch@@ -- config/ || true
git grep -n -E 'password|api_key' @@branch@@ -- config/
git log -p --format='--- %h %s' main..@@branch@@ -- config/ > /tmp/config-history.txt
head -n 80 /tmp/config-history.txt
# Replace only the exact leaked values: a pattern on the key prefix would also hit the public fixture key.
cat > /tmp/scrub.py <<'PYEOF'
import os
import re

RULES = [(@@match@@, @@placeholder1@@)@@more_rules@@]
for root, dirs, names in os.walk("."):
    dirs[:] = [d for d in dirs if d != ".git"]
    for n in names:
        path = os.path.join(root, n)
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            text = f.read()
        new = text
        for pattern, placeholder in RULES:
            new = re.sub(pattern, lambda m: placeholder, new)
        if new != text:
            with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write(new)
PYEOF
git checkout -q @@branch@@
export FILTER_BRANCH_SQUELCH_WARNING=1
# Only commits not on main are rewritten (main must not change); the tag-name filter moves tags on rewritten commits.
git filter-branch -f --tree-filter 'python3 /tmp/scrub.py' @@tags@@ -- @@scope@@ @@branch@@
# filter-branch keeps the old history under refs/original/: it still reaches the secret.
@@backup@@
# Check: same subjects as before, and no ref reaches a commit with a leaked value.
git log --format='%h %an %s' main..@@branch@@
git for-each-ref
git diff --stat main @@branch@@
! git grep -n -F '@@secret1@@' $(git rev-list --all)
