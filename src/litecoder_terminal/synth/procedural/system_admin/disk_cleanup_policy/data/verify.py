"""Compare the file tree and the report with the retention decisions made when the task was made (hidden)."""

import json
import os
import stat

import lct_verify

E = lct_verify.expected()


def report():
    path = E["report"]
    assert os.path.isfile(path) and not os.path.islink(path), f"{path} is missing (or not a regular file)"
    with open(path) as f:
        return json.load(f)


def test_policy_files_deleted():
    left = [e["path"] for e in E["entries"] if e["delete"] and os.path.lexists(e["path"])]
    assert not left, f"{len(left)} files the policy deletes are still there, e.g. {left[:3]}"


def test_everything_else_kept_intact():
    bad = []
    for e in E["entries"]:
        if e["delete"]:
            continue
        p = e["path"]
        if not os.path.lexists(p):
            bad.append(("missing", p))
            continue
        st = os.lstat(p)
        if e["kind"] == "link":
            if not stat.S_ISLNK(st.st_mode) or os.readlink(p) != e["target"] or not os.path.exists(p):
                bad.append(("link changed", p))
        elif not stat.S_ISREG(st.st_mode) or st.st_size != e["size"] or int(st.st_mtime) != e["mtime"]:
            bad.append(("modified", p))
    assert not bad, f"{len(bad)} files that must be kept were removed or changed, e.g. {bad[:3]}"


def test_report_deleted_list():
    got = report().get("deleted")
    assert lct_verify.same(got, E["deleted"]), f"deleted: {len(got or [])} paths, want {len(E['deleted'])}"


def test_report_freed_bytes():
    got = report().get("freed_bytes")
    assert lct_verify.same(got, E["freed"]), f"freed_bytes {got!r}, want {E['freed']}"


def test_report_largest_areas():
    r = report()
    if not E["top"]:
        return
    assert lct_verify.same(r.get("largest_areas"), E["top"]), f"largest_areas {r.get('largest_areas')!r}"
