# One response: a `data` array and a `next` link.
curl -s -H "$AUTH_H" "@@base@@/api/v2/@@res@@" | jq '{n: (.data | length), next}'
next=$(curl -s -H "$AUTH_H" "@@base@@/api/v2/@@res@@" | jq -r '.next')
echo "$next"
# The cursor is opaque base64 JSON (an offset): follow `next` as given rather than building it.
curl -s -H "$AUTH_H" "@@base@@$next" | jq '{n: (.data | length), next}'
# The largest page it allows (the error names the bound), then that page size.
curl -s -H "$AUTH_H" "@@base@@/api/v2/@@res@@?limit=1000"
curl -s -H "$AUTH_H" "@@base@@/api/v2/@@res@@?limit=100" | jq '{n: (.data | length), next}'
# One record: the fields the export keeps.
curl -s -H "$AUTH_H" "@@base@@/api/v2/@@res@@" | jq '.data[0]'
