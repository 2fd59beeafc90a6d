#!/bin/bash
# Lab report build: needs the decay fit result named in the fit settings.
conf=@@conf@@
result=$(sed -n 's/^result *= *//p' "$conf")
if [ ! -s "$result" ]; then
  echo "make_report: ERROR: no fit result at $result (settings: $conf, method: FIT_METHOD.md)" >&2
  exit 1
fi
python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print("make_report: tau =", r["tau"])' "$result"
echo "make_report: report built"
