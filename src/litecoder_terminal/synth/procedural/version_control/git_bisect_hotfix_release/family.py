"""Bisect a regression, revert it on a hotfix branch, write the changelog section and tag the patch release."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, people


def _history(rng: random.Random, k) -> dict:
    target = rng.choice(TARGETS)
    proj = PyProject(rng, target)
    devs = people(rng, k.devs)
    major = rng.randint(1, 3)
    minors = rng.randint(2, 4)
    repo = rng.choice([f"/app/{proj.pkg}", f"/srv/git/{proj.pkg}", f"/home/dev/{proj.pkg}"])
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
    n_after = k.commits + rng.randint(0, 4)
    bad_at = rng.randint(int(n_after * 0.35), int(n_after * 0.8))
    broken = None
    if k.broken:
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



class GitBisectHotfixRelease(kit.KitFamily):
    title = "Bisect a regression, revert it on a hotfix branch, write the changelog and tag the release"
    multi_stage = True
    levels = kit.Levels(devs=(3, 4, 5), commits=(12, 24, 40), broken=(0, 1, 1), exclude=(0, 1, 1),
                        give_script=(1, 1, 0), agent_timeout=(900, 1200, 1800), expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        h = _history(rng, k)
        plan, proj, target = h["plan"], h["proj"], h["target"]
        repo, prev_tag = h["repo"], h["prev_tag"]
        major, minor, _ = h["version"].split(".")
        new_version = f"{major}.{minor}.1"
        new_tag = f"v{new_version}"
        ticket = f"{rng.choice(['BILL', 'OPS', 'CORE', 'PAY', 'PLAT'])}-{rng.randint(100, 999)}"
        branch = rng.choice([f"hotfix/{ticket}", f"hotfix/{new_tag}", f"fix/{ticket.lower()}"])
        result = rng.choice(["/app/bisect_result.txt", "/root/first_bad_commit.txt", "/app/regression_commit.txt"])
        check_path = rng.choice(["/app/check_regression.sh", "/opt/qa/regression_check.sh", "/app/qa/check.sh"])
        mod, func = target["module"], target["func"]
        broken = h["broken_first"] is not None
        code = {"pkg": proj.pkg, "module": mod, "func": func}
        files: dict[str, str | bytes] = dict(plan.files())
        extra = f"RUN mkdir -p {result.rsplit('/', 1)[0]}\nCOPY hotfix/ /etc/hotfix/\n"
        if k.give_script:
            files["environment/qa/check.sh"] = self.template("check.sh", check=target["check"], **code)
            extra += f"COPY qa/check.sh {check_path}\nRUN chmod +x {check_path}\n"
        symptom = (f"`python3 -c 'from {proj.pkg}.{mod} import {func}; print({target['call']})'` prints "
                   f"`{target['bad_out']}` on `main` but printed `{target['good_out']}` at tag `{prev_tag}`.")
        how = (f"A regression check is provided at `{check_path}` (exit 0 = good, 1 = bad; it runs from inside the "
               "repository)." if k.give_script else
               "No regression script exists yet: write your own check from the symptom (keep it outside the "
               "repository).")
        if broken:
            how += (" Beware: a few commits after the tag are half-finished work where the package does not even "
                    "import. Those commits are neither good nor bad for this regression and must be skipped, "
                    "not judged.")
        excl = " Leave out commits whose subject starts with `chore:` or `docs:`." if k.exclude else ""
        files["environment/hotfix/RELEASING.md"] = self.template("RELEASING.md", exclude_rule=excl)
        files["environment/hotfix/" + ticket + ".md"] = self.template(
            "ticket.md", ticket=ticket, pkg=proj.pkg, repo=repo, symptom=symptom + " " + how, new_tag=new_tag,
            branch=branch, result=result)

        # ---- solutions: one template; each known mistake is one knob ----
        if k.give_script:
            wrapper = self.template("wrapper.given.sh", pkg=proj.pkg, check_path=check_path)
        else:
            wrapper = self.template("wrapper.own.sh", call=target["call"], good_out=target["good_out"], **code)
        grep = "grep -v -E '^(chore|docs):'"
        release = "\n".join([
            f"echo {new_version} > VERSION",
            f"git log --reverse --no-merges --format=%s {prev_tag}..HEAD | @@changelog_filter@@ > /tmp/subjects.txt",
            "{ echo '# Changelog'; echo; echo '## " + new_tag + "'; echo; sed 's/^/- /' /tmp/subjects.txt; "
            "echo; tail -n +3 CHANGELOG.md; } > /tmp/CHANGELOG.new",
            "mv /tmp/CHANGELOG.new CHANGELOG.md", "git add VERSION CHANGELOG.md",
            "@@release_commit@@"])
        bisect = "\n".join([f"git bisect start main {prev_tag}", "git bisect run /tmp/bisect_check.sh",
                             "culprit=$(git rev-parse refs/bisect/bad)", "git bisect reset"])
        scan = "\n".join([
            "culprit=''", f"for c in $(git rev-list --reverse {prev_tag}..main); do", '  git checkout -q "$c"',
            f"  if ! python3 -c 'from {proj.pkg}.{mod} import {func}; import sys; sys.exit(0 if "
            f"{target['check'].replace(chr(39), chr(34))} else 1)' 2>/dev/null; then culprit=$c; break; fi",
            "done", "git checkout -q main"])
        knobs = {
            "culprit": kit.Knob('"$culprit"', '$(git rev-parse "$culprit^")',
                                "reports the last good commit (the culprit's parent) instead of the first bad one"),
            "branch_and_revert": kit.Knob(
                f'git checkout -q -b {branch} main\ngit revert --no-edit "$bad"',
                f'git checkout -q main\ngit revert --no-edit "$bad"\ngit branch {branch}\ngit checkout -q {branch}',
                "reverts directly on main and only then creates the branch"),
            "release_commit": kit.Knob(f"git commit -q -m 'chore: release {new_tag}'", "git reset -q --hard HEAD",
                                       "tags the revert: no release commit, no changelog"),
        }
        wrong = {"last_good_commit": "culprit", "revert_on_main": "branch_and_revert",
                 "tag_without_release_commit": "release_commit"}
        values = {"repo": repo, "prev_tag": prev_tag, "call": target["call"], "wrapper": wrapper.rstrip("\n"),
                  "result": result, "new_tag": new_tag, **code}
        template = self.data("solve.sh").replace("@@release@@", release)  # the block's own knobs stay
        if broken:
            knobs["find"] = kit.Knob(bisect, scan, "a linear scan that treats 'cannot import' as bad lands on the "
                                     "half-finished commit")
            wrong["scan_counts_import_errors"] = "find"
        else:
            values["find"] = bisect
        if k.exclude:
            knobs["changelog_filter"] = kit.Knob(grep, "cat", "the changelog keeps chore: and docs: commits")
            wrong["changelog_keeps_chores"] = "changelog_filter"
        else:
            values["changelog_filter"] = "cat"
        files |= kit.Solver(template, knobs, where=f"{self.folder}/data/solve.sh").files(values, wrong)
        files |= self.alt_solutions(repo=repo, prev_tag=prev_tag, call=target["call"], good_out=target["good_out"],
                                    result=result, branch=branch, new_version=new_version, new_tag=new_tag,
                                    exclude="True" if k.exclude else "False", **code)
        files |= self.verifier(repo=repo)
        files |= kit.expected_file({
            "prev_tag": prev_tag, "new_tag": new_tag, "new_version": new_version, "branch": branch,
            "result": result, "bad_subject": h["bad_subject"], "n_main": h["n_main"],
            "tip_subject": h["tip_subject"], "tip_date": h["tip_date"], "exclude": bool(k.exclude),
            "pkg": proj.pkg, "module": mod, "func": func, "check": target["check"],
            "old_changelog": h["changelog_text"],
        })
        instruction = self.instruction(
            intro=self.intro(rng, ticket=ticket, pkg=proj.pkg), repo=repo, symptom=symptom, prev_tag=prev_tag,
            how=how, result=result, branch=branch, new_version=new_version, new_tag=new_tag, excl=excl)
        return kit.draft(
            instruction=instruction, files=files, artifacts=[repo, result], outputs=[repo, result],
            # the workdir is the repository's parent: a verifier whose artifact (the repo) is gone still starts
            dockerfile_body=plan.dockerfile(repo.rsplit("/", 1)[0], extra),
            tags=["git", "bisect", "revert", "release", "changelog"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=180, expert_minutes=k.expert_minutes,
        )
