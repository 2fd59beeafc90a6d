"""Bisect a regression, revert it on a hotfix branch, write the changelog section and tag the patch release."""

from __future__ import annotations

import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, people


def _history(rng: random.Random, level: str):
    target = rng.choice(TARGETS)
    proj = PyProject(rng, target)
    devs = people(rng, {"easy": 3, "medium": 4, "hard": 5}[level])
    major = rng.randint(1, 3)
    minors = rng.randint(2, 4)
    repo = pick(rng, [f"/app/{proj.pkg}", f"/srv/git/{proj.pkg}", f"/home/dev/{proj.pkg}"])
    plan = RepoPlan(repo, "main", devs[0], 1_690_000_000 + rng.randrange(20_000_000),
                    config=[("user.name", "Release Engineer"), ("user.email", "release@example.com")])
    changelog: list[str] = []  # newest section first
    snap: dict[str, str] = {}
    subjects: list[str] = []

    def commit(msg: str, who=None) -> None:
        nonlocal snap
        new = proj.snapshot()
        new["CHANGELOG.md"] = "# Changelog\n\n" + "".join(line + "\n" for line in changelog)
        new["VERSION"] = version + "\n"
        plan.commit(rng, msg, diff_files(snap, new), who=who or rng.choice(devs))
        snap = new
        subjects.append(msg)

    def filler() -> None:
        kind = rng.choices(["feat", "test", "docs", "chore", "fix"], weights=[5, 3, 2, 1, 2])[0]
        if kind == "feat" or (kind == "fix" and len(proj.helpers) < 4):
            mod, name = proj.add_helper()
            commit(f"feat: add {name} helper to {mod}")
        elif kind == "test":
            name = proj.add_test()
            if name is None:
                mod, name = proj.add_helper()
                commit(f"feat: add {name} helper to {mod}")
            else:
                commit(f"test: cover {name}")
        elif kind == "docs":
            topic = proj.add_doc()
            commit(f"docs: extend {topic} notes ({len(proj.docs[topic]) - 2})")
        elif kind == "chore":
            pat = proj.add_ignore()
            if pat is None:
                topic = proj.add_doc()
                commit(f"docs: extend {topic} notes ({len(proj.docs[topic]) - 2})")
            else:
                commit(f"chore: ignore {pat}")
        else:
            # a real fix to a helper that is not the target: add an input guard as the first body line
            mod, name, _ = rng.choice(proj.helpers[len(proj.modules):] or proj.helpers)
            blocks = proj.modules[mod]["blocks"]
            for i, b in enumerate(blocks):
                if b.startswith(f"def {name}("):
                    lines = b.split("\n")
                    arg = lines[0][len(f"def {name}("):-2]
                    if "if " + arg + " is None" in b:
                        break
                    lines.insert(2, f"    if {arg} is None:\n        raise TypeError(\"{name}: {arg} is None\")")
                    blocks[i] = "\n".join(lines)
                    commit(f"fix: reject None in {name}")
                    return
            mod, name = proj.add_helper()
            commit(f"feat: add {name} helper to {mod}")

    version = f"{major}.0.0"
    commit(f"Initial import of {proj.pkg}", who=devs[0])
    for minor in range(1, minors + 1):
        since = len(subjects)
        for _ in range(rng.randint(2, 4)):
            filler()
        version = f"{major}.{minor}.0"
        changelog[0:0] = [f"## v{version}", ""] + [f"- {s}" for s in subjects[since:]] + [""]
        commit(f"chore: release v{version}", who=devs[0])
        plan.git(None, "tag", "-a", f"v{version}", "-m", f"Release v{version}", who=devs[0])
    prev_tag = f"v{version}"
    n_after = {"easy": 12, "medium": 24, "hard": 40}[level] + rng.randint(0, 4)
    bad_at = rng.randint(int(n_after * 0.35), int(n_after * 0.8))
    broken = None
    if level != "easy":
        broken = (rng.randint(1, max(2, bad_at - 6)), rng.randint(1, 3))  # start index, length
    i = 0
    broken_info = None
    while i < n_after:
        if i == bad_at:
            proj.set_target(bad=True)
            commit(target["bad_subject"], who=rng.choice(devs[1:]))
            bad_subject = subjects[-1]
        elif broken and i == broken[0]:
            flavour = rng.randrange(2)
            if flavour == 0:
                newmod = rng.choice(["reports", "exporters", "metrics", "audit"])
                proj.extra_imports.append(newmod)
                commit(f"feat: expose {newmod} module in package")
                first = subjects[-1]
                for _ in range(broken[1]):
                    i += 1
                    filler()
                i += 1
                proj.extra_files[f"{proj.pkg}/{newmod}.py"] = f'"""{newmod.capitalize()} (work in progress)."""\n\nENABLED = False\n'
                commit(f"feat: add {newmod} module skeleton")
            else:
                mod = rng.choice(sorted(m for m in proj.modules if m != target["module"]))
                proj.modules[mod]["blocks"].append("def _pending_refactor(values:\n    pass")
                commit(f"wip: start splitting {mod} helpers")
                first = subjects[-1]
                for _ in range(broken[1]):
                    i += 1
                    filler()
                i += 1
                proj.modules[mod]["blocks"].remove("def _pending_refactor(values:\n    pass")
                commit(f"fix: finish splitting {mod} helpers")
            broken_info = first
        else:
            filler()
        i += 1
    return {
        "plan": plan, "proj": proj, "target": target, "prev_tag": prev_tag, "version": version,
        "subjects": subjects, "bad_subject": bad_subject, "broken_first": broken_info, "repo": repo,
        "changelog_text": snap["CHANGELOG.md"], "n_main": len(subjects), "tip_subject": subjects[-1],
        "tip_date": plan.clock, "snap": snap,
    }


