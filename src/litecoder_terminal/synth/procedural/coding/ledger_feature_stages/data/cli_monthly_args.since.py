    m.add_argument("--since", help="first month to include, YYYY-MM")
