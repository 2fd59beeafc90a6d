#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "@@mod@@.h"

int main(void) {
    char line[256];
    @@p@@_summary s;
    @@p@@_init(&s);
    while (fgets(line, sizeof line, stdin)) {
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\n' || *p == '\0') continue;
        @@p@@_add(&s, strtol(p, NULL, 10));
    }
    printf("count: %ld\n", s.count);
    if (s.count > 0) {
        printf("sum: %lld\n", s.sum);
        printf("min: %ld\n", s.min);
        printf("max: %ld\n", s.max);
    }
    return 0;
}