@register
class BisectHotfixRelease(TaskFamily):
    name = "git_bisect_hotfix_release"
    domain = "version_control"
    title = "Bisect a regression, revert it on a hotfix branch, write the changelog and tag the release"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        h = _history(rng, level)
        plan, proj, target = h["plan"], h["proj"], h["target"]
        repo, prev_tag = h["repo"], h["prev_tag"]
        major, minor, _ = h["version"].split(".")
        new_version = f"{major}.{minor}.1"
        new_tag = f"v{new_version}"
        ticket = f"{pick(rng, ['BILL', 'OPS', 'CORE', 'PAY', 'PLAT'])}-{rng.randint(100, 999)}"
        branch = pick(rng, [f"hotfix/{ticket}", f"hotfix/{new_tag}", f"fix/{ticket.lower()}"])
        result = pick(rng, ["/app/bisect_result.txt", "/root/first_bad_commit.txt", "/app/regression_commit.txt"])
        check_path = pick(rng, ["/app/check_regression.sh", "/opt/qa/regression_check.sh", "/app/qa/check.sh"])
        mod, func = target["module"], target["func"]
        exclude = level != "easy"
        broken = h["broken_first"] is not None
        give_script = level != "hard"
        check_src = textwrap.dedent(f"""\
            #!/bin/bash
            # Regression check for {func}: exit 0 when the behaviour is correct, 1 when it is broken.
            cd "$(git rev-parse --show-toplevel)" || exit 2
            python3 -c '
            import sys
            from {proj.pkg}.{mod} import {func}
            sys.exit(0 if {target["check"]} else 1)
            '
            """)
        files: dict[str, str | bytes] = dict(plan.files())
        extra = f"RUN mkdir -p {result.rsplit('/', 1)[0]}\n"
        if give_script:
            files["environment/qa/check.sh"] = check_src
            extra += f"COPY qa/check.sh {check_path}\nRUN chmod +x {check_path}\n"

        intro = pick(rng, [
            f"Support escalated ticket {ticket}: since the last deploy `{proj.pkg}` misbehaves.",
            f"QA flagged a regression in `{proj.pkg}` on `main` (ticket {ticket}).",
            f"Ticket {ticket}: customers report wrong results from `{proj.pkg}` built from `main`.",
        ])
        symptom = (f"`python3 -c 'from {proj.pkg}.{mod} import {func}; print({target['call']})'` prints "
                   f"`{target['bad_out']}` on `main` but printed `{target['good_out']}` at tag `{prev_tag}`.")
        if give_script:
            how = (f"A regression check is provided at `{check_path}` (exit 0 = good, 1 = bad; it runs from "
                   "inside the repository).")
        else:
            how = ("No regression script exists yet: write your own check from the symptom above (keep it outside "
                   "the repository).")
        if broken:
            how += (" Beware: a few commits after the tag are half-finished work where the package does not even "
                    "import. Those commits are neither good nor bad for this regression and must be skipped, "
                    "not judged.")
        excl = (" Leave out commits whose subject starts with `chore:` or `docs:`." if exclude else "")
        instruction = textwrap.dedent(f"""\
            {intro} The git repository is `{repo}`. Symptom: {symptom}
            `{prev_tag}` is the last release and is known good; the tip of `main` is bad.

            {how}

            Ship a patch release without touching `main`:

            1. **Find the culprit.** Identify the first bad commit between `{prev_tag}` and `main` and write its
               full 40-character hash (one line) to `{result}`.
            2. **Fix branch.** Create the branch `{branch}` from the current tip of `main` and revert the culprit
               there with `git revert` (the commit message must keep git's standard line
               `This reverts commit <full hash>.`). Change nothing else in that commit.
            3. **Release commit.** On top of the revert, make one more commit that only
               - sets `VERSION` to `{new_version}` (the file holds just the version and a newline), and
               - adds a new section at the very top of `CHANGELOG.md`, directly under the `# Changelog` title,
                 in the same style as the existing sections: a `## {new_tag}` heading, a blank line, then one
                 line `- <commit subject>` for every commit in `{prev_tag}..<your revert commit>` (the revert
                 included), oldest first.{excl} Keep the older sections unchanged below it.
            4. **Tag.** Create the annotated tag `{new_tag}` on the release commit with the message
               `Release {new_tag}`, and leave `{branch}` pointing at that commit.

            Do not rewrite or move `main` or any existing tag, and do not commit anything to `main`.
            """)

        # ---------------- reference solution ----------------
        if give_script and not broken:
            mk_check = f"cp {check_path} /tmp/bisect_check.sh"
        elif give_script:
            mk_check = textwrap.dedent(f"""\
                cat > /tmp/bisect_check.sh <<'EOF'
                #!/bin/bash
                # 125 tells git bisect to skip commits where the package cannot be imported at all.
                cd "$(git rev-parse --show-toplevel)" || exit 125
                python3 -c 'import {proj.pkg}' 2>/dev/null || exit 125
                exec bash {check_path}
                EOF""")
        else:
            mk_check = textwrap.dedent(f"""\
                cat > /tmp/bisect_check.sh <<'EOF'
                #!/bin/bash
                cd "$(git rev-parse --show-toplevel)" || exit 125
                python3 -c 'import {proj.pkg}' 2>/dev/null || exit 125
                out=$(python3 -c 'from {proj.pkg}.{mod} import {func}; print({target['call']})') || exit 125
                [ "$out" = "{target['good_out']}" ]
                EOF""")
        grep = "grep -v -E '^(chore|docs):'" if exclude else "cat"

        def tail(culprit_expr: str, on_main: bool = False, release: bool = True) -> str:
            lines = [f"bad={culprit_expr}", f"echo \"$bad\" > {result}"]
            if on_main:
                lines += ["git checkout -q main", "git revert --no-edit \"$bad\"", f"git branch {branch}",
                          f"git checkout -q {branch}"]
            else:
                lines += [f"git checkout -q -b {branch} main", "git revert --no-edit \"$bad\""]
            if release:
                lines += [
                    f"echo {new_version} > VERSION",
                    f"git log --reverse --no-merges --format=%s {prev_tag}..HEAD | {grep} > /tmp/subjects.txt",
                    "{ echo '# Changelog'; echo; echo '## " + new_tag + "'; echo; sed 's/^/- /' /tmp/subjects.txt; "
                    "echo; tail -n +3 CHANGELOG.md; } > /tmp/CHANGELOG.new",
                    "mv /tmp/CHANGELOG.new CHANGELOG.md",
                    "git add VERSION CHANGELOG.md",
                    f"git commit -q -m 'chore: release {new_tag}'",
                ]
            lines += [f"git tag -a {new_tag} -m 'Release {new_tag}'", "git log --oneline -3"]
            return "\n".join(lines) + "\n"

        solve = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: bisect with a skip-aware check, revert on a hotfix branch, release commit, annotated tag.
            set -euo pipefail
            cd {repo}
            git status --short
            git log --oneline {prev_tag}..main | wc -l
            """) + mk_check + "\n" + textwrap.dedent(f"""\
            chmod +x /tmp/bisect_check.sh
            git bisect start main {prev_tag}
            git bisect run /tmp/bisect_check.sh
            culprit=$(git rev-parse refs/bisect/bad)
            git bisect reset
            git show --stat "$culprit"
            """) + tail('"$culprit"')
        files["solution/solve.sh"] = solve
        head = f"#!/bin/bash\nset -euo pipefail\ncd {repo}\n" + mk_check + "\nchmod +x /tmp/bisect_check.sh\n" + \
            f"git bisect start main {prev_tag}\ngit bisect run /tmp/bisect_check.sh\n" + \
            "culprit=$(git rev-parse refs/bisect/bad)\ngit bisect reset\n"
        # Mistake: reports the last good commit (the culprit's parent) instead of the first bad one.
        files["solution/wrong/last_good_commit.sh"] = head + tail('$(git rev-parse "$culprit^")')
        # Mistake: reverts directly on main and only then creates the branch.
        files["solution/wrong/revert_on_main.sh"] = head + tail('"$culprit"', on_main=True)
        # Mistake: stops after the revert; tags the revert commit, no release commit / changelog.
        files["solution/wrong/tag_without_release_commit.sh"] = head + tail('"$culprit"', release=False)
        if broken:
            # Mistake: a linear scan that treats "cannot import" as bad lands on the half-finished commit.
            scan = textwrap.dedent(f"""\
                #!/bin/bash
                set -uo pipefail
                cd {repo}
                culprit=""
                for c in $(git rev-list --reverse {prev_tag}..main); do
                  git checkout -q "$c"
                  if ! python3 -c 'from {proj.pkg}.{mod} import {func}; import sys; sys.exit(0 if {target['check'].replace("'", '"')} else 1)' 2>/dev/null; then
                    culprit=$c; break
                  fi
                done
                git checkout -q main
                set -e
                """)
            files["solution/wrong/scan_counts_import_errors.sh"] = scan + tail('"$culprit"')
        if exclude:
            files["solution/wrong/changelog_keeps_chores.sh"] = (head + tail('"$culprit"')).replace(
                grep, "cat")

        expected = {
            "repo": repo, "prev_tag": prev_tag, "new_tag": new_tag, "new_version": new_version, "branch": branch,
            "result": result, "bad_subject": h["bad_subject"], "n_main": h["n_main"],
            "tip_subject": h["tip_subject"], "tip_date": h["tip_date"], "exclude": exclude,
            "pkg": proj.pkg, "module": mod, "func": func, "check": target["check"],
            "old_changelog": h["changelog_text"],
        }
        files["tests/expected.json"] = json.dumps(expected, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST
        return TaskDraft(
            instruction=instruction, dockerfile_body=plan.dockerfile(repo, extra), files=files,
            tags=["git", "bisect", "revert", "release", "changelog"], artifacts=[repo, result],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1800}[level], verifier_timeout_sec=180,
            expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


TEST = r'''"""Inspect the repository with git: culprit hash, untouched main, the revert, release commit, changelog, tag.
git reads the agent's repository unprivileged with replace objects and grafts disabled (lct_verify.git); the code
of a commit is exported and run as the unprivileged user too."""

import json
import tempfile
from pathlib import Path

import lct_verify

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
REPO = EXP["repo"]


def git(*args, cwd=REPO, check=True):
    r = lct_verify.git(cwd, *args)
    if check:
        assert r.returncode == 0, f"git {' '.join(args)} failed: {r.stderr}"
    return r.stdout.strip()


def scratch():
    """A temporary directory the unprivileged user may write to."""
    d = tempfile.TemporaryDirectory()
    lct_verify.give_to_agent(d.name)
    return d


def culprit():
    for line in git("log", "--format=%H %s", "main").splitlines():
        h, s = line.split(" ", 1)
        if s == EXP["bad_subject"]:
            return h
    raise AssertionError("the culprit commit is no longer on main")


def behaves(commit):
    """Run the regression check against a commit's tree, exported outside the repository."""
    with scratch() as d:
        git("archive", "--format=tar", "-o", f"{d}/tree.tar", commit)
        assert lct_verify.run_as_agent(["tar", "-xf", "tree.tar"], cwd=d).returncode == 0, "cannot export " + commit
        code = (f"import sys\nfrom {EXP['pkg']}.{EXP['module']} import {EXP['func']}\n"
                f"sys.exit(0 if {EXP['check']} else 1)\n")
        ok = lct_verify.run_as_agent(["python3", "-c", code], cwd=d, timeout=60).returncode == 0
        lct_verify.kill_agent_processes()
        return ok


