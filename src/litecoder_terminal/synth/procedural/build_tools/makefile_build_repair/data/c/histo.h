#ifndef @@guard@@
#define @@guard@@

#include <stdio.h>

#include "@@common@@.h"

#define @@P@@_BUCKET_WIDTH @@width@@L

/* Print the non-empty buckets [lo, lo+width) in ascending order. */
void @@p@@_histogram(const @@p@@_t *s, long width, FILE *out);

#endif
