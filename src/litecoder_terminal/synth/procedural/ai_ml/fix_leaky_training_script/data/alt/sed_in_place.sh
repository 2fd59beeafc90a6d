#!/bin/bash
# Alternative: edit the script in place with sed, one expression per possible deviation from the procedure (each
# only matches the deviating form, so it is harmless where the code is already right), then run it.
set -eu
cd @@proj@@
s=@@script@@
sed -i \
  -e 's/if r\[DATE\] <= cutoff\]/if r[DATE] < cutoff]/' \
  -e 's/np\.nanmedian(np\.vstack(\[Xtr, Xte\]), axis=0)/np.nanmedian(Xtr, axis=0)/' \
  -e '/allX = np\.vstack(\[Xtr, Xte\])/d' \
  -e 's/allX\.mean(axis=0), allX\.std(axis=0)/Xtr.mean(axis=0), Xtr.std(axis=0)/' \
  -e 's/penalty\[0, 0\] = lam$/penalty[0, 0] = 0.0/' \
  -e 's/^\( *\)pred = Ate @ w$/\1pred = np.expm1(Ate @ w)/' \
  -e '/^ *yte = np\.log1p(yte)$/d' \
  -e 's/((yte - ytr\.mean()) \*\* 2)/((yte - yte.mean()) ** 2)/' \
  "$s"
python3 "$s"
