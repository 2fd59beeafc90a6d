long eval_rpn(const char *expr, int *ok)
{
    size_t len = strlen(expr), top = 0, i = 0;
    long *stack = malloc((len / 2 + 2) * sizeof *stack);

    *ok = 0;
    if (!stack)
        return 0;
    while (i < len) {
        size_t start;

        while (i < len && expr[i] == ' ')
            i++;
        if (i >= len)
            break;
        start = i;
        while (i < len && expr[i] != ' ')
            i++;
        if (i - start == 1 && strchr("+-*/", expr[start])) {
            long x, y, r;

            if (top < 2) {
                free(stack);
                return 0;
            }
            y = stack[--top];
            x = stack[--top];
            switch (expr[start]) {
            case '+': r = x + y; break;
            case '-': r = x - y; break;
            case '*': r = x * y; break;
            default:
                if (y == 0) {
                    free(stack);
                    return 0;
                }
                r = x / y;
            }
            stack[top++] = r;
        } else {
            size_t j = start;
            long v = 0;

            if (j >= i) {
                free(stack);
                return 0;
            }
            for (; j < i; j++) {
                if (expr[j] < '0' || expr[j] > '9') {
                    free(stack);
                    return 0;
                }
                v = v * 10 + (expr[j] - '0');
            }
            stack[top++] = expr[start] == '-' ? -v : v;
        }
    }
    if (top != 1) {
        free(stack);
        return 0;
    }
    {
        long result = stack[0];

        free(stack);
        *ok = 1;
        return result;
    }
}
