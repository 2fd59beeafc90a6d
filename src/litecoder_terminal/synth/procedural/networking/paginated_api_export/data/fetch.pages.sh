page=1
while :; do
  curl -sf -H "$AUTH_H" "$BASE/api/@@res@@?page=$page" -o "$work/page.json"
  jq -c '.@@res@@[]' "$work/page.json" >> "$work/raw.jsonl"
  @@first_page_only@@
  total=$(jq '.total_pages' "$work/page.json")
  [ "$page" -ge "$total" ] && break
  page=$((page + 1))
done
