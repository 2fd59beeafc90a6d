"""Find leaked credentials in a source tree (dotfiles, PEM blocks, allowlisted fixtures) and redact them in place."""

from __future__ import annotations

import hashlib
import json
import random
import re
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MARK = "***REDACTED***"
PEM_MARK = "***REDACTED PRIVATE KEY***"
AWS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"

# Templates: "{{S:<type>}}" is a real secret, "{{PEM:<label>}}" a PEM block (private or not), "{{ALLOW}}" the
# allowlisted fixture token, "{{AWSEX}}" the AWS documentation example key. Other {names} are filled per task.
TEMPLATES: dict[str, list[str]] = {
    "py_s3": ['"""S3 upload helper for the nightly reports."""', "import os", "", "import boto3", "",
              'BUCKET = os.environ.get("REPORT_BUCKET", "{bucket}")', "", "", "def s3_client():",
              "    return boto3.client(", '        "s3",', '        aws_access_key_id="{{S:aws_access_key_id}}",',
              '        aws_secret_access_key="{{S:aws_secret_access_key}}",', '        region_name="{region}",',
              "    )", "", "", "def upload(path, key):", "    s3_client().upload_file(path, BUCKET, key)"],
    "env": ["APP_ENV=production", "LOG_LEVEL=info", "AWS_ACCESS_KEY_ID={{S:aws_access_key_id}}",
            "AWS_SECRET_ACCESS_KEY={{S:aws_secret_access_key}}", "AWS_DEFAULT_REGION={region}",
            "SLACK_BOT_TOKEN={{S:slack_token}}", "FEATURE_FLAGS=reports,billing"],
    "env_db": ["# local overrides", "DATABASE_URL=postgres://{user}:{{S:password_in_url}}@db.internal:5432/{db}",
               "CACHE_URL=redis://cache.internal:6379/0", "REPLICA_URL=postgres://{user}:${DB_REPLICA_PASSWORD}@replica.internal:5432/{db}"],
    "ci": ["name: ci", "on: [push, pull_request]", "jobs:", "  build:", "    runs-on: ubuntu-latest", "    env:",
           "      GH_TOKEN: {{S:github_token}}", "      NODE_ENV: test", "    steps:", "      - uses: actions/checkout@v4",
           "      - run: make test"],
    "js_slack": ["const { WebClient } = require('@slack/web-api');", "",
                 "// TODO move to the secrets manager", "const slack = new WebClient('{{S:slack_token}}');", "",
                 "async function notify(channel, text) {", "  await slack.chat.postMessage({ channel, text });", "}",
                 "", "module.exports = { notify };"],
    "py_billing": ['"""Billing client."""', "import stripe", "", "stripe.api_key = \"{{S:stripe_key}}\"", "",
                   "", "def charge(customer, cents):",
                   "    return stripe.Charge.create(customer=customer, amount=cents, currency=\"eur\")"],
    "yaml_aws": ["# deployment settings for the exporter", "exporter:", "  schedule: \"0 3 * * *\"", "  aws:",
                 "    region: {region}", "    aws_access_key_id: {{S:aws_access_key_id}}",
                 "    aws_secret_access_key: {{S:aws_secret_access_key}}", "  retries: 3"],
    "json_cfg": ["{", '  "service": "{svc}",', '  "github": {', '    "org": "{org}",',
                 '    "token": "{{S:github_token}}"', "  },", '  "timeout_s": 30', "}"],
    "yaml_tls": ["apiVersion: v1", "kind: Secret", "metadata:", "  name: {svc}-tls", "stringData:", "  tls.key: |",
                 "    {{PEM:EC PRIVATE KEY}}", "  tls.crt: |", "    {{PEM:CERTIFICATE}}"],
    "key_file": ["{{PEM:PRIVATE_ANY}}"],
    "cert_file": ["{{PEM:CERTIFICATE}}"],
    "pub_file": ["{{PEM:PUBLIC KEY}}"],
    "sh_deploy": ["#!/bin/bash", "set -euo pipefail", "# deploy script (legacy)",
                  "export SLACK_WEBHOOK_TOKEN={{S:slack_token}}", "rsync -az build/ deploy@{host}:/srv/{svc}/",
                  "ssh deploy@{host} sudo systemctl restart {svc}"],
    "readme": ["# {svc}", "", "Configure the AWS credentials through the environment, e.g.", "",
               "    AWS_ACCESS_KEY_ID={{AWSEX}}", "    AWS_SECRET_ACCESS_KEY=<your secret>", "",
               "Create a GitHub token (`ghp_...`) with the `repo` scope and export it as `GH_TOKEN`.",
               "Slack: set `SLACK_BOT_TOKEN=xoxb-your-token-here`.", "",
               "Database: `postgres://app:${DB_PASSWORD}@db.internal/app`."],
    "fixture": ["{", '  "case": "token rotation",', '  "old_token": "{{ALLOW}}",', '  "aws_key": "{{AWSEX}}",',
                '  "expected": "rotated"', "}"],
}
FILLER = {
    "py": ['"""{svc} helpers."""', "import logging", "", "log = logging.getLogger(__name__)", "", "",
           "def chunks(items, n):", "    for i in range(0, len(items), n):", "        yield items[i:i + n]", "", "",
           "def retry(fn, attempts=3):", "    for i in range(attempts):", "        try:", "            return fn()",
           "        except OSError:", "            log.warning(\"retry %d\", i)", "    raise RuntimeError(\"gave up\")"],
    "js": ["'use strict';", "", "function pad(n) {", "  return String(n).padStart(2, '0');", "}", "",
           "function stamp(d) {", "  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;", "}",
           "", "module.exports = { stamp };"],
    "yaml": ["replicas: 2", "resources:", "  limits:", "    cpu: 500m", "    memory: 256Mi", "probes:",
             "  path: /healthz", "  period: 10"],
    "md": ["# Runbook", "", "1. Check the dashboard.", "2. Restart the worker if the queue is stuck.",
           "3. Page the on-call if it happens twice in an hour."],
    "sh": ["#!/bin/bash", "set -e", "make clean", "make -j4", "echo done"],
}
PATHS = {
    "py_s3": ["src/{pkg}/storage.py", "app/s3util.py", "jobs/export/uploader.py"],
    "env": [".env", "deploy/.env.production", "config/.env"],
    "env_db": [".env.local", "docker/.env"],
    "ci": [".github/workflows/ci.yml", ".gitlab/ci/build.yml"],
    "js_slack": ["web/src/notify.js", "frontend/lib/slack.js"],
    "py_billing": ["src/{pkg}/billing.py", "services/billing/client.py"],
    "yaml_aws": ["deploy/exporter.yaml", "config/exporter.yml"],
    "json_cfg": ["config/{svc}.json", "settings/integrations.json"],
    "yaml_tls": ["k8s/{svc}-tls.yaml", "deploy/k8s/secret-tls.yaml"],
    "key_file": ["deploy/keys/deploy_key", ".ssh/id_rsa_ci", "ops/backup_key.pem"],
    "cert_file": ["config/tls/server.crt", "certs/ca.pem"],
    "pub_file": ["keys/signing.pub.pem", "config/jwt_public.pem"],
    "sh_deploy": ["scripts/deploy.sh", "bin/release.sh"],
    "readme": ["README.md", "docs/SETUP.md"],
    "fixture": ["tests/fixtures/rotation.json", "tests/data/tokens.json"],
}


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _secret(rng: random.Random, kind: str) -> str:
    if kind == "aws_access_key_id":
        return "AKIA" + _rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    if kind == "aws_secret_access_key":
        return _rand(rng, ALNUM + "/+", 40)
    if kind == "github_token":
        return "ghp_" + _rand(rng, ALNUM, 36)
    if kind == "slack_token":
        return f"xoxb-{_rand(rng, '0123456789', 11)}-{_rand(rng, '0123456789', 13)}-{_rand(rng, ALNUM, 24)}"
    if kind == "stripe_key":
        return "sk_live_" + _rand(rng, ALNUM, 24)
    if kind == "password_in_url":
        return _rand(rng, ALNUM, rng.randint(8, 14)) + rng.choice("!%^*-_") + _rand(rng, ALNUM, 3)
    raise ValueError(kind)


