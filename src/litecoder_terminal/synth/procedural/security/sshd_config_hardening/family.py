"""Harden an OpenSSH server configuration spread over sshd_config, drop-ins and Match blocks so that the
effective settings (first value wins, Match overrides) meet a policy, without changing anything else."""

from __future__ import annotations

import functools
import fnmatch
import random
from importlib import resources

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.security.sshd_config_hardening import sshd_eval


@functools.lru_cache(maxsize=4)
def _compiled(text: str):
    """data/fixer.py compiled once per process (it is exec'd several times per sample)."""
    return compile(text, "fixer.py", "exec")


@functools.lru_cache(maxsize=1)
def _evaluator_source() -> str:
    """sshd_eval.py as text: the verifier imports the same module (shipped as tests/sshd_eval.py)."""
    return resources.files(__package__).joinpath("sshd_eval.py").read_text(encoding="utf-8")


KNOBS = {
    "fix_dropins": kit.Knob("True", "False", "edits sshd_config only; the drop-ins are read first and still win"),
    "append": kit.Knob("False", "True", "appends the policy at the end of sshd_config, inside the last Match block"),
    "keep_exception": kit.Knob("True", "False", "password logins off for everybody, the SFTP partners included"),
}


class SshdConfigHardening(kit.KitFamily):
    title = "Harden sshd's effective configuration across drop-ins and Match blocks without collateral changes"
    levels = kit.Levels(exception=("none", "group", "group+office"), noise=(0, 0, 1),
                        agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 35))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        medium_up, hard = k.exception != "none", k.exception == "group+office"
        sftp_group = rng.choice(["sftp-partners", "sftponly", "uploaders", "edi"])
        sftp_user = rng.choice(["acme-upload", "partner01", "edi-feed", "vendor7"])
        office = f"10.{rng.randrange(10, 250)}.0.0/16"
        office_ip = office.replace("0.0/16", f"{rng.randrange(256)}.{rng.randrange(1, 255)}")
        # a second office host in the other half of the /16: the whole office network is checked, not one host
        third = int(office_ip.split(".")[2])
        office_ip2 = office.replace("0.0/16", f"{(third + 128) % 256}.{rng.randrange(1, 255)}")
        port = rng.choice([22, 22, 2222, 2022, 4422])
        ciphers = "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com" if medium_up else ""
        exception = k.exception

        main = ["# This is the sshd server system-wide configuration file.  See", "# sshd_config(5) for more information.",
                "", "Include /etc/ssh/sshd_config.d/*.conf", "", f"Port {port}", "#AddressFamily any",
                f"ListenAddress {rng.choice(['0.0.0.0', '::', '10.0.0.5'])}", "",
                "# Authentication:", f"LoginGraceTime {rng.choice(['30', '1m', '2m'])}",
                f"PermitRootLogin {rng.choice(['yes', 'prohibit-password', 'without-password'])}"]
        if rng.random() < 0.6:
            main.append(f"MaxAuthTries {rng.choice([6, 10, 5])}")
        main += ["PubkeyAuthentication yes", "", "PasswordAuthentication no",
                 f"PermitEmptyPasswords {rng.choice(['no', 'yes'])}", "KbdInteractiveAuthentication no", "",
                 "UsePAM yes", "", f"AllowTcpForwarding {rng.choice(['yes', 'local'])}",
                 "X11Forwarding yes", "PrintMotd no", f"ClientAliveInterval {rng.choice([120, 300, 600])}",
                 "ClientAliveCountMax 3", "", "AcceptEnv LANG LC_*", "",
                 "Subsystem sftp /usr/lib/openssh/sftp-server", ""]
        main += [f"Match Group {sftp_group}", "    ChrootDirectory /srv/sftp/%u", "    ForceCommand internal-sftp",
                 f"    AllowTcpForwarding {rng.choice(['yes', 'remote'])}", "    X11Forwarding yes"]
        if medium_up:
            main.append("    PasswordAuthentication yes")
        main.append("")
        if hard:
            main += [f"Match Address {office}", "    PasswordAuthentication yes",
                     f"    Banner /etc/issue.{rng.choice(['office', 'internal'])}", ""]
        main += ["Match User backup", "    PermitTTY no", f"    ForceCommand /usr/local/sbin/backup-{rng.choice(['pull', 'recv'])}", ""]
        dropins = {"50-cloud-init.conf": "PasswordAuthentication yes\n"}
        if medium_up:
            dropins["40-legacy-clients.conf"] = ("# old appliances still need these\n"
                                                 "Ciphers aes256-ctr,aes128-cbc,aes256-cbc,chacha20-poly1305@openssh.com\n"
                                                 f"MaxAuthTries {rng.choice([8, 10, 12])}\n")
        if hard:
            dropins["10-ops.conf"] = ("# ops overrides\npermitrootlogin yes\n"
                                      f"ClientAliveInterval {rng.choice([30, 60])}\n")
        main_text = "\n".join(main)

        # Contexts in which the effective configuration is checked.
        ctxs = [{"name": "root from the internet", "user": "root", "groups": ["root"], "addr": "203.0.113.50"},
                {"name": "staff from the office", "user": "alice", "groups": ["staff"], "addr": office_ip},
                {"name": "staff from outside", "user": "bob", "groups": ["staff", "dev"], "addr": "198.51.100.7"},
                {"name": "partner from the office", "user": sftp_user, "groups": [sftp_group], "addr": office_ip},
                {"name": "partner from the office VPN", "user": sftp_user, "groups": [sftp_group], "addr": office_ip2},
                {"name": "partner from outside", "user": sftp_user, "groups": [sftp_group], "addr": "198.51.100.7"},
                {"name": "backup job", "user": "backup", "groups": ["backup"], "addr": office_ip}]

        before = [self._effective(main_text, dropins, c) for c in ctxs]
        policy_keys = ["permitrootlogin", "passwordauthentication", "x11forwarding", "maxauthtries",
                       "permitemptypasswords", "allowtcpforwarding"] + (["ciphers"] if ciphers else [])
        expected = []
        for c, eff in zip(ctxs, before):
            want = {"permitrootlogin": "no", "x11forwarding": "no", "maxauthtries": "3", "permitemptypasswords": "no"}
            partner = sftp_group in c["groups"]
            if exception == "group" and partner or exception == "group+office" and partner and c["addr"] in (office_ip, office_ip2):
                want["passwordauthentication"] = "yes"
            else:
                want["passwordauthentication"] = "no"
            want["allowtcpforwarding"] = "no" if partner else eff["allowtcpforwarding"]
            if ciphers:
                want["ciphers"] = ciphers
            keep = {k: v for k, v in eff.items() if k not in policy_keys}
            expected.append({"ctx": c, "policy": want, "keep": keep})

        P = {"sftp_group": sftp_group, "office": office, "ciphers": ciphers, "exception": exception}
        # Prove the reference fix and that every known-wrong fix gives another effective configuration.
        results = {}
        for flip in (None, "fix_dropins", "append", "keep_exception"):
            new_main, new_drop = self._apply_fixer(P, flip, main_text, dropins)
            results[flip] = [self._effective(new_main, new_drop, c) for c in ctxs]

        def complies(effs: list[dict]) -> bool:
            return all(all(e[k] == x["policy"][k] for k in x["policy"]) and
                       all(e.get(k) == v for k, v in x["keep"].items()) for e, x in zip(effs, expected))

        if not complies(results[None]):
            raise AssertionError("sshd_config_hardening: reference fix does not comply")
        wrong = {"only-main-file": "fix_dropins", "appends-policy-at-end": "append"}
        if exception != "none":
            wrong["drops-partner-exception"] = "keep_exception"
        for name, flip in wrong.items():
            if complies(results[flip]):
                raise AssertionError(f"sshd_config_hardening: wrong fix {name} complies")

        files: dict[str, str | bytes] = {"environment/sshd_config": main_text + "\n"}
        for name, text in dropins.items():
            files[f"environment/sshd_config.d/{name}"] = text
        if k.noise:  # not read by sshd: a packaging leftover with the vendor defaults, and a stale README
            files["environment/sshd_config.ucf-dist"] = "\n".join(
                line for line in main if not line.startswith("    ") and not line.startswith("Match")) + "\n"
            files["environment/sshd_config.d/README"] = ("Drop-ins: *.conf only, read in lexical order where "
                                                         "sshd_config includes them.\n")
        pw = {"none": self.data("policy/pw_none.md"),
              "group": self.template("policy/pw_group.md", sftp_group=sftp_group),
              "group+office": self.template("policy/pw_office.md", sftp_group=sftp_group, office=office)}[exception]
        policy = (self.data("policy/base.md") + pw + self.template("policy/tcp.md", sftp_group=sftp_group)
                  + (self.template("policy/ciphers.md", ciphers=ciphers) if ciphers else "")).rstrip()
        semantics, keep = self.data("semantics.md").rstrip(), self.data("keep.md").rstrip()
        files["environment/HARDENING.md"] = self.template("HARDENING.md", semantics=semantics, policy=policy,
                                                          keep=keep)
        values = {"sftp_group": sftp_group, "office": office, "ciphers": ciphers, "exception": exception}
        files |= self.solver(KNOBS).files({**values, "fixer": self.data("fixer.py").rstrip(),
                                           "fixer_io": self.data("fixer_io.py").rstrip()}, wrong)
        files |= self.alt_solutions(**values)
        files |= self.verifier()
        files["tests/sshd_eval.py"] = _evaluator_source()
        files |= kit.expected_file({"contexts": expected})
        instruction = self.instruction(intro=self.intro(rng), semantics=semantics, policy=policy, keep=keep)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=("COPY sshd_config /etc/ssh/sshd_config\nCOPY sshd_config.d/ /etc/ssh/sshd_config.d/\n"
                             "COPY HARDENING.md /etc/ssh/HARDENING.md\n"
                             + ("COPY sshd_config.ucf-dist /etc/ssh/sshd_config.ucf-dist\n" if k.noise else "")
                             + "WORKDIR /etc/ssh\n"),
            files=files, tags=["ssh", "sshd_config", "hardening", "cis"],
            artifacts=["/etc/ssh"], outputs=["/etc/ssh/sshd_config"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )


    @staticmethod
    def _memfs(main_text: str, dropins: dict[str, str]) -> dict[str, str]:
        fs = {"/etc/ssh/sshd_config": main_text + "\n"}
        fs.update({f"/etc/ssh/sshd_config.d/{n}": t for n, t in dropins.items()})
        return fs

    @staticmethod
    def _globber(fs: dict[str, str]):
        return lambda pattern: sorted(p for p in fs if fnmatch.fnmatchcase(p, pattern))

    def _effective(self, main_text: str, dropins: dict[str, str], ctx: dict) -> dict:
        """The evaluator run against in-memory files (no disk access at build time)."""
        fs = self._memfs(main_text, dropins)
        return sshd_eval.effective(sshd_eval.load("/etc/ssh/sshd_config", fs.__getitem__, self._globber(fs)), ctx)

    def _apply_fixer(self, P: dict, flip: str | None, main_text: str, dropins: dict[str, str]
                     ) -> tuple[str, dict[str, str]]:
        """The reference fixer (data/fixer.py, with one knob flipped or none) run against in-memory files; returns
        the new main file and drop-ins."""
        fs = self._memfs(main_text, dropins)
        flags = {n.upper(): kn.wrong if n == flip else kn.right for n, kn in KNOBS.items()}
        env = {"P": P, "read": fs.__getitem__, "write": fs.__setitem__, "globber": self._globber(fs),
               **{n: v == "True" for n, v in flags.items()}}
        exec(_compiled(self.data("fixer.py")), env)  # noqa: S102 - our own package data, run on in-memory files
        new_drop = {p.rsplit("/", 1)[1]: t for p, t in fs.items() if p.startswith("/etc/ssh/sshd_config.d/")}
        return fs["/etc/ssh/sshd_config"].rstrip("\n"), new_drop

