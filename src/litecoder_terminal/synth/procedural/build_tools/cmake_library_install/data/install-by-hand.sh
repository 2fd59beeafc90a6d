#!/bin/sh
# DEPRECATED: from before the project had install rules. Copies the tool only (no library, no header).
set -e
gcc -O2 -Iinclude -o /tmp/@@tool@@ tools/@@tool@@.c src/@@lib@@/*.c
echo "copy /tmp/@@tool@@ to the prefix by hand"
