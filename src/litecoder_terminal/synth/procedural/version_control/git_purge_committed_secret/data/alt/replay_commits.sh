#!/bin/bash
# Alternative: no filter-branch. Rebuild the branch commit by commit on its fork point: check out each old
# commit's files, scrub them with sed, commit with the old author, date and message; then move branch and tags.
set -euo pipefail
cd @@repo@@
git checkout -q @@branch@@
fork=$(git merge-base main @@branch@@)
old_tip=$(git rev-parse @@branch@@)
declare -A map
git checkout -q --detach "$fork"
for c in $(git rev-list --reverse "$fork..$old_tip"); do
  git rm -q -r --cached . >/dev/null
  find . -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  git checkout -q "$c" -- .
  { grep -rlF --exclude-dir=.git -e '@@secret1@@' @@secret2_grep@@ . || true; } | while read -r f; do
    sed -i -e 's|@@secret1@@|@@placeholder1_sed@@|g' @@secret2_sed@@ "$f"
  done
  git add -A
  GIT_AUTHOR_NAME="$(git log -1 --format=%an "$c")" GIT_AUTHOR_EMAIL="$(git log -1 --format=%ae "$c")" \
    GIT_AUTHOR_DATE="$(git log -1 --format=%ad --date=raw "$c")" \
    git commit -q --allow-empty -F <(git log -1 --format=%B "$c")
  map[$c]=$(git rev-parse HEAD)
done
# tags pointing into the old branch follow their commits
for t in $(git tag --list); do
  target=$(git rev-parse "$t^{commit}")
  if [ -n "${map[$target]:-}" ]; then git tag -f "$t" "${map[$target]}" >/dev/null; fi
done
git branch -f @@branch@@ HEAD
git checkout -q @@branch@@
git reflog expire --expire=now --all
git gc -q --prune=now
