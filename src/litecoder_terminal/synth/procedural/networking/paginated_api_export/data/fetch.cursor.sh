next="/api/v2/@@res@@?limit=100"
while [ -n "$next" ]; do
  curl -sf -H "$AUTH_H" "$BASE$next" -o "$work/page.json"
  jq -c '.data[]' "$work/page.json" >> "$work/raw.jsonl"
  @@first_page_only@@
  next=$(jq -r '.next // empty' "$work/page.json")
done
