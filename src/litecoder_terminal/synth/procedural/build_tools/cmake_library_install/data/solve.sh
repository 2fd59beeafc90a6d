#!/bin/bash
# Reference: read the packaging notes, reproduce the failing configure, repair CMakeLists.txt (tests, install
# rules, package export where asked), build/test/install into the prefix, then the report from the installed tool.
set -euo pipefail
# Which project is it, and what do its owners expect? The notes say (stages, prefix, report format).
ls /app
cd @@root@@
ls -R . | sed -n "1,30p"
cat docs/PACKAGING.md
# What did CI see? The log points at the configure step; the by-hand script is the deprecated fallback.
cat logs/ci-configure.log
head -n 5 scripts/install-by-hand.sh
# The build description as it is: minimum version, languages, sources, include dirs, linking.
cat -n CMakeLists.txt
ls src/@@lib@@ include/@@lib@@ tools
# Reproduce the failure first (in a scratch build dir) and keep the first errors.
cmake -S . -B /tmp/probe-build > /tmp/probe.log 2>&1 || echo "configure fails, as reported"
grep -n -A3 'CMake Error' /tmp/probe.log | sed -n "1,20p" || true
cmake --build /tmp/probe-build > /tmp/probe-build.log 2>&1 || echo "build fails too (or never got there)"
grep -n -m5 'error\|undefined reference' /tmp/probe-build.log || true
rm -rf /tmp/probe-build
# Which cmake is installed: the minimum version asked for must not exceed it.
cmake --version | sed -n 1p
# Every library source must be listed; the tool source has one name only.
ls src/@@lib@@/*.c tools/*.c
# The installed header path and the public API the consumer and the tool use.
grep -n '^[a-z].*(' include/@@lib@@/@@lib@@.h
cp CMakeLists.txt /tmp/CMakeLists.txt.orig
cat > CMakeLists.txt <<'CMAKE_EOF'
@@cmakelists@@CMAKE_EOF
diff -u /tmp/CMakeLists.txt.orig CMakeLists.txt || true
rm -rf build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build
@@ctest@@./build/@@tool@@ --self-test
cmake --install build --prefix @@inst@@
# Check the installed tree: tool, library, header (and the package config where asked).
find @@inst@@ -type f | sort
nm @@inst@@/lib/lib@@lib@@.a | grep -c ' T @@p@@_'
@@export_check@@# The weekly drop: only *.txt directly in the directory count; other files are noise.
ls -la @@incoming@@
mkdir -p "$(dirname @@report@@)"
ls @@incoming@@/@@glob@@ | LC_ALL=C sort > /tmp/inputs.lst
xargs -a /tmp/inputs.lst -d '\n' @@inst@@/bin/@@tool@@ > /tmp/raw.txt
head -n 3 /tmp/raw.txt
{ printf '%s\n' '@@header@@'; awk '{ name = $1; sub(/:$/, "", name); n = split(name, parts, "/"); for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } printf "%s", parts[n]; split("@@cols@@", order, " "); for (j = 1; j <= @@ncols@@; j++) printf "@@sep_esc@@%s", v[order[j]]; printf "\n" }' /tmp/raw.txt | LC_ALL=C sort; } > @@report@@
# Check: one row per input plus the header.
wc -l /tmp/inputs.lst @@report@@
head -n 3 @@report@@
