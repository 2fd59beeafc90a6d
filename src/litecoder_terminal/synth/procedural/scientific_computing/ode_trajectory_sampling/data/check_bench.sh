#!/bin/bash
# Test bench of the embedded integrator: compares its samples against the reference data in the run settings.
conf=@@conf@@
status=0
for f in $(sed -n 's/^traj\.[^=]*= *//p' "$conf"); do
  if [ ! -s "$f" ]; then
    echo "check_bench: ERROR: reference trajectory $f missing (see $conf and MODEL.md)" >&2
    status=1
  fi
done
summary=$(sed -n 's/^summary *= *//p' "$conf")
if [ "$summary" != "(none)" ] && [ ! -s "$summary" ]; then
  echo "check_bench: ERROR: event summary $summary missing" >&2
  status=1
fi
[ $status = 0 ] && echo "check_bench: reference data present"
exit $status
