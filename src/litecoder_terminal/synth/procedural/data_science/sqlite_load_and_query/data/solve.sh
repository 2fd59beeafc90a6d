#!/bin/bash
# Reference: the sqlite3 CLI: the schema SCHEMA.md gives, .import of every CSV, empty fields made NULL, then one
# query per open ticket written with -header -csv.
set -euo pipefail
cd /app
# The symptom first: what does the reporting check say is missing?
./check_reports.sh || true
# The settings name the export folder, the database and the answers folder.
cat /app/reporting.conf
get() { awk -F' *= *' -v k="$1" '$1 == k { print $2; exit }' /app/reporting.conf; }
in=$(get exports_dir)
db=$(get path)
ans=$(get answers_dir)
# The agreed layout and loading rules (declared types, NULLs, how an invoice's amount is made).
cat /app/docs/SCHEMA.md
# The last rebuild attempt: what finance complained about (text sums, empty strings instead of NULL).
tail -n 20 /app/logs/crm_sync.log
# The export: files, sizes, headers; quoted commas in names and empty fields to watch for.
ls -la "$in"
wc -l "$in"/*.csv
head -n 3 "$in"/*.csv
grep -c ',,\|,$' "$in"/*.csv || true
grep -m 3 '"' "$in/@@customers@@.csv" || echo "no quoted fields"
# Which questions are still open (closed tickets are done) and which file each one wants.
ls /app/tickets/open /app/tickets/closed
cat /app/tickets/open/*.md
grep -ho '`[^`]*\.csv`' /app/tickets/open/*.md
# Build the database from scratch with the DDL exactly as SCHEMA.md gives it.
mkdir -p "$(dirname "$db")" "$ans"
rm -f "$db"
sed -n '/^```sql/,/^```/p' /app/docs/SCHEMA.md | sed '1d;$d' > /tmp/schema.sql
cat /tmp/schema.sql
@@typed@@ | sqlite3 "$db"
for f in "$in"/*.csv; do sqlite3 "$db" ".import --csv --skip 1 $f $(basename "$f" .csv)"; done
# .import stores an empty field as '': make those NULL (every column but the primary keys).
for t in $(sqlite3 "$db" "SELECT name FROM sqlite_master WHERE type = 'table'"); do
  for c in $(sqlite3 "$db" "SELECT name FROM pragma_table_info('$t') WHERE pk = 0"); do
    @@nulls@@
  done
done
# Check the load: row counts against the CSVs, stored types, NULLs.
for f in "$in"/*.csv; do echo "$(basename "$f" .csv): $(($(wc -l < "$f") - 1)) lines, $(sqlite3 "$db" "SELECT COUNT(*) FROM $(basename "$f" .csv)") rows"; done
sqlite3 "$db" "SELECT typeof(customer_id), typeof(issued_on), COUNT(*) FROM @@invoices@@ GROUP BY 1, 2"
sqlite3 "$db" "SELECT COUNT(*) FROM @@customers@@ WHERE email IS NULL OR country IS NULL"
# How an invoice's amount is made: its amount column, or the sum of its line items where the export has them.
if [ -f "$in/@@lines@@.csv" ]; then
  INV="SELECT i.invoice_id, i.customer_id, i.issued_on, i.status, COALESCE(SUM(l.qty * l.unit_price), 0) AS amt
    FROM @@invoices@@ i @@join@@ @@lines@@ l ON l.invoice_id = i.invoice_id GROUP BY i.invoice_id"
else
  INV="SELECT invoice_id, customer_id, issued_on, status, amount AS amt FROM @@invoices@@"
fi
sqlite3 "$db" "WITH inv AS ($INV) SELECT status, COUNT(*), printf('%.2f', SUM(amt)) FROM inv GROUP BY status"
# One query per open ticket ("-": no ticket asks for it this week).
ask() { if [ "$1" = "-" ]; then cat > /dev/null; else sqlite3 -header -csv "$db" > "$ans/$1"; fi; }
ask "@@f_revenue_by_country@@" <<SQL
WITH inv AS ($INV)
SELECT COALESCE(c.country, 'unknown') AS country, COUNT(*) AS invoices, printf('%.2f', SUM(i.amt)) AS total
FROM inv i JOIN @@customers@@ c ON c.customer_id = i.customer_id
WHERE @@live@@ GROUP BY 1 ORDER BY ROUND(SUM(i.amt), 2) DESC, country;
SQL
ask "@@f_top_customers@@" <<SQL
WITH inv AS ($INV)
SELECT c.customer_id, c.name, printf('%.2f', SUM(i.amt)) AS total
FROM inv i JOIN @@customers@@ c ON c.customer_id = i.customer_id
WHERE i.status = 'paid' AND substr(i.issued_on, 1, 4) = '@@year@@'
GROUP BY c.customer_id ORDER BY ROUND(SUM(i.amt), 2) DESC, c.customer_id LIMIT @@top@@;
SQL
ask "@@f_no_invoices@@" <<SQL
SELECT c.customer_id, c.name FROM @@customers@@ c
WHERE NOT EXISTS (SELECT 1 FROM @@invoices@@ i WHERE i.customer_id = c.customer_id) ORDER BY c.customer_id;
SQL
ask "@@f_monthly@@" <<SQL
WITH inv AS ($INV)
SELECT substr(i.issued_on, 1, 7) AS month, COUNT(*) AS invoices, printf('%.2f', SUM(i.amt)) AS total
FROM inv i WHERE @@live@@ AND substr(i.issued_on, 1, 4) = '@@year@@' GROUP BY 1 ORDER BY 1;
SQL
ask "@@f_missing_email_open@@" <<SQL
WITH inv AS ($INV)
SELECT c.customer_id, c.name, printf('%.2f', SUM(i.amt)) AS open_total
FROM inv i JOIN @@customers@@ c ON c.customer_id = i.customer_id
WHERE c.email IS NULL AND i.status = 'open'
GROUP BY c.customer_id ORDER BY ROUND(SUM(i.amt), 2) DESC, c.customer_id;
SQL
ask "@@f_overdue@@" <<SQL
WITH inv AS ($INV)
SELECT i.invoice_id, i.customer_id, i.issued_on, printf('%.2f', i.amt) AS amount FROM inv i
WHERE i.status = 'open' AND i.issued_on < '@@cutoff@@' ORDER BY i.issued_on, i.invoice_id;
SQL
# Check: every answer has a header and rows, and the reporting check passes now.
wc -l "$ans"/*.csv
head -n 4 "$ans"/*.csv
./check_reports.sh
