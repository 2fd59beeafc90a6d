#include "@@mod@@.h"

void @@p@@_init(@@p@@_summary *s) {
    s->count = 0;
    s->sum = 0;
    s->min = 0;
    s->max = 0;
}

void @@p@@_add(@@p@@_summary *s, long v) {
    if (s->count == 0 || v < s->min) s->min = v;
    if (s->count == 0 || v > s->max) s->max = v;
    s->sum += v;
    s->count++;
}