def release_commit():
    return git("rev-parse", EXP["new_tag"] + "^{commit}")


def test_culprit_hash_reported():
    bad = culprit()
    assert behaves(bad + "^") and not behaves(bad), "internal: culprit does not flip the check"
    got = Path(EXP["result"]).read_text().strip()
    assert got == bad, f"{EXP['result']} holds {got!r}, expected the first bad commit"


def test_main_and_old_tags_untouched():
    assert int(git("rev-list", "--count", "main")) == EXP["n_main"]
    assert git("log", "-1", "--format=%s", "main") == EXP["tip_subject"]
    assert int(git("log", "-1", "--format=%ct", "main")) == EXP["tip_date"]
    assert git("cat-file", "-t", EXP["prev_tag"]) == "tag"
    assert lct_verify.git(REPO, "merge-base", "--is-ancestor", EXP["prev_tag"], "main").returncode == 0


def test_revert_commit_on_branch():
    bad = culprit()
    rel = release_commit()
    revert = git("rev-parse", rel + "^")
    assert git("rev-parse", revert + "^") == git("rev-parse", "main"), "the revert must sit directly on main's tip"
    assert len(git("rev-list", "--parents", "-n1", revert).split()) == 2, "revert must be a single-parent commit"
    assert f"This reverts commit {bad}." in git("log", "-1", "--format=%B", revert)
    with scratch() as d:
        # the upload-pack side does not inherit our -c options: name the repository safe for it explicitly
        git("clone", "-q", "--no-hardlinks", "--no-checkout",
            "--upload-pack=git -c safe.directory=* --no-replace-objects upload-pack", REPO, d + "/c")
        c = d + "/c"
        git("checkout", "-q", "--detach", git("rev-parse", "main"), cwd=c)
        git("-c", "user.name=v", "-c", "user.email=v@v", "revert", "--no-edit", bad, cwd=c)
        assert git("rev-parse", revert + "^{tree}") == git("rev-parse", "HEAD^{tree}", cwd=c), \
            "the revert commit changes more (or less) than undoing the culprit"
    assert behaves(revert), "the regression is still present after the revert"


