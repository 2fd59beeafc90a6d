#!/bin/bash
# Reference: read the header (the spec) and what CI says, implement every documented function, then check.
set -euo pipefail
cd @@root@@
# The layout: where the header, the sources and the checks are.
ls -la
cat README.md
find . -name '*.c' -o -name '*.h' | sort
ls legacy logs
# CI's last run: which checks fail (legacy/ is not built, so its FIXME is not ours to chase).
tail -n 20 logs/ci.log
# The contract: each prototype and its comment.
cat include/@@header@@
grep -n '^[a-z].*(' include/@@header@@
# What is there now: stubs returning 0.
cat src/@@impl@@
grep -n 'TODO' src/@@impl@@
# Which compiler the harness will meet (C11 features, sanitizer support).
gcc --version | head -n 1
# How the checks build it (the harness uses the same -std=c11 -O2).
cat Makefile
grep -n 'CHECK(' tests/test_basic.c
# Confirm the failure before changing anything.
make test || true
# Write the implementations, one per documented function, edge cases as the comments state them.
cat > src/@@impl@@ <<'CEOF'
@@impl_src@@CEOF
# Check: a clean build of the shipped tests, the file alone with warnings as errors and without a main.
make clean
make test
gcc -std=c11 -O2 -Wall -Wextra -Werror -Iinclude -c src/@@impl@@ -o /tmp/impl_check.o
! nm /tmp/impl_check.o | grep -qw main
# Edge cases from the header through a probe of my own, same flags as the hidden harness.
cat > /tmp/probe.c <<'CEOF'
#include <stdio.h>
#include "@@header@@"

#define CHECK(cond) printf("%s  %s\n", (cond) ? "ok  " : "FAIL", #cond)

int main(void)
{
@@probes@@    return 0;
}
CEOF
gcc -std=c11 -O2 -Iinclude /tmp/probe.c src/@@impl@@ -o /tmp/probe
/tmp/probe
! /tmp/probe | grep -q FAIL
@@sanitize@@rm -f /tmp/impl_check.o /tmp/probe /tmp/probe.c /tmp/test_san
