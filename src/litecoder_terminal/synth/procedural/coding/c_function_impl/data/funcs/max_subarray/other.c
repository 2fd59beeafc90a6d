long max_subarray(const long *a, size_t n)
{
    long best, cur;
    size_t i;

    if (n == 0)
        return 0;
    best = cur = a[0];
    for (i = 1; i + 1 < n; i++) {
        cur = cur > 0 ? cur + a[i] : a[i];
        if (cur > best)
            best = cur;
    }
    return best;
}
