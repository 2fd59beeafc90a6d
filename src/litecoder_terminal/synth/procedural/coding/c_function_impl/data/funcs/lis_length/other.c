size_t lis_length(const int *a, size_t n)
{
    size_t best = n ? 1 : 0, run = 1, i;

    for (i = 1; i < n; i++) {
        run = a[i] > a[i - 1] ? run + 1 : 1;
        if (run > best)
            best = run;
    }
    return best;
}
