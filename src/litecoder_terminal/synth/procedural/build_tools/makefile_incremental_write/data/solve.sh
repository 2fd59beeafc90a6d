#!/bin/bash
# Reference: pattern rules with compiler-generated dependency files (-MMD -MP), a static library for the core
# sources and a generated-source rule, then checks that no-op and header-edit rebuilds do exactly what they should.
set -euo pipefail
cd @@root@@
# What is asked? The build spec says; the CI log says what hurts; the draft shows what did not work.
ls -R . | head -n 40
cat docs/BUILD-SPEC.md
tail -n 4 logs/ci-build.log
head -n 5 contrib/Makefile.draft
# The flags to keep, and any code generation step, are in the legacy script.
cat build.sh
# Which sources include which headers (directly or through other headers)? That is what -MMD will track.
grep -rn '#include "' src include | head -n 40
ls tools data 2>/dev/null || true
cat > Makefile <<'MAKEFILE_EOF'
@@makefile@@MAKEFILE_EOF
# A clean build first (in parallel where the spec asks for it), then a no-op build that must do nothing.
make clean
make @@jobs@@
make
make -q && echo "up to date"
# Touch one header and ask make what it would redo: only its users and the link.
hdr=$(ls include/*.h | head -n 1)
touch "$hdr"
make -n | grep -c -- ' -c ' || true
make
./build/bin/@@prog@@ @@sample_args@@
