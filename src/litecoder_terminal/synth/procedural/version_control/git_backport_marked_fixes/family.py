"""Backport the fixes marked with a `Backport:` trailer to release branches, then cut and tag the patch releases."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.version_control._pyproject import TARGETS, PyProject, diff_files
from litecoder_terminal.synth.procedural.version_control._repo import RepoPlan, blob_id, people

WHY = ["crashed the nightly export", "was reported by the billing team", "broke the reconciliation job",
       "caused a 500 in the admin UI", "showed up in the error tracker", "was hit by the data pipeline"]


class GitBackportMarkedFixes(kit.KitFamily):
    title = "Cherry-pick the fixes marked for backport onto release branches and tag patch releases"
    levels = kit.Levels(two_branches=(0, 0, 1), marked=(2, 4, 5), decoy_other=(0, 1, 1),
                        agent_timeout=(900, 1200, 1500), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> TaskDraft:
        k = self.knobs
        proj = PyProject(rng, rng.choice(TARGETS))
        devs = people(rng, 4)
        repo = rng.choice([f"/app/{proj.pkg}", f"/srv/git/{proj.pkg}", f"/opt/src/{proj.pkg}"])
        major = rng.randint(1, 4)
        minor = rng.randint(2, 6)
        old_minor = minor - 1
        two = bool(k.two_branches)
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

        n_marked = k.marked
        if two:
            cut_release(old_minor)
            for _ in range(rng.randint(2, 3)):
                feature()
        cut_release(minor)
        branches = [r["branch"] for r in releases]
        fixes = []  # (subject, targets, path, old, new)
        plan_kinds = ["marked"] * n_marked + ["decoy_none", "unmarked"] + ["feature"] * (n_marked + 2) + \
            (["decoy_other"] if k.decoy_other else [])
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

        # ---- solutions: one template, each known mistake one knob ----
        specs = [f"{r['branch']}:{r['tag']}:{expected[r['branch']]['version']}" for r in releases]
        knobs = {
            "grep": kit.Knob('"^Backport:.*$esc"', "Backport",
                             "picks any message mentioning Backport (the 'none' trailer and the docs commit too)"),
            "xflag": kit.Knob("-x", "--no-edit", "cherry-picks without -x: the backports' origin is not recorded"),
            "order": kit.Knob("--reverse", "--topo-order", "picks newest first (git log's default order)"),
        }
        wrong = {"grep_any_backport": "grep", "cherry_pick_without_x": "xflag"}
        # the newest-first mistake only differs if a branch receives two or more picks
        if any(len(e["picks"]) >= 2 for e in expected.values()):
            wrong["newest_first"] = "order"
        values = {"repo": repo, "branch_names": " ".join(branches)}
        if two:
            knobs["specs"] = kit.Knob(" ".join(specs), specs[-1], "releases only the newest maintained branch")
            wrong["only_newest_branch"] = "specs"
        else:
            values["specs"] = " ".join(specs)
        files: dict[str, str | bytes] = dict(plan.files())
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(repo=repo, specs=" ".join(specs))
        files |= self.verifier(repo=repo)
        files |= kit.expected_file({"branches": expected, "main_subjects": main_subjects,
                                    "main_tip_date": main_tip_date, "tags": [r["tag"] for r in releases]})
        retired = f"{major}.{old_minor - 1 if two else minor - 1}"
        files["environment/train/train.toml"] = self.template(
            "train.toml", pkg=proj.pkg, repo=repo, maintained=", ".join(f'"{b}"' for b in branches),
            retired=f'retired = ["release/{retired}"]  # end of life: no more patch releases' if k.decoy_other
            else "retired = []")
        files["environment/train/POLICY.md"] = self.data("POLICY.md")

        steps = "\n".join(f"- `{r['branch']}` (cut from `{r['tag']}`): release `{expected[r['branch']]['version']}`, "
                          f"tag `{expected[r['branch']]['tag']}`" for r in releases)
        instruction = self.instruction(intro=self.intro(rng, pkg=proj.pkg, repo=repo), steps=steps,
                                       branch_list=" and ".join(f"`{b}`" for b in branches), pkg=proj.pkg)
        return kit.draft(
            instruction=instruction, files=files, artifacts=[repo], outputs=[repo],
            # the workdir is the repository's parent: a verifier whose artifact (the repo) is gone still starts
            dockerfile_body=plan.dockerfile(repo.rsplit("/", 1)[0], f"COPY train/train.toml /etc/release-train/{proj.pkg}.toml\n"
                                            "COPY train/POLICY.md /etc/release-train/POLICY.md\n"),
            tags=["git", "cherry-pick", "backport", "release", "trailers"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
