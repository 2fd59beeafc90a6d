#!/bin/bash
# Alternative: no -MMD pattern rules — the Makefile lists one explicit rule per object, with the header
# dependencies written out by `gcc -MM` when the Makefile is made (the headers' include graph is fixed), objects
# collected by a shell loop rather than make's wildcard functions.
set -eu
cd @@root@@
prog=@@prog@@
core=@@core@@
table=@@table@@
flags="-std=c11 -O2 -Wall -Iinclude"
{
  echo "CC := gcc"
  echo "CFLAGS := $flags"
  echo ".PHONY: all clean"
  echo "all: build/bin/$prog"
  echo
  objs=""; libobjs=""
  for src in $(find src -name '*.c' | sort); do
    obj="build/obj/${src#src/}"; obj="${obj%.c}.o"
    deps=$(gcc $flags -MM -MT "$obj" "$src" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
    echo "$deps"
    printf '\tmkdir -p $(@D)\n\t$(CC) $(CFLAGS) -c -o $@ %s\n\n' "$src"
    case "$src" in
      src/core/*) libobjs="$libobjs $obj" ;;
      *) objs="$objs $obj" ;;
    esac
  done
  link="$objs"
  if [ -n "$table" ]; then
    printf 'build/gen/%s.c: data/%s.csv tools/gen_table.py\n\tmkdir -p $(@D)\n\tpython3 tools/gen_table.py data/%s.csv > $@\n\n' "$table" "$table" "$table"
    printf 'build/obj/gen/%s.o: build/gen/%s.c\n\tmkdir -p $(@D)\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\n' "$table" "$table"
    link="$link build/obj/gen/$table.o"
  fi
  if [ -n "$core" ]; then
    printf 'build/lib/lib%s.a:%s\n\tmkdir -p $(@D)\n\trm -f $@\n\tar rcs $@ $^\n\n' "$core" "$libobjs"
    link="$link build/lib/lib$core.a"
  fi
  printf 'build/bin/%s:%s\n\tmkdir -p $(@D)\n\t$(CC) -o $@ $^\n\n' "$prog" "$link"
  printf 'clean:\n\trm -rf build\n'
} > Makefile
make clean
make -j4
make
