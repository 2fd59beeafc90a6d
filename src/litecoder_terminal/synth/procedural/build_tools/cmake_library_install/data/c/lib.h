#ifndef @@guard@@_H
#define @@guard@@_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t bytes;
    size_t lines;
    size_t words;
    uint32_t fnv1a;
    uint32_t adler32;
} @@p@@_stats;

/* 32-bit FNV-1a hash of a buffer. */
uint32_t @@p@@_fnv1a(const unsigned char *buf, size_t n);
/* Adler-32 checksum of a buffer. */
uint32_t @@p@@_adler32(const unsigned char *buf, size_t n);
/* Newline-terminated lines, plus one for a final unterminated line. */
size_t @@p@@_count_lines(const unsigned char *buf, size_t n);
/* Maximal runs of non-whitespace bytes. */
size_t @@p@@_count_words(const unsigned char *buf, size_t n);
void @@p@@_analyze(const unsigned char *buf, size_t n, @@p@@_stats *out);
/* "<name>: bytes=N lines=N words=N fnv1a=xxxxxxxx adler32=xxxxxxxx" */
int @@p@@_format(char *dst, size_t cap, const char *name, const @@p@@_stats *st);

#endif
