"""Compare the agent's files with the answers worked out when the task was made (tests/expected.json: the
blocklist, the offender report and the suspicious logins), and check the logs were left alone."""

import csv
from pathlib import Path

import lct_verify

EXP = lct_verify.expected()
P = EXP["params"]  # the logs, the rules' numbers and the output paths
ANSWERS = EXP["answers"]  # blocklist, report rows, suspicious logins: hidden here, never in the agent's image


def expected():
    return ANSWERS["blocklist"], ANSWERS["report"], ANSWERS["compromised"]


def output(path):
    p = Path(path)
    assert p.is_file() and not p.is_symlink(), f"{path} is missing (or not a regular file)"
    return p.read_text()


def test_logs_untouched():
    assert lct_verify.untouched() == []


def test_blocklist_addresses():
    got = [ln.strip() for ln in output(P["blocklist"]).splitlines() if ln.strip()]
    want = expected()[0]
    assert sorted(got) == sorted(want), f"missing {sorted(set(want) - set(got))}, unexpected {sorted(set(got) - set(want))}"


def test_blocklist_numeric_order():
    got = [ln.strip() for ln in output(P["blocklist"]).splitlines() if ln.strip()]
    assert got == expected()[0]
