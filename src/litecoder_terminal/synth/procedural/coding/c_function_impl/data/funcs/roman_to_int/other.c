static int roman_digit(char c)
{
    switch (c) {
    case 'I': return 1;
    case 'V': return 5;
    case 'X': return 10;
    case 'L': return 50;
    case 'C': return 100;
    case 'D': return 500;
    case 'M': return 1000;
    default: return 0;
    }
}

int roman_to_int(const char *s)
{
    static const int vals[] = {1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1};
    static const char *syms[] = {"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"};
    char buf[64];
    size_t i, n = strlen(s), pos = 0;
    int total = 0, v, k;

    if (n == 0 || n > 20)
        return -1;
    for (i = 0; i < n; i++) {
        v = roman_digit(s[i]);
        if (!v)
            return -1;
        if (i + 1 < n && roman_digit(s[i + 1]) > v)
            total -= v;
        else
            total += v;
    }
    if (total < 1 || total > 4000)
        return -1;
    v = total;
    for (k = 0; k < 13; k++) {
        while (v >= vals[k]) {
            size_t len = strlen(syms[k]);

            memcpy(buf + pos, syms[k], len);
            pos += len;
            v -= vals[k];
        }
    }
    buf[pos] = '\0';
    return strcmp(buf, s) == 0 ? total : -1;
}
