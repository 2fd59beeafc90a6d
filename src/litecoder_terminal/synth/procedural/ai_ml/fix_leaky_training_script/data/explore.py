"""Scratch exploration (not part of training): quick look at all rows together."""
import csv
import sys

import numpy as np

rows = list(csv.DictReader(open(sys.argv[1])))
cols = [c for c in rows[0] if c not in ("record_id",) and not c.endswith("date")]
X = np.array([[float(r[c]) if r[c] else np.nan for c in cols] for r in rows])
print(dict(zip(cols, np.nanmean(X, axis=0).round(2))))
