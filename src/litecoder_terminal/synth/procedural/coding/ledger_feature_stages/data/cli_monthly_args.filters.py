    m.add_argument("--account")
    m.add_argument("--format", choices=["csv", "json"], default="csv")
