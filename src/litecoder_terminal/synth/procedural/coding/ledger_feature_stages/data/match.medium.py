        if account is not None and t.account != normalize_account(account):
            continue
