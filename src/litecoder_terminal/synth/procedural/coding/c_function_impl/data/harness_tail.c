        else
            printf("UNKNOWN %s\n", name);
        free(tok);
        fflush(stdout);
    }
    free(line);
    return 0;
}
