# The body carries page, per_page and total_pages: page 2, and one page past the end.
curl -s -H "$AUTH_H" "@@base@@/api/@@res@@" | jq '{page, per_page, total_pages, n: (.@@res@@ | length)}'
curl -s -H "$AUTH_H" "@@base@@/api/@@res@@?page=2" | jq '{page, total_pages, n: (.@@res@@ | length)}'
total=$(curl -s -H "$AUTH_H" "@@base@@/api/@@res@@" | jq '.total_pages')
curl -s -H "$AUTH_H" "@@base@@/api/@@res@@?page=$((total + 1))" | jq '{page, n: (.@@res@@ | length)}'
# Does it accept a bigger page? (it ignores per_page: paging is by page number only)
curl -s -H "$AUTH_H" "@@base@@/api/@@res@@?per_page=1000" | jq '.@@res@@ | length'
# One record: the fields the export keeps.
curl -s -H "$AUTH_H" "@@base@@/api/@@res@@" | jq '.@@res@@[0]'
