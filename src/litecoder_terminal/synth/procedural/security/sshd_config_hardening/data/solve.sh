#!/bin/bash
# Reference: map where every policy keyword is set (main file, drop-ins, Match blocks), neutralise the drop-in
# values that would win, put the policy first in the global section, fix the Match blocks, then re-read.
set -euo pipefail
cd /etc/ssh
# Is there an sshd to ask (sshd -T)? If not, we reason from the files.
command -v sshd || echo "no sshd binary here"
ls -la /etc/ssh /etc/ssh/sshd_config.d
# The policy and the notes that come with the ticket.
cat /etc/ssh/HARDENING.md
# Where do drop-ins come in? Values read first win, so an Include at the top makes the drop-ins win.
grep -n -i '^[[:space:]]*include' sshd_config
for f in sshd_config.d/*.conf; do echo "== $f"; cat "$f"; done
# Every line that sets a policy keyword, anywhere.
grep -rniE '^[[:space:]]*(permitrootlogin|passwordauthentication|x11forwarding|maxauthtries|permitemptypasswords|allowtcpforwarding|ciphers)' sshd_config sshd_config.d/ || true
# The Match blocks: everything after the first Match line belongs to some block.
grep -n -i '^[[:space:]]*match' sshd_config
sed -n "$(grep -n -i -m1 '^[[:space:]]*match' sshd_config | cut -d: -f1),\$p" sshd_config
cp -n sshd_config /root/sshd_config.before-hardening
cp -rn sshd_config.d /root/sshd_config.d.before-hardening
python3 - <<'PY'
P = {"sftp_group": "@@sftp_group@@", "office": "@@office@@", "ciphers": "@@ciphers@@", "exception": "@@exception@@"}
FIX_DROPINS = @@fix_dropins@@  # drop-ins are read first: their policy keywords must go
APPEND = @@append@@  # the policy goes above everything else, never after a Match line
KEEP_EXCEPTION = @@keep_exception@@  # the SFTP partners' password exception stays
@@fixer_io@@
@@fixer@@
PY
# Check: what changed, and the first global value of each policy keyword now.
diff -u /root/sshd_config.before-hardening sshd_config || true
diff -ru /root/sshd_config.d.before-hardening sshd_config.d || true
grep -n -i -m12 -E '^(permitrootlogin|passwordauthentication|x11forwarding|maxauthtries|permitemptypasswords|ciphers)' sshd_config
