codes=$(curl -sf -H "$AUTH_H" "$BASE/api/v2/warehouses" | jq -r '.data[].code')
for code in $codes; do
  next="/api/v2/warehouses/$code/@@res@@?limit=50"
  while [ -n "$next" ]; do
    status=$(curl -s -H "$AUTH_H" -D "$work/headers.txt" -o "$work/page.json" -w '%{http_code}' "$BASE$next")
    if [ "$status" = 429 ]; then
      @@on_429@@
    fi
    [ "$status" = 200 ] || { echo "HTTP $status for $next" >&2; exit 1; }
    jq -c --arg w "$code" '.[] | . + {warehouse: $w}' "$work/page.json" >> "$work/raw.jsonl"
    @@first_page_only@@
    next=$(tr -d '\r' < "$work/headers.txt" | sed -n 's/^[Ll]ink: *<\([^>]*\)>; *rel="next".*/\1/p')
  done
done
