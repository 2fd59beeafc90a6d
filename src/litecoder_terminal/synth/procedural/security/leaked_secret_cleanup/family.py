"""Find leaked credentials in a source tree (dotfiles, PEM blocks, allowlisted fixtures), report them by file and
line, and redact them in place byte-exactly (CRLF files included)."""

from __future__ import annotations

import random
import re

from litecoder_terminal.synth.procedural import kit

ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
MARK = "***REDACTED***"
PEM_MARK = "***REDACTED PRIVATE KEY***"
AWS_EXAMPLE = "AKIAIOSFODNN7EXAMPLE"
KINDS = ("aws_access_key_id", "aws_secret_access_key", "github_token", "slack_token", "stripe_key", "password_in_url")
PEMS = {"pem_ec_private": "EC PRIVATE KEY", "pem_certificate": "CERTIFICATE", "pem_public": "PUBLIC KEY",
        "pem_any_private": ""}
# data/sources/<name>.txt -> where it may live in the tree ({pkg}/{svc} filled per task)
PATHS = {
    "py_s3": ["src/@@pkg@@/storage.py", "app/s3util.py", "jobs/export/uploader.py"],
    "env": [".env", "deploy/.env.production", "config/.env"],
    "env_db": [".env.local", "docker/.env"],
    "ci": [".github/workflows/ci.yml", ".gitlab/ci/build.yml"],
    "js_slack": ["web/src/notify.js", "frontend/lib/slack.js"],
    "py_billing": ["src/@@pkg@@/billing.py", "services/billing/client.py"],
    "yaml_aws": ["deploy/exporter.yaml", "config/exporter.yml"],
    "json_cfg": ["config/@@svc@@.json", "settings/integrations.json"],
    "yaml_tls": ["k8s/@@svc@@-tls.yaml", "deploy/k8s/secret-tls.yaml"],
    "key_file": ["deploy/keys/deploy_key", ".ssh/id_rsa_ci", "ops/backup_key.pem"],
    "cert_file": ["config/tls/server.crt", "certs/ca.pem"],
    "pub_file": ["keys/signing.pub.pem", "config/jwt_public.pem"],
    "sh_deploy": ["scripts/deploy.sh", "bin/release.sh"],
    "readme": ["README.md", "docs/SETUP.md"],
    "fixture": ["tests/fixtures/rotation.json", "tests/data/tokens.json"],
}
EASY = "env py_s3 ci readme fixture key_file pub_file"
MEDIUM = EASY + " js_slack py_billing json_cfg cert_file sh_deploy"
HARD = MEDIUM + " env_db yaml_aws yaml_tls"

KNOBS = {
    "skip_hidden": kit.Knob("False", "True", "walks the tree like a shell glob, never looking at dotfiles or "
                                             "dot-directories"),
    "use_allowlist": kit.Knob("True", "False", "reports (and redacts) the documented fake keys of the allowlist"),
    "whole_line": kit.Knob("False", "True", "blanks the whole line of a secret instead of the secret only"),
    "text_mode": kit.Knob("False", "True", "right findings and markers, but rewrites CRLF files with LF endings"),
}


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


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


