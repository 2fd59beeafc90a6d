#!/bin/bash
# Alternative: no git bisect. Walk the commits after the tag oldest first in a throwaway worktree, skip the ones
# where the package does not import, take the first one whose behaviour is wrong; write the changelog in Python.
set -euo pipefail
cd @@repo@@
git worktree add -q --detach /tmp/scan-tree main
culprit=""
for c in $(git rev-list --reverse @@prev_tag@@..main); do
  git -C /tmp/scan-tree checkout -q --detach "$c"
  if ! (cd /tmp/scan-tree && python3 -c 'import @@pkg@@') 2>/dev/null; then continue; fi
  out=$(cd /tmp/scan-tree && python3 -c 'from @@pkg@@.@@module@@ import @@func@@; print(@@call@@)')
  if [ "$out" != "@@good_out@@" ]; then culprit=$c; break; fi
done
git worktree remove --force /tmp/scan-tree
test -n "$culprit"
printf '%s\n' "$culprit" > @@result@@
git switch -q -c @@branch@@ main
git revert --no-edit "$culprit"
printf '%s\n' @@new_version@@ > VERSION
python3 - <<'PYEOF'
import subprocess
subjects = subprocess.run(["git", "log", "--reverse", "--no-merges", "--format=%s", "@@prev_tag@@..HEAD"],
                          check=True, text=True, stdout=subprocess.PIPE).stdout.splitlines()
if @@exclude@@:
    subjects = [s for s in subjects if not s.startswith(("chore:", "docs:"))]
old = open("CHANGELOG.md").read()
title, _, rest = old.partition("\n")
section = "## @@new_tag@@\n\n" + "".join(f"- {s}\n" for s in subjects) + "\n"
open("CHANGELOG.md", "w").write(title + "\n\n" + section + rest.lstrip("\n"))
PYEOF
git commit -q -m 'release @@new_tag@@' VERSION CHANGELOG.md
git tag -a @@new_tag@@ -m 'Release @@new_tag@@'
