"""Recover a deleted branch (amended several times), a hard-reset main and a dropped stash from reflog/fsck."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, people

FEATURES = [("exporter", "CSV exporter"), ("webhooks", "webhook sender"), ("scheduler", "job scheduler"),
            ("archiver", "log archiver"), ("notifier", "e-mail notifier"), ("importer", "bulk importer")]
ABANDONED = "WIP: README rewrite (abandoned)"


def _stamp(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class GitRecoverLostWork(kit.KitFamily):
    title = "Recover a deleted branch, a hard-reset main and a dropped stash"
    levels = kit.Levels(amend=(0, 1, 1), reset=(0, 1, 1), stash=(0, 0, 1), expire=(0, 0, 1),
                        agent_timeout=(600, 900, 1500), expert_minutes=(8, 15, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        proj = PyProject(rng, rng.choice(TARGETS))
        devs = people(rng, 4)
        feat, feat_desc = rng.choice(FEATURES)
        branch = rng.choice([f"feature/{feat}", f"feat/{feat}-v2", f"wip/{feat}"])
        repo = rng.choice([f"/app/{proj.pkg}", f"/srv/repos/{proj.pkg}", f"/home/dev/{proj.pkg}"])
        plan = RepoPlan(repo, "main", devs[0], 1_695_000_000 + rng.randrange(20_000_000),
                        config=[("user.name", "Repo Admin"), ("user.email", "repo-admin@example.com"),
                                ("gc.auto", "0")])
        snap: dict[str, str] = {}
        subjects: list[str] = []

        def main_commit(msg: str) -> int:
            nonlocal snap
            new = proj.snapshot()
            new["README.md"] = f"# {proj.pkg}\n\nInternal helpers. Run `python3 -m pytest tests` before pushing.\n"
            d = plan.commit(rng, msg, diff_files(snap, new), who=rng.choice(devs))
            snap = new
            subjects.append(msg)
            return d

        def filler() -> int:
            if rng.random() < 0.6 or not proj.helpers:
                mod, name = proj.add_helper()
                return main_commit(f"feat: add {name} helper to {mod}")
            name = proj.add_test()
            if name is None:
                topic = proj.add_doc()
                return main_commit(f"docs: extend {topic} notes ({len(proj.docs[topic]) - 2})")
            return main_commit(f"test: cover {name}")

        def module(value: int, extra: bool) -> str:
            text = self.template("feature_module.py", Feat=feat.capitalize(), feat=feat, const=const, value=value)
            return text + (self.template("describe.py", feat=feat, const=const) if extra else "")

        main_commit(f"Initial import of {proj.pkg}")
        for _ in range(rng.randint(3, 5)):
            filler()
        fork_subject, fork_date = subjects[-1], plan.clock
        # ---- the feature branch; its tip is amended several times at medium and hard ----
        plan.git(None, "checkout", "-q", "-b", branch)
        const = rng.choice(["BATCH_SIZE", "CHUNK_SIZE", "MAX_ITEMS"])
        mod_path, doc_path = f"{proj.pkg}/{feat}.py", f"docs/{feat}.md"
        v1 = rng.choice([50, 100, 200])
        plan.commit(rng, f"feat({feat}): scaffold {feat_desc}", {mod_path: module(v1, False)}, who=devs[2])
        plan.commit(rng, f"docs({feat}): describe the {feat_desc}",
                    {doc_path: f"# {feat_desc.capitalize()}\n\nBatches are sized by `{const}`.\n"}, who=devs[2])
        tip_subject = f"feat({feat}): expose describe() and tune {const}"
        versions = [v1 + rng.choice([25, 50, 75])]
        while len(versions) < (rng.randint(2, 3) if k.amend else 1):
            versions.append(versions[-1] + rng.choice([10, 20, 40, 80]))
        rng.shuffle(versions)
        dates = [plan.commit(rng, tip_subject, {mod_path: module(v, True)}, who=devs[2], amend=i > 0)
                 for i, v in enumerate(versions)]
        feat_date, feat_content = dates[-1], module(versions[-1], True)
        plan.git(rng, "checkout", "-q", "main")
        # ---- main continues; then the accident(s), logged as the clean-up ran them ----
        for _ in range(rng.randint(1, 3)):
            filler()
        keep_subject, keep_count, keep_date, keep_snap = subjects[-1], len(subjects), plan.clock, dict(snap)
        lost: list[str] = []
        if k.reset:
            for _ in range(rng.randint(2, 3)):
                filler()
                lost.append(subjects[-1])
        main_count, main_date = len(subjects), plan.clock
        other = f"/srv/mirrors/{rng.choice(['docs-site', 'infra', 'tooling'])}"
        log = [(plan.clock + 60, f"cd {other} && git remote prune origin"), (plan.clock + 90, f"cd {repo}"),
               (plan.git(rng, "branch", "-D", branch), f"git branch -D {branch}")]
        if k.reset:
            log.append((plan.git(rng, "reset", "-q", "--hard", f"HEAD~{len(lost)}"), f"git reset --hard HEAD~{len(lost)}"))
        stash_msg = stash_path = stash_content = None
        if k.stash:
            stash_path = rng.choice(sorted(p for p in keep_snap if p.endswith(".py") and "/tests/" not in p
                                           and not p.startswith("tests/") and not p.endswith("__init__.py")))
            stash_content = keep_snap[stash_path] + self.template("stash_draft.py", func=proj.new_name())
            stash_msg = f"WIP: empty-row filter in {stash_path.rsplit('/', 1)[-1]}"
            plan.write({stash_path: stash_content})
            plan.git(rng, "stash", "push", "-m", stash_msg)
            # a second stash, abandoned, dropped as well: it must NOT be rescued
            plan.write({"README.md": keep_snap["README.md"] + "\nTODO: rewrite this README\n"})
            plan.git(rng, "stash", "push", "-m", ABANDONED)
            log += [(plan.git(rng, "stash", "drop"), "git stash drop"), (plan.git(rng, "stash", "drop"), "git stash drop")]
        if k.expire:
            log.append((plan.git(rng, "reflog", "expire", "--expire=now", "--all"), "git reflog expire --expire=now --all"))
            plan.rm(".git/ORIG_HEAD")
        wip_branch = f"wip/rescued-{feat}"

        # ---- solutions: the reference is assembled from the steps this level needs ----
        template = self.data("solve.head.sh") + (self.data("solve.main.sh") if k.reset else "") + \
            (self.data("solve.stash.sh") if k.stash else "") + self.data("solve.tail.sh")
        knobs = {
            "newest": kit.Knob("tail -n 1", "head -n 1", "takes the oldest amended version of the branch tip"),
            "tip_commit": kit.Knob("^{commit}", "^", "recreates the branch one commit short of its tip"),
            "make_branch": kit.Knob(f'git branch {branch} "$tip"',
                                    f'git checkout -q -b {branch} main\ngit cherry-pick "$tip^^" "$tip^" "$tip"\n'
                                    "git checkout -q main",
                                    "re-creates the work by cherry-picking onto main: new commit objects"),
        }
        wrong = {"cherry_pick_recreate": "make_branch"}
        wrong |= {"oldest_amend": "newest"} if k.amend else {"reflog_off_by_one": "tip_commit"}
        values = {"repo": repo, "tip_subject": tip_subject}
        if k.reset:
            knobs["ff"] = kit.Knob('git merge --ff-only "$lost"', 'git log -1 --oneline "$lost"',
                                   "finds the lost commits but never moves main back onto them")
            wrong["main_not_restored"] = "ff"
            values["lost_tip"] = lost[-1]
        if k.stash:
            knobs["stash_msg"] = kit.Knob(stash_msg, ABANDONED, "rescues the abandoned stash instead of the work")
            wrong["abandoned_stash"] = "stash_msg"
            values |= {"wip_branch": wip_branch, "stash_msg_text": stash_msg}
        files: dict[str, str | bytes] = dict(plan.files())
        files |= kit.Solver(template, knobs, where=f"{self.folder}/data/solve.*.sh").files(values, wrong)
        files |= self.alt_solutions(repo=repo, branch=branch, tip_subject=tip_subject, reset=k.reset,
                                    lost_tip=lost[-1] if lost else "", stash=k.stash,
                                    stash_msg=stash_msg or "", wip_branch=wip_branch)
        files |= self.verifier(repo=repo)
        refs = sorted(["refs/heads/main", f"refs/heads/{branch}"] + ([f"refs/heads/{wip_branch}"] if k.stash else []))
        files |= kit.expected_file({
            "branch": branch, "tip_subject": tip_subject, "feat_date": feat_date, "mod_path": mod_path,
            "feat_content": feat_content, "fork_subject": fork_subject, "fork_date": fork_date, "lost": lost,
            "main_tail": lost or [keep_subject], "main_count": main_count if k.reset else keep_count,
            "main_date": main_date if k.reset else keep_date, "keep_subject": keep_subject, "keep_date": keep_date,
            "stash": bool(k.stash), "wip_branch": wip_branch, "stash_path": stash_path,
            "stash_content": stash_content, "keep_snap": keep_snap, "refs": refs,
        })
        files["environment/ops/repo-cleanup.log"] = self.template(
            "cleanup.log", lines="\n".join(f"{_stamp(t)} ops@buildhost: {cmd}" for t, cmd in log))
        files["environment/ops/git-recovery.md"] = self.data("runbook.md")

        # ---- instruction ----
        items = [f"- **The deleted branch.** `{branch}` was deleted with `git branch -D` before it was merged. "
                 f"Recreate `{branch}` pointing at the exact commit it pointed to when it was deleted (its last "
                 f"commit is titled `{tip_subject}`)."]
        if k.amend:
            items[0] += (" That last commit was amended several times before the deletion; only the final version "
                         "(the one committed last) is the branch tip.")
        if k.reset:
            items.append(f"- **The reset of `main`.** A `git reset --hard` on `main` threw away its newest commits "
                         f"({', '.join(f'`{s}`' for s in lost)}). Move `main` forward again so it ends with exactly "
                         "those commits, in their original order, on top of the current tip.")
        if k.stash:
            items.append(f"- **The dropped stash.** Uncommitted edits were stashed with the message `{stash_msg}` and "
                         "then dropped (another, abandoned stash was dropped too: leave that one alone). Create the "
                         f"branch `{wip_branch}` from the commit that stash was made on, with one commit on top whose "
                         "files are exactly the stashed working tree (any commit message).")
        where = ("The reflogs have been expired as well, so `git reflog` will not help: the objects are still in "
                 "the object database." if k.expire else "Nothing has been garbage-collected yet.")
        partial_more = ("the commits a `reset --hard` took off `main`, and the stash that was not abandoned (on its "
                        "rescue branch)." if k.stash else "and the commits a `reset --hard` took off `main`."
                        if k.reset else "nothing else was lost.")
        instruction = self.instruction(intro=self.intro(rng, repo=repo, pkg=proj.pkg), where=where,
                                       items="\n".join(items), branch=branch, partial_more=partial_more)
        return kit.draft(
            instruction=instruction, files=files, artifacts=[repo], outputs=[repo],
            # the workdir is the repository's parent: a verifier whose artifact (the repo) is gone still starts
            dockerfile_body=plan.dockerfile(repo.rsplit("/", 1)[0], "COPY ops/repo-cleanup.log /var/log/\n"
                                            "COPY ops/git-recovery.md /srv/runbooks/\n"),
            tags=["git", "reflog", "fsck", "recovery"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
