    {
        char *s = unhex(tok[0]);
        long v = -12345;
        if (parse_duration(s, &v) == 0)
            printf("%ld\n", v);
        else
            printf("ERR %ld\n", v);
        free(s);
    }
