    {
        char *s = unhex(tok[0]);
        printf("%d\n", is_balanced(s));
        free(s);
    }
