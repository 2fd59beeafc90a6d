#!/bin/bash
# Reference: read the team's merge rules, look at what each branch changed since the merge base, merge, resolve
# the conflicted files key by key from the index stages (base :1, main :2, feature :3), commit, and check.
set -euo pipefail
cd @@repo@@
# Where are we, and is anything half-done already?
git status --short --branch
git branch -a
git log --oneline --graph --all | sed -n '1,25p'
# The rules: the README points to them.
cat README.md
cat docs/MERGING.md
# What each side changed since the merge base (the rules compare each branch with the base).
base=$(git merge-base main @@branch@@)
git log --oneline "$base"..main
git log --oneline "$base"..@@branch@@
git diff --stat "$base" main
git diff --stat "$base" @@branch@@
git diff "$base" main -- @@ini_path@@
git diff "$base" @@branch@@ -- @@ini_path@@
git diff "$base" main -- requirements.txt
git diff "$base" @@branch@@ -- requirements.txt
git checkout -q main
git merge @@merge_opts@@ --no-edit @@xopt@@ @@branch@@ || true
# Which files conflict (the rest merged cleanly and must stay as git left them)?
git status --short
git diff --name-only --diff-filter=U
cat > /tmp/resolve_conflicts.py <<'PY'
import configparser, subprocess, sys
WINNER_IS_MAIN = @@winner_is_main@@
TIMEOUTS = @@timeouts@@
LISTS = @@lists@@
BASE_AWARE = @@base_aware@@      # three-way: a side equal to the merge base did not change the setting
TIMEOUT_MAX = @@timeout_max@@    # both changed a timeout: the larger number
LIST_UNION = @@list_union@@      # both changed a list: the sorted union

def show(stage, path):
    r = subprocess.run(["git", "show", f":{stage}:{path}"], capture_output=True, text=True)
    if r.returncode != 0:
        raise LookupError(path)
    return r.stdout

def parse(text):
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read_string(text)
    return {s: dict(cp[s]) for s in cp.sections()}

def merge_ini(path):
    b, o, t = (parse(show(n, path)) for n in (1, 2, 3))
    out = {}
    for s in list(o) + [s for s in t if s not in o]:
        keys = list(b.get(s, {})) + [k for k in o.get(s, {}) if k not in b.get(s, {})]
        keys += [k for k in t.get(s, {}) if k not in keys]
        out[s] = {}
        for k in keys:
            b0, ov, tv = b.get(s, {}).get(k), o.get(s, {}).get(k), t.get(s, {}).get(k)
            if ov == tv or (tv == b0 if BASE_AWARE else tv is None):
                v = ov
            elif (ov == b0 if BASE_AWARE else ov is None):
                v = tv
            elif k in TIMEOUTS and TIMEOUT_MAX:
                v = str(max(int(ov), int(tv)))
            elif k in LISTS and LIST_UNION:
                v = ",".join(sorted(set(ov.split(",")) | set(tv.split(","))))
            else:
                v = ov if WINNER_IS_MAIN else tv
            if v is not None:
                out[s][k] = v
    head = [l for l in show(2, path).splitlines() if l.startswith(";")]
    lines = head + [""]
    for s, kv in out.items():
        lines.append(f"[{s}]")
        lines += [f"{k} = {v}" for k, v in kv.items()]
        lines.append("")
    open(path, "w").write("\n".join(lines))

def merge_req(path):
    def parse_req(text):
        return dict(l.split("==") for l in text.split() if "==" in l)
    b, o, t = (parse_req(show(n, path)) for n in (1, 2, 3))
    key = lambda v: tuple(int(x) for x in v.split("."))
    out = {}
    for p in sorted(set(o) | set(t)):
        b0, ov, tv = b.get(p), o.get(p), t.get(p)
        if ov is None or ov == b0 and tv is not None:
            out[p] = tv
        elif tv is None or tv == b0 or tv == ov:
            out[p] = ov
        else:
            out[p] = max(ov, tv, key=key)
    open(path, "w").write("".join(f"{p}=={v}\n" for p, v in sorted(out.items())))

for path in sys.argv[1:]:
    try:
        (merge_req if path.endswith(".txt") else merge_ini)(path)
    except LookupError:
        print("not conflicted, left as merged:", path)
PY
python3 /tmp/resolve_conflicts.py @@conflicted@@
# No conflict markers may remain; review the resolution against main before committing.
! grep -n '^<<<<<<<\|^>>>>>>>' @@conflicted@@
git diff HEAD -- @@conflicted@@
git add @@conflicted@@
git diff --cached --quiet || git commit -q --no-edit
# Check: a two-parent merge on main, a clean tree, and what the merge brought in from each side.
git log --oneline --graph -6
git rev-list --parents -n1 HEAD
git status --short
git diff --stat HEAD^1 HEAD
git diff HEAD^2 HEAD -- @@ini_path@@
