"""Evaluate the effective sshd configuration for several connections, as sshd -T -C would, and compare."""

import os

import lct_verify
import sshd_eval  # tests/sshd_eval.py: the family's one evaluator module, shipped beside this file

MAIN = "/etc/ssh/sshd_config"
EXP = lct_verify.expected()  # per connection: the policy's values and every other setting as it was


def effs():
    assert os.path.isfile(MAIN) and not os.path.islink(MAIN), f"{MAIN} is missing (or not a regular file)"
    entries = sshd_eval.load(MAIN)
    return [(c, sshd_eval.effective(entries, c["ctx"])) for c in EXP["contexts"]]


def test_root_login_and_auth_limits():
    for c, eff in effs():
        for k in ("permitrootlogin", "maxauthtries", "permitemptypasswords", "x11forwarding"):
            assert eff[k] == c["policy"][k], f"{c['ctx']['name']}: {k} is {eff[k]!r}, want {c['policy'][k]!r}"


def test_password_authentication():
    for c, eff in effs():
        want = c["policy"]["passwordauthentication"]
        assert eff["passwordauthentication"] == want, f"{c['ctx']['name']}: PasswordAuthentication {eff['passwordauthentication']}, want {want}"


def test_tcp_forwarding_and_ciphers():
    for c, eff in effs():
        assert eff["allowtcpforwarding"] == c["policy"]["allowtcpforwarding"], c["ctx"]["name"]
        if "ciphers" in c["policy"]:
            assert eff["ciphers"] == c["policy"]["ciphers"], f"{c['ctx']['name']}: Ciphers {eff['ciphers']}"


def test_everything_else_unchanged():
    for c, eff in effs():
        changed = {k: (eff.get(k), v) for k, v in c["keep"].items() if eff.get(k) != v}
        assert not changed, f"{c['ctx']['name']}: settings changed (now, before): {changed}"
        extra = sorted(set(eff) - set(c["keep"]) - set(c["policy"]))
        assert not extra, f"{c['ctx']['name']}: new settings appeared: {extra}"
