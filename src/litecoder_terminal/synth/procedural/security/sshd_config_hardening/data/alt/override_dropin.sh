#!/bin/bash
# Alternative: leave every existing file alone and add one drop-in that sorts first (00-), so its values are read
# before all others: the policy globally, then Match blocks for the partners and a catch-all `Match User *`
# that overrides the password and X11 values the existing Match blocks set.
set -euo pipefail
cd /etc/ssh
grep -n -i 'include' sshd_config
{
  echo "# 00-hardening.conf: read first, so these values win"
  echo "PermitRootLogin no"
  echo "PasswordAuthentication no"
  echo "X11Forwarding no"
  echo "MaxAuthTries 3"
  echo "PermitEmptyPasswords no"
  if [ -n "@@ciphers@@" ]; then echo "Ciphers @@ciphers@@"; fi
  if [ "@@exception@@" = "group+office" ]; then
    echo "Match Group @@sftp_group@@ Address @@office@@"
    echo "    PasswordAuthentication yes"
  fi
  echo "Match Group @@sftp_group@@"
  echo "    AllowTcpForwarding no"
  echo "    X11Forwarding no"
  if [ "@@exception@@" = "group" ]; then echo "    PasswordAuthentication yes"; else echo "    PasswordAuthentication no"; fi
  echo "Match User *"
  echo "    PasswordAuthentication no"
  echo "    X11Forwarding no"
  echo "    PermitRootLogin no"
  echo "    MaxAuthTries 3"
  echo "    PermitEmptyPasswords no"
} > sshd_config.d/00-hardening.conf
cat sshd_config.d/00-hardening.conf
