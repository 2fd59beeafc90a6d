#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "@@header@@"

static char *unhex(const char *h)
{
    size_t n = strcmp(h, "-") == 0 ? 0 : strlen(h) / 2, i;
    char *s = malloc(n + 1);

    for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        s[i] = (char)v;
    }
    s[n] = '\0';
    return s;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;

    while (getline(&line, &cap, stdin) > 0) {
        char **tok = NULL, *name, *save = NULL, *t;
        size_t nt = 0;

        line[strcspn(line, "\n")] = '\0';
        name = strtok_r(line, " ", &save);
        if (!name)
            continue;
        while ((t = strtok_r(NULL, " ", &save)) != NULL) {
            tok = realloc(tok, (nt + 1) * sizeof *tok);
            tok[nt++] = t;
        }
