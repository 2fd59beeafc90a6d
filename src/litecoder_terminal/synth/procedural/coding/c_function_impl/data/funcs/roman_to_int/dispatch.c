    {
        char *s = unhex(tok[0]);
        printf("%d\n", roman_to_int(s));
        free(s);
    }
