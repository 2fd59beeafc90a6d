"""Inspect the repository with git: culprit hash, untouched main, the revert, release commit, changelog, tag.
git reads the agent's repository unprivileged with replace objects and grafts disabled (lct_verify.git); the code
of a commit is exported and run as the unprivileged user too."""

import tempfile
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
REPO = "@@repo@@"


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


def test_branch_checked_out_and_clean():
    assert git("symbolic-ref", "HEAD") == "refs/heads/" + EXP["branch"], "the hotfix branch must be checked out"
    status = git("status", "--porcelain", "--untracked-files=no")
    assert status == "", f"tracked files differ from the release commit:\n{status[:500]}"
