#!/bin/bash
# Reference: read the incident ticket, look at the logs (rotations, gzip, repeats, trusted hosts), then one pass
# over every rotation with a sliding window per address; write the outputs and check them.
set -euo pipefail
# The ticket names the rules and the files the review expects.
cat @@ticket@@
# Which auth logs exist, rotated and compressed ones included?
ls -l /var/log/auth.log*
# How do failures look, and how many are there in all rotations?
zgrep -h 'Failed password' /var/log/auth.log* | head -n 5 || true  # head closes the pipe early (SIGPIPE)
zgrep -h 'Failed password' /var/log/auth.log* | wc -l
# Does rsyslog collapse repeats here?
zgrep -h 'message repeated' /var/log/auth.log* | head -n 3 || true  # head closes the pipe early (SIGPIPE)
# Who is never to be blocked?
cat /etc/security/trusted_networks.conf 2>/dev/null || echo "no trusted networks file"
# The noisiest sources, as a first look (the window rule decides, not the totals).
zgrep -h 'Failed password' /var/log/auth.log* | grep -o 'from [0-9.]*' | sort | uniq -c | sort -rn | head || true  # head closes the pipe early (SIGPIPE)
mkdir -p @@outdir@@
cat > /tmp/bruteforce.py <<'PY'
WINDOW = @@window@@  # T failures within W minutes, not T in total
NUMERIC_SORT = @@numeric_sort@@  # addresses sorted as addresses
ALL_FILES = @@all_files@@  # attacks straddle rotations
USE_TRUSTED = @@use_trusted@@  # the office and the monitor are never blocked
EXPAND_REPEATS = @@expand_repeats@@  # "message repeated N times" is N more failures
@@analyser@@
P = {"logs": @@logs@@, "year": @@year@@, "threshold": @@threshold@@, "window_min": @@window_min@@,
     "trusted": @@trusted@@, "blocklist": "@@blocklist@@", "report": "@@report@@", "compromised": "@@compromised@@"}


def read(name):
    return gzip.open(name, "rt").read() if name.endswith(".gz") else open(name).read()


blocked, report, compromised = analyse(P, read)
open(P["blocklist"], "w").write("".join(ip + "\n" for ip in blocked))
if P["report"]:
    with open(P["report"], "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ip", "failures", "first_seen", "last_seen"])
        w.writerows(report)
if P["compromised"]:
    with open(P["compromised"], "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["ip", "user", "time"])
        w.writerows(compromised)
PY
python3 /tmp/bruteforce.py
# Check: the blocklist, and the other outputs if this review asks for them.
cat @@blocklist@@
wc -l @@blocklist@@
ls -l @@outdir@@
