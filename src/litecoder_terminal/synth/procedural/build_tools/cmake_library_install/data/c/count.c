#include "@@lib@@/@@lib@@.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

size_t @@p@@_count_lines(const unsigned char *buf, size_t n)
{
    size_t i, lines = 0;

    for (i = 0; i < n; i++)
        if (buf[i] == '\n')
            lines++;
    if (n > 0 && buf[n - 1] != '\n')
        lines++;
    return lines;
}

size_t @@p@@_count_words(const unsigned char *buf, size_t n)
{
    size_t i, words = 0;
    int in_word = 0;

    for (i = 0; i < n; i++) {
        if (is_space(buf[i])) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    return words;
}

void @@p@@_analyze(const unsigned char *buf, size_t n, @@p@@_stats *out)
{
    out->bytes = n;
    out->lines = @@p@@_count_lines(buf, n);
    out->words = @@p@@_count_words(buf, n);
    out->fnv1a = @@p@@_fnv1a(buf, n);
    out->adler32 = @@p@@_adler32(buf, n);
}
