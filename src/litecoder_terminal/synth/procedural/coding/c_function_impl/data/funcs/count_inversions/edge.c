static unsigned long long merge_count(int *a, int *tmp, size_t n)
{
    size_t mid, i, j, k;
    unsigned long long c;

    if (n < 2)
        return 0;
    mid = n / 2;
    c = merge_count(a, tmp, mid) + merge_count(a + mid, tmp, n - mid);
    i = 0;
    j = mid;
    k = 0;
    while (i < mid && j < n) {
        if (a[i] < a[j]) {
            tmp[k++] = a[i++];
        } else {
            tmp[k++] = a[j++];
            c += mid - i;
        }
    }
    while (i < mid)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
    return c;
}

unsigned long long count_inversions(const int *a, size_t n)
{
    int *copy = malloc((n ? n : 1) * sizeof *copy), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    unsigned long long c;

    if (!copy || !tmp) {
        free(copy);
        free(tmp);
        return 0;
    }
    memcpy(copy, a, n * sizeof *a);
    c = merge_count(copy, tmp, n);
    free(copy);
    free(tmp);
    return c;
}
