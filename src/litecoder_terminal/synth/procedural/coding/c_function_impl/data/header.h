#ifndef @@guard@@
#define @@guard@@

#include <stddef.h>

@@decls@@

#endif
