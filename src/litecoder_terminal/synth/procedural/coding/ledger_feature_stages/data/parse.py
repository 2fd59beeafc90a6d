"""Reading transaction exports (CSV: date,account,amount,memo)."""

import csv
import re
from dataclasses import dataclass


@dataclass
class Txn:
    date: str  # ISO date, YYYY-MM-DD
    account: str  # normalised account name, e.g. "expenses:food"
    amount: int  # in cents; negative means money going out
    memo: str


def parse_amount(text):
    """Amount in cents: "12.50" -> 1250, "-3.2" -> -320, "7" -> 700, "(4.00)" -> -400 (accounting style
    negative), "1,234.56" -> 123456. Raises ValueError for anything else (empty, letters, more than two
    decimals)."""
    s = text.strip()
    neg = False
@@paren@@    if s.startswith("-"):
        neg, s = not neg, s[1:]
@@thousands@@    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", s):
        raise ValueError(f"bad amount: {text!r}")
@@convert@@    return -cents if neg else cents


def normalize_account(name):
    """Account names ignore surrounding whitespace and letter case: " Expenses:Food " -> "expenses:food"."""
    return @@norm@@


def load_transactions(path):
    """Transactions of a CSV export with the header date,account,amount,memo, in file order.

    The file is UTF-8 and may start with a byte-order mark; rows with an empty date cell (separator rows)
    are skipped.
    """
    with open(path, encoding="@@enc@@", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
@@skip@@        out.append(Txn(row["date"].strip(), normalize_account(row["account"]), parse_amount(row["amount"]),
                       (row.get("memo") or "").strip()))
    return out
