    {
        size_t n = (size_t)strtoull(tok[0], NULL, 10), i;
        unsigned long long x = strtoull(tok[1], NULL, 10), mod = strtoull(tok[2], NULL, 10);
        int *a = malloc((n ? n : 1) * sizeof *a);

        for (i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            a[i] = (int)((x >> 33) % mod);
        }
        printf("%llu\n", count_inversions(a, n));
        free(a);
    }
