#!/bin/bash
# Alternative: date the outage with awk, then a diagnose-by-error-code loop: start, read the error the service
# printed, fix that one cause (different tools than the reference: python for the config, chmod instead of chown,
# the resolved interpreter path), retry; the codes seen on the way are the report's error codes.
set -uo pipefail
svc=@@svc@@
log=/var/log/$svc/$svc.log
conf=/etc/$svc/$svc.conf
down=$(for f in $(ls -r /var/log/$svc/); do zcat -f "/var/log/$svc/$f"; done | awk '
  /ctl: start requested/ { n++; t[n] = $1; ok[n] = 0; next }
  / listening on / && n { ok[n] = 1 }
  END { last = 0; for (i = 1; i <= n; i++) if (ok[i]) last = i
        for (i = last + 1; i <= n; i++) if (!ok[i]) { print t[i]; exit } }')
codes=""
for attempt in $(seq 1 10); do
  if /usr/local/bin/${svc}ctl start && sleep 1 && curl -fsS http://127.0.0.1:@@port@@/health >/dev/null; then
    break
  fi
  /usr/local/bin/${svc}ctl stop >/dev/null 2>&1 || true
  err=$(grep -E ' ERROR |^runuser:' "$log" | tail -n 1)
  echo "attempt $attempt: $err"
  case "$err" in
    runuser:*)
      sed -i "s#^PYTHON=.*#PYTHON=$(readlink -f /usr/bin/python3)#" /usr/local/bin/${svc}ctl ;;
    *" E101 "*)
      codes="$codes E101"
      python3 - "$conf" <<'PY'
import sys
fix = {"datadir": "data_dir", "worker": "workers", "loglevel": "log_level", "cache_size_mb": "cache_mb"}
path = sys.argv[1]
out = []
for line in open(path).read().splitlines():
    key, sep, rest = line.partition("=")
    out.append(fix.get(key.strip(), key.strip()) + " =" + rest if sep and key.strip() in fix else line)
open(path, "w").write("\n".join(out) + "\n")
PY
      ;;
    *" E102 "*)
      codes="$codes E102"; sed -i -E 's/^listen_port *=.*/listen_port = @@port@@/' "$conf" ;;
    *" E103 "*)
      codes="$codes E103"; sed -i -E 's/^(workers?) *=.*/\1 = 2/' "$conf" ;;
    *" E201 "*)
      codes="$codes E201"; chmod 0755 /var/lib/$svc/records; chmod 0644 /var/lib/$svc/records/*.jsonl ;;
    *" E301 "*)
      codes="$codes E301"
      bad=$(sed -n 's/.*corrupt record in \([^ ]*\) line.*/\1/p' <<< "$err")
      mv "$bad" /var/lib/$svc/quarantine/ ;;
    *) echo "unexpected: $err" >&2; exit 1 ;;
  esac
done
health=$(curl -fsS http://127.0.0.1:@@port@@/health)
mkdir -p "$(dirname '@@report@@')"
python3 - "$down" "$codes" "$health" > '@@report@@' <<'PY'
import json, sys
down, codes, health = sys.argv[1], sys.argv[2].split(), json.loads(sys.argv[3])
print(json.dumps({"version": health["version"], "records": health["records"], "down_since": down,
                  "error_codes": sorted(set(codes))}))
PY
