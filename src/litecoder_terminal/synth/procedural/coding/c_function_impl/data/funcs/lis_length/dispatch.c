    {
        size_t n = (size_t)strtoull(tok[0], NULL, 10), i;
        int *a = malloc((n ? n : 1) * sizeof *a), *copy = malloc((n ? n : 1) * sizeof *copy);

        for (i = 0; i < n; i++)
            a[i] = (int)strtoll(tok[i + 1], NULL, 10);
        memcpy(copy, a, n * sizeof *a);
        { size_t r = lis_length(a, n);
          if (memcmp(copy, a, n * sizeof *a) != 0)
              printf("MODIFIED\n");
          else
              printf("%zu\n", r); }
        free(a);
        free(copy);
    }
