#include <stdlib.h>
#include <string.h>

#include "@@order@@.h"

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;

    return (x > y) - (x < y);
}

double @@p@@_median(const @@p@@_t *s)
{
    long *copy = malloc(s->count * sizeof *copy);
    double mid;

    if (!copy)
        return 0.0;
    memcpy(copy, s->values, s->count * sizeof *copy);
    qsort(copy, s->count, sizeof *copy, cmp_long);
    if (s->count % 2)
        mid = (double)copy[s->count / 2];
    else
        mid = ((double)copy[s->count / 2 - 1] + (double)copy[s->count / 2]) / 2.0;
    free(copy);
    return mid;
}