class LeakedSecretCleanup(kit.KitFamily):
    title = "Find leaked credentials in a source tree, report them by file and line, and redact them in place"
    levels = kit.Levels(sources=(EASY, MEDIUM, HARD), stripe=(0, 1, 1), url_password=(0, 0, 1), redact=(0, 1, 1),
                        doubles=(0, 0, 1), crlf=(0, 0, 2), filler=(5, 12, 20), agent_timeout=(600, 1200, 1500),
                        expert_minutes=(15, 30, 45))

    _texts: dict[str, str] = {}  # data/ files read once per process (sources and fillers are read per file)

    def data(self, name: str) -> str:
        if name not in self._texts:
            self._texts[name] = super().data(name)
        return self._texts[name]

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        redact = bool(k.redact)
        root = rng.choice(["/srv/repo", "/opt/legacy-portal", "/home/deploy/app", "/srv/git/checkout"])
        report = rng.choice(["/root/secret_scan.csv", "/var/tmp/leaks.csv", "/root/audit/secrets.csv"])
        kinds = [k_ for k_ in KINDS if (k_ != "stripe_key" or k.stripe) and (k_ != "password_in_url" or k.url_password)]
        fill = {"svc": rng.choice(["reports", "portal", "ledger", "notifier", "billing"]),
                "pkg": rng.choice(["acme", "core", "backend"]), "bucket": f"acme-{rng.randrange(100, 999)}-exports",
                "region": rng.choice(["eu-west-1", "us-east-2", "eu-central-1"]),
                "user": rng.choice(["app", "svc_portal", "reporter"]), "db": rng.choice(["app", "portal", "ledger"]),
                "org": rng.choice(["acme-corp", "acme-platform"]), "host": f"app{rng.randint(1, 9)}.internal",
                "allow_token": "ghp_" + _rand(rng, ALNUM, 36), "aws_example": AWS_EXAMPLE}
        texts: dict[str, list[str]] = {}     # rel path -> lines (no EOL), as planted
        redacted: dict[str, list[str]] = {}  # rel path -> lines after a correct redaction
        truth: list[tuple[str, int, str]] = []
        secrets: list[str] = []
        for src in k.sources.split():
            for _ in range(2 if k.doubles and src in ("env", "py_s3", "key_file", "json_cfg") else 1):
                options = [p for p in (kit.render(p, fill, where="PATHS", allow_unused=True) for p in PATHS[src])
                           if p not in texts]
                if not options:
                    continue
                rel = rng.choice(options)
                lines, red = self._plant(rng, self.data(f"sources/{src}.txt"), fill, kinds, rel, truth, secrets)
                texts[rel], redacted[rel] = lines, red
        for i in range(k.filler):  # files with no secrets at all
            ext = rng.choice(["js", "md", "py", "sh", "yaml"])
            d = rng.choice(["src", "lib", "docs", "scripts", "web", "jobs", "ops", "tools"])
            rel = f"{d}/{rng.choice(['util', 'helpers', 'notes', 'tasks', 'common', 'format', 'runbook'])}_{i}.{ext}"
            text = kit.render(self.data(f"filler/{ext}.txt"), {"svc": fill["svc"]}, where=f"filler/{ext}.txt",
                              allow_unused=True)
            texts[rel] = redacted[rel] = text.splitlines()
        allow_lines = ["# known fake values used by tests and docs", AWS_EXAMPLE, fill["allow_token"]]
        texts[".secrets-allowlist"] = redacted[".secrets-allowlist"] = allow_lines
        secret_files = sorted({t[0] for t in truth})
        crlf = set()
        if k.crlf:
            crlf = set(rng.sample(secret_files, k.crlf)) | {rng.choice(sorted(set(texts) - set(secret_files)))}
        files: dict[str, str | bytes] = {}
        before, after = {}, {}
        for rel in sorted(texts):
            eol = "\r\n" if rel in crlf else "\n"
            data = (eol.join(texts[rel]) + eol).encode()
            files[f"environment/tree/{rel}"] = data
            before[rel] = kit.sha256(data)
            after[rel] = kit.sha256((eol.join(redacted[rel]) + eol).encode())
        truth.sort()
        self._check(files, truth, AWS_EXAMPLE, fill["allow_token"])

        # The standard (in the environment at every level; the full instruction quotes it).
        rules = "\n".join(line for line in self.data("type_rules.md").splitlines()
                          if any(line.startswith(f"- `{kd}`") for kd in [*kinds, "private_key"]))
        redaction = (self.template("redact.md", root=root, crlf_note=" (several files use CRLF line endings: keep them)"
                                   if crlf else "") if redact else self.template("audit.md", root=root))
        standard = self.template("standard.md", root=root, rules=rules, report=report, redaction=redaction,
                                 allow_redact=" and must not be redacted" if redact else "")
        ticket = rng.randrange(100, 999)
        files["environment/secret-scanning.md"] = self.template("policy.md", ticket=ticket, root=root,
                                                                standard=standard)
        # The scanner's records: the log names the standard and the tree; an old report is stale (red herring).
        stamp = f"{rng.randint(2024, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        stale = f"/var/tmp/secscan-old/{stamp}.csv"
        old_rows = [f"{r},{ln + rng.choice([-3, -1, 2, 5])},{kd}" for r, ln, kd in
                    rng.sample(truth, min(3, len(truth)))] + ["src/legacy/settings.py,12,github_token"]
        files["environment/stale.csv"] = "file,line,type\n" + "\n".join(sorted(old_rows)) + "\n"
        files["environment/precommit.log"] = "\n".join([
            f"{stamp}T08:59:41 secscan[precommit]: scanned 214 staged files in {root}: 0 findings",
            f"{stamp}T09:12:03 secscan[precommit]: hook disabled for {root} by deploy (reason: too slow on CI)",
            f"{stamp}T09:12:03 secscan[precommit]: last full report {stale}; it goes stale when the tree changes",
            f"{stamp}T09:12:04 secscan[precommit]: after re-enabling, run a full audit per "
            f"/etc/security/secret-scanning.md (SEC-{ticket})",
            f"{stamp}T09:30:17 secscan[nightly]: skipped: hook disabled",
        ]) + "\n"

        values = {"root": root, "report": report, "redact": int(redact)}
        wrong = {"skips-dotfiles": "skip_hidden", "ignores-allowlist": "use_allowlist"}
        if redact:
            wrong["blanks-whole-lines"] = "whole_line"
        if crlf:
            wrong["normalises-newlines"] = "text_mode"
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(**values)
        files |= self.verifier()
        files |= kit.expected_file({"root": root, "report": report, "redact": redact, "rows": [list(t) for t in truth],
                                    "before": before, "after": after, "secrets": sorted(set(secrets)),
                                    "fakes": [AWS_EXAMPLE, fill["allow_token"]]})
        instruction = self.instruction(
            intro=self.intro(rng), root=root, report=report, standard=standard,
            partial_redact=", redaction rules" if redact else "",
            symptom_redact=", with the leaked credentials scrubbed from the tree" if redact else "")
        dockerfile = (f"COPY tree/ {root}/\nCOPY secret-scanning.md /etc/security/secret-scanning.md\n"
                      f"COPY precommit.log /var/log/secscan/precommit.log\nCOPY stale.csv {stale}\nWORKDIR {root}\n")
        return kit.draft(instruction=instruction, dockerfile_body=dockerfile, files=files,
                         tags=["secrets", "grep", "regex", "redaction", "audit"], artifacts=[root, report],
                         outputs=[root, report] if redact else [report], agent_timeout_sec=k.agent_timeout,
                         expert_minutes=k.expert_minutes)

    @staticmethod
    def _plant(rng: random.Random, template: str, fill: dict[str, str], kinds: list[str], rel: str,
               truth: list, secrets: list) -> tuple[list[str], list[str]]:
        """One source file from its template, line by line: secrets of enabled kinds are planted (and recorded with
        their line), lines with a disabled kind are dropped, PEM placeholders become indented blocks."""
        lines: list[str] = []
        red: list[str] = []
        for raw in template.splitlines():
            names = kit.PLACEHOLDER.findall(raw)
            pem = [n for n in names if n in PEMS]
            if pem:
                label = PEMS[pem[0]] or rng.choice(["RSA PRIVATE KEY", "OPENSSH PRIVATE KEY", "PRIVATE KEY"])
                indent = raw[:raw.index("@@")]
                block = [indent + b for b in _pem(rng, label)]
                if "PRIVATE KEY" in label:
                    truth.append((rel, len(lines) + 1, "private_key"))
                    secrets.append(block[1].strip())
                    red.append(indent + PEM_MARK)
                else:
                    red.extend(block)
                lines.extend(block)
                continue
            kind = next((n for n in names if n in KINDS), None)
            if kind is not None and kind not in kinds:
                continue
            values = {n: fill[n] for n in names if n != kind}
            if kind is not None:
                value = _secret(rng, kind)
                truth.append((rel, len(lines) + 1, kind))
                secrets.append(value)
                red.append(kit.render(raw, values | {kind: MARK}, where=rel))
                values[kind] = value
            else:
                red.append(kit.render(raw, values, where=rel))
            lines.append(kit.render(raw, values, where=rel))
        return lines, red

    @staticmethod
    def _check(files: dict, truth: list, *fakes: str) -> None:
        """The token-shaped kinds found by an independent regex agree with the planted truth (no accidental match
        inside random text, no planted token the patterns miss)."""
        rx = re.compile(r"(?<![A-Za-z0-9])(AKIA[A-Z0-9]{16}|ghp_[A-Za-z0-9]{36}|xoxb-[0-9]+-[0-9]+-[A-Za-z0-9]{24}|"
                        r"sk_live_[A-Za-z0-9]{24})(?![A-Za-z0-9])")
        want = {(r, ln) for r, ln, kd in truth if kd in ("aws_access_key_id", "github_token", "slack_token",
                                                        "stripe_key")}
        got = set()
        for path, data in files.items():
            rel = path[len("environment/tree/"):]
            for n, line in enumerate(data.decode().splitlines(), 1):
                if any(m.group(1) not in fakes for m in rx.finditer(line)) and rel != ".secrets-allowlist":
                    got.add((rel, n))
        if got != want:
            raise AssertionError(f"leaked_secret_cleanup generator inconsistent: {sorted(got ^ want)[:4]}")
