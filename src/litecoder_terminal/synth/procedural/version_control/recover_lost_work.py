"""Recover a deleted branch (amended several times), a hard-reset main and a dropped stash from reflog/fsck."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, people

FEATURES = [("exporter", "CSV exporter"), ("webhooks", "webhook sender"), ("scheduler", "job scheduler"),
            ("archiver", "log archiver"), ("notifier", "e-mail notifier"), ("importer", "bulk importer")]


def _feature_module(name: str, const_name: str, value: int, extra: bool) -> str:
    text = textwrap.dedent(f'''\
        """{name.capitalize()} support (see docs/{name}.md)."""

        {const_name} = {value}


        def plan_batches(items):
            """Split items into batches of {const_name}."""
            return [items[i:i + {const_name}] for i in range(0, len(items), {const_name})]
        ''')
    if extra:
        text += textwrap.dedent(f'''\


            def describe():
                return "{name}: batches of %d" % {const_name}
            ''')
    return text


@register
class RecoverLostWork(TaskFamily):
    name = "git_recover_lost_work"
    domain = "version_control"
    title = "Recover a deleted branch, a hard-reset main and a dropped stash"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        amend = level != "easy"
        reset = level != "easy"
        stash = level == "hard"
        expire = level == "hard"
        proj = PyProject(rng, rng.choice(TARGETS))
        devs = people(rng, 4)
        feat, feat_desc = rng.choice(FEATURES)
        branch = pick(rng, [f"feature/{feat}", f"feat/{feat}-v2", f"wip/{feat}"])
        repo = pick(rng, [f"/app/{proj.pkg}", f"/srv/repos/{proj.pkg}", f"/home/dev/{proj.pkg}"])
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

        main_commit(f"Initial import of {proj.pkg}")
        for _ in range(rng.randint(3, 5)):
            filler()
        fork_subject = subjects[-1]
        fork_date = plan.clock
        # ---- the feature branch ----
        plan.git(None, "checkout", "-q", "-b", branch)
        const = rng.choice(["BATCH_SIZE", "CHUNK_SIZE", "MAX_ITEMS"])
        mod_path = f"{proj.pkg}/{feat}.py"
        doc_path = f"docs/{feat}.md"
        v1 = rng.choice([50, 100, 200])
        plan.commit(rng, f"feat({feat}): scaffold {feat_desc}", {mod_path: _feature_module(feat, const, v1, False)},
                    who=devs[2])
        plan.commit(rng, f"docs({feat}): describe the {feat_desc}",
                    {doc_path: f"# {feat_desc.capitalize()}\n\nBatches are sized by `{const}`.\n"}, who=devs[2])
        tip_subject = f"feat({feat}): expose describe() and tune {const}"
        versions = [v1 + rng.choice([25, 50, 75])]
        n_versions = rng.randint(2, 3) if amend else 1
        while len(versions) < n_versions:
            versions.append(versions[-1] + rng.choice([10, 20, 40, 80]))
        rng.shuffle(versions)
        dates = []
        for k, v in enumerate(versions):
            dates.append(plan.commit(rng, tip_subject, {mod_path: _feature_module(feat, const, v, True)},
                                     who=devs[2], amend=k > 0))
        feat_date, final_v = dates[-1], versions[-1]
        feat_content = _feature_module(feat, const, final_v, True)
        plan.git(rng, "checkout", "-q", "main")
        # ---- main continues; then the accident(s) ----
        lost: list[str] = []
        for _ in range(rng.randint(1, 3)):
            filler()
        keep_subject, keep_count, keep_date = subjects[-1], len(subjects), plan.clock
        keep_snap = dict(snap)
        if reset:
            for _ in range(rng.randint(2, 3)):
                filler()
                lost.append(subjects[-1])
        lost_tip_date = plan.clock
        lost_count = len(subjects)
        plan.git(rng, "branch", "-D", branch)
        if reset:
            plan.git(rng, "reset", "-q", "--hard", f"HEAD~{len(lost)}")
        stash_msg = stash_path = stash_content = None
        if stash:
            stash_path = rng.choice(sorted(p for p in keep_snap if p.endswith(".py") and "/tests/" not in p
                                           and not p.startswith("tests/") and not p.endswith("__init__.py")))
            stash_content = keep_snap[stash_path] + textwrap.dedent(f'''\


                def {proj.new_name()}(rows):
                    """Draft: drop empty rows before export (not finished)."""
                    return [r for r in rows if r]
                ''')
            stash_msg = f"WIP: empty-row filter in {stash_path.rsplit('/', 1)[-1]}"
            plan.write({stash_path: stash_content})
            plan.git(rng, "stash", "push", "-m", stash_msg)
            # a decoy stash that was dropped as well and must NOT be restored
            decoy_path = "README.md"
            plan.write({decoy_path: keep_snap[decoy_path] + "\nTODO: rewrite this README\n"})
            plan.git(rng, "stash", "push", "-m", "WIP: README rewrite (abandoned)")
            plan.git(rng, "stash", "drop")
            plan.git(rng, "stash", "drop")
        if expire:
            plan.git(rng, "reflog", "expire", "--expire=now", "--all")
            plan.rm(".git/ORIG_HEAD")

        wip_branch = f"wip/rescued-{feat}"
        # ---------------- instruction ----------------
        intro = pick(rng, [
            f"Yesterday's branch clean-up in `{repo}` went wrong and work was lost.",
            f"Someone ran a few destructive git commands in `{repo}` by mistake; we need the work back.",
            f"Incident in the `{proj.pkg}` repository (`{repo}`): commits disappeared after a clean-up.",
        ])
        items = [textwrap.dedent(f"""\
            - **The deleted branch.** `{branch}` was deleted with `git branch -D` before it was merged. Recreate
              `{branch}` pointing at the exact commit it pointed to when it was deleted (its last commit is titled
              `{tip_subject}`).""")]
        if amend:
            items[0] += (" That last commit was amended several times before the deletion; only the final version "
                         "(the one committed last) is the branch tip.")
        if reset:
            items.append(textwrap.dedent(f"""\
                - **The reset of `main`.** A `git reset --hard` on `main` threw away its newest commits
                  ({", ".join(f"`{s}`" for s in lost)}). Move `main` forward again so it ends with exactly those
                  commits, in their original order, on top of the current tip."""))
        if stash:
            items.append(textwrap.dedent(f"""\
                - **The dropped stash.** Uncommitted edits were stashed with the message `{stash_msg}` and then
                  dropped (another, abandoned stash was dropped too: leave that one alone). Create the branch
                  `{wip_branch}` from the commit that stash was made on, with one commit on top whose files are
                  exactly the stashed working tree (any commit message)."""))
        where = ("The reflogs have been expired as well, so `git reflog` will not help: the objects are still in "
                 "the object database." if expire else "Nothing has been garbage-collected yet.")
        instruction = (f"{intro} {where}\n\n" + "\n".join(items) + "\n\n" + textwrap.dedent("""\
            The recovered refs must point at the original commit objects (same hashes): do not re-create the
            work by cherry-picking, re-committing or rebasing. Do not run `git gc` or `git prune`, and do not
            touch any other branch or tag.
            """))

        # ---------------- reference solution ----------------
        if not expire:
            solve = textwrap.dedent(f"""\
                #!/bin/bash
                # Reference: read the HEAD reflog; the last entry for the branch tip subject is its final version.
                set -euo pipefail
                cd {repo}
                git reflog --format='%H %gs' | sed -n '1,40p'
                tip=$(git reflog --format='%H %s' | grep -F ' {tip_subject}' | sed -n '1,1p' | cut -d' ' -f1)
                git log -1 --format='%H %ci %s' "$tip"
                git branch {branch} "$tip"
                """)
            if reset:
                solve += textwrap.dedent("""\
                    git reflog show main | sed -n '1,5p'
                    lost=$(git rev-parse 'main@{1}')
                    git log --oneline main.."$lost"
                    git merge --ff-only "$lost"
                    """)
            solve += "git log --oneline --graph --all | sed -n '1,30p'\n"
        else:
            solve = textwrap.dedent(f"""\
                #!/bin/bash
                # Reference: reflogs are gone, so list unreachable commits with fsck and tell them apart.
                set -euo pipefail
                cd {repo}
                git fsck --no-reflogs --unreachable 2>/dev/null | awk '$2 == "commit" {{print $3}}' > /tmp/unreachable.txt
                wc -l < /tmp/unreachable.txt
                # final version of the deleted branch tip: newest committer date among commits with that subject
                tip=$(git log --no-walk --format='%ct %H %s' $(cat /tmp/unreachable.txt) | grep -F ' {tip_subject}' | sort -n | tail -1 | cut -d' ' -f2)
                git branch {branch} "$tip"
                # lost main commits: unreachable descendants of main; the newest one without children is the tip
                lost=$(git log --no-walk --format='%ct %H %s' $(cat /tmp/unreachable.txt) | grep -F ' {lost[-1]}' | sort -n | tail -1 | cut -d' ' -f2)
                git merge-base --is-ancestor main "$lost"
                git log --oneline main.."$lost"
                git merge --ff-only "$lost"
                # the dropped stash: a merge commit whose subject carries the stash message
                w=$(git log --no-walk --format='%H %s' $(cat /tmp/unreachable.txt) | grep -F '{stash_msg}' | sed -n '1,1p' | cut -d' ' -f1)
                base=$(git rev-parse "$w^1")
                git checkout -q -b {wip_branch} "$base"
                git checkout "$w" -- .
                git commit -q -m 'Rescue dropped stash: {stash_msg}'
                git checkout -q main
                git log --oneline --graph --all | sed -n '1,30p'
                """)
        files: dict[str, str | bytes] = dict(plan.files())
        files["solution/solve.sh"] = solve
        wrong_pick = "sed -n '1,1p'" if not expire else "sort -n | sed -n '1,1p'"
        if amend:
            # Mistake: takes the first (oldest) version of the amended commit.
            files["solution/wrong/oldest_amend.sh"] = (solve.replace(
                f"grep -F ' {tip_subject}' | sed -n '1,1p'", f"grep -F ' {tip_subject}' | tail -1").replace(
                f"grep -F ' {tip_subject}' | sort -n | tail -1", f"grep -F ' {tip_subject}' | {wrong_pick}"))
            assert files["solution/wrong/oldest_amend.sh"] != solve
        # Mistake: re-creates the branch by cherry-picking the recovered tip onto main (new commit objects).
        files["solution/wrong/cherry_pick_recreate.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            set -e
            cd {repo}
            tip=$(git fsck --no-reflogs --unreachable 2>/dev/null | awk '$2 == "commit" {{print $3}}' | xargs git log --no-walk --format='%ct %H %s' | grep -F ' {tip_subject}' | sort -n | tail -1 | cut -d' ' -f2)
            git checkout -q -b {branch} main
            git cherry-pick "$tip^^" "$tip^" "$tip" || git cherry-pick --continue
            git checkout -q main
            """) + (solve[solve.index("lost="):] if reset else "")
        if reset or stash:
            # Mistake: restores only the branch and stops.
            cut = solve.index("lost=")
            files["solution/wrong/branch_only.sh"] = solve[:cut]
        else:
            # Mistake: recreates the branch at the commit before the tip (off by one in the reflog).
            files["solution/wrong/reflog_off_by_one.sh"] = solve.replace('git branch {0} "$tip"'.format(branch),
                                                                         f'git branch {branch} "$tip^"')
        exp = {
            "repo": repo, "branch": branch, "tip_subject": tip_subject, "feat_date": feat_date,
            "mod_path": mod_path, "feat_content": feat_content, "fork_subject": fork_subject,
            "fork_date": fork_date, "reset": reset, "lost": lost, "lost_tip_date": lost_tip_date,
            "lost_count": lost_count, "keep_subject": keep_subject, "keep_count": keep_count,
            "keep_date": keep_date, "stash": stash, "wip_branch": wip_branch, "stash_path": stash_path,
            "stash_content": stash_content, "keep_snap": keep_snap,
        }
        files["tests/expected.json"] = json.dumps(exp, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST + (TEST_STASH if stash else "")
        return TaskDraft(
            instruction=instruction, dockerfile_body=plan.dockerfile(repo), files=files, artifacts=[repo],
            tags=["git", "reflog", "fsck", "recovery"],
            agent_timeout_sec={"easy": 600, "medium": 900, "hard": 1500}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 8, "medium": 15, "hard": 30}[level],
        )


