long max_subarray(const long *a, size_t n)
{
    long best = 0, cur = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        cur += a[i];
        if (cur < 0)
            cur = 0;
        if (cur > best)
            best = cur;
    }
    return best;
}
