"""Check the merge commit's shape and every resolved file, read straight from git objects (lct_verify.git: the
agent's repository read unprivileged, replace objects and grafts off), and that nothing is left half-done."""

import configparser
import os

import lct_verify

EXP = lct_verify.expected()
REPO = EXP["repo"]


def git(*args):
    r = lct_verify.git(REPO, *args)
    assert r.returncode == 0, f"git {' '.join(args)}: {r.stderr}"
    return r.stdout


def test_merge_commit_shape():
    parents = git("rev-list", "--parents", "-n1", "main").split()[1:]
    assert len(parents) == 2, "main must end in a two-parent merge commit"
    first, second = parents
    assert git("log", "-1", "--format=%s", first).strip() == EXP["main_last"], "first parent is not main's old tip"
    assert int(git("log", "-1", "--format=%ct", first)) == EXP["main_tip_date"], "main's history was rewritten"
    assert second == git("rev-parse", EXP["branch"]).strip(), "second parent must be the feature branch tip"
    assert git("log", "-1", "--format=%s", second).strip() == EXP["feat_tip"], "the feature branch was moved"
    assert int(git("log", "-1", "--format=%ct", second)) == EXP["feat_tip_date"], "the feature branch was rewritten"


def test_nothing_half_done():
    assert not os.path.exists(os.path.join(REPO, ".git", "MERGE_HEAD")), "a merge is still in progress"
    assert git("symbolic-ref", "--short", "HEAD").strip() == "main", "main is not checked out"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    assert dirty.strip() == "", f"the working tree or index differs from the merge commit: {dirty[:300]}"
    for path in git("ls-tree", "-r", "--name-only", "main").split():
        for line in git("show", f"main:{path}").splitlines():
            assert not line.startswith(("<<<<<<<", ">>>>>>>", "=======")), f"conflict marker in {path}"


def test_ini_resolved_per_setting():
    cp = configparser.ConfigParser(interpolation=None)
    cp.optionxform = str
    cp.read_string(git("show", "main:" + EXP["ini"]))
    got = {s: dict(cp[s]) for s in cp.sections()}
    exp = EXP["expected_ini"]
    assert sorted(got) == sorted(exp), f"sections differ: {sorted(got)} vs {sorted(exp)}"
    for s in exp:
        assert sorted(got[s]) == sorted(exp[s]), f"[{s}] keys differ"
        for k, v in exp[s].items():
            g = got[s][k].strip()
            assert g == v, f"[{s}] {k}: got {g!r}, expected {v!r}"


def test_auto_merged_files_intact():
    for path, text in EXP["clean"].items():
        assert git("show", "main:" + path) == text, f"{path} is not as git's automatic merge leaves it"


def test_requirements_resolved():
    exp = EXP["requirements"]
    if exp is None:
        assert "requirements.txt" not in git("ls-tree", "-r", "--name-only", "main").split()
        return
    lines = [l.strip() for l in git("show", "main:requirements.txt").splitlines() if l.strip()]
    names = [l.split("==")[0] for l in lines]
    assert names == sorted(names, key=str.lower) and len(names) == len(set(names)), "one sorted pin per package"
    assert dict(l.split("==", 1) for l in lines) == exp