def _pem(rng: random.Random, label: str) -> list[str]:
    body = [_rand(rng, ALNUM + "+/", 64) for _ in range(rng.randint(5, 14))]
    body.append(_rand(rng, ALNUM + "+/", rng.randrange(4, 60, 4)) + rng.choice(["", "=", "=="]))
    return [f"-----BEGIN {label}-----", *body, f"-----END {label}-----"]


# The scanner of the reference solution: regexes over bytes, allowlist, exact in-place redaction.
SCANNER = r'''
import csv, os, re, sys
ROOT = sys.argv[1]
REPORT = sys.argv[2]
REDACT = sys.argv[3] == "1"
SKIP_HIDDEN = False     # wrong: walks the tree like a shell glob, missing dotfiles and dot-directories
USE_ALLOWLIST = True    # wrong: reports (and redacts) the allowlisted fixtures too
WHOLE_LINE = False      # wrong: blanks the whole line instead of just the secret
TEXT_MODE = False       # wrong: rewrites files with universal newlines (CRLF becomes LF)
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
'''


@register
class LeakedSecretCleanup(TaskFamily):
    name = "leaked_secret_cleanup"
    domain = "security"
    title = "Find leaked credentials in a source tree, report them by file and line, and redact them in place"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        redact = level != "easy"
        hard = level == "hard"
        root = pick(rng, ["/srv/repo", "/opt/legacy-portal", "/home/deploy/app", "/srv/git/checkout"])
        report = pick(rng, ["/root/secret_scan.csv", "/var/tmp/leaks.csv", "/root/audit/secrets.csv"])
        kinds = ["aws_access_key_id", "aws_secret_access_key", "github_token", "slack_token", "private_key"]
        if level != "easy":
            kinds.append("stripe_key")
        if hard:
            kinds.append("password_in_url")
        chosen = {"easy": ["env", "py_s3", "ci", "readme", "fixture", "key_file", "pub_file"],
                  "medium": ["env", "py_s3", "ci", "js_slack", "py_billing", "json_cfg", "readme", "fixture",
                             "key_file", "cert_file", "pub_file", "sh_deploy"],
                  "hard": list(TEMPLATES)}[level]
        fill = {"svc": pick(rng, ["reports", "portal", "ledger", "notifier", "billing"]),
                "pkg": pick(rng, ["acme", "core", "backend"]), "bucket": f"acme-{rng.randrange(100, 999)}-exports",
                "region": pick(rng, ["eu-west-1", "us-east-2", "eu-central-1"]),
                "user": pick(rng, ["app", "svc_portal", "reporter"]), "db": pick(rng, ["app", "portal", "ledger"]),
                "org": pick(rng, ["acme-corp", "acme-platform"]), "host": f"app{rng.randint(1, 9)}.internal"}
        allow_token = "ghp_" + _rand(rng, ALNUM, 36)
        files_text: dict[str, list[str]] = {}   # rel path -> lines (no EOL)
        truth: list[tuple[str, int, str]] = []
        secret_values: list[str] = []
        redacted: dict[str, list[str]] = {}
        used_paths: set[str] = set()
        for tpl in chosen:
            copies = 2 if hard and tpl in ("env", "py_s3", "key_file", "json_cfg") else 1
            for _ in range(copies):
                options = [p.format(**fill) for p in PATHS[tpl] if p.format(**fill) not in used_paths]
                if not options:
                    continue
                rel = rng.choice(options)
                used_paths.add(rel)
                lines, red = [], []
                for raw in TEMPLATES[tpl]:
                    line = raw
                    for k, v in fill.items():
                        line = line.replace("{" + k + "}", v)
                    line = line.replace("{{AWSEX}}", AWS_EXAMPLE).replace("{{ALLOW}}", allow_token)
                    m = re.search(r"\{\{PEM:([A-Z_ ]+)\}\}", line)
                    if m:
                        label = m.group(1)
                        if label == "PRIVATE_ANY":
                            label = rng.choice(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY"])
                        indent = line[:m.start()]
                        block = [indent + b for b in _pem(rng, label)]
                        if "PRIVATE KEY" in label:
                            truth.append((rel, len(lines) + 1, "private_key"))
                            secret_values.append(block[1].strip())
                            red.append(indent + PEM_MARK)
                        else:
                            red.extend(block)
                        lines.extend(block)
                        continue
                    m = re.search(r"\{\{S:([a-z_]+)\}\}", line)
                    if m:
                        kind = m.group(1)
                        if kind not in kinds:
                            continue
                        val = _secret(rng, kind)
                        truth.append((rel, len(lines) + 1, kind))
                        secret_values.append(val)
                        red.append(line[:m.start()] + MARK + line[m.end():])
                        line = line[:m.start()] + val + line[m.end():]
                    else:
                        red.append(line)
                    lines.append(line)
                files_text[rel] = lines
                redacted[rel] = red
        # Filler files with no secrets at all.
        n_fill = {"easy": 5, "medium": 12, "hard": 20}[level]
        for i in range(n_fill):
            ext = rng.choice(sorted(FILLER))
            d = rng.choice(["src", "lib", "docs", "scripts", "web", "jobs", "ops", "tools"])
            rel = f"{d}/{rng.choice(['util', 'helpers', 'notes', 'tasks', 'common', 'format', 'runbook'])}_{i}.{ext}"
            lines = [ln.replace("{svc}", fill["svc"]) for ln in FILLER[ext]]
            files_text[rel] = lines
            redacted[rel] = list(lines)
        files_text[".secrets-allowlist"] = ["# known fake values used by tests and docs", AWS_EXAMPLE, allow_token]
        redacted[".secrets-allowlist"] = list(files_text[".secrets-allowlist"])

        crlf = set()
        if hard:
            secret_files = sorted({t[0] for t in truth})
            crlf = set(rng.sample(secret_files, 2)) | {rng.choice(sorted(set(files_text) - set(secret_files)))}
        files: dict[str, str | bytes] = {}
        before, after = {}, {}
        for rel in sorted(files_text):
            eol = "\r\n" if rel in crlf else "\n"
            data = (eol.join(files_text[rel]) + eol).encode()
            files[f"environment/tree/{rel}"] = data
            before[rel] = hashlib.sha256(data).hexdigest()
            after[rel] = hashlib.sha256((eol.join(redacted[rel]) + eol).encode()).hexdigest()
        truth.sort()
        # Self-check: the reference scanner's patterns agree with the ground truth built above.
        self._check(files, truth, AWS_EXAMPLE, allow_token)

        type_rules = {
            "aws_access_key_id": "`AKIA` followed by 16 upper-case letters or digits",
            "aws_secret_access_key": "the 40-character value (letters, digits, `/`, `+`) assigned with `=` or `:` "
                                     "(quotes optional) to a name containing `secret_access_key`, any case",
            "github_token": "`ghp_` followed by exactly 36 letters or digits",
            "slack_token": "`xoxb-`, digits, `-`, digits, `-`, then 24 letters or digits",
            "stripe_key": "`sk_live_` followed by 24 letters or digits",
            "password_in_url": "the password in a `scheme://user:password@host` URL (a `${VAR}` reference is not a "
                               "secret)",
            "private_key": "a PEM block whose `-----BEGIN ...-----` line contains `PRIVATE KEY` (reported at the "
                           "line of its BEGIN marker; certificates and public keys are fine)",
        }
        intro = pick(rng, [
            f"A contractor's copy of our code base ended up on a shared drive; security wants every credential in "
            f"it found{' and scrubbed' if redact else ''} before it is archived.",
            f"The pre-commit secret scanner was switched off for months. Audit the checkout in `{root}` for leaked "
            "credentials" + (" and scrub them." if redact else "."),
            "Incident follow-up: we need a precise inventory of credentials committed to the legacy tree"
            + (", and the tree cleaned." if redact else "."),
        ])
        rules = "\n".join(f"- `{k}`: {type_rules[k]}" for k in kinds)
        redaction = ""
        if redact:
            redaction = textwrap.dedent(f"""\

                Then redact every reported secret in place: replace exactly the secret's characters with
                `{MARK}` (for `aws_secret_access_key` and `password_in_url` only the value/password is replaced).
                A private key block - every line from its BEGIN line to its END line - becomes one line made of the
                BEGIN line's leading whitespace followed by `{PEM_MARK}`. Every other byte of every file must stay
                exactly as it was{' (several files use CRLF line endings: keep them)' if hard else ''}; files
                without secrets must not change at all, and do not leave backup copies inside `{root}`.
                """)
        else:
            redaction = f"\nThis is an audit only: do not modify anything under `{root}`.\n"
        instruction = textwrap.dedent(f"""\
            {intro}

            Scan every file under `{root}` (including hidden files and directories) for these credential types:

            """) + rules + textwrap.dedent(f"""


            Values listed in `{root}/.secrets-allowlist` (one per line) are known fakes used by tests and docs:
            they are not findings{' and must not be redacted' if redact else ''}.

            Write `{report}` as CSV with the header `file,line,type`: one row per secret, `file` relative to
            `{root}`, `line` the 1-based line number in the original file, `type` one of the names above; sorted
            by `file` (plain byte order), then `line` (numerically), then `type`.
            """) + redaction
        scanner = SCANNER

        def script(comment: str, flags: str = "") -> str:
            code = scanner.replace('MARK = b"***REDACTED***"', flags + '\nMARK = b"***REDACTED***"', 1) if flags else scanner
            return (f"#!/bin/bash\n{comment}\nset -euo pipefail\n"
                    f"grep -rIlE 'AKIA|ghp_|xoxb-|sk_live_|PRIVATE KEY|://' {root} | sort || true\n"
                    f"cat {root}/.secrets-allowlist\n"
                    f"python3 - {root} {report} {1 if redact else 0} <<'PY'\n{code}PY\n"
                    f"cat {report}\n")

        files["solution/solve.sh"] = script("# Scan with exact patterns, honour the allowlist, redact byte-exactly.")
        files["solution/wrong/skips-dotfiles.sh"] = script(
            "# Mistake: walks the tree like `grep -r *` would, never looking at dotfiles or dot-directories.",
            "SKIP_HIDDEN = True")
        files["solution/wrong/ignores-allowlist.sh"] = script(
            "# Mistake: reports the documented fake keys as leaks.", "USE_ALLOWLIST = False")
        if redact:
            files["solution/wrong/blanks-whole-lines.sh"] = script(
                "# Mistake: deletes the content of every line with a secret instead of the secret only.",
                "WHOLE_LINE = True")
        if hard:
            files["solution/wrong/normalises-newlines.sh"] = script(
                "# Mistake: right findings and markers, but rewrites CRLF files with LF endings.", "TEXT_MODE = True")
        expected = {"root": root, "report": report, "redact": redact, "rows": [list(t) for t in truth],
                    "before": before, "after": after, "secrets": sorted(set(secret_values)),
                    "fakes": [AWS_EXAMPLE, allow_token]}
        files["tests/expected.json"] = json.dumps(expected, indent=1) + "\n"
        files["tests/test_outputs.py"] = TEST_REDACT if redact else TEST_AUDIT
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY tree/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["secrets", "grep", "regex", "redaction", "audit"],
            artifacts=[root, report],
            agent_timeout_sec={"easy": 600.0, "medium": 1200.0, "hard": 1500.0}[level],
            expert_minutes={"easy": 15, "medium": 30, "hard": 45}[level],
        )

    @staticmethod
    def _check(files: dict, truth: list, *fakes: str) -> None:
        rx = re.compile(r"(?<![A-Za-z0-9])(AKIA[A-Z0-9]{16}|ghp_[A-Za-z0-9]{36}|xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]{24}|"
                        r"sk_live_[A-Za-z0-9]{24})(?![A-Za-z0-9])")
        want = {(r, ln) for r, ln, k in truth if k in ("aws_access_key_id", "github_token", "slack_token", "stripe_key")}
        got = set()
        for path, data in files.items():
            rel = path[len("environment/tree/"):]
            for n, line in enumerate(data.decode().splitlines(), 1):
                for m in rx.finditer(line):
                    if m.group(1) not in fakes and rel != ".secrets-allowlist":
                        got.add((rel, n))
        if got != want:
            raise AssertionError(f"leaked_secret_cleanup generator inconsistent: {sorted(got ^ want)[:4]}")


