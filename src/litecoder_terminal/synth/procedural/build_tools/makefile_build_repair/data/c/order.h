#ifndef @@guard@@
#define @@guard@@

#include "@@common@@.h"

double @@p@@_median(const @@p@@_t *s);

#endif