def test_branch_points_at_release():
    assert git("rev-parse", "refs/heads/" + EXP["branch"]) == release_commit()


def test_release_commit_contents():
    rel = release_commit()
    changed = sorted(git("diff", "--name-only", rel + "^", rel).splitlines())
    assert changed == ["CHANGELOG.md", "VERSION"], changed
    assert git("show", rel + ":VERSION") + "\n" == EXP["new_version"] + "\n"
    assert behaves(rel)


def test_changelog_section():
    rel = release_commit()
    subjects = git("log", "--reverse", "--no-merges", "--format=%s", EXP["prev_tag"] + ".." + rel + "^").splitlines()
    if EXP["exclude"]:
        subjects = [s for s in subjects if not s.startswith(("chore:", "docs:"))]
    lines = [l.rstrip() for l in git("show", rel + ":CHANGELOG.md").splitlines()]
    assert lines and lines[0] == "# Changelog"
    heads = [i for i, l in enumerate(lines) if l.startswith("## ")]
    assert heads and lines[heads[0]] == "## " + EXP["new_tag"], "the new section must come first"
    assert not [l for l in lines[1:heads[0]] if l], "nothing may sit between the title and the new section"
    end = heads[1] if len(heads) > 1 else len(lines)
    assert [l for l in lines[heads[0] + 1:end] if l] == ["- " + s for s in subjects]
    old = [l.rstrip() for l in EXP["old_changelog"].splitlines()]
    old_heads = [i for i, l in enumerate(old) if l.startswith("## ")]

    def trim(ls):
        while ls and not ls[-1]:
            ls = ls[:-1]
        return ls

    assert trim(lines[end:]) == trim(old[old_heads[0]:]), "the older sections must stay unchanged"


def test_annotated_release_tag():
    tag = EXP["new_tag"]
    assert git("cat-file", "-t", tag) == "tag", "tag must be annotated"
    msg = git("for-each-ref", "--format=%(contents)", "refs/tags/" + tag).strip()
    assert msg == "Release " + tag
'''
