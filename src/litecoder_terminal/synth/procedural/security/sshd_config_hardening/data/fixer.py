import re
POLICY = {"permitrootlogin": "PermitRootLogin no", "passwordauthentication": "PasswordAuthentication no",
          "x11forwarding": "X11Forwarding no", "maxauthtries": "MaxAuthTries 3",
          "permitemptypasswords": "PermitEmptyPasswords no"}
if P["ciphers"]:
    POLICY["ciphers"] = "Ciphers " + P["ciphers"]
KEYS = re.compile(r"^\s*(%s)\b" % "|".join(POLICY), re.I)
if FIX_DROPINS:
    for name in globber("/etc/ssh/sshd_config.d/*.conf"):
        text = read(name)
        new = "".join(("# hardening: " + l) if KEYS.match(l) else l for l in text.splitlines(True))
        if new != text:
            write(name, new)
main = "/etc/ssh/sshd_config"
lines = read(main).splitlines()
if APPEND:
    lines += [""] + list(POLICY.values())
else:
    first_match = next((i for i, l in enumerate(lines) if re.match(r"^\s*Match\b", l, re.I)), len(lines))
    head, blocks = lines[:first_match], []
    for l in lines[first_match:]:
        if re.match(r"^\s*Match\b", l, re.I):
            blocks.append([l])
        else:
            blocks[-1].append(l)
    head = [l for l in head if not KEYS.match(l)]
    at = next(i for i, l in enumerate(head) if re.match(r"^\s*Include\b", l, re.I)) + 1
    head[at:at] = ["", "# --- hardening policy (first value wins: keep these above everything else) ---"] + \
        list(POLICY.values())
    out = list(head)
    for block in blocks:
        hdr, body = block[0], [l for l in block[1:] if not KEYS.match(l) and not re.match(r"^\s*AllowTcpForwarding\b", l, re.I)]
        is_sftp = re.match(r"^\s*Match\s+Group\s+%s\s*$" % re.escape(P["sftp_group"]), hdr, re.I)
        if is_sftp:
            tail_blank = []
            while body and not body[-1].strip():
                tail_blank.insert(0, body.pop())
            body.append("    AllowTcpForwarding no")
            if P["exception"] == "group" and KEEP_EXCEPTION:
                body.append("    PasswordAuthentication yes")
            body += tail_blank
        else:
            keep_tcp = [l for l in block[1:] if re.match(r"^\s*AllowTcpForwarding\b", l, re.I)]
            body = keep_tcp + body
        out += [hdr] + body
    if P["exception"] == "group+office" and KEEP_EXCEPTION:
        out += ["", "Match Group %s Address %s" % (P["sftp_group"], P["office"]), "    PasswordAuthentication yes"]
    lines = out
write(main, "\n".join(lines) + "\n")
