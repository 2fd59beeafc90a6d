"""Inspect each release branch with git: exact backports (with -x provenance), release commit, tag, tree.
git reads the agent's repository unprivileged, with replace objects and grafts disabled (lct_verify.git)."""

import lct_verify

EXP = lct_verify.expected()
REPO = "@@repo@@"


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


def test_main_checked_out_and_clean():
    assert git("symbolic-ref", "HEAD").strip() == "refs/heads/main", "main must be checked out"
    status = git("status", "--porcelain", "--untracked-files=all")
    assert status == "", f"the working tree differs from main:\n{status[:500]}"
