    m = sub.add_parser("monthly", help="income and expense per month")
    m.add_argument("file")
