    {
        char *s = unhex(tok[0]);
        int ok = -1;
        long v = eval_rpn(s, &ok);
        if (ok == 1)
            printf("%ld\n", v);
        else
            printf("ERR %d %ld\n", ok, v);
        free(s);
    }
