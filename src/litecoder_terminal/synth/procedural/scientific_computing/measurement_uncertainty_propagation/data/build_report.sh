#!/bin/bash
# Builds the lab report from the derived results named in the analysis settings.
set -u
conf=@@conf@@
echo "report: settings $conf"
status=0
for key in results incomplete summary; do
  path=$(sed -n "s/^$key *= *//p" "$conf")
  [ "$path" = "(none)" ] && continue
  if [ -s "$path" ]; then echo "report: $key ok ($path)"; else echo "report: ERROR $key missing: $path" >&2; status=1; fi
done
[ $status = 0 ] && echo "report: built" || echo "report: build aborted" >&2
exit $status
