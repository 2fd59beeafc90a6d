        if args.format == "json":
            print(json.dumps([{"month": r["month"], "income": format_cents(r["income"]),
                               "expense": format_cents(r["expense"]),
                               "net": format_cents(r["net"]), "count": r["count"]}
                              for r in rows], indent=2))
            return 0
