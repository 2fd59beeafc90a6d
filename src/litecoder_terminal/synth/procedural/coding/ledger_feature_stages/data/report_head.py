"""Aggregations over transactions."""

from .parse import normalize_account


def balances(txns):
    """Total amount in cents per account: {account: cents}."""
    totals = {}
    for t in txns:
        totals[t.account] = totals.get(t.account, 0) + t.amount
    return totals


def format_cents(cents):
    """1234 -> "12.34", -5 -> "-0.05", 0 -> "0.00"."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
