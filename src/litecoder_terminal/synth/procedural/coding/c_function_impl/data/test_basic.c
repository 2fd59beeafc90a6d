#include <stdio.h>

#include "@@header@@"

static int failures;

#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    failures++; } } while (0)

int main(void)
{
@@checks@@    if (!failures)
        puts("all basic tests passed");
    return failures != 0;
}