TEST = r'''"""Inspect refs with git: each recovered ref must be the original commit object (dates, parents, content)."""

import json
from pathlib import Path

import lct_verify

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
REPO = EXP["repo"]


def git(*args, check=True):
    r = lct_verify.git(REPO, *args)  # unprivileged, replace objects and grafts disabled
    if check:
        assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def test_branch_recovered():
    ref = "refs/heads/" + EXP["branch"]
    tip = git("rev-parse", "--verify", ref).strip()
    assert git("log", "-1", "--format=%s", tip).strip() == EXP["tip_subject"]
    assert int(git("log", "-1", "--format=%ct", tip)) == EXP["feat_date"], "not the final original commit"
    assert git("show", f"{tip}:{EXP['mod_path']}") == EXP["feat_content"]
    base = git("merge-base", tip, "main").strip()
    assert git("log", "-1", "--format=%s", base).strip() == EXP["fork_subject"]
    assert int(git("log", "-1", "--format=%ct", base)) == EXP["fork_date"]
    assert int(git("rev-list", "--count", f"{base}..{tip}")) == 3


def test_main_restored():
    if not EXP["reset"]:
        assert git("log", "-1", "--format=%s", "main").strip() == EXP["keep_subject"]
        assert int(git("rev-list", "--count", "main")) == EXP["keep_count"]
        return
    assert int(git("rev-list", "--count", "main")) == EXP["lost_count"]
    assert int(git("log", "-1", "--format=%ct", "main")) == EXP["lost_tip_date"]
    newest = git("log", f"-{len(EXP['lost'])}", "--reverse", "--format=%s", "main").splitlines()
    assert newest == EXP["lost"]
    first_lost_parent = git("rev-parse", f"main~{len(EXP['lost'])}").strip()
    assert int(git("log", "-1", "--format=%ct", first_lost_parent)) == EXP["keep_date"]


'''

TEST_STASH = r'''

def test_stash_rescued():
    ref = "refs/heads/" + EXP["wip_branch"]
    tip = git("rev-parse", "--verify", ref).strip()
    parents = git("rev-list", "--parents", "-n1", tip).split()[1:]
    assert len(parents) == 1, "one ordinary commit on top of the stash base"
    assert int(git("log", "-1", "--format=%ct", parents[0])) == EXP["keep_date"]
    assert git("log", "-1", "--format=%s", parents[0]).strip() == EXP["keep_subject"]
    tree = sorted(git("ls-tree", "-r", "--name-only", tip).split())
    expected = dict(EXP["keep_snap"], **{EXP["stash_path"]: EXP["stash_content"]})
    assert tree == sorted(expected)
    for path, content in expected.items():
        assert git("show", f"{tip}:{path}") == content, path
'''
