#!/bin/bash
# Finance reporting check: the database is in place and every open ticket has its answer file.
set -u
conf=/app/reporting.conf
get() { awk -F' *= *' -v k="$1" '$1 == k { print $2; exit }' "$conf"; }
db=$(get path)
ans=$(get answers_dir)
status=0
if [ -s "$db" ] && [ "$(sqlite3 "$db" "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'" 2>/dev/null)" -gt 0 ]; then
  echo "reports: database ok ($db)"
else
  echo "reports: FAIL database missing or empty: $db" >&2
  status=1
fi
for ticket in "$(get tickets)"/*.md; do
  file=$(grep -o '`[^`]*\.csv`' "$ticket" | head -n 1 | tr -d '`')
  if [ -s "$ans/$file" ]; then
    echo "reports: $(basename "$ticket" .md) ok ($ans/$file)"
  else
    echo "reports: FAIL $(basename "$ticket" .md) has no answer: $ans/$file" >&2
    status=1
  fi
done
exit $status
