#include "@@stats@@.h"

long @@p@@_sum(const @@p@@_t *s)
{
    long total = 0;
    size_t i;

    for (i = 0; i < s->count; i++)
        total += s->values[i];
    return total;
}

long @@p@@_min(const @@p@@_t *s)
{
    long best = s->values[0];
    size_t i;

    for (i = 1; i < s->count; i++)
        if (s->values[i] < best)
            best = s->values[i];
    return best;
}

long @@p@@_max(const @@p@@_t *s)
{
    long best = s->values[0];
    size_t i;

    for (i = 1; i < s->count; i++)
        if (s->values[i] > best)
            best = s->values[i];
    return best;
}

double @@p@@_mean(const @@p@@_t *s)
{
    return (double)@@p@@_sum(s) / (double)s->count;
}
