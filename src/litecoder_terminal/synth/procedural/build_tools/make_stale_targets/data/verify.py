"""The plan must equal the recipes GNU make would run (computed from the dependency graph and the timestamps when
the task was made), and the tree must be untouched: same files, same contents, same mtimes."""

import os
from pathlib import Path

import lct_verify

E = lct_verify.expected()
ROOT = Path("@@root@@")
OUT = Path("@@out@@")


def test_tree_contents_untouched():
    present = sorted(str(p) for p in ROOT.rglob("*") if p.is_file() or p.is_symlink())
    assert present == sorted(E["untouched"]), "files were added or removed under the project"
    assert lct_verify.untouched() == [], f"changed: {lct_verify.untouched()}"


def test_timestamps_untouched():
    for rel, mtime in E["mtimes"].items():
        assert int(os.lstat(ROOT / rel).st_mtime) == mtime, f"mtime of {rel} changed"


def test_plan_lists_exactly_the_recipes_in_order():
    assert OUT.is_file() and not OUT.is_symlink(), f"{OUT} is missing"
    lines = [line.strip() for line in OUT.read_text().splitlines() if line.strip()]
    assert set(lines) == set(E["expected"]), (sorted(set(lines) - set(E["expected"])),
                                              sorted(set(E["expected"]) - set(lines)))
    assert lines == E["expected"], "the targets are right but not in the order make runs their recipes"
