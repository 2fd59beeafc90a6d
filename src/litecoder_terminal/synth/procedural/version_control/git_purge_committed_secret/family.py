"""Rewrite an unpushed branch so no commit contains a leaked credential, keeping everything else identical."""

from __future__ import annotations

import random
import re
import string
from datetime import datetime, timezone

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, blob_id, people

SERVICES = ["checkout-api", "ledger-sync", "payout-worker", "invoice-mailer", "refund-service"]
FEATURES = ["stripe-payouts", "adyen-refunds", "tax-export", "sepa-mandates", "wallet-topup"]
MODULE_WORDS = ["client", "retry", "models", "mapper", "schemas", "metrics", "webhooks", "batching", "audit"]
KEY_VARS = ["PAYMENTS_API_KEY", "PSP_SECRET_KEY", "PROVIDER_API_KEY"]
# what an over-broad scrub matches: every provider-style key, the public sandbox fixture key included
BROAD = r"(sk|rk|psp)_(live|test)_[A-Za-z0-9]+"


def _secret(rng: random.Random, prefix: str, n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def _yaml(sections: dict[str, list[tuple[str, str]]]) -> str:
    out = []
    for name, kvs in sections.items():
        out.append(f"{name}:")
        out += [f"  {k}: {v}" for k, v in kvs]
    return "\n".join(out) + "\n"


def _stamp(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class GitPurgeCommittedSecret(kit.KitFamily):
    title = "Scrub a leaked credential from every commit of an unpushed branch"
    levels = kit.Levels(commits=(3, 5, 7), tag=(0, 1, 1), db_password=(0, 0, 1), report_all=(1, 1, 0),
                        agent_timeout=(600, 1200, 1500), expert_minutes=(8, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        svc, feat = rng.choice(SERVICES), rng.choice(FEATURES)
        branch = rng.choice([f"feature/{feat}", f"feat/{feat}", f"dev/{feat}"])
        repo = rng.choice([f"/app/{svc}", f"/srv/{svc}", f"/home/dev/{svc}"])
        devs = people(rng, 3)
        n_branch = k.commits + rng.randint(0, 1)
        plan = RepoPlan(repo, "main", devs[0], 1_700_000_000 + rng.randrange(10_000_000),
                        config=[("user.name", "Security Desk"), ("user.email", "security@example.com")])
        key_var = rng.choice(KEY_VARS)
        fixture_key = _secret(rng, "sk_test_", 24)  # public sandbox key: must survive byte for byte
        settings = {
            "service": [("name", svc), ("port", str(rng.choice([8000, 8080, 9000]))), ("workers", str(rng.randint(2, 8)))],
            "payments": [("provider", rng.choice(["stripe", "adyen", "mollie"])), ("timeout_s", str(rng.choice([10, 20, 30])))],
            "logging": [("level", "INFO"), ("format", "json")],
        }
        db = {"database": [("host", f"db-{rng.randint(1, 4)}.internal"), ("name", svc.replace("-", "_")), ("user", "app")]}
        files: dict[str, str] = {
            "README.md": f"# {svc}\n\nSecrets are injected through environment variables at deploy time; "
                         "see docs/SECURITY.md.\n",
            "docs/SECURITY.md": self.template("SECURITY.md", key_var=key_var),
            "tests/fixtures/provider.json": f'{{\n  "api_key": "{fixture_key}",\n  "mode": "sandbox"\n}}\n',
            "app/__init__.py": "",
        }
        snap: dict[str, str] = {}

        def commit(msg: str, who) -> tuple[int, dict[str, str]]:
            nonlocal snap
            new = dict(files, **{"config/settings.yaml": _yaml(settings), "config/database.yaml": _yaml(db)})
            d = plan.commit(rng, msg, {p: c for p, c in new.items() if snap.get(p) != c}, who=who)
            snap = new
            return d, new

        main_subjects = [f"Initial {svc} skeleton", "feat: health endpoint"]
        commit(main_subjects[0], devs[0])
        files["app/health.py"] = "def health():\n    return {'status': 'ok'}\n"
        _, fork_snap = commit(main_subjects[1], devs[0])
        fork_subject, fork_date = main_subjects[-1], plan.clock
        plan.git(None, "checkout", "-q", "-b", branch)
        secret1 = _secret(rng, rng.choice(["sk_live_", "rk_live_", "psp_live_"]), 28)
        secrets = [(secret1, "${" + key_var + "}", "config/settings.yaml", "provider-live-key")]
        if k.db_password:
            secrets.append((_secret(rng, "", 20), "${DB_PASSWORD}", "config/database.yaml", "password-in-config"))
        # never the tip: a fix of the last commit alone must leave the secret in an older one
        s1 = rng.randint(0, n_branch - 2) if not k.db_password else rng.randint(1, n_branch - 3)
        s2 = rng.randint(s1 + 1, n_branch - 2) if k.db_password else None
        tag_at = rng.randint(max(s1, s2 or 0), n_branch - 2) if k.tag else None
        tag = f"{feat}-rc1"
        branch_commits, used_words, introduced = [], [], {}
        for i in range(n_branch):
            who = devs[1] if i % 3 else devs[2]
            if i == s1:
                settings["payments"].insert(1, ("api_key", secret1))
                settings["payments"].append(("webhook_path", f"/hooks/{feat}"))
                msg = introduced[secret1] = f"feat({feat}): configure payment provider credentials"
            elif s2 is not None and i == s2:
                db["database"].append(("password", secrets[1][0]))
                msg = introduced[secrets[1][0]] = f"feat({feat}): connect to the reporting database"
            else:
                kind = rng.randrange(3) if i > s1 else 0
                if kind == 0 or not used_words:
                    word = rng.choice([w for w in MODULE_WORDS if w not in used_words])
                    used_words.append(word)
                    files[f"app/{feat.replace('-', '_')}_{word}.py"] = (
                        f'"""{feat} {word}."""\n\n\ndef {word}_enabled():\n    return True\n')
                    msg = f"feat({feat}): add {word} module"
                elif kind == 1:
                    sec = settings["payments"]
                    idx = next(j for j, (key, _) in enumerate(sec) if key == "timeout_s")
                    sec[idx] = ("timeout_s", str(int(sec[idx][1]) + 5))
                    settings["logging"][0] = ("level", rng.choice(["DEBUG", "INFO", "WARNING"]))
                    msg = f"chore({feat}): tune provider timeout to {sec[idx][1]}s"
                else:
                    settings["service"].append((f"feature_{i}", "true"))
                    files["README.md"] += f"\n- Feature flag `feature_{i}` enables part of {feat}.\n"
                    msg = f"feat({feat}): feature flag {i}"
            d, snapshot = commit(msg, who)
            branch_commits.append((msg, list(who), d, snapshot))
            if tag_at is not None and i == tag_at:
                plan.git(None, "tag", tag)
        plan.git(rng, "checkout", "-q", "main")
        runbook = {"docs/runbook.md": "# Runbook\n\nRotate credentials through the vault, never in git.\n"}
        plan.commit(rng, "docs: runbook", runbook, who=devs[0])
        main_subjects.append("docs: runbook")
        main_tip_date = plan.clock
        plan.git(None, "checkout", "-q", branch)
        main_tree = {p: blob_id(c) for p, c in sorted({**fork_snap, **runbook}.items())}

        def scrub(text: str) -> str:
            for value, placeholder, _, _ in secrets:
                text = text.replace(value, placeholder)
            return text

        # the known mistakes must really go wrong on this instance
        assert s1 < n_branch - 1 and re.search(BROAD, f'"{fixture_key}"') and re.search(BROAD, secret1)

        # ---- the scanner's reports (the symptom level finds everything from here) ----
        shown = secrets if k.report_all else secrets[:1]
        stamp = _stamp(plan.clock + 3600)
        findings = [f"{stamp} FOUND rule={rule} file={path} value={value[:6]}... first seen in commit "
                    f"\"{introduced[value]}\"" for value, _, path, rule in shown]
        if len(shown) < len(secrets):
            findings.append(f"{stamp} {len(secrets) - len(shown)} more finding(s) suppressed (--max-findings 1)")
        files_out: dict[str, str | bytes] = dict(plan.files())
        files_out["environment/secretscan/prepush-latest.log"] = self.template(
            "scan.log", stamp=stamp, repo=repo, branch=branch, n_commits=n_branch, findings="\n".join(findings))
        files_out["environment/secretscan/prepush-previous.log"] = self.template(
            "old-scan.log", stamp=_stamp(fork_date + 600), repo=repo)

        # ---- solutions ----
        knobs = {
            "match": kit.Knob(f"re.escape({secret1!r})", f"r{BROAD!r}",
                              "matches every provider-style key, so the public sandbox fixture key is rewritten too"),
            "scope": kit.Knob("^main", f"^{branch}~1", "rewrites only the tip commit; older commits keep the secret"),
            "backup": kit.Knob("git for-each-ref --format='%(refname)' refs/original/ | xargs -r -n1 git update-ref -d",
                               "git for-each-ref refs/original/",
                               "keeps filter-branch's backup refs, which still reach the secret"),
            "tags": kit.Knob("--tag-name-filter cat", "",
                             "leaves the QA tag on the old commit that still holds the secret"),
        }
        wrong = {"over_broad_pattern": "match", "amend_tip_only": "scope", "keep_backup_refs": "backup"}
        if tag_at is not None:
            wrong["forgot_tag"] = "tags"
        more = "".join(f", (re.escape({v!r}), {p!r})" for v, p, _, _ in secrets[1:])
        values = {"repo": repo, "branch": branch, "secret1": secret1, "placeholder1": repr(secrets[0][1]),
                  "more_rules": more}
        files_out |= self.solver(knobs).files(values, wrong)
        files_out |= self.alt_solutions(
            repo=repo, branch=branch, secret1=secret1, placeholder1_sed=secrets[0][1],
            secret2_grep=" ".join(f"-e '{v}'" for v, _, _, _ in secrets[1:]),
            secret2_sed=" ".join(f"-e 's|{v}|{p}|g'" for v, p, _, _ in secrets[1:]))
        files_out |= self.verifier(repo=repo, branch=branch)
        files_out |= kit.expected_file({
            "secrets": [v for v, _, _, _ in secrets], "fork_subject": fork_subject, "fork_date": fork_date,
            "main_subjects": main_subjects, "main_tip_date": main_tip_date, "main_tree": main_tree,
            "tag": tag if tag_at is not None else None, "tag_index": tag_at,
            "commits": [{"subject": m, "author": w, "date": d,
                         "tree": {p: blob_id(scrub(c)) for p, c in sorted(s.items())}}
                        for m, w, d, s in branch_commits],
        })

        what = [f"- the payment provider key `{secret1[:8]}…` in `config/settings.yaml` must become the literal "
                f"text `${{{key_var}}}`"]
        if k.db_password:
            what.append(f"- the database password in `config/database.yaml` (starts with `{secrets[1][0][:4]}`) "
                        "must become the literal text `${DB_PASSWORD}`")
        tag_line = (f"\nThe lightweight tag `{tag}` marks a commit of the branch that QA tested; after the rewrite it "
                    "must point at the rewritten version of that same commit.\n" if tag_at is not None else "")
        instruction = self.instruction(intro=self.intro(rng, repo=repo, branch=branch), branch=branch, repo=repo,
                                       what="\n".join(what), tag_line=tag_line)
        return kit.draft(
            instruction=instruction, files=files_out,
            # the workdir is the repository's parent: a verifier whose artifact (the repo) is gone still starts
            dockerfile_body=plan.dockerfile(repo.rsplit("/", 1)[0], "COPY secretscan/ /var/log/secretscan/\n"),
            tags=["git", "history-rewrite", "secrets", "filter-branch"], artifacts=[repo], outputs=[repo],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
