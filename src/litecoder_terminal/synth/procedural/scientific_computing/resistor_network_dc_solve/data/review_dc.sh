#!/bin/bash
# Design review: are the DC operating-point results in place (see the settings for where)?
set -u
conf=@@conf@@
echo "review: settings $conf"
status=0
for key in voltages sources power; do
  path=$(sed -n "s/^$key *= *//p" "$conf")
  [ "$path" = "(none)" ] && continue
  if [ -s "$path" ]; then echo "review: $key ok ($path)"; else echo "review: FAIL $key missing: $path" >&2; status=1; fi
done
exit $status
