#include <stdlib.h>

#include "@@histo@@.h"

static long bucket_of(long v, long width)
{
    long b = v / width;

    if (v % width != 0 && v < 0)
        b--;
    return b;
}

void @@p@@_histogram(const @@p@@_t *s, long width, FILE *out)
{
    long lo, hi, b;
    size_t i, *counts;

    if (s->count == 0)
        return;
    lo = hi = bucket_of(s->values[0], width);
    for (i = 1; i < s->count; i++) {
        b = bucket_of(s->values[i], width);
        if (b < lo)
            lo = b;
        if (b > hi)
            hi = b;
    }
    counts = calloc((size_t)(hi - lo + 1), sizeof *counts);
    if (!counts)
        return;
    for (i = 0; i < s->count; i++)
        counts[bucket_of(s->values[i], width) - lo]++;
    for (b = lo; b <= hi; b++)
        if (counts[b - lo])
            fprintf(out, "  [%ld, %ld): %zu\n", b * width, (b + 1) * width, counts[b - lo]);
    free(counts);
}
