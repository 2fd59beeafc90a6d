"""Check every stage: manifest choice, audit rows, restored tree (content and modes), quarantine, report, and that
the evidence (manifests, signatures, key, backups) is untouched (tests/expected.json holds the answers)."""

import csv
import hashlib
import os
import stat
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
ROOT = Path(EXP["root"])


def sha(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def text(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def rows(path):
    data = list(csv.reader(text(path).splitlines()))
    assert data, f"{path} is empty"
    return data[0], [r for r in data[1:] if r]


def test_evidence_untouched():
    assert lct_verify.untouched() == [], f"evidence changed: {lct_verify.untouched()}"


def test_stage1_authentic_manifest_identified():
    assert text(EXP["out"]["used"]).strip() == EXP["authentic"], "not the authentic manifest"


def test_stage2_audit():
    header, body = rows(EXP["out"]["audit"])
    assert header == ["path", "status"], f"audit header {header}"
    assert body == EXP["audit"], f"audit rows {body} != {EXP['audit']}"


def test_stage3_tree_matches_release():
    assert ROOT.is_dir() and not ROOT.is_symlink(), f"{ROOT} is missing"
    present = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() or p.is_symlink())
    assert present == sorted(EXP["final"]), f"unexpected or missing files: {sorted(set(present) ^ set(EXP['final']))}"
    links = [r for r in present if (ROOT / r).is_symlink()]
    assert not links, f"symlinks in the tree: {links}"
    bad = [r for r, want in EXP["final"].items() if sha(ROOT / r) != want["sha256"]]
    assert not bad, f"content does not match the manifest: {bad}"


def test_stage3_restored_modes():
    bad = [(r, oct(stat.S_IMODE(os.lstat(ROOT / r).st_mode))) for r, m in EXP["restored_modes"].items()
           if not (ROOT / r).is_file() or stat.S_IMODE(os.lstat(ROOT / r).st_mode) != m]
    assert not bad, f"restored files with the wrong mode: {bad}"


def test_stage3_quarantine():
    for rel, digest in EXP["intruders"].items():
        q = Path(EXP["quarantine"]) / rel
        assert q.is_file() and not q.is_symlink(), f"{rel} is not in quarantine"
        assert sha(q) == digest, f"{rel} changed on its way to quarantine"


def test_stage4_restore_report():
    header, body = rows(EXP["out"]["restore"])
    assert header == ["path", "action", "source"], f"report header {header}"
    assert body == EXP["restore"], f"report rows {body} != {EXP['restore']}"
