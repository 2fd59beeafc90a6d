"""Inspect refs with git: each recovered ref must be the original commit object (dates, parents, content),
nothing else created, main checked out and clean. git runs unprivileged with replace objects and grafts off
(lct_verify.git), so a replace object cannot pass a new commit off as the original one."""

import lct_verify

EXP = lct_verify.expected()
REPO = "@@repo@@"


def git(*args, check=True):
    r = lct_verify.git(REPO, *args)
    if check:
        assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def test_branch_recovered():
    tip = git("rev-parse", "--verify", "refs/heads/" + EXP["branch"]).strip()
    assert git("log", "-1", "--format=%s", tip).strip() == EXP["tip_subject"]
    assert int(git("log", "-1", "--format=%ct", tip)) == EXP["feat_date"], "not the final original commit"
    assert git("show", f"{tip}:{EXP['mod_path']}") == EXP["feat_content"]
    base = git("merge-base", tip, "main").strip()
    assert git("log", "-1", "--format=%s", base).strip() == EXP["fork_subject"]
    assert int(git("log", "-1", "--format=%ct", base)) == EXP["fork_date"]
    assert int(git("rev-list", "--count", f"{base}..{tip}")) == 3


def test_main_restored():
    newest = git("log", f"-{len(EXP['main_tail'])}", "--reverse", "--format=%s", "main").splitlines()
    assert newest == EXP["main_tail"]
    assert int(git("rev-list", "--count", "main")) == EXP["main_count"]
    assert int(git("log", "-1", "--format=%ct", "main")) == EXP["main_date"]
    assert int(git("log", "-1", "--format=%ct", f"main~{len(EXP['lost'])}")) == EXP["keep_date"]


def test_stash_rescued():
    found = lct_verify.git(REPO, "rev-parse", "--verify", "-q", "refs/heads/" + EXP["wip_branch"])
    if not EXP["stash"]:
        assert found.returncode != 0, "no stash was lost: no rescue branch may be created"
        return
    assert found.returncode == 0, f"{EXP['wip_branch']} is missing"
    tip = found.stdout.strip()
    parents = git("rev-list", "--parents", "-n1", tip).split()[1:]
    assert len(parents) == 1, "one ordinary commit on top of the stash base"
    assert int(git("log", "-1", "--format=%ct", parents[0])) == EXP["keep_date"]
    assert git("log", "-1", "--format=%s", parents[0]).strip() == EXP["keep_subject"]
    tree = sorted(git("ls-tree", "-r", "--name-only", tip).split())
    expected = dict(EXP["keep_snap"], **{EXP["stash_path"]: EXP["stash_content"]})
    assert tree == sorted(expected)
    for path, content in expected.items():
        assert git("show", f"{tip}:{path}") == content, path


def test_nothing_else_created():
    refs = sorted(git("for-each-ref", "--format=%(refname)", "refs/heads", "refs/tags").split())
    assert refs == EXP["refs"], f"refs differ: {refs}"


def test_main_checked_out_and_clean():
    assert git("symbolic-ref", "HEAD").strip() == "refs/heads/main", "main must be checked out"
    status = git("status", "--porcelain", "--untracked-files=all")
    assert status == "", f"the working tree differs from main:\n{status[:500]}"
