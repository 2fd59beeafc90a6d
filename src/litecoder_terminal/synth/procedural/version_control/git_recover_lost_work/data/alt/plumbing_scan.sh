#!/bin/bash
# Alternative: no fsck and no porcelain merge/checkout. Python walks every object in the database
# (cat-file --batch-all-objects), picks the commits by subject and date, and sets refs with update-ref;
# the stash rescue commit is built with commit-tree from the stash's own tree.
set -euo pipefail
cd @@repo@@
python3 - <<'PYEOF'
import subprocess

def git(*args):
    return subprocess.run(["git", *args], check=True, text=True, stdout=subprocess.PIPE).stdout

objs = git("cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)").split("\n")
commits = [line.split()[0] for line in objs if line.endswith(" commit")]
info = {}
for line in git("log", "--no-walk=unsorted", "--format=%H%x00%ct%x00%s", *commits).splitlines():
    h, ct, s = line.split("\0")
    info[h] = (int(ct), s)

def newest(match):
    found = sorted((ct, h) for h, (ct, s) in info.items() if match(s))
    return found[-1][1]

git("update-ref", "refs/heads/@@branch@@", newest(lambda s: s == "@@tip_subject@@"), "")
if @@reset@@:
    lost = newest(lambda s: s == "@@lost_tip@@")
    main = git("rev-parse", "main").strip()
    git("merge-base", "--is-ancestor", main, lost)
    git("update-ref", "refs/heads/main", lost, main)
    git("reset", "-q", "--hard", "main")
if @@stash@@:
    w = newest(lambda s: s.startswith("On main: ") and s.endswith("@@stash_msg@@"))
    base = git("rev-parse", w + "^1").strip()
    new = git("commit-tree", w + "^{tree}", "-p", base, "-m", "Rescued stash").strip()
    git("update-ref", "refs/heads/@@wip_branch@@", new, "")
PYEOF
git status --short --branch
