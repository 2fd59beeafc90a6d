    {
        char *a = unhex(tok[0]), *b = unhex(tok[1]);
        printf("%d\n", edit_distance(a, b));
        free(a);
        free(b);
    }
