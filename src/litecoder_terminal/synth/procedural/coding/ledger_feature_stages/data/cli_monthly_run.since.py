        if args.since:
            rows = [r for r in rows if r["month"] >= args.since]
