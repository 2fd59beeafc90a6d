unsigned long long count_inversions(const int *a, size_t n)
{
    unsigned long long c = 0;
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (a[i] > a[j])
                c++;
    return c;
}
