        if account is not None:
            want = normalize_account(account)
            if t.account != want and not t.account.startswith(want + ":"):
                continue
