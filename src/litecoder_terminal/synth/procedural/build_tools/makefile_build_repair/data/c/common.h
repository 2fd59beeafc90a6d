#ifndef @@guard@@
#define @@guard@@

#include <stddef.h>

/* A loaded column of integer samples. */
typedef struct {
    long *values;
    size_t count;
} @@p@@_t;

#endif
