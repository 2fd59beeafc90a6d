#!/bin/bash
# Reference: find the gateway and its route table, learn where each backend really listens, rebuild the table
# from the routing contract, then probe every route through the gateway.
set -euo pipefail
# What is running on this host? The gateway and the backends are python processes started by start-stack.
for i in $(seq 1 40); do ps -eo args | grep -q '[g]ateway.py' && break; sleep 0.25; done
ps -eo pid,args | grep -v ' ps ' | grep '[p]ython3'
# The gateway's docstring documents the route table and its format; its PORT constant says where it listens.
sed -n '1,12p' /opt/gateway/gateway.py
gw=$(sed -n 's/^PORT = //p' /opt/gateway/gateway.py)
echo "gateway port: $gw"
for i in $(seq 1 40); do curl -s "http://127.0.0.1:$gw/" >/dev/null && break; sleep 0.25; done
# What lives next to the route table? (contract, inventory, backups)
ls -la /etc/gateway
cat /etc/gateway/routes.conf
# The log says which lines the gateway skipped and which upstreams failed.
tail -n 20 /var/log/gateway/gateway.log || true
ls /var/log/gateway
# The symptom first: a request through the gateway for a few contract prefixes.
grep -v '^#' /etc/gateway/contract.txt | awk 'NF == 3 {print $1}' | head -n 3 | while read -r pub; do
  curl -s -o /dev/null -w "$pub -> %{http_code}\n" "http://127.0.0.1:$gw${pub}probe" || true
done
# The contract is the source of truth for prefixes and rewrites.
cat /etc/gateway/contract.txt
grep -v '^#' /etc/gateway/contract.txt | awk 'NF == 3@@nested@@' > /tmp/contract.txt
wc -l < /tmp/contract.txt
# The inventory is suspected stale: compare it with how each backend was actually started.
cat /etc/gateway/services.txt
nsvc=$(grep -c 'backend.py' /usr/local/sbin/start-stack)
for i in $(seq 1 40); do [ "$(ps -eo args | grep -c '[b]ackend.py')" -ge "$nsvc" ] && break; sleep 0.25; done
ps -eo args | grep '[b]ackend.py' | awk '{print $3, $4}' | sort > /tmp/ports.txt
cat /tmp/ports.txt
diff <(grep -v '^#' /etc/gateway/services.txt | awk '{print $1, $2}' | sort) /tmp/ports.txt || true
# Each backend must confirm its name on the port we found.
while read -r svc port; do
  curl -s "http://127.0.0.1:$port/__whoami" || echo "$svc: not answering on $port"; echo
done < /tmp/ports.txt
# Rebuild the table: one line per contract route, real port, rewrite when the contract asks for one.
cp -n /etc/gateway/routes.conf /tmp/routes.conf.orig || true
{
  echo '# public-prefix  upstream  [upstream-prefix]  (rebuilt from /etc/gateway/contract.txt)'
  while read -r pub svc up; do
    port=$(awk -v s="$svc" '$1 == s {print $2}' @@ports@@)
    if [ "$up" = - ]@@rewrite@@; then echo "$pub http://127.0.0.1:$port"; else echo "$pub http://127.0.0.1:$port $up"; fi
  done < /tmp/contract.txt
} > /tmp/routes.new
cat /tmp/routes.new > /etc/gateway/routes.conf
diff /tmp/routes.conf.orig /etc/gateway/routes.conf || true
# Check: every contract prefix reaches its service with the promised path, queries intact ...
while read -r pub svc up; do
  curl -s "http://127.0.0.1:$gw${pub}probe?x=1"; echo
done < /tmp/contract.txt
# ... and a path outside the contract still gets the gateway's own 404.
curl -s -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$gw/not-routed"
