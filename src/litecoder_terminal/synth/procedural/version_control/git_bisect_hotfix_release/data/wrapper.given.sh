cat > /tmp/bisect_check.sh <<'CHECK'
#!/bin/bash
# 125 tells git bisect to skip commits where the package cannot be imported at all.
cd "$(git rev-parse --show-toplevel)" || exit 125
python3 -c 'import @@pkg@@' 2>/dev/null || exit 125
exec bash @@check_path@@
CHECK
