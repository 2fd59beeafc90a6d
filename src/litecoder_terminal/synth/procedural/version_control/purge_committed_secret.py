"""Rewrite an unpushed branch so no commit contains a leaked credential, keeping everything else identical."""

from __future__ import annotations

import json
import random
import string
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, blob_id, people

SERVICES = ["checkout-api", "ledger-sync", "payout-worker", "invoice-mailer", "refund-service"]
FEATURES = ["stripe-payouts", "adyen-refunds", "tax-export", "sepa-mandates", "wallet-topup"]
MODULE_WORDS = ["client", "retry", "models", "mapper", "schemas", "metrics", "webhooks", "batching", "audit"]


def _secret(rng: random.Random, prefix: str, n: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


def _yaml(sections: list[tuple[str, list[tuple[str, str]]]]) -> str:
    out = []
    for name, kvs in sections:
        out.append(f"{name}:")
        out += [f"  {k}: {v}" for k, v in kvs]
    return "\n".join(out) + "\n"


@register
class PurgeCommittedSecret(TaskFamily):
    name = "git_purge_committed_secret"
    domain = "version_control"
    title = "Scrub a leaked credential from every commit of an unpushed branch"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        svc = rng.choice(SERVICES)
        feat = rng.choice(FEATURES)
        branch = pick(rng, [f"feature/{feat}", f"feat/{feat}", f"dev/{feat}"])
        repo = pick(rng, [f"/app/{svc}", f"/srv/{svc}", f"/home/dev/{svc}"])
        devs = people(rng, 3)
        n_branch = {"easy": 3, "medium": 5, "hard": 7}[level] + rng.randint(0, 1)
        plan = RepoPlan(repo, "main", devs[0], 1_700_000_000 + rng.randrange(10_000_000),
                        config=[("user.name", "Security Desk"), ("user.email", "security@example.com")])
        # ---- project model ----
        settings = {
            "service": [("name", svc), ("port", str(rng.choice([8000, 8080, 9000]))), ("workers", str(rng.randint(2, 8)))],
            "payments": [("provider", rng.choice(["stripe", "adyen", "mollie"])), ("timeout_s", str(rng.choice([10, 20, 30])))],
            "logging": [("level", "INFO"), ("format", "json")],
        }
        db = {"database": [("host", f"db-{rng.randint(1, 4)}.internal"), ("name", svc.replace("-", "_")),
                           ("user", "app")]}
        files: dict[str, str] = {
            "README.md": f"# {svc}\n\nSecrets are injected through environment variables at deploy time.\n",
            "config/settings.yaml": "", "config/database.yaml": "",
            "app/__init__.py": "",
        }

        def render() -> dict[str, str]:
            out = dict(files)
            out["config/settings.yaml"] = _yaml(list(settings.items()))
            out["config/database.yaml"] = _yaml(list(db.items()))
            return out

        snap: dict[str, str] = {}

        def commit(msg: str, who) -> tuple[int, dict[str, str]]:
            nonlocal snap
            new = render()
            changes = {p: c for p, c in new.items() if snap.get(p) != c}
            d = plan.commit(rng, msg, changes, who=who)
            snap = new
            return d, new

        main_subjects = []
        d, _ = commit(f"Initial {svc} skeleton", devs[0])
        main_subjects.append(f"Initial {svc} skeleton")
        files["app/health.py"] = "def health():\n    return {'status': 'ok'}\n"
        commit("feat: health endpoint", devs[0])
        main_subjects.append("feat: health endpoint")
        fork_subject, fork_date = main_subjects[-1], plan.clock
        plan.git(None, "checkout", "-q", "-b", branch)
        # ---- secrets ----
        key_var = pick(rng, ["PAYMENTS_API_KEY", "PSP_SECRET_KEY", "PROVIDER_API_KEY"])
        secret1 = _secret(rng, rng.choice(["sk_live_", "rk_live_", "psp_live_"]), 28)
        secrets = [(secret1, "${" + key_var + "}", "config/settings.yaml")]
        if level == "hard":
            secrets.append((_secret(rng, "", 20), "${DB_PASSWORD}", "config/database.yaml"))
        s1 = n_branch - 1 if level == "easy" else rng.randint(1, n_branch - 3)
        s2 = rng.randint(s1 + 1, n_branch - 2) if level == "hard" else None
        tag_at = rng.randint(max(s1, s2 or 0), n_branch - 2) if level == "hard" else None
        tag = f"{feat}-rc1"
        branch_commits = []  # (subject, author, date, snapshot)
        used_words: list[str] = []
        for i in range(n_branch):
            who = devs[1] if i % 3 else devs[2]
            if i == s1:
                settings["payments"].insert(1, ("api_key", secret1))
                settings["payments"].append(("webhook_path", f"/hooks/{feat}"))
                msg = f"feat({feat}): configure payment provider credentials"
            elif s2 is not None and i == s2:
                db["database"].append(("password", secrets[1][0]))
                msg = f"feat({feat}): connect to the reporting database"
            else:
                kind = rng.randrange(3) if i > s1 else 0
                if kind == 0 or len(used_words) < 1:
                    word = rng.choice([w for w in MODULE_WORDS if w not in used_words])
                    used_words.append(word)
                    files[f"app/{feat.replace('-', '_')}_{word}.py"] = (
                        f'"""{feat} {word}."""\n\n\ndef {word}_enabled():\n    return True\n')
                    msg = f"feat({feat}): add {word} module"
                elif kind == 1:
                    sec = settings["payments"]
                    idx = next(j for j, (k, _) in enumerate(sec) if k == "timeout_s")
                    sec[idx] = ("timeout_s", str(int(sec[idx][1]) + 5))
                    settings["logging"][0] = ("level", rng.choice(["DEBUG", "INFO", "WARNING"]))
                    msg = f"chore({feat}): tune provider timeout to {sec[idx][1]}s"
                else:
                    settings["service"].append((f"feature_{len(branch_commits)}", "true"))
                    files["README.md"] += f"\n- Feature flag `feature_{len(branch_commits)}` enables part of {feat}.\n"
                    msg = f"feat({feat}): feature flag {len(branch_commits)}"
            d, snapshot = commit(msg, who)
            branch_commits.append((msg, list(who), d, snapshot))
            if tag_at is not None and i == tag_at:
                plan.git(None, "tag", tag)
        plan.git(rng, "checkout", "-q", "main")
        files_main = {"docs/runbook.md": "# Runbook\n\nRotate credentials through the vault, never in git.\n"}
        plan.commit(rng, "docs: runbook", files_main, who=devs[0])
        main_subjects.append("docs: runbook")
        main_tip_date = plan.clock
        plan.git(None, "checkout", "-q", branch)

        def scrub(text: str) -> str:
            for value, placeholder, _ in secrets:
                text = text.replace(value, placeholder)
            return text

        expected_commits = []
        for msg, who, d, snapshot in branch_commits:
            expected_commits.append({
                "subject": msg, "author": who, "date": d,
                "tree": {p: blob_id(scrub(c)) for p, c in sorted(snapshot.items())},
            })

        # ---------------- instruction ----------------
        intro = pick(rng, [
            f"Secret scanning blocked the push of `{branch}` in `{repo}`: a live credential was committed.",
            f"Before `{branch}` (repository `{repo}`) can be pushed for review, a leaked credential has to go.",
            f"Security review of `{branch}` in `{repo}` found a credential in the branch history.",
        ])
        what = [f"- the payment provider key `{secret1[:8]}…` in `config/settings.yaml` must become the literal "
                f"text `${{{key_var}}}`"]
        if level == "hard":
            what.append(f"- the database password in `config/database.yaml` (starts with `{secrets[1][0][:4]}`) "
                        "must become the literal text `${DB_PASSWORD}`")
        tag_line = (f"\nThe lightweight tag `{tag}` marks a commit of the branch that QA tested; after the rewrite "
                    "it must point at the rewritten version of that same commit.\n\n" if tag_at is not None else "\n")
        instruction = textwrap.dedent(f"""\
            {intro} The branch has never been pushed, so its history may be rewritten.

            Rewrite every commit of `{branch}` that is not on `main` so that the credential value never appears:

            @@WHAT@@

            Replace only the value (keep the key and the rest of the line). Everything else must stay exactly as
            it was: the same number of commits in the same order, the same commit messages, authors and author
            dates, and every other byte of every file in every commit. The branch must still fork from the same
            `main` commit, and `main` itself must not change.
            @@TAG@@
            When you are done, no branch, tag or other ref (including backup refs left behind by history
            rewriting tools) may reach a commit that still contains the secret.
            """).replace("@@WHAT@@", "\n".join(what)).replace("@@TAG@@\n", tag_line)

        # ---------------- solutions ----------------
        scrub_py = "import os\nSECRETS = " + repr([(v, p) for v, p, _ in secrets]) + textwrap.dedent("""
            for root, dirs, names in os.walk("."):
                dirs[:] = [d for d in dirs if d != ".git"]
                for n in names:
                    path = os.path.join(root, n)
                    with open(path, encoding="utf-8", errors="surrogateescape") as f:
                        text = f.read()
                    new = text
                    for value, placeholder in SECRETS:
                        new = new.replace(value, placeholder)
                    if new != text:
                        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
                            f.write(new)
            """)
        refs = f"{branch} {tag}" if tag_at is not None else branch
        drop_backup = "git for-each-ref --format='%(refname)' refs/original/ | xargs -r -n1 git update-ref -d\n"
        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: rewrite only main..branch with a tree filter (tags follow), then drop the backup refs.
            set -euo pipefail
            cd {repo}
            git log --oneline main..{branch}
            cat > /tmp/scrub.py <<'EOF'
            """) + scrub_py + "EOF\n" + textwrap.dedent(f"""\
            git checkout -q {branch}
            export FILTER_BRANCH_SQUELCH_WARNING=1
            git filter-branch -f --tree-filter 'python3 /tmp/scrub.py' --tag-name-filter cat -- ^main {refs}
            """) + drop_backup + textwrap.dedent(f"""\
            git log --oneline main..{branch}
            ! git grep -n '{secret1}' $(git rev-list --all)
            """)
        files_out: dict[str, str | bytes] = dict(plan.files())
        files_out["solution/solve.sh"] = solve
        files_out["solution/wrong/keep_backup_refs.sh"] = solve.replace(drop_backup, "")
        if level == "easy":
            files_out["solution/wrong/fix_in_new_commit.sh"] = textwrap.dedent(f"""\
                #!/bin/bash
                # Mistake: removes the secret in a new commit; the old commit still carries it.
                set -e
                cd {repo}
                git checkout -q {branch}
                sed -i 's/{secret1}/${{{key_var}}}/' config/settings.yaml
                git commit -q -am "Remove leaked key"
                """)
            files_out["solution/wrong/delete_key_line.sh"] = textwrap.dedent(f"""\
                #!/bin/bash
                # Mistake: deletes the whole api_key line instead of replacing the value.
                set -e
                cd {repo}
                git checkout -q {branch}
                sed -i '/{secret1}/d' config/settings.yaml
                git commit -q -a --amend --no-edit
                """)
        else:
            files_out["solution/wrong/amend_tip_only.sh"] = textwrap.dedent(f"""\
                #!/bin/bash
                # Mistake: only the latest commit is cleaned; older commits still contain the secret.
                set -e
                cd {repo}
                git checkout -q {branch}
                python3 - <<'EOF'
                """) + scrub_py + "EOF\n" + "git commit -q -a --amend --no-edit\n"
        if tag_at is not None:
            files_out["solution/wrong/forgot_tag.sh"] = solve.replace(f" {tag}\n", "\n").replace(
                "--tag-name-filter cat ", "")
            assert files_out["solution/wrong/forgot_tag.sh"] != solve
        exp = {
            "repo": repo, "branch": branch, "secrets": [v for v, _, _ in secrets], "commits": expected_commits,
            "fork_subject": fork_subject, "fork_date": fork_date, "main_subjects": main_subjects,
            "main_tip_date": main_tip_date, "tag": tag if tag_at is not None else None, "tag_index": tag_at,
        }
        files_out["tests/expected.json"] = json.dumps(exp, indent=1, sort_keys=True) + "\n"
        files_out["tests/test_outputs.py"] = TEST
        return TaskDraft(
            instruction=instruction, dockerfile_body=plan.dockerfile(repo), files=files_out,
            tags=["git", "history-rewrite", "secrets", "filter-branch"], artifacts=[repo],
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1500}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 8, "medium": 20, "hard": 30}[level],
        )


TEST = r'''"""Walk the rewritten branch with git: same commits/authors/messages, scrubbed trees, no ref reaches the secret.
git reads the agent's repository unprivileged, with replace objects and grafts disabled (lct_verify.git): a
`git replace` object cannot stand in for a commit that still holds the secret."""

import json
from pathlib import Path

import lct_verify

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
REPO = EXP["repo"]


def run_git(*args):
    return lct_verify.git(REPO, *args)


def git(*args, check=True):
    r = run_git(*args)
    if check:
        assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def branch_commits():
    return git("rev-list", "--reverse", "main.." + EXP["branch"]).split()


def test_main_untouched():
    subjects = git("log", "--reverse", "--format=%s", "main").splitlines()
    assert subjects == EXP["main_subjects"]
    assert int(git("log", "-1", "--format=%ct", "main")) == EXP["main_tip_date"]


def test_same_commits_messages_authors():
    commits = branch_commits()
    assert len(commits) == len(EXP["commits"]), "the branch must keep the same number of commits"
    first_parent = git("rev-parse", commits[0] + "^").strip()
    assert git("log", "-1", "--format=%s", first_parent).strip() == EXP["fork_subject"]
    assert int(git("log", "-1", "--format=%ct", first_parent)) == EXP["fork_date"]
    for c, e in zip(commits, EXP["commits"]):
        subject, name, email, at = git("log", "-1", "--format=%s%n%an%n%ae%n%at", c).splitlines()
        assert subject == e["subject"]
        assert [name, email] == e["author"] and int(at) == e["date"], f"author changed on {subject!r}"
        assert len(git("rev-list", "--parents", "-n1", c).split()) == 2, "linear history expected"


def test_trees_scrubbed_and_otherwise_identical():
    for c, e in zip(branch_commits(), EXP["commits"]):
        blobs = {}
        for line in git("ls-tree", "-r", "-z", c).split("\0"):
            if line:
                meta, path = line.split("\t", 1)
                blobs[path] = meta.split()[2]
        assert sorted(blobs) == sorted(e["tree"]), f"file list differs in {e['subject']!r}"
        for p, oid in blobs.items():
            assert oid == e["tree"][p], f"{p} wrong in {e['subject']!r}"


def test_no_ref_reaches_the_secret():
    refs = git("for-each-ref", "--format=%(refname)").split()
    commits = git("rev-list", *refs).split() if refs else []
    assert commits
    for secret in EXP["secrets"]:
        r = run_git("grep", "-l", "-F", secret, *commits)
        assert r.returncode == 1 and not r.stdout, f"secret still reachable: {r.stdout[:200]}"
    if EXP["tag"]:
        tagged = git("rev-parse", EXP["tag"] + "^{commit}").strip()
        assert tagged == branch_commits()[EXP["tag_index"]], "the tag must follow the rewritten commit"
'''
