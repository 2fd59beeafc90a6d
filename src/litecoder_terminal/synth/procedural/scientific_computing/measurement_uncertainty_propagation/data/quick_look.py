"""Quick look at the log (a first draft, never reviewed): values as logged, uncertainties summed."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1], newline="")))
by = {}
for r in rows:
    by.setdefault(r["sample"], []).append(float(r["uncertainty"]) / float(r["value"]))
for sample, rel in sorted(by.items()):
    print(sample, "relative uncertainty ~", sum(rel))
