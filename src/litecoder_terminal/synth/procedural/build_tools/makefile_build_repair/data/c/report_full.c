#include "@@report@@.h"
#include "@@stats@@.h"
#include "@@spread@@.h"
#include "@@order@@.h"
#include "@@histo@@.h"

void @@p@@_report(const @@p@@_t *s, FILE *out)
{
    fprintf(out, "count: %zu\n", s->count);
    if (s->count == 0)
        return;
    fprintf(out, "sum: %ld\n", @@p@@_sum(s));
    fprintf(out, "min: %ld\n", @@p@@_min(s));
    fprintf(out, "max: %ld\n", @@p@@_max(s));
    fprintf(out, "mean: %.2f\n", @@p@@_mean(s));
    fprintf(out, "stddev: %.3f\n", @@p@@_stddev(s));
    fprintf(out, "median: %.1f\n", @@p@@_median(s));
    fprintf(out, "histogram (width %ld):\n", @@P@@_BUCKET_WIDTH);
    @@p@@_histogram(s, @@P@@_BUCKET_WIDTH, out);
}
