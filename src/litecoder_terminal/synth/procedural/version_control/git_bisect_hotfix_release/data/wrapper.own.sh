cat > /tmp/bisect_check.sh <<'CHECK'
#!/bin/bash
# Our own check from the symptom; 125 (skip) where the package cannot be imported at all.
cd "$(git rev-parse --show-toplevel)" || exit 125
python3 -c 'import @@pkg@@' 2>/dev/null || exit 125
out=$(python3 -c 'from @@pkg@@.@@module@@ import @@func@@; print(@@call@@)') || exit 125
[ "$out" = "@@good_out@@" ]
CHECK
