int is_balanced(const char *s)
{
    size_t len = strlen(s), top = 0, i;
    char *stack = malloc(len + 1);
    int ok = 1;

    if (!stack)
        return 0;
    for (i = 0; i < len && ok; i++) {
        char c = s[i];

        if (c == '(' || c == '[' || c == '{') {
            stack[top++] = c;
        } else if (c == ')' || c == ']' || c == '}') {
            char want = c == ')' ? '(' : c == ']' ? '[' : '{';

            if (top == 0 || stack[top - 1] != want)
                ok = 0;
            else
                top--;
        }
    }
    free(stack);
    return ok;
}