TEST_COMMON = '''"""Check the report against the secrets planted in the tree, and the tree against its expected state."""

import csv
import hashlib
import json
import os
from pathlib import Path

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
ROOT = Path(EXP["root"])


def tree_files():
    out = {}
    for dirpath, _, names in os.walk(ROOT):
        for n in names:
            p = Path(dirpath) / n
            out[str(p.relative_to(ROOT))] = p
    return out


def test_report_rows():
    rows = list(csv.reader(Path(EXP["report"]).read_text().splitlines()))
    assert rows and rows[0] == ["file", "line", "type"], rows[:1]
    got = [[r[0], int(r[1]), r[2]] for r in rows[1:] if r]
    want = EXP["rows"]
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    assert not missing and not extra, f"missing {missing[:4]}, unexpected {extra[:4]}"
    assert got == want, "rows are right but not in the required order"


def test_no_files_added_or_removed():
    assert sorted(tree_files()) == sorted(EXP["before"])
'''

TEST_AUDIT = TEST_COMMON + '''

def test_tree_untouched():
    files = tree_files()
    changed = [rel for rel, digest in EXP["before"].items()
               if hashlib.sha256(files[rel].read_bytes()).hexdigest() != digest]
    assert not changed, f"audit only, but these files changed: {changed}"
'''

TEST_REDACT = TEST_COMMON + '''

def test_clean_files_untouched():
    files = tree_files()
    changed = [rel for rel, digest in EXP["before"].items() if EXP["after"][rel] == digest
               and hashlib.sha256(files[rel].read_bytes()).hexdigest() != digest]
    assert not changed, f"files without secrets were modified: {changed}"


def test_redacted_files_exact():
    files = tree_files()
    wrong = [rel for rel, digest in EXP["after"].items() if EXP["before"][rel] != digest
             and hashlib.sha256(files[rel].read_bytes()).hexdigest() != digest]
    assert not wrong, f"redacted content differs from the expected bytes in: {wrong}"


def test_no_secret_left_anywhere():
    leftovers = []
    for rel, p in tree_files().items():
        data = p.read_bytes()
        leftovers += [(rel, s[:12]) for s in EXP["secrets"] if s.encode() in data]
    assert not leftovers, f"secrets still present: {leftovers[:5]}"


def test_allowlisted_fakes_kept():
    blob = b"".join(p.read_bytes() for rel, p in tree_files().items() if rel != ".secrets-allowlist")
    for fake in EXP["fakes"]:
        assert fake.encode() in blob, f"allowlisted value {fake[:8]}... was removed"
'''
