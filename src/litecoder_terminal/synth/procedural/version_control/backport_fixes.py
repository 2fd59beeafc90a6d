"""Backport the fixes marked with a `Backport:` trailer to release branches, then cut and tag the patch releases."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, blob_id, people

WHY = ["crashed the nightly export", "was reported by the billing team", "broke the reconciliation job",
       "caused a 500 in the admin UI", "showed up in the error tracker", "was hit by the data pipeline"]


@register
class BackportFixes(TaskFamily):
    name = "git_backport_marked_fixes"
    domain = "version_control"
    title = "Cherry-pick the fixes marked for backport onto release branches and tag patch releases"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        proj = PyProject(rng, rng.choice(TARGETS))
        devs = people(rng, 4)
        repo = pick(rng, [f"/app/{proj.pkg}", f"/srv/git/{proj.pkg}", f"/opt/src/{proj.pkg}"])
        major = rng.randint(1, 4)
        minor = rng.randint(2, 6)
        old_minor = minor - 1
        two = level == "hard"
        plan = RepoPlan(repo, "main", devs[0], 1_685_000_000 + rng.randrange(30_000_000),
                        config=[("user.name", "Release Manager"), ("user.email", "release@example.com")])
        snap: dict[str, str] = {}
        version = f"{major}.{old_minor if two else minor}.0.dev0"
        main_subjects: list[str] = []
        fixed: set[str] = set()

        def commit(msg: str, body: str = "", who=None, extra: dict | None = None) -> None:
            nonlocal snap
            new = proj.snapshot()
            new["VERSION"] = version + "\n"
            new["README.md"] = f"# {proj.pkg}\n\nShared helpers. Fixes are backported per the release policy.\n"
            full = msg + ("\n\n" + body if body else "")
            plan.commit(rng, full, diff_files(snap, new), who=who or rng.choice(devs))
            snap = new
            main_subjects.append(msg)

        def feature() -> None:
            mod, name = proj.add_helper()
            commit(f"feat: add {name} helper to {mod}")

        def fix(targets: list[str] | None, old_names: set[str]) -> tuple[str, str, str, str] | None:
            """Guard a helper against None; returns (subject, module path, old block, new block)."""
            cands = [h for h in proj.helpers if h[1] in old_names and h[1] not in fixed]
            if not cands:
                return None
            mod, name, _ = rng.choice(cands)
            fixed.add(name)
            blocks = proj.modules[mod]["blocks"]
            i = next(k for k, b in enumerate(blocks) if b.startswith(f"def {name}("))
            lines = blocks[i].split("\n")
            arg = lines[0][len(f"def {name}("):-2]
            lines.insert(2, f"    if {arg} is None:\n        raise TypeError(\"{name}: {arg} is None\")")
            old, blocks[i] = blocks[i], "\n".join(lines)
            test_path = f"tests/test_{name}_none.py"
            proj.extra_files[test_path] = (f"import pytest\n\nfrom {proj.pkg}.{mod} import {name}\n\n\n"
                                           f"def test_{name}_rejects_none():\n    with pytest.raises(TypeError):\n"
                                           f"        {name}(None)\n")
            subject = f"fix: reject None in {name}"
            body = f"Passing None {rng.choice(WHY)}."
            if targets is not None:
                body += "\n\nBackport: " + (", ".join(targets) if targets else "none (main-only change)")
            commit(subject, body)
            return subject, f"{proj.pkg}/{mod}.py", old, blocks[i]

        commit(f"Initial import of {proj.pkg}", who=devs[0])
        for _ in range(rng.randint(3, 5)):
            feature()
        releases = []  # (minor, tag, branch, snapshot at tag, names existing at tag)

        def cut_release(mnr: int) -> None:
            nonlocal version
            version = f"{major}.{mnr}.0"
            commit(f"chore: release {version}", who=devs[0])
            tag, branch = f"v{version}", f"release/{major}.{mnr}"
            plan.git(None, "tag", "-a", tag, "-m", f"Release {version}", who=devs[0])
            plan.git(None, "branch", branch)
            releases.append({"minor": mnr, "tag": tag, "branch": branch, "snap": dict(snap),
                             "names": {h[1] for h in proj.helpers}, "tag_subject": main_subjects[-1]})
            version = f"{major}.{mnr + 1}.0.dev0"
            commit(f"chore: open {major}.{mnr + 1} development", who=devs[0])

        n_marked = {"easy": 2, "medium": 4, "hard": 5}[level]
        if two:
            cut_release(old_minor)
            for _ in range(rng.randint(2, 3)):
                feature()
        cut_release(minor)
        branches = [r["branch"] for r in releases]
        fixes = []  # (subject, targets, path, old, new)
        plan_kinds = ["marked"] * n_marked + ["decoy_none", "unmarked"] + ["feature"] * (n_marked + 2) + \
            (["decoy_other"] if level != "easy" else [])
        rng.shuffle(plan_kinds)
        # the very first post-release commit is a feature so every fix has something to skip over
        plan_kinds = ["feature"] + plan_kinds
        new_names: set[str] = set()
        for kind in plan_kinds:
            if kind == "feature":
                mod, name = proj.add_helper()
                new_names.add(name)
                commit(f"feat: add {name} helper to {mod}")
            elif kind == "marked":
                if two:
                    # the first marked fix goes to both branches, so neither branch is left without a backport
                    targets = branches if not fixes else rng.choice([[branches[0]], [branches[1]], branches, branches])
                else:
                    targets = [branches[-1]]
                oldest = releases[0] if branches[0] in targets else releases[-1]
                r = fix(targets, oldest["names"])
                if r:
                    fixes.append((r[0], targets, r[1], r[2], r[3]))
                else:
                    feature()
            elif kind == "decoy_none":
                if fix([], set(h[1] for h in proj.helpers)) is None:
                    feature()
            elif kind == "decoy_other":
                fix(["release/" + f"{major}.{old_minor - 1 if two else minor - 1}"],
                    set(h[1] for h in proj.helpers)) or feature()
            else:  # a genuine fix nobody asked to backport (no trailer), on a helper newer than the releases
                fix(None, new_names) or feature()
        docs_subject = "docs: describe the backport policy"
        proj.docs.setdefault("contributing", ["# Contributing", ""]).append(
            "- Fixes that must reach a maintained release branch carry a `Backport:` trailer naming the branches.")
        commit(docs_subject, "See docs/contributing.md: mention Backport in the trailer when a fix needs it.")
        main_tip_date = plan.clock
        # a release-branch-only commit on each branch (so branches are not just the tag)
        rel_first = {}
        for r in releases:
            plan.git(None, "checkout", "-q", r["branch"])
            ci = {".ci/release.yml": f"branch: {r['branch']}\nartifacts: [wheel, sdist]\n"}
            msg = f"ci: build artifacts for {r['branch']}"
            plan.commit(rng, msg, ci, who=devs[0])
            r["snap"] = dict(r["snap"], **ci)
            rel_first[r["branch"]] = (msg, plan.clock)
        plan.git(None, "checkout", "-q", "main")

        # expected release trees
        expected = {}
        for r in releases:
            tree = dict(r["snap"])
            picks = []
            for subject, targets, path, old, new in fixes:
                if r["branch"] not in targets:
                    continue
                assert tree[path].count(old) == 1, (r["branch"], subject)
                tree[path] = tree[path].replace(old, new)
                test_path = f"tests/test_{subject.split()[-1]}_none.py"
                tree[test_path] = proj.extra_files[test_path]
                picks.append(subject)
            new_version = f"{major}.{r['minor']}.1"
            tree["VERSION"] = new_version + "\n"
            expected[r["branch"]] = {
                "picks": picks, "version": new_version, "tag": f"v{new_version}",
                "tree": {p: blob_id(c) for p, c in sorted(tree.items())},
                "base_subject": rel_first[r["branch"]][0], "base_date": rel_first[r["branch"]][1],
            }
        assert all(e["picks"] for e in expected.values())

        # ---------------- instruction ----------------
        intro = pick(rng, [
            f"Patch day for `{proj.pkg}` (repository `{repo}`).",
            f"Time to ship the maintenance release{'s' if two else ''} of `{proj.pkg}` from `{repo}`.",
            f"The release train for `{proj.pkg}` (`{repo}`) needs its patch release{'s' if two else ''} cut.",
        ])
        branch_list = " and ".join(f"`{b}`" for b in branches)
        steps = []
        for r in releases:
            e = expected[r["branch"]]
            steps.append(f"- `{r['branch']}` (cut from `{r['tag']}`): release `{e['version']}`, tag `{e['tag']}`")
        instruction = textwrap.dedent(f"""\
            {intro} Fixes on `main` that must also reach a maintained release branch carry a git trailer in
            their commit message, e.g. `Backport: release/1.4` (several branches are separated by commas;
            `Backport: none ...` means no backport). The maintained branch{'es are' if two else ' is'} {branch_list}.

            For each maintained branch:

            1. Cherry-pick onto the branch every commit of `main` made after the branch's release tag whose
               `Backport:` trailer names that branch, oldest first, with `git cherry-pick -x` (every backported
               commit must keep the original message and author and end with git's
               `(cherry picked from commit <full hash>)` line). Pick nothing else.
            2. Then commit the release: set `VERSION` to the new version (the file holds only the version and a
               newline) in a commit whose message is `Release <version>` and that changes nothing else.
            3. Tag that commit with an annotated tag `v<version>` with the message `Release <version>`.

            @@STEPS@@

            Do not change `main` or any existing tag, and do not rebase or rewrite the release branches.
            """).replace("@@STEPS@@", "\n".join(steps))

        # ---------------- solutions ----------------
        def script(grep: str, xflag: str = "-x", order: str = "--reverse", only: list[str] | None = None) -> str:
            out = textwrap.dedent(f"""\
                #!/bin/bash
                set -euo pipefail
                cd {repo}
                git log --format='%h %s%n%(trailers:key=Backport,valueonly,separator=%x2C)' --reverse main | sed -n '1,200p'
                """)
            for r in releases:
                if only is not None and r["branch"] not in only:
                    continue
                e = expected[r["branch"]]
                esc = r["branch"].replace(".", "\\.")
                pattern = grep.replace("@@BR@@", esc)
                out += textwrap.dedent(f"""\
                    picks=$(git log {order} --format=%H --grep='{pattern}' {r['tag']}..main)
                    echo "{r['branch']}: $(echo $picks | wc -w) commit(s)"
                    git checkout -q {r['branch']}
                    for c in $picks; do git cherry-pick {xflag} "$c"; done
                    echo {e['version']} > VERSION
                    git commit -q -m 'Release {e['version']}' VERSION
                    git tag -a {e['tag']} -m 'Release {e['version']}'
                    git log --oneline {r['tag']}..HEAD
                    """)
            return out + "git checkout -q main\n"

        good_grep = "^Backport:.*@@BR@@"
        files: dict[str, str | bytes] = dict(plan.files())
        files["solution/solve.sh"] = script(good_grep)
        # Mistake: any message mentioning "Backport" is picked (catches the "none" trailer and the docs commit).
        files["solution/wrong/grep_any_backport.sh"] = script("Backport")
        # Mistake: cherry-picks without -x, so the origin of each backport is not recorded.
        files["solution/wrong/cherry_pick_without_x.sh"] = script(good_grep, xflag="")
        # Mistake: newest-first order (git log's default).
        files["solution/wrong/newest_first.sh"] = script(good_grep, order="")
        if two:
            files["solution/wrong/only_newest_branch.sh"] = script(good_grep, only=[branches[-1]])
        # the newest-first mistake only differs if a branch receives two or more picks
        if all(len(e["picks"]) < 2 for e in expected.values()):
            del files["solution/wrong/newest_first.sh"]
        exp = {"repo": repo, "branches": expected, "main_subjects": main_subjects, "main_tip_date": main_tip_date,
               "tags": [r["tag"] for r in releases]}
        files["tests/expected.json"] = json.dumps(exp, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST
        return TaskDraft(
            instruction=instruction, dockerfile_body=plan.dockerfile(repo), files=files,
            tags=["git", "cherry-pick", "backport", "release", "trailers"], artifacts=[repo],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1500}[level], verifier_timeout_sec=120,
            expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


TEST = r'''"""Inspect each release branch with git: exact backports (with -x provenance), release commit, tag, tree.
git reads the agent's repository unprivileged, with replace objects and grafts disabled (lct_verify.git)."""

