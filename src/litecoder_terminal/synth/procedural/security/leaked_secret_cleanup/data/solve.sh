#!/bin/bash
# Reference: find the standard from the scanner's records, survey the checkout for each credential type (hidden
# files included), then scan with exact patterns, honour the allowlist, redact byte-exactly, and re-check.
set -euo pipefail
# The scanner's records: why it stopped, which standard applies, which tree it guards.
ls -la /var/log/secscan/
tail -n 20 /var/log/secscan/precommit.log
# The standard: credential types, allowlist, report path and format, and whether to redact.
ls -la /etc/security/
cat /etc/security/secret-scanning.md
# The old report is stale (the log says the tree changed since): a hint of file names, not an answer.
head -n 5 /var/tmp/secscan-old/*.csv
cd @@root@@
# Dotfiles and dot-directories hold secrets too (.env, CI configs): a shell glob would miss them.
ls -la
find . -type f | wc -l
find . -name '.*' -not -name . | sort
# Known fakes that must not be reported (nor redacted).
cat .secrets-allowlist
# Where each credential type appears (grep -r looks into hidden files; -I skips binary files).
grep -rnIE 'AKIA[A-Z0-9]{16}' . || true
grep -rnIiE 'secret_access_key' . || true
grep -rnIE 'ghp_[A-Za-z0-9]{36}' . || true
grep -rnIE 'xoxb-[0-9]+-[0-9]+-' . || true
grep -rnIE 'sk_live_' . || true
grep -rnIE '[A-Za-z]+://[^ :/@]+:[^ @/]+@' . || true
# Private keys are whole PEM blocks; certificates and public keys are not secrets.
grep -rlI 'PRIVATE KEY' . || true
grep -rlIE 'BEGIN (CERTIFICATE|PUBLIC KEY)' . || true
# CRLF files must keep their line endings when rewritten: open everything in binary.
grep -rlI $'\r' . || true
cat > /tmp/scan_secrets.py <<'PY'
import csv, os, re, sys
ROOT = sys.argv[1]
REPORT = sys.argv[2]
REDACT = sys.argv[3] == "1"
SKIP_HIDDEN = @@skip_hidden@@     # a shell glob skips dotfiles and dot-directories: never do that
USE_ALLOWLIST = @@use_allowlist@@   # the allowlisted fixtures are not findings
WHOLE_LINE = @@whole_line@@      # only the secret's bytes are replaced, never the whole line
TEXT_MODE = @@text_mode@@       # binary rewrite: CRLF stays CRLF
MARK = b"***REDACTED***"
PEM_MARK = b"***REDACTED PRIVATE KEY***"
PATTERNS = [
    ("aws_access_key_id", re.compile(rb"(?<![A-Z0-9])(AKIA[A-Z0-9]{16})(?![A-Z0-9])")),
    ("aws_secret_access_key", re.compile(rb"(?i:secret_access_key)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])")),
    ("github_token", re.compile(rb"(?<![A-Za-z0-9])(ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9])")),
    ("slack_token", re.compile(rb"(?<![A-Za-z0-9])(xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]{24})(?![A-Za-z0-9])")),
    ("stripe_key", re.compile(rb"(?<![A-Za-z0-9])(sk_live_[A-Za-z0-9]{24})(?![A-Za-z0-9])")),
    ("password_in_url", re.compile(rb"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]+:([^\s@/]+)@")),
]
allow = set()
if USE_ALLOWLIST and os.path.exists(os.path.join(ROOT, ".secrets-allowlist")):
    allow = {l.strip().encode() for l in open(os.path.join(ROOT, ".secrets-allowlist")) if l.strip() and not l.startswith("#")}
rows = []
for dirpath, dirnames, filenames in os.walk(ROOT):
    if SKIP_HIDDEN:
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        filenames = [f for f in filenames if not f.startswith(".")]
    dirnames.sort()
    for name in sorted(filenames):
        path = os.path.join(dirpath, name)
        rel = os.path.relpath(path, ROOT)
        if rel == ".secrets-allowlist":
            continue
        data = open(path, "rb").read()
        lines = data.splitlines(keepends=True)
        out, found, i = [], [], 0
        while i < len(lines):
            raw = lines[i]
            body = raw.rstrip(b"\r\n")
            eol = raw[len(body):]
            m = re.match(rb"^(\s*)-----BEGIN ([A-Z ]*PRIVATE KEY)-----", body)
            if m:
                j = i
                while j < len(lines) and b"-----END " not in lines[j]:
                    j += 1
                found.append((i + 1, "private_key"))
                end_eol = lines[j][len(lines[j].rstrip(b"\r\n")):]
                out.append((b"" if WHOLE_LINE else m.group(1) + PEM_MARK) + end_eol)
                i = j + 1
                continue
            spans = []
            for kind, rx in PATTERNS:
                for mm in rx.finditer(body):
                    val = mm.group(1)
                    if val in allow or (kind == "password_in_url" and val.startswith(b"${")):
                        continue
                    spans.append((mm.start(1), mm.end(1), kind))
            for s, e, kind in sorted(spans, reverse=True):
                found.append((i + 1, kind))
                body = body[:s] + MARK + body[e:]
            if spans and WHOLE_LINE:
                body = b""
            out.append(body + eol)
            i += 1
        rows += [(rel, ln, kind) for ln, kind in found]
        if REDACT and found:
            new = b"".join(out)
            if TEXT_MODE:
                new = new.replace(b"\r\n", b"\n")
            with open(path, "r+b") as f:
                f.seek(0)
                f.write(new)
                f.truncate()
rows.sort(key=lambda r: (r[0], r[1], r[2]))
os.makedirs(os.path.dirname(REPORT), exist_ok=True)
with open(REPORT, "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["file", "line", "type"])
    w.writerows(rows)
PY
python3 /tmp/scan_secrets.py @@root@@ @@report@@ @@redact@@
# Check: the report, and what is left of the credential patterns (only the allowlisted fakes, when redacting).
cat @@report@@
tail -n +2 @@report@@ | cut -d, -f3 | sort | uniq -c
grep -rnIE 'AKIA[A-Z0-9]{16}|ghp_|xoxb-[0-9]|sk_live_' . || true
grep -rlI 'REDACTED' . || true
# Which files were rewritten (only those with findings, when redacting; none for an audit).
find . -type f -newer /etc/security/secret-scanning.md | sort
