#!/bin/bash
# Alternative: no reading ahead - start the service, take the error it printed, fix exactly that cause (Python for
# the config edits, a permission fix by the owner's bits only, the data directory taken from the runbook), retry;
# the codes and the fragments touched on the way make the report.
set -uo pipefail
svc=@@svc@@
log=/var/log/$svc/$svc.log
confd=/etc/$svc/conf.d
codes=$(grep -oE 'ERROR E[0-9]+' "$log" | cut -d' ' -f2 | sort -u)
frags=""
for attempt in $(seq 1 8); do
  if /usr/local/bin/${svc}ctl start && sleep 1 && curl -fsS http://127.0.0.1:@@port@@/health >/dev/null; then
    break
  fi
  /usr/local/bin/${svc}ctl stop >/dev/null 2>&1 || true
  err=$(grep ' ERROR ' "$log" | tail -n 1)
  echo "attempt $attempt: $err"
  code=$(awk '{print $3}' <<< "$err")
  codes="$codes $code"
  case "$code" in
    E110)
      f=$(sed -n 's/.*cannot read config file \([^:]*\):.*/\1/p' <<< "$err")
      chmod u=rw,go=r "$f"; frags="$frags $(basename "$f")" ;;
    E103|E105)
      key=$([ "$code" = E103 ] && echo workers || echo timeout_s)
      f=$(grep -lE "^$key *=" "$confd"/*.conf | tail -n 1)
      python3 - "$f" "$key" <<'PY'
import sys
path, key = sys.argv[1], sys.argv[2]
lines = open(path).read().splitlines()
keep = [l for l in lines if l.split("=", 1)[0].strip() != key]
open(path, "w").write("\n".join(keep) + "\n")
PY
      frags="$frags $(basename "$f")" ;;
    E204)
      f=$(grep -lE '^access_log *=' "$confd"/*.conf | tail -n 1)
      python3 - "$f" "/var/log/$svc/access.log" <<'PY'
import re, sys
path, want = sys.argv[1], sys.argv[2]
text = open(path).read()
open(path, "w").write(re.sub(r"(?m)^access_log *=.*$", "access_log = " + want, text))
PY
      frags="$frags $(basename "$f")" ;;
    E201)
      python3 - "/etc/$svc/$svc.env" "/var/lib/$svc" <<'PY'
import sys
path, want = sys.argv[1], sys.argv[2]
lines = ["DATA_DIR=" + want if l.startswith("DATA_DIR=") else l for l in open(path).read().splitlines()]
open(path, "w").write("\n".join(lines) + "\n")
PY
      ;;
    *) echo "unexpected: $err" >&2; exit 1 ;;
  esac
done
health=$(curl -fsS http://127.0.0.1:@@port@@/health)
mkdir -p "$(dirname '@@report@@')"
python3 - "$codes" "$frags" "$health" > '@@report@@' <<'PY'
import json, sys
codes, frags, health = sys.argv[1].split(), sys.argv[2].split(), json.loads(sys.argv[3])
print(json.dumps({"records": health["records"], "fragments": sorted(set(frags)), "error_codes": sorted(set(codes))}))
PY
