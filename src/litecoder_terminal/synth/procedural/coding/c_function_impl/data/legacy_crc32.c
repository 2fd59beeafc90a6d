/* Retired CRC-32 helper, kept for reference; not built or shipped since 2.0 (see README). */
#include <stddef.h>
#include <stdint.h>

uint32_t legacy_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c; /* FIXME: missing final xor */
}
