#!/bin/bash
# Alternative: pure shell - list every non-link path with find (sorted, C locale), decide each path's mode and
# owner with shell arithmetic, record the report row first, then apply with chmod/chown -h.
set -euo pipefail
export LC_ALL=C
root=@@root@@ tmp=@@tmp@@ allow="@@allowlist@@" owner_dir="@@owner_dir@@" report=@@report@@ keys=@@key_rule_sh@@
mkdir -p "$(dirname "$report")"
rows=$(mktemp)
find "$root" ! -type l -print0 | sort -z | while IFS= read -r -d '' p; do
  old=$((8#$(stat -c %a "$p")))
  if [ "$p" = "$tmp" ]; then new=$((8#1777)); else new=$((old & ~8#2)); fi
  if [ -f "$p" ] && ! { [ -n "$allow" ] && grep -qxF "$p" "$allow"; }; then new=$((new & ~8#6000)); fi
  if [ -f "$p" ] && [ "$keys" = 1 ]; then
    case "$p" in
      *.key) new=$((8#600)) ;;
      *.pem) if grep -q 'PRIVATE KEY' "$p"; then new=$((8#600)); fi ;;
    esac
  fi
  own=$(stat -c %U:%G "$p"); new_own=$own
  if [ -n "$owner_dir" ] && { [ "$p" = "$owner_dir" ] || [ "${p#"$owner_dir"/}" != "$p" ]; }; then
    new_own=webapp:webapp
  fi
  if [ "$new" != "$old" ] || [ "$new_own" != "$own" ]; then
    if [ -n "$owner_dir" ]; then
      printf '%s,%04o,%04o,%s,%s\n' "$p" "$old" "$new" "$own" "$new_own" >> "$rows"
    else
      printf '%s,%04o,%04o\n' "$p" "$old" "$new" >> "$rows"
    fi
  fi
  [ "$new_own" = "$own" ] || chown -h "$new_own" "$p"
  [ "$new" = "$old" ] || chmod "$(printf '%04o' "$new")" "$p"
done
{
  if [ -n "$owner_dir" ]; then echo path,old_mode,new_mode,old_owner,new_owner; else echo path,old_mode,new_mode; fi
  cat "$rows"
} > "$report"
rm -f "$rows"
cat "$report"
