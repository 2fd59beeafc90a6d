#!/bin/bash
# Alternative: GNU find with an absolute ! -newermt cut-off per area (pruning .retain subtrees), jq for the report;
# areas handled in reverse order.
set -euo pipefail
root=@@root@@
ref=@@ref@@
list=$(mktemp)
: > "$list"
sweep() {  # area, days, name pattern
  # strictly older than ref - N days = mtime <= that instant - 1 s (mtimes are whole seconds)
  local dir="$root/$1" cutoff=$((ref - $2 * 86400 - 1))
  [ -d "$dir" ] || return 0
  # ! -newermt T is "mtime <= T"; stat double-checks each candidate against the cut-off
  find "$dir" -type d -exec test -e '{}/.retain' \; -prune -o -type f -name "$3" ! -newermt "@$cutoff" \
    -printf '%p\t%s\n' | while IFS=$'\t' read -r p s; do
      if [ "$(stat -c %Y "$p")" -le "$cutoff" ]; then printf '%s\t%s\n' "$p" "$s"; fi
    done >> "$list"
}
if @@use_parts_sh@@; then sweep uploads/tmp @@part_days@@ '*.part'; fi
if @@use_logs_sh@@; then
  sweep logs @@log_days@@ '*.log.[0-9]*'
fi
sweep cache @@cache_days@@ '*'
# rotated logs only: name.log.N or name.log.N.gz
grep -Pv "^$root/logs/" "$list" > "$list.keep" || true
grep -P "^$root/logs/[^\t]*\.log\.[0-9]+(\.gz)?\t" "$list" >> "$list.keep" || true
LC_ALL=C sort -o "$list" "$list.keep"
cut -f1 "$list" | while IFS= read -r p; do rm -f -- "$p"; done
deleted=$(cut -f1 "$list" | jq -R . | jq -s 'sort')
freed=$(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$list")
mkdir -p "$(dirname '@@report@@')"
if @@top_sh@@; then
  largest=$(for d in "$root"/*/; do
      d=${d%/}; [ -L "$d" ] && continue
      printf '%s\t%s\n' "$d" "$(find "$d" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')"
    done | LC_ALL=C sort -t$'\t' -k2,2nr -k1,1 | head -n 3 | jq -R 'split("\t") | {path: .[0], bytes: (.[1] | tonumber)}' | jq -s .)
  jq -n --argjson d "$deleted" --argjson f "$freed" --argjson l "$largest" \
    '{deleted: $d, freed_bytes: $f, largest_areas: $l}' > '@@report@@'
else
  jq -n --argjson d "$deleted" --argjson f "$freed" '{deleted: $d, freed_bytes: $f}' > '@@report@@'
fi
