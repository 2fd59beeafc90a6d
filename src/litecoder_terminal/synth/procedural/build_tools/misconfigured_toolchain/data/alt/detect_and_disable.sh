#!/bin/bash
# Alternative: a generic sweep instead of reading the errors one by one. Each local override in /usr/local/bin
# that shadows a tool of /usr/bin is probed (compile a trivial program, start the interpreter); one that fails
# where the system tool works is moved aside (not deleted). Login fragments' exports of build variables that name
# missing paths (or a tree shadowing the standard library) are commented out (not deleted), found by python.
set -uo pipefail
mkdir -p /root/disabled-wrappers
printf 'int main(void) { return 0; }\n' > /tmp/alt-probe.c
probe() {
  case "$(basename "$1")" in
    cc|gcc) "$1" -o /tmp/alt-probe /tmp/alt-probe.c ;;
    python3) "$1" -c 'import json' ;;
    *) return 0 ;;
  esac
}
for f in /usr/local/bin/*; do
  real=/usr/bin/$(basename "$f")
  [ -x "$real" ] || continue
  if ! probe "$f" >/dev/null 2>&1 && probe "$real" >/dev/null 2>&1; then
    echo "disabling $f: it fails where $real works"
    mv "$f" /root/disabled-wrappers/
  fi
done
rm -f /tmp/alt-probe /tmp/alt-probe.c
python3 - <<'PY'
import os
import re

for name in sorted(os.listdir("/etc/profile.d")):
    path = os.path.join("/etc/profile.d", name)
    if not name.endswith(".sh"):
        continue
    lines = open(path).read().splitlines(keepends=True)
    out = []
    for line in lines:
        m = re.match(r'export (CC|CFLAGS|PYTHONPATH)=(.*)', line)
        if m:
            paths = re.findall(r'/[^\s"\':]+', m.group(2))
            if any(not os.path.exists(p) or os.path.isdir(os.path.join(p, "json")) for p in paths):
                print(f"{path}: commenting out {line.strip()}")
                line = "# disabled (stale): " + line
        out.append(line)
    open(path, "w").write("".join(out))
PY
rm -rf /tmp/alt-repro && cp -r @@proj@@ /tmp/alt-repro && chmod -R a+rwX /tmp/alt-repro
runuser -u nobody -- bash -lc 'cd /tmp/alt-repro && make clean test'
rm -rf /tmp/alt-repro
