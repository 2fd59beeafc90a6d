#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "@@parse@@.h"

int @@p@@_load(const char *path, @@p@@_t *out)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char line[256];
    size_t cap = 64;

    if (!fp)
        return -1;
    out->count = 0;
    out->values = malloc(cap * sizeof *out->values);
    if (!out->values)
        return -1;
    while (fgets(line, sizeof line, fp)) {
        char *cur = line, *end;
        long v;

        while (*cur == ' ' || *cur == '\t')
            cur++;
        if (*cur == '#' || *cur == '\n' || *cur == '\0')
            continue;
        v = strtol(cur, &end, 10);
        if (end == cur)
            continue;
        if (out->count == cap) {
            cap *= 2;
            out->values = realloc(out->values, cap * sizeof *out->values);
            if (!out->values)
                return -1;
        }
        out->values[out->count++] = v;
    }
    if (fp != stdin)
        fclose(fp);
    return 0;
}

void @@p@@_free(@@p@@_t *s)
{
    free(s->values);
    s->values = NULL;
    s->count = 0;
}
