#include <stdio.h>

#include "@@lib@@/@@lib@@.h"

int @@p@@_format(char *dst, size_t cap, const char *name, const @@p@@_stats *st)
{
    return snprintf(dst, cap, "%s: bytes=%zu lines=%zu words=%zu fnv1a=%08x adler32=%08x", name,
                    st->bytes, st->lines, st->words, (unsigned)st->fnv1a, (unsigned)st->adler32);
}
