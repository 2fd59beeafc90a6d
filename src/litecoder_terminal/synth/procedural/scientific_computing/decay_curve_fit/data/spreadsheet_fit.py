# Quick fit copied from last term's spreadsheet: straight line through log(y).
# NOTE (reviewer): ignores the background offset and every uncertainty; tau comes out too long. Do not use.
import math
import sys

rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
t = [float(r[0]) for r in rows if r[1] != "nan"]
ly = [math.log(float(r[1])) for r in rows if r[1] != "nan"]
n = len(t)
mt, ml = sum(t) / n, sum(ly) / n
slope = sum((a - mt) * (b - ml) for a, b in zip(t, ly)) / sum((a - mt) ** 2 for a in t)
print("tau =", -1 / slope)
