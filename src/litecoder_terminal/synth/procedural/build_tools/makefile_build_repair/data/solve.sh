#!/bin/bash
# Reference: read the build requirements, reproduce the failure, repair the Makefile, then check a clean build
# against the sample, a no-op rebuild and the rebuild after a header edit.
set -euo pipefail
# Which project, and what is its build supposed to do? The requirements doc and the CI log say.
ls /app
cd @@root@@
ls -R . | sed -n "1,40p"
cat docs/BUILD.md
cat logs/ci-make.log
# The fallback script bypasses the Makefile: useful only to see the flags once used, not as a fix.
head -n 6 scripts/quick-build.sh
# The Makefile as it is, with line numbers; -A shows tabs (^I) versus spaces in recipe lines.
cat -n Makefile
cat -A Makefile | grep -n '^ ' || true
# Reproduce: a clean build, keeping the first errors (missing includes, undefined symbols, recipe syntax).
make clean > /tmp/make-clean.log 2>&1 || true
make > /tmp/make.log 2>&1 || echo "make fails, as reported"
grep -n -m8 'error\|Error\|undefined reference\|missing separator\|No such file' /tmp/make.log || true
# Which sources exist (every one needs an object) and where do the headers live?
ls src include
# Where the version macro is read, and who needs libm (sqrt).
grep -n 'TOOL_VERSION' src/main.c Makefile
grep -ln 'math.h' src/*.c
# Which headers each source pulls in, directly or through other headers: the dependencies to track.
grep -n '#include "' src/*.c include/*.h | sed -n "1,40p"
@@lib_look@@cp Makefile /tmp/Makefile.orig
cat > Makefile <<'MAKEFILE_EOF'
@@makefile@@MAKEFILE_EOF
diff -u /tmp/Makefile.orig Makefile || true
# Check: a clean build, its output on the sample, then a second make that must do nothing.
make clean
make
./build/@@tool@@ data/sample.txt | diff - data/sample.expected && echo "sample output matches"
make -q && echo "up to date"
# After a header edit only its users recompile (make -n lists the compile commands it would run).
touch include/@@hdr@@
make -n | grep -c -- ' -c ' || true
make
@@lib_check@@make clean && make
ls build