import json
from pathlib import Path

import lct_verify

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
REPO = EXP["repo"]


def git(*args):
    r = lct_verify.git(REPO, *args)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def main_commit(subject):
    for line in git("log", "--format=%H %s", "main").splitlines():
        h, s = line.split(" ", 1)
        if s == subject:
            return h
    raise AssertionError(f"{subject!r} not on main")


def new_commits(branch):
    e = EXP["branches"][branch]
    commits = git("rev-list", "--first-parent", "--reverse", branch).split()
    base = next(i for i, c in enumerate(commits)
                if git("log", "-1", "--format=%s", c).strip() == e["base_subject"])
    assert int(git("log", "-1", "--format=%ct", commits[base])) == e["base_date"], "release branch history rewritten"
    return commits[base + 1:]


def test_main_and_old_tags_untouched():
    assert git("log", "--reverse", "--format=%s", "main").splitlines() == EXP["main_subjects"]
    assert int(git("log", "-1", "--format=%ct", "main")) == EXP["main_tip_date"]
    for tag in EXP["tags"]:
        assert git("cat-file", "-t", tag).strip() == "tag"


def test_backports_exact_and_in_order():
    for branch, e in EXP["branches"].items():
        commits = new_commits(branch)
        assert len(commits) == len(e["picks"]) + 1, f"{branch}: expected {len(e['picks'])} backports + release"
        for c, subject in zip(commits, e["picks"]):
            assert git("log", "-1", "--format=%s", c).strip() == subject, f"{branch}: wrong commit or order"
            orig = main_commit(subject)
            msg = git("log", "-1", "--format=%B", c)
            assert f"(cherry picked from commit {orig})" in msg, f"{branch}: {subject!r} lacks -x provenance"
            assert git("log", "-1", "--format=%an %ae %at", c) == git("log", "-1", "--format=%an %ae %at", orig)
            assert len(git("rev-list", "--parents", "-n1", c).split()) == 2


def test_release_commit_and_tree():
    for branch, e in EXP["branches"].items():
        rel = new_commits(branch)[-1]
        assert git("log", "-1", "--format=%s", rel).strip() == "Release " + e["version"]
        assert git("diff", "--name-only", rel + "^", rel).split() == ["VERSION"]
        blobs = {}
        for line in git("ls-tree", "-r", "-z", rel).split("\0"):
            if line:
                meta, path = line.split("\t", 1)
                blobs[path] = meta.split()[2]
        assert sorted(blobs) == sorted(e["tree"]), f"{branch}: file list differs"
        for p, oid in blobs.items():
            assert oid == e["tree"][p], f"{branch}: {p} differs from the expected backported content"
        assert git("rev-parse", branch).strip() == rel


def test_release_tags():
    for branch, e in EXP["branches"].items():
        tag = e["tag"]
        assert git("cat-file", "-t", tag).strip() == "tag", f"{tag} must be annotated"
        assert git("rev-parse", tag + "^{commit}").strip() == git("rev-parse", branch).strip()
        assert git("for-each-ref", "--format=%(contents)", "refs/tags/" + tag).strip() == "Release " + e["version"]
'''
