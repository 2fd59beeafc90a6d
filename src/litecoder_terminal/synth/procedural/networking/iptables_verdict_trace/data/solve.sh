#!/bin/bash
# Reference: read the review notes, look at the packets and the ruleset (tables, chains, jumps, matches in use),
# then walk every packet through the filter table's INPUT chain in Python and check the table it writes.
set -euo pipefail
# Where we are and what the review asks for.
pwd
ls -la @@workdir@@
cat @@notes@@
# The packets: columns, count, and which states and protocols occur.
head -n 5 @@probes@@
wc -l < @@probes@@
cut -d, -f7 @@probes@@ | sort | uniq -c
cut -d, -f5 @@probes@@ | sort | uniq -c
# The ruleset: which tables, which chains with which policy, how many rules each.
ls -la /etc/iptables
grep -n '^\*' @@rules@@
grep -n '^:' @@rules@@
grep -c '^-A INPUT ' @@rules@@
grep -o '^-A [^ ]*' @@rules@@ | sort | uniq -c
# Jumps into user chains, RETURNs, negations and the match modules in use: each changes the walk.
grep -n -- '-j [a-zA-Z_-]*' @@rules@@ | grep -v -e '-j ACCEPT' -e '-j DROP' -e '-j REJECT' -e '-j LOG' || true
grep -n -- ' ! ' @@rules@@ || true
grep -o -- '-m [a-z]*' @@rules@@ | sort | uniq -c
@@noise@@
# Rule numbers are positions within a chain (what `iptables -L --line-numbers` shows), not file lines.
grep -n '^-A INPUT ' @@rules@@ | head -n 3
# Walk every packet through INPUT.
python3 - <<'PY'
@@evaluator@@
LINE_NUMBERS = @@line_numbers@@
IGNORE_STATE = @@ignore_state@@
END_IS_POLICY = @@end_is_policy@@

probes = list(csv.DictReader(open("@@probes@@")))
rows = verdicts(open("@@rules@@").read(), probes)
rows.sort(key=lambda r: int(r[0]))
with open("@@out@@", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "verdict", "rule"])
    w.writerows(rows)
PY
# Check: one row per packet, the verdict mix, and which rules decide most.
head -n 5 @@out@@
wc -l < @@out@@
cut -d, -f2 @@out@@ | sort | uniq -c
cut -d, -f3 @@out@@ | sort | uniq -c | sort -rn | head
# Spot-check packet 1 by hand: its columns, and the verdict and rule the table gives it.
grep '^1,' @@probes@@
grep '^1,' @@out@@
