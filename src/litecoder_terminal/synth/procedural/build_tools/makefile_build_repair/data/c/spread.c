#include <math.h>

#include "@@spread@@.h"

double @@p@@_stddev(const @@p@@_t *s)
{
    long long n = (long long)s->count, sum = 0, sq = 0;
    size_t i;

    if (n == 0)
        return 0.0;
    for (i = 0; i < s->count; i++) {
        sum += s->values[i];
        sq += (long long)s->values[i] * s->values[i];
    }
    return sqrt((double)(n * sq - sum * sum) / ((double)n * (double)n));
}
