#ifndef @@guard@@
#define @@guard@@

#include "@@common@@.h"

/* Load integers (one per line, '#' comments and blank lines ignored). 0 on success. */
int @@p@@_load(const char *path, @@p@@_t *out);
void @@p@@_free(@@p@@_t *s);

#endif
