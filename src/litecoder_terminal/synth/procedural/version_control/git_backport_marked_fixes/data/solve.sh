#!/bin/bash
# Reference: read the release train's settings and policy, list the marked fixes per branch from their trailers,
# cherry-pick them oldest first with -x, then commit and tag each patch release.
set -euo pipefail
# Which repository and branches are maintained, and what the policy says a patch release is.
ls /etc/release-train/
cat /etc/release-train/*.toml
cat /etc/release-train/POLICY.md
cd @@repo@@
git status --short --branch
git branch -a
git tag -n1
cat VERSION
git describe --tags --abbrev=0 main
# The repository's own contributing notes say how fixes are marked (the policy file may be stricter).
cat docs/contributing.md || true
git log --oneline -1 main
git rev-list --count main
# Each maintained branch: where it was cut and what it already has on top of its tag.
for b in @@branch_names@@; do git log --oneline -3 "$b"; git show "$b:VERSION"; done
# The trailers of main's history: which commits are marked for which branch (and which say "none").
git log --format='%h %s%n    trailer: %(trailers:key=Backport,valueonly,separator=%x2C)' --reverse main > /tmp/trailers.txt
cat /tmp/trailers.txt
# Commits that only mention backports in the text are not marked: the match is anchored on the trailer line.
git log --oneline -i --grep=backport main
# The commits that really carry the trailer, and what each one names.
git log --oneline --grep='^Backport:' main
git log --format='%h %(trailers:key=Backport,valueonly,separator=%x2C)' --grep='^Backport:' main
for spec in @@specs@@; do
  IFS=: read -r branch base version <<< "$spec"
  esc=${branch//./\\.}
  picks=$(git log @@order@@ --format=%H --grep=@@grep@@ "$base..main")
  echo "$branch: $(echo $picks | wc -w) commit(s) to pick"
  git checkout -q "$branch"
  for c in $picks; do git cherry-pick @@xflag@@ "$c"; done
  echo "$version" > VERSION
  git commit -q -m "Release $version" VERSION
  git tag -a "v$version" -m "Release $version"
  git log --format='%h %an %s' "$base..HEAD"
done
git checkout -q main
# Check: every new tag is annotated and sits on its branch tip; the working tree is clean.
git tag -n1
for b in @@branch_names@@; do git log -1 --decorate --oneline "$b"; done
git log --format='%h %s%n%b' -n 2 --grep='cherry picked from' --all
git diff --stat main
git status --short --branch
