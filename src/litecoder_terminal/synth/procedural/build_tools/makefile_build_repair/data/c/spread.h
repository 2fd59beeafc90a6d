#ifndef @@guard@@
#define @@guard@@

#include "@@common@@.h"

/* Population standard deviation. */
double @@p@@_stddev(const @@p@@_t *s);

#endif
