#!/bin/bash
# Reference: pattern rules with compiler-generated dependency files (-MMD -MP), a static library for the core
# sources and a generated-source rule, then checks that no-op and header-edit rebuilds do exactly what they should.
set -euo pipefail
cd @@root@@
# What is asked? The build spec says; the CI log says what hurts; the draft shows what did not work.
ls -R . | sed -n "1,40p"
cat docs/BUILD-SPEC.md
tail -n 4 logs/ci-build.log
head -n 5 contrib/Makefile.draft
# The flags to keep, and any code generation step, are in the legacy script.
cat build.sh
# GNU make and gcc: pattern rules, $(@D), -include of .d files and -MMD -MP are what the Makefile will rely on.
make --version | sed -n 1p
gcc --version | sed -n 1p
# Which sources include which headers (directly or through other headers)? That is what -MMD will track.
grep -rn '#include "' src include | sed -n "1,40p"
# Headers that include other headers make the dependencies transitive: count them per header.
grep -c '#include "' include/*.h || true
ls tools data 2>/dev/null || true
# A generated table (where there is one): its input format and how the generator is called.
head -n 3 data/*.csv 2>/dev/null || true
sed -n '1,12p' tools/gen_table.py 2>/dev/null || true
# The legacy binary, built in a scratch copy, is the reference for the program's behaviour.
rm -rf /tmp/legacy && cp -r . /tmp/legacy
(cd /tmp/legacy && ./build.sh)
cat > Makefile <<'MAKEFILE_EOF'
@@makefile@@MAKEFILE_EOF
# A clean build first (in parallel where the spec asks for it), then a no-op build that must do nothing.
make clean
make @@jobs@@
make
make -q && echo "up to date"
# Touch one header and ask make what it would redo: only its users and the link.
hdr=$(ls include/*.h | sed -n 1p)
touch "$hdr"
make -n | grep -c -- ' -c ' || true
make
# Touch one source: exactly one compile, then the link.
touch "$(find src -name '*.c' | sort | sed -n 1p)"
make -n | grep -c -- ' -c ' || true
make
# The library (where there is one) holds exactly the core objects.
ar t build/lib/*.a 2>/dev/null || true
# Same behaviour as the legacy build.
./build/bin/@@prog@@ @@sample_args@@ > /tmp/new.out
/tmp/legacy/build/bin/@@prog@@ @@sample_args@@ | diff - /tmp/new.out && echo "same output as build.sh's binary"
