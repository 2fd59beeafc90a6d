import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from @@pkg@@.parse import Txn, parse_amount  # noqa: E402
from @@pkg@@.report import balances, format_cents  # noqa: E402


def test_parse_amount_plain():
    assert parse_amount("12.50") == 1250
    assert parse_amount("-3") == -300


def test_balances():
    txns = [Txn("2024-01-02", "a", 100, ""), Txn("2024-01-03", "a", -30, ""), Txn("2024-02-01", "b", 5, "")]
    assert balances(txns) == {"a": 70, "b": 5}


def test_format_cents():
    assert format_cents(-5) == "-0.05"
