"""Check the account database and home directories against the state derived from the HR export (hidden)."""

import filecmp
import grp
import os
import pwd
import stat

import lct_verify

E = lct_verify.expected()
MANAGED = sorted(E["active"]) + sorted(E["terminated"]) + [E["local"]["user"]]


def shadow():
    out = {}
    with open("/etc/shadow") as f:
        for line in f:
            parts = line.rstrip("\n").split(":")
            out[parts[0]] = parts
    return out


def supplementary(user):
    return sorted(g.gr_name for g in grp.getgrall() if user in g.gr_mem)


def test_groups_with_fixed_gids():
    for name, gid in E["gids"].items():
        assert grp.getgrnam(name).gr_gid == gid, (name, grp.getgrnam(name).gr_gid, gid)
    gids = [g.gr_gid for g in grp.getgrall()]
    assert len(gids) == len(set(gids)), "two groups share a GID"


def test_accounts():
    for user, a in E["active"].items():
        pw = pwd.getpwnam(user)
        got = [pw.pw_uid, pw.pw_gid, pw.pw_gecos.split(",")[0], pw.pw_dir, pw.pw_shell]
        assert got == [a["uid"], a["gid"], a["gecos"], a["home"], "/bin/bash"], (user, got)


def test_terminated_accounts_locked():
    sh = shadow()
    for user, t in E["terminated"].items():
        pw = pwd.getpwnam(user)
        assert [pw.pw_uid, pw.pw_gid, pw.pw_dir] == [t["uid"], t["gid"], t["home"]], (user, "account changed")
        assert sh[user][1].startswith("!") and len(sh[user][1]) > 2, (user, "password not locked")
        assert pw.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin"), (user, pw.pw_shell)
        assert supplementary(user) == [], (user, "still in", supplementary(user))


def test_supplementary_groups_exact():
    for user, a in E["active"].items():
        assert supplementary(user) == sorted(a["groups"]), (user, supplementary(user), a["groups"])


def test_shadow_fields():
    sh = shadow()
    for user, a in E["active"].items():
        assert not (a["preexisting"] and sh[user][1].startswith("!")), (user, "an active account was locked")
        want = "" if a["expire"] is None else str(a["expire"])
        assert sh[user][7] == want, (user, "expiry", sh[user][7], want)
    for user in MANAGED:
        assert sh[user][3:7] == ["0", "99999", "7", ""], (user, "password ageing changed", sh[user][3:7])
        assert sh[user][2].isdigit(), (user, "last change")


def test_home_directories():
    skel = sorted(os.listdir("/etc/skel"))
    for user in MANAGED:
        pw = pwd.getpwnam(user)
        st = os.lstat(pw.pw_dir)
        assert stat.S_ISDIR(st.st_mode), (user, "home is not a directory")
        if user in E["active"]:
            a = E["active"][user]
            assert (st.st_uid, st.st_gid) == (a["uid"], a["gid"]), (user, "home owner")
            assert stat.S_IMODE(st.st_mode) == 0o750, (user, oct(stat.S_IMODE(st.st_mode)))
        for name in skel:
            p = os.path.join(pw.pw_dir, name)
            assert os.path.isfile(p) and not os.path.islink(p), (user, f"{name} missing from the home (/etc/skel)")
            assert filecmp.cmp(p, os.path.join("/etc/skel", name), shallow=False), (user, f"{name} differs from /etc/skel")


def test_no_unexpected_accounts():
    want = set(MANAGED)
    have = {p.pw_name for p in pwd.getpwall() if 1000 <= p.pw_uid < 60000}
    assert have == want, ("unexpected", sorted(have - want), "missing", sorted(want - have))


def test_unrelated_account_untouched():
    loc = E["local"]
    pw = pwd.getpwnam(loc["user"])
    assert [pw.pw_uid, pw.pw_shell, pw.pw_dir] == [loc["uid"], "/bin/bash", f"/home/{loc['user']}"]
    assert supplementary(loc["user"]) == loc["groups"]
    assert not shadow()[loc["user"]][1].startswith("!")
