int parse_duration(const char *s, long *out)
{
    static const char units[] = "dhms";
    static const long mult[] = {86400, 3600, 60, 1};
    long total = 0;
    int next = 0, parts = 0;
    const char *p = s;

    for (;;) {
        long v = 0;
        int digits = 0;
        const char *u;

        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        while (*p >= '0' && *p <= '9') {
            if (digits >= 9)
                return -1;
            v = v * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || *p == '\0')
            return -1;
        u = strchr(units, *p);
        if (u == NULL)
            return -1;
        next = (int)(u - units) + 1;
        total += v * mult[u - units];
        parts++;
        p++;
    }
    if (parts == 0)
        return -1;
    *out = total;
    return 0;
}
