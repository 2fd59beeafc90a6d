# The warehouse list, then one warehouse's listing: a bare array, so the paging must be in the headers.
curl -s -H "$AUTH_H" "@@base@@/api/v2/warehouses" | jq -c '.data[]'
code=$(curl -s -H "$AUTH_H" "@@base@@/api/v2/warehouses" | jq -r '.data[0].code')
curl -s -i -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@" | head -n 12
# The largest page it allows (the error names the bound); the Link header of a full page.
curl -s -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@?limit=500"
curl -s -D - -o /dev/null -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@?limit=50" | grep -i '^link'
# Busy clients get throttled: a short burst shows the 429 and its Retry-After.
for i in 1 2 3 4 5 6; do curl -s -o /dev/null -w '%{http_code} ' -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@"; done; echo
curl -s -D - -o /dev/null -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@" | grep -i -e '^HTTP' -e '^retry-after' || true
# One record: it has no warehouse field (the export takes it from the listing it came from).
curl -s -H "$AUTH_H" "@@base@@/api/v2/warehouses/$code/@@res@@" | jq '.[0]'
