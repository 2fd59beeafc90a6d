int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), i, j;
    int *prev = malloc((m + 1) * sizeof *prev), *cur = malloc((m + 1) * sizeof *cur), *tmp, d;

    if (!prev || !cur) {
        free(prev);
        free(cur);
        return -1;
    }
    for (j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (j = 1; j <= m; j++) {
            d = prev[j - 1] + 2 * (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            cur[j] = d;
        }
        tmp = prev;
        prev = cur;
        cur = tmp;
    }
    d = prev[m];
    free(prev);
    free(cur);
    return d;
}
