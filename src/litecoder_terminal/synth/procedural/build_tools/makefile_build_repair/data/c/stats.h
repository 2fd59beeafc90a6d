#ifndef @@guard@@
#define @@guard@@

#include "@@common@@.h"

long @@p@@_sum(const @@p@@_t *s);
long @@p@@_min(const @@p@@_t *s);
long @@p@@_max(const @@p@@_t *s);
double @@p@@_mean(const @@p@@_t *s);

#endif
