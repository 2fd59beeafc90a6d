#ifndef @@guard@@
#define @@guard@@

#include <stdio.h>

#include "@@common@@.h"

void @@p@@_report(const @@p@@_t *s, FILE *out);

#endif
