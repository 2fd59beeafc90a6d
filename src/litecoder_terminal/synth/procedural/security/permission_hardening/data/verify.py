"""lstat every path of the tree and compare modes, owners, contents and the report with the policy's result."""

import csv
import grp
import hashlib
import os
import pwd
import stat
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()  # the policy's result for every path, computed when the task was made
P = EXP["P"]


def owner(st):
    return f"{pwd.getpwuid(st.st_uid).pw_name}:{grp.getgrgid(st.st_gid).gr_name}"


def tree():
    out = {P["root"]: os.lstat(P["root"])}
    for d, dirs, names in os.walk(P["root"]):
        for n in dirs + names:
            out[os.path.join(d, n)] = os.lstat(os.path.join(d, n))
    return out


def test_same_paths_and_contents():
    got = tree()
    assert sorted(got) == sorted(set(EXP["expected"]) | set(EXP["links"])), "paths were added or removed"
    for path, want in EXP["expected"].items():
        if want["type"] == "f":
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == want["sha256"], f"{path} content changed"


def test_modes_follow_policy():
    # Set-user/group-ID bits never reach the grader (the artifact copy drops them): they are judged by the report.
    got = tree()
    bad = []
    for path, want in EXP["expected"].items():
        mode = stat.S_IMODE(got[path].st_mode)
        if mode & 0o1777 != want["mode"] & 0o1777:
            bad.append(f"{path}: {mode:04o} (expected {want['mode']:04o})")
    assert not bad, "; ".join(bad[:6])


def test_owners():
    got = tree()
    bad = [f"{p}: {owner(got[p])} (expected {w['owner']})" for p, w in EXP["expected"].items() if owner(got[p]) != w["owner"]]
    assert not bad, "; ".join(bad[:6])


def test_change_report():
    report = Path(P["report"])
    assert report.is_file() and not report.is_symlink(), f"{report} is missing (or not a regular file)"
    rows = list(csv.reader(report.read_text().splitlines()))
    header = ["path", "old_mode", "new_mode"] + (["old_owner", "new_owner"] if P["owner_dir"] else [])
    assert rows and rows[0] == header, rows[:1]
    got = [r for r in rows[1:] if r]
    want = EXP["rows"]
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    assert not missing and not extra, f"missing {missing[:3]}, unexpected {extra[:3]}"
    assert got == want, "report rows are not sorted by path"
