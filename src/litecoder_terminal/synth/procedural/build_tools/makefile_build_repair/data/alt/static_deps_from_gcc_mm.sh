#!/bin/bash
# Alternative: no -MMD pattern rule -- a Makefile with one explicit rule per object whose header prerequisites
# are written out by `gcc -MM` when the Makefile is made (the include graph of the sources is fixed), generated
# by a shell loop instead of make's wildcard and patsubst functions.
set -euo pipefail
cd @@root@@
tool=@@tool@@
lib=@@lib@@
lib_srcs="@@lib_srcs@@"
cflags='-std=c11 -O2 -Wall -Wextra -Iinclude'
{
  echo "CC := gcc"
  echo "CFLAGS := $cflags -DTOOL_VERSION='\"@@version@@\"'"
  echo "LDLIBS := -lm"
  echo ".PHONY: all clean"
  echo "all: build/$tool"
  echo
  app=""; libobjs=""
  for src in $(ls src/*.c | sort); do
    stem=$(basename "$src" .c)
    obj="build/$stem.o"
    gcc $cflags -DTOOL_VERSION='"@@version@@"' -MM -MT "$obj" "$src" | sed -e ':a' -e '/\\$/N; s/\\\n//; ta'
    printf '\tmkdir -p build\n\t$(CC) $(CFLAGS) -c -o $@ %s\n\n' "$src"
    case " $lib_srcs " in
      *" $stem "*) libobjs="$libobjs $obj" ;;
      *) app="$app $obj" ;;
    esac
  done
  if [ -n "$lib" ]; then
    printf 'build/lib%s.a:%s\n\tar rcs $@ $^\n\n' "$lib" "$libobjs"
    printf 'build/%s:%s build/lib%s.a\n\t$(CC) -o $@%s -Lbuild -l%s $(LDLIBS)\n\n' "$tool" "$app" "$lib" "$app" "$lib"
  else
    printf 'build/%s:%s\n\t$(CC) -o $@%s $(LDLIBS)\n\n' "$tool" "$app" "$app"
  fi
  printf 'clean:\n\trm -rf build\n'
} > Makefile
make clean
make
./build/$tool data/sample.txt | diff - data/sample.expected
