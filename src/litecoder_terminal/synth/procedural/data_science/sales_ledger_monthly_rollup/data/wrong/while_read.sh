#!/bin/bash
# Known wrong: a `while read` loop silently loses the final line of a file without a trailing newline.
mkdir -p "$(dirname @@out@@)"
declare -A orders units rev
while IFS=, read -r id date region sku qty price; do
  [ "$id" = "@@id_col@@" ] && continue
  k="${date:0:7},$region"
  orders[$k]=$(( ${orders[$k]:-0} + 1 ))
  units[$k]=$(( ${units[$k]:-0} + qty ))
  c=$(python3 -c "print(round($price * 100))")
  rev[$k]=$(( ${rev[$k]:-0} + qty * c ))
done < @@in_dir@@/@@file@@
{
  echo "month,region,orders,units,revenue"
  for k in "${!orders[@]}"; do
    r=${rev[$k]}
    printf '%s,%s,%s,%d.%02d\n' "$k" "${orders[$k]}" "${units[$k]}" $((r / 100)) $((r % 100))
  done | sort -t, -k1,1 -k2,2
} > @@out@@
