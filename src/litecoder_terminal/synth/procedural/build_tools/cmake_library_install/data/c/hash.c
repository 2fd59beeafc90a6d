#include "@@lib@@/@@lib@@.h"

uint32_t @@p@@_fnv1a(const unsigned char *buf, size_t n)
{
    uint32_t h = 2166136261u;
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= buf[i];
        h *= 16777619u;
    }
    return h;
}

uint32_t @@p@@_adler32(const unsigned char *buf, size_t n)
{
    uint32_t a = 1, b = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        a = (a + buf[i]) % 65521u;
        b = (b + a) % 65521u;
    }
    return (b << 16) | a;
}
