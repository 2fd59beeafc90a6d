#!/bin/bash
# Alternative: resolve before merging, from the three commits (merge base, main, feature) rather than the index
# stages: the INI with a line parser (no configparser), the pins with `sort -V`; then merge with -X ours and
# --no-commit, overwrite the two files with the resolutions, and commit the merge.
set -euo pipefail
cd @@repo@@
git checkout -q main
base=$(git merge-base main @@branch@@)
work=$(mktemp -d)
for side in base main feat; do
  case $side in base) rev=$base ;; main) rev=main ;; feat) rev=@@branch@@ ;; esac
  git show "$rev:@@ini_path@@" > "$work/$side.ini"
  git show "$rev:requirements.txt" > "$work/$side.req" 2>/dev/null || : > "$work/$side.req"
done
python3 - "$work" > "$work/merged.ini" <<'PY'
import re, sys
work = sys.argv[1]
winner_main = @@winner_is_main@@
timeouts, lists = set(@@timeouts@@), set(@@lists@@)

def load(name):
    data, sec, head = {}, None, []
    for line in open(f"{work}/{name}.ini"):
        line = line.rstrip("\n")
        m = re.fullmatch(r"\[(.+)\]", line.strip())
        if m:
            sec = m.group(1)
            data.setdefault(sec, {})
        elif sec is None and line.startswith(";"):
            head.append(line)
        elif sec and "=" in line and not line.lstrip().startswith((";", "#")):
            k, v = line.split("=", 1)
            data[sec][k.strip()] = v.strip()
    return data, head

(b, _), (o, head), (t, _) = load("base"), load("main"), load("feat")
print("\n".join(head))
for sec in list(o) + [s for s in t if s not in o]:
    print(f"\n[{sec}]")
    bs, os_, ts = b.get(sec, {}), o.get(sec, {}), t.get(sec, {})
    keys = list(os_) + [k for k in ts if k not in os_]
    for k in keys:
        bv, ov, tv = bs.get(k), os_.get(k), ts.get(k)
        if k in bs and (ov is None or tv is None):
            continue  # deleted on one side, unchanged on the other
        if tv == bv or ov == tv:
            v = ov
        elif ov == bv:
            v = tv
        elif k in timeouts:
            v = str(max(int(ov), int(tv)))
        elif k in lists:
            v = ",".join(sorted(set(ov.split(",")) | set(tv.split(","))))
        else:
            v = ov if winner_main else tv
        print(f"{k} = {v}")
PY
if [ @@req@@ = 1 ]; then
  # Pins: per package, the side that changed it; both changed: the higher version (sort -V).
  cut -d= -f1 "$work/main.req" "$work/feat.req" | sort -u | while read -r p; do
    b=$(grep "^$p==" "$work/base.req" | cut -d= -f3 || true)
    o=$(grep "^$p==" "$work/main.req" | cut -d= -f3 || true)
    t=$(grep "^$p==" "$work/feat.req" | cut -d= -f3 || true)
    if [ -z "$o" ]; then v=$t
    elif [ -z "$t" ] || [ "$t" = "$b" ] || [ "$t" = "$o" ]; then v=$o
    elif [ "$o" = "$b" ]; then v=$t
    else v=$(printf '%s\n%s\n' "$o" "$t" | sort -V | tail -n1)
    fi
    echo "$p==$v"
  done | LC_ALL=C sort > "$work/merged.req"
fi
git merge --no-ff --no-commit -X ours @@branch@@
cp "$work/merged.ini" @@ini_path@@
git add @@ini_path@@
if [ @@req@@ = 1 ]; then cp "$work/merged.req" requirements.txt; git add requirements.txt; fi
git commit -q --no-edit
rm -rf "$work"
git log --oneline --graph -4
