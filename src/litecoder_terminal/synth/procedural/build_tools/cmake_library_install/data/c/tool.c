#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "@@lib@@/@@lib@@.h"

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, len = 0, got;

    if (!fp)
        return NULL;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            if (!buf) {
                fclose(fp);
                return NULL;
            }
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
    } while (got > 0);
    fclose(fp);
    *n = len;
    return buf;
}

static int self_test(void)
{
    int bad = 0;

    bad += @@p@@_fnv1a((const unsigned char *)"", 0) != 0x811c9dc5u;
    bad += @@p@@_fnv1a((const unsigned char *)"a", 1) != 0xe40c292cu;
    bad += @@p@@_adler32((const unsigned char *)"Wikipedia", 9) != 0x11e60398u;
    bad += @@p@@_count_lines((const unsigned char *)"x\ny", 3) != 2;
    bad += @@p@@_count_words((const unsigned char *)"  a b\tc\n", 8) != 3;
    printf("self-test: %s\n", bad ? "FAILED" : "ok");
    return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
    char line[4096];
    int i, status = 0;

    if (argc >= 2 && strcmp(argv[1], "--self-test") == 0)
        return self_test();
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE...\n", argv[0]);
        return 2;
    }
    for (i = 1; i < argc; i++) {
        size_t n = 0;
        unsigned char *buf = slurp(argv[i], &n);
        @@p@@_stats st;

        if (!buf && n == 0) {
            FILE *probe = fopen(argv[i], "rb");
            if (!probe) {
                perror(argv[i]);
                status = 1;
                continue;
            }
            fclose(probe);
        }
        @@p@@_analyze(buf, n, &st);
        @@p@@_format(line, sizeof line, argv[i], &st);
        puts(line);
        free(buf);
    }
    return status;
}
