

def @@sig@@:
    """One dict per month with transactions, sorted by month:
    {"month": "YYYY-MM", "income": cents in, "expense": cents out, "net": income - expense, "count": n}."""
    months = {}
    for t in txns:
@@match@@        row = months.setdefault(t.date[:7], {"month": t.date[:7], "income": 0, "expense": 0, "net": 0,
                                             "count": 0})
        if t.amount >= 0:
            row["income"] += t.amount
        else:
            @@expense@@
        row["count"] += 1
    for row in months.values():
        row["net"] = @@net@@
    return [months[m] for m in sorted(months)]
