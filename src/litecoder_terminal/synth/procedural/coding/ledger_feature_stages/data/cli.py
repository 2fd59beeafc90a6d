"""Command line: python3 -m @@pkg@@ <command> ..."""

import argparse
import json  # noqa: F401

from .parse import load_transactions
from .report import @@imports@@


def main(argv=None):
    parser = argparse.ArgumentParser(prog="@@pkg@@")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("balance", help="balance per account")
    b.add_argument("file")
    b.add_argument("--format", choices=["table", "csv"], default="table")
@@monthly_args@@    args = parser.parse_args(argv)
    txns = load_transactions(args.file)
@@monthly_run@@    totals = balances(txns)
    if args.format == "csv":
        print("account,balance")
        for acc in sorted(totals):
            print(f"{acc},{format_cents(totals[acc])}")
    else:
        width = max((len(a) for a in totals), default=7)
        for acc in sorted(totals):
            print(f"{acc:<{width}}  {format_cents(totals[acc]):>12}")
    return 0
