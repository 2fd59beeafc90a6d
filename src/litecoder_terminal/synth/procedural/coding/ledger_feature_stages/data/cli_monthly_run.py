    if args.command == "monthly":
        rows = @@call@@
@@since@@@@json@@        print("month,income,expense,net,count")
        for r in rows:
            print(f"{r['month']},{format_cents(r['income'])},{format_cents(r['expense'])},"
                  f"{format_cents(r['net'])},{r['count']}")
        return 0
