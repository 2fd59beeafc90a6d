#!/bin/bash
# Alternative: the whole computation in awk (no Python), settings read with sed, sample order by sort.
set -euo pipefail
conf=@@conf@@
get() { sed -n "s/^$1 *= *//p" "$conf"; }
log=$(get log); results=$(get results); result=$(get result); factor=$(get factor)
incomplete=$(get incomplete); summary=$(get summary); exps=$(get exponents); nosc=$(get oscillations)
case "$result" in
  density) const='4/pi' ;; resistivity) const='pi/4' ;; energy) const='0.5' ;; g) const="4*pi*pi*$nosc*$nosc" ;;
  *) echo "unknown result $result" >&2; exit 1 ;;
esac
mkdir -p "$(dirname "$results")"
tmp=$(mktemp)
awk -F, -v exps="$exps" -v constexpr="$const" -v factor="$factor" -v miss="$tmp" '
BEGIN {
  split("m 1 cm 0.01 mm 0.001 um 0.000001 in 0.0254 ft 0.3048 kg 1 g 0.001 mg 0.000001 lb 0.45359237 " \
        "s 1 ms 0.001 min 60 Ohm 1 mOhm 0.001 kOhm 1000", t, " ")
  for (i = 1; i in t; i += 2) F[t[i]] = t[i + 1]
  nq = split(exps, e, ",")
  for (i = 1; i <= nq; i++) { split(e[i], kv, ":"); gsub(/ /, "", kv[1]); Q[i] = kv[1]; P[kv[1]] = kv[2] + 0 }
  pi = atan2(0, -1)
  if (constexpr == "4/pi") C = 4 / pi; else if (constexpr == "pi/4") C = pi / 4; else if (constexpr == "0.5") C = 0.5
  else { split(constexpr, c, "*"); C = 4 * pi * pi * c[4] * c[5] }
}
NR > 1 {
  f = F[$5]; k = $1 SUBSEP $2; v = $3 * f; u = $4 * f
  n[k]++; sum[k] += v; sq[k] += v * v; vals[k, n[k]] = v
  if (!(k in ub) || u > ub[k]) ub[k] = u
  seen[$1] = 1
}
END {
  for (s in seen) {
    ok = 1
    for (i = 1; i <= nq; i++) if (!((s SUBSEP Q[i]) in n)) ok = 0
    if (!ok) { print s > miss; continue }
    val = C; rel2 = 0
    for (i = 1; i <= nq; i++) {
      k = s SUBSEP Q[i]; m = sum[k] / n[k]; u = ub[k]
      if (n[k] > 1) {
        ss = 0; for (j = 1; j <= n[k]; j++) ss += (vals[k, j] - m) ^ 2
        u = sqrt(ss / (n[k] - 1) / n[k] + u * u)
      }
      p = P[Q[i]]; val *= m ^ p; a = (p < 0 ? -p : p); rel2 += (a * u / m) ^ 2
    }
    printf "%s,%.10g,%.10g\n", s, val / factor, (val < 0 ? -val : val) * sqrt(rel2) / factor
  }
}' "$log" | LC_ALL=C sort -t, -k1,1 > "$tmp.rows"
{ echo "sample,$result,${result}_unc"; cat "$tmp.rows"; } > "$results"
if [ "$incomplete" != "(none)" ]; then LC_ALL=C sort "$tmp" > "$incomplete"; fi
if [ "$summary" != "(none)" ]; then
  awk -F, '{ w = 1 / ($3 * $3); sw += w; swv += w * $2; n++ }
    END { printf "{\"n_samples\": %d, \"weighted_mean\": %.12g, \"weighted_mean_unc\": %.12g}\n", n, swv / sw, 1 / sqrt(sw) }' \
    "$tmp.rows" > "$summary"
fi
rm -f "$tmp" "$tmp.rows"
cat "$results"
