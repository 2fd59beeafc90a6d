size_t lis_length(const int *a, size_t n)
{
    int *tails = malloc((n ? n : 1) * sizeof *tails);
    size_t len = 0, i, lo, hi, mid;

    if (!tails)
        return 0;
    for (i = 0; i < n; i++) {
        lo = 0;
        hi = len;
        while (lo < hi) {
            mid = (lo + hi) / 2;
            if (tails[mid] < a[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        tails[lo] = a[i];
        if (lo == len)
            len++;
    }
    free(tails);
    return len;
}
