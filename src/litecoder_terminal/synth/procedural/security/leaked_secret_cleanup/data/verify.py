"""Check the report against the secrets planted in the tree, and every file of the tree against its expected bytes
(digests made when the task was generated; nothing here runs the agent's code)."""

import csv
import hashlib
import os
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
ROOT = Path(EXP["root"])


def tree_files():
    """Every entry under the root that is not a directory, by relative path; a symlink fails (it is no file)."""
    assert ROOT.is_dir() and not ROOT.is_symlink(), f"{ROOT} is missing or not a directory"
    out = {}
    for dirpath, dirs, names in os.walk(ROOT):
        for n in dirs + names:
            p = Path(dirpath) / n
            assert not p.is_symlink(), f"{p} is a symbolic link"
            if n in names:
                out[str(p.relative_to(ROOT))] = p
    return out


def digest(p):
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_report_rows():
    report = Path(EXP["report"])
    assert report.is_file() and not report.is_symlink(), f"{report} is missing (or not a regular file)"
    rows = list(csv.reader(report.read_text().splitlines()))
    assert rows and rows[0] == ["file", "line", "type"], f"{report}: header is {rows[:1]}"
    got = []
    for r in rows[1:]:
        if not r:
            continue
        assert len(r) == 3 and r[1].strip().isdigit(), f"{report}: malformed row {r}"
        got.append([r[0], int(r[1]), r[2]])
    want = EXP["rows"]
    missing = [r for r in want if r not in got]
    extra = [r for r in got if r not in want]
    assert not missing and not extra, f"missing {missing[:4]}, unexpected {extra[:4]}"
    assert got == want, "rows are right but not in the required order"


def test_no_files_added_or_removed():
    got = sorted(tree_files())
    want = sorted(EXP["before"])
    assert got == want, f"added {sorted(set(got) - set(want))[:4]}, removed {sorted(set(want) - set(got))[:4]}"


def test_clean_files_untouched():
    files = tree_files()
    changed = [rel for rel, d in EXP["before"].items()
               if EXP["after"][rel] == d and rel in files and digest(files[rel]) != d]
    assert not changed, f"files that must not change were modified: {changed[:6]}"


def test_secret_files_as_required():
    # Audit only: the files with secrets keep their bytes; redaction: exactly the expected redacted bytes.
    files = tree_files()
    wrong = [rel for rel, d in EXP["after"].items()
             if EXP["before"][rel] != d and (rel not in files or digest(files[rel]) != (d if EXP["redact"]
                                                                                     else EXP["before"][rel]))]
    what = "redacted content differs from the expected bytes" if EXP["redact"] else "audit only, but changed"
    assert not wrong, f"{what}: {wrong[:6]}"


def test_secrets_gone_and_fakes_kept():
    files = tree_files()
    blob = {rel: p.read_bytes() for rel, p in files.items()}
    if EXP["redact"]:
        left = [(rel, s[:10]) for rel, data in blob.items() for s in EXP["secrets"] if s.encode() in data]
        assert not left, f"secrets still present: {left[:5]}"
    rest = b"".join(data for rel, data in blob.items() if rel != ".secrets-allowlist")
    for fake in EXP["fakes"]:
        assert fake.encode() in rest, f"allowlisted value {fake[:8]}... was removed"
