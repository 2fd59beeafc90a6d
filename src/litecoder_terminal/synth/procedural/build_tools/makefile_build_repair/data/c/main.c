#include <stdio.h>

#include "@@parse@@.h"
#include "@@report@@.h"

#ifndef TOOL_VERSION
#error "TOOL_VERSION must be defined by the build (see Makefile)"
#endif

int main(int argc, char **argv)
{
    @@p@@_t s;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    if (@@p@@_load(argv[1], &s) != 0) {
        perror(argv[1]);
        return 1;
    }
    printf("%s %s\n", "@@tool@@", TOOL_VERSION);
    @@p@@_report(&s, stdout);
    @@p@@_free(&s);
    return 0;
}
