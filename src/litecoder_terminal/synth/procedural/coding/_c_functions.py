"""C functions for the c_function_impl family: documented prototype, correct and two buggy implementations,
a harness dispatch snippet, a Python reference (used by the verifier at grading time) and a case generator.

Case lines are `name arg...`; strings are hex-encoded ("-" for the empty string); the harness prints one line per
case. The Python references in PY_REFS parse the same lines."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable


@dataclass
class CFunc:
    name: str
    tier: int  # 0 simple, 1 medium, 2 performance
    doc: str
    proto: str
    correct: str
    edge_bug: str  # ignores an edge case the documentation states
    other_bug: str  # a second, different mistake
    dispatch: str  # harness code for one case; `tok` holds the tokens after the name, prints the result
    gen: Callable[[random.Random, int], list[str]]
    visible: str  # assertions for the shipped tests/test_basic.c


def hexs(s: str) -> str:
    return s.encode().hex() if s else "-"


def _arr_case(name: str, vals: list[int]) -> str:
    return " ".join([name, str(len(vals))] + [str(v) for v in vals])


# ---------------------------------------------------------------- max_subarray
MAX_SUB_OK = """long max_subarray(const long *a, size_t n)
{
    long best, cur;
    size_t i;

    if (n == 0)
        return 0;
    best = cur = a[0];
    for (i = 1; i < n; i++) {
        cur = cur > 0 ? cur + a[i] : a[i];
        if (cur > best)
            best = cur;
    }
    return best;
}
"""
MAX_SUB_EDGE = """long max_subarray(const long *a, size_t n)
{
    long best = 0, cur = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        cur += a[i];
        if (cur < 0)
            cur = 0;
        if (cur > best)
            best = cur;
    }
    return best;
}
"""
MAX_SUB_OTHER = MAX_SUB_OK.replace("for (i = 1; i < n; i++)", "for (i = 1; i + 1 < n; i++)")


def _gen_max_sub(rng: random.Random, n: int) -> list[str]:
    out = [_arr_case("max_subarray", v) for v in ([], [5], [-3], [-5, -2, -9], [2, -1, 2], [-2, 1, -3, 4, -1, 2, 1,
                                                                                            -5, 4], [1, 2, 3])]
    for _ in range(n):
        k = rng.randint(1, 60)
        scale = rng.choice([10, 1000, 10 ** 12])
        bias = rng.choice([0, 0, -scale // 2])
        out.append(_arr_case("max_subarray", [rng.randint(-scale, scale) + bias for _ in range(k)]))
    return out


# ---------------------------------------------------------------- is_balanced
BAL_OK = """int is_balanced(const char *s)
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
    if (top != 0)
        ok = 0;
    free(stack);
    return ok;
}
"""
BAL_EDGE = BAL_OK.replace("    if (top != 0)\n        ok = 0;\n", "")
BAL_OTHER = BAL_OK.replace("if (top == 0 || stack[top - 1] != want)", "if (top == 0)")


def _gen_bal(rng: random.Random, n: int) -> list[str]:
    fixed = ["", "()", "([]{})", "(]", "((", "))", "a(b)c", "{[}]", "x", "(()", "())", "[(])"]
    out = [f"is_balanced {hexs(s)}" for s in fixed]

    def balanced(depth: int) -> str:
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(["", "a", "x y", "1"])
        o, c = rng.choice([("(", ")"), ("[", "]"), ("{", "}")])
        return o + balanced(depth - 1) + c + balanced(depth - 1)

    for _ in range(n):
        s = balanced(rng.randint(1, 5))
        r = rng.random()
        if r < 0.25 and s:
            i = rng.randrange(len(s))
            s = s[:i] + rng.choice("()[]{}") + s[i + 1:]
        elif r < 0.4:
            s += rng.choice("([{")
        elif r < 0.5 and s:
            s = s.replace(")", "]", 1)
        out.append(f"is_balanced {hexs(s)}")
    return out


# ---------------------------------------------------------------- roman_to_int
ROMAN_OK = """static int roman_digit(char c)
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
    if (total < 1 || total > 3999)
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
    buf[pos] = '\\0';
    return strcmp(buf, s) == 0 ? total : -1;
}
"""
ROMAN_EDGE = ROMAN_OK.replace("    return strcmp(buf, s) == 0 ? total : -1;", "    (void)buf;\n    return total;").replace(
    """    v = total;
    for (k = 0; k < 13; k++) {
        while (v >= vals[k]) {
            size_t len = strlen(syms[k]);

            memcpy(buf + pos, syms[k], len);
            pos += len;
            v -= vals[k];
        }
    }
    buf[pos] = '\\0';
""", "    (void)vals;\n    (void)syms;\n    (void)pos;\n    (void)k;\n")
ROMAN_OTHER = ROMAN_OK.replace("total > 3999", "total > 4000")


def to_roman(v: int) -> str:
    out = ""
    for val, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                     (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while v >= val:
            out += sym
            v -= val
    return out


def _gen_roman(rng: random.Random, n: int) -> list[str]:
    fixed = ["", "I", "IV", "IX", "XLII", "MCMXCIV", "MMMCMXCIX", "IIII", "VV", "IC", "XM", "MMMM", "iv", "IIV",
             "XXXX", "LC", "DM", "VIV", "ABC", "MMMMCMXCIX", "CDXLIV"]
    out = [f"roman_to_int {hexs(s)}" for s in fixed]
    for _ in range(n):
        r = rng.random()
        if r < 0.6:
            s = to_roman(rng.randint(1, 3999))
        elif r < 0.85:
            s = "".join(rng.choice("IVXLCDM") for _ in range(rng.randint(1, 7)))
        else:
            s = to_roman(rng.randint(1, 3999))
            s = s + s[-1] if rng.random() < 0.5 else s.lower()
        out.append(f"roman_to_int {hexs(s)}")
    return out


# ---------------------------------------------------------------- lis_length
LIS_OK = """size_t lis_length(const int *a, size_t n)
{
    int *tails = malloc((n ? n : 1) * sizeof *tails);
    size_t len = 0, i, lo, hi, mid;

    if (!tails)
        return 0;
    for (i = 0; i < n; i++) {
        lo = 0;
        hi = len;
        while (lo < hi) {
            mid = (lo + hi) / 2;
            if (tails[mid] < a[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        tails[lo] = a[i];
        if (lo == len)
            len++;
    }
    free(tails);
    return len;
}
"""
LIS_EDGE = LIS_OK.replace("if (tails[mid] < a[i])", "if (tails[mid] <= a[i])")
LIS_OTHER = """size_t lis_length(const int *a, size_t n)
{
    size_t best = n ? 1 : 0, run = 1, i;

    for (i = 1; i < n; i++) {
        run = a[i] > a[i - 1] ? run + 1 : 1;
        if (run > best)
            best = run;
    }
    return best;
}
"""


def _gen_lis(rng: random.Random, n: int) -> list[str]:
    out = [_arr_case("lis_length", v) for v in ([], [7], [3, 3, 3], [1, 2, 2, 3], [5, 1, 6, 2, 7, 3, 8],
                                                [10, 9, 2, 5, 3, 7, 101, 18])]
    for _ in range(n):
        k = rng.randint(0, 300)
        hi = rng.choice([3, 10, 1000, 2 ** 31 - 1])
        out.append(_arr_case("lis_length", [rng.randint(-hi, hi) for _ in range(k)]))
    return out


# ---------------------------------------------------------------- edit_distance
EDIT_OK = """int edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b), i, j;
    int *prev = malloc((m + 1) * sizeof *prev), *cur = malloc((m + 1) * sizeof *cur), *tmp, d;

    if (!prev || !cur) {
        free(prev);
        free(cur);
        return -1;
    }
    for (j = 0; j <= m; j++)
        prev[j] = (int)j;
    for (i = 1; i <= n; i++) {
        cur[0] = (int)i;
        for (j = 1; j <= m; j++) {
            d = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            cur[j] = d;
        }
        tmp = prev;
        prev = cur;
        cur = tmp;
    }
    d = prev[m];
    free(prev);
    free(cur);
    return d;
}
"""
EDIT_EDGE = EDIT_OK.replace("        prev[j] = (int)j;", "        prev[j] = 0;")
EDIT_OTHER = EDIT_OK.replace("d = prev[j - 1] + (a[i - 1] != b[j - 1]);", "d = prev[j - 1] + 2 * (a[i - 1] != b[j - 1]);")


def _gen_edit(rng: random.Random, n: int) -> list[str]:
    pairs = [("", ""), ("", "abc"), ("abc", ""), ("kitten", "sitting"), ("flaw", "lawn"), ("same", "same"),
             ("a", "b"), ("Case", "case")]
    alpha = rng.choice(["ab", "acgt", "abcdefghij", "xyz "])
    for _ in range(n):
        s = "".join(rng.choice(alpha) for _ in range(rng.randint(0, 40)))
        t = list(s)
        for _ in range(rng.randint(0, 8)):
            op = rng.randrange(3)
            if op == 0 and t:
                t[rng.randrange(len(t))] = rng.choice(alpha)
            elif op == 1:
                t.insert(rng.randint(0, len(t)), rng.choice(alpha))
            elif t:
                del t[rng.randrange(len(t))]
        pairs.append((s, "".join(t)))
    long_s = "".join(rng.choice("ab") for _ in range(1500))
    pairs.append((long_s, long_s[::-1][:1200]))
    return [f"edit_distance {hexs(a)} {hexs(b)}" for a, b in pairs]


# ---------------------------------------------------------------- parse_duration
DUR_OK = """int parse_duration(const char *s, long *out)
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
        if (*p == '\\0')
            break;
        while (*p >= '0' && *p <= '9') {
            if (digits >= 9)
                return -1;
            v = v * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || *p == '\\0')
            return -1;
        u = strchr(units + next, *p);
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
"""
DUR_EDGE = DUR_OK.replace("    if (parts == 0)\n        return -1;\n", "")
DUR_OTHER = DUR_OK.replace("u = strchr(units + next, *p);", "u = strchr(units, *p);")


def _gen_dur(rng: random.Random, n: int) -> list[str]:
    fixed = ["", "   ", "1h30m", "45s", "2d", "1h 5m 3s", "3m2h", "1x", "10", "1d1d", "0s", " 7m ", "2d 4h",
             "1234567890s", "999999999s", "1 h", "h", "5m5m", "1d 2h 3m 4s", "01h", "1h\t2m", "-5s", "1hh"]
    out = [f"parse_duration {hexs(s)}" for s in fixed]
    for _ in range(n):
        parts = [f"{rng.randint(0, 10 ** rng.randint(1, 4))}{u}" for u in "dhms" if rng.random() < 0.5]
        if len(parts) > 1 and rng.random() < 0.2:
            rng.shuffle(parts)
        if rng.random() < 0.1:
            parts.append(rng.choice(["1d", "2s", "x", "3"]))
        out.append(f"parse_duration {hexs(rng.choice(['', ' ', '  ']).join(parts))}")
    return out


# ---------------------------------------------------------------- eval_rpn
RPN_OK = """long eval_rpn(const char *expr, int *ok)
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
            size_t j = start + (expr[start] == '-');
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
"""
RPN_EDGE = RPN_OK.replace("            size_t j = start + (expr[start] == '-');", "            size_t j = start;")
RPN_OTHER = RPN_OK.replace("case '-': r = x - y; break;", "case '-': r = y - x; break;").replace(
    "r = x / y;", "r = y != 0 && x != 0 ? y / x : x / y;")


def _gen_rpn(rng: random.Random, n: int) -> list[str]:
    fixed = ["", "3", "3 4 +", "5 1 2 + 4 * + 3 -", "10 3 -", "7 2 /", "-7 2 /", "1 0 /", "1 +", "1 2", "2 -3 *",
             "  4   5  * ", "a 1 +", "-", "- 1", "9 3 / 2 /", "12 5 - 3 -", "--3 1 +", "3 -4 -"]
    out = [f"eval_rpn {hexs(s)}" for s in fixed]
    for _ in range(n):
        depth = rng.randint(1, 8)
        toks = [str(rng.randint(-50, 50))]
        for _ in range(depth):
            toks += [str(rng.randint(-50, 50)), rng.choice("+-*/")]
        if rng.random() < 0.15:
            toks.insert(rng.randint(0, len(toks)), rng.choice(["+", "7", "0 /"]))
        out.append(f"eval_rpn {hexs(' '.join(toks))}")
    return out


# ---------------------------------------------------------------- count_inversions
INV_OK = """static unsigned long long merge_count(int *a, int *tmp, size_t n)
{
    size_t mid, i, j, k;
    unsigned long long c;

    if (n < 2)
        return 0;
    mid = n / 2;
    c = merge_count(a, tmp, mid) + merge_count(a + mid, tmp, n - mid);
    i = 0;
    j = mid;
    k = 0;
    while (i < mid && j < n) {
        if (a[i] <= a[j]) {
            tmp[k++] = a[i++];
        } else {
            tmp[k++] = a[j++];
            c += mid - i;
        }
    }
    while (i < mid)
        tmp[k++] = a[i++];
    while (j < n)
        tmp[k++] = a[j++];
    memcpy(a, tmp, n * sizeof *a);
    return c;
}

unsigned long long count_inversions(const int *a, size_t n)
{
    int *copy = malloc((n ? n : 1) * sizeof *copy), *tmp = malloc((n ? n : 1) * sizeof *tmp);
    unsigned long long c;

    if (!copy || !tmp) {
        free(copy);
        free(tmp);
        return 0;
    }
    memcpy(copy, a, n * sizeof *a);
    c = merge_count(copy, tmp, n);
    free(copy);
    free(tmp);
    return c;
}
"""
INV_EDGE = INV_OK.replace("if (a[i] <= a[j]) {", "if (a[i] < a[j]) {")
INV_OTHER = """unsigned long long count_inversions(const int *a, size_t n)
{
    unsigned long long c = 0;
    size_t i, j;

    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++)
            if (a[i] > a[j])
                c++;
    return c;
}
"""


def _gen_inv(rng: random.Random, n: int) -> list[str]:
    out = [_arr_case("count_inversions", v) for v in ([], [1], [2, 1], [1, 1], [3, 1, 2], [5, 4, 3, 2, 1],
                                                      [1, 2, 2, 1])]
    for _ in range(n):
        k = rng.randint(0, 200)
        hi = rng.choice([2, 10, 2 ** 31 - 1])
        out.append(_arr_case("count_inversions", [rng.randint(-hi, hi) for _ in range(k)]))
    out.append(f"count_inversions_gen {rng.randint(900000, 1100000)} {rng.randint(1, 10 ** 9)} "
               f"{rng.choice([1000, 100000, 2 ** 31 - 1])}")
    return out


ARR_DISPATCH = """    {{
        size_t n = (size_t)strtoull(tok[0], NULL, 10), i;
        {ctype} *a = malloc((n ? n : 1) * sizeof *a), *copy = malloc((n ? n : 1) * sizeof *copy);

        for (i = 0; i < n; i++)
            a[i] = ({ctype})strtoll(tok[i + 1], NULL, 10);
        memcpy(copy, a, n * sizeof *a);
        {{ {rtype} r = {name}(a, n);
          if (memcmp(copy, a, n * sizeof *a) != 0)
              printf("MODIFIED\\n");
          else
              printf("{fmt}\\n", r); }}
        free(a);
        free(copy);
    }}
"""
STR_DISPATCH = """    {{
        char *s = unhex(tok[0]);
        {body}
        free(s);
    }}
"""

FUNCS: list[CFunc] = [
    CFunc("max_subarray", 0,
          "Largest sum of a non-empty contiguous run of a[0..n-1]. When every element is negative this is the\n"
          " * largest (least negative) element. Returns 0 when n == 0. a is not modified.",
          "long max_subarray(const long *a, size_t n);", MAX_SUB_OK, MAX_SUB_EDGE, MAX_SUB_OTHER,
          ARR_DISPATCH.format(ctype="long", rtype="long", name="max_subarray", fmt="%ld"), _gen_max_sub,
          "    { long v[] = {-2, 1, -3, 4, -1, 2, 1, -5, 4}; CHECK(max_subarray(v, 9) == 6); }\n"
          "    { long v[] = {1, 2, 3}; CHECK(max_subarray(v, 3) == 6); }\n"),
    CFunc("is_balanced", 0,
          "1 if every bracket in s is closed by the matching bracket type in the right order, else 0. The\n"
          " * brackets are (), [] and {}; all other characters are ignored. The empty string is balanced.",
          "int is_balanced(const char *s);", BAL_OK, BAL_EDGE, BAL_OTHER,
          STR_DISPATCH.format(body='printf("%d\\n", is_balanced(s));'), _gen_bal,
          '    CHECK(is_balanced("a(b[c]{d})e") == 1);\n    CHECK(is_balanced(")(") == 0);\n'),
    CFunc("roman_to_int", 0,
          "Value of a Roman numeral in canonical form (uppercase I V X L C D M, the subtractive pairs IV IX XL\n"
          " * XC CD CM, as written by the usual greedy conversion), 1 to 3999. Returns -1 for anything else:\n"
          " * the empty string, other characters or lowercase, non-canonical forms such as \"IIII\", \"VV\",\n"
          " * \"IC\" or \"XM\", and values outside 1..3999.",
          "int roman_to_int(const char *s);", ROMAN_OK, ROMAN_EDGE, ROMAN_OTHER,
          STR_DISPATCH.format(body='printf("%d\\n", roman_to_int(s));'), _gen_roman,
          '    CHECK(roman_to_int("MCMXCIV") == 1994);\n    CHECK(roman_to_int("XLII") == 42);\n'),
    CFunc("lis_length", 0,
          "Length of the longest strictly increasing subsequence (not necessarily contiguous) of a[0..n-1];\n"
          " * 0 when n == 0. n can be large: O(n log n) is expected. a is not modified.",
          "size_t lis_length(const int *a, size_t n);", LIS_OK, LIS_EDGE, LIS_OTHER,
          ARR_DISPATCH.format(ctype="int", rtype="size_t", name="lis_length", fmt="%zu"), _gen_lis,
          "    { int v[] = {10, 9, 2, 5, 3, 7, 101, 18}; CHECK(lis_length(v, 8) == 4); }\n"),
    CFunc("edit_distance", 1,
          "Levenshtein distance between a and b: the minimum number of single-byte insertions, deletions\n"
          " * and substitutions turning a into b (bytes compare exactly, so case matters). Strings may be\n"
          " * thousands of bytes long.",
          "int edit_distance(const char *a, const char *b);", EDIT_OK, EDIT_EDGE, EDIT_OTHER,
          """    {
        char *a = unhex(tok[0]), *b = unhex(tok[1]);
        printf("%d\\n", edit_distance(a, b));
        free(a);
        free(b);
    }
""", _gen_edit,
          '    CHECK(edit_distance("kitten", "sitting") == 3);\n    CHECK(edit_distance("same", "same") == 0);\n'),
    CFunc("parse_duration", 1,
          "Parse a duration such as \"1h30m\", \"45s\", \"2d 4h\" or \"1h 5m 3s\" into seconds. A component is\n"
          " * 1 to 9 decimal digits immediately followed by a unit: d (86400 s), h (3600), m (60) or s (1).\n"
          " * Components appear in the order d, h, m, s, each at most once; spaces (only ' ') may appear before,\n"
          " * between and after components. On success stores the total in *out and returns 0; otherwise\n"
          " * (including an empty or all-space string) returns -1 and leaves *out unchanged.",
          "int parse_duration(const char *s, long *out);", DUR_OK, DUR_EDGE, DUR_OTHER,
          STR_DISPATCH.format(body='long v = -12345;\n        if (parse_duration(s, &v) == 0)\n'
                                   '            printf("%ld\\n", v);\n        else\n'
                                   '            printf("ERR %ld\\n", v);'), _gen_dur,
          '    { long v = 0; CHECK(parse_duration("1h30m", &v) == 0 && v == 5400); }\n'
          '    { long v = 7; CHECK(parse_duration("soon", &v) == -1 && v == 7); }\n'),
    CFunc("eval_rpn", 1,
          "Evaluate an integer expression in reverse Polish notation. Tokens are separated by one or more\n"
          " * spaces; a token is an integer (optionally with a leading '-', e.g. \"-3\") or one of the operators\n"
          " * + - * / applied to the two topmost values (\"7 2 -\" is 5). Division truncates toward zero, like C.\n"
          " * On success sets *ok = 1 and returns the single value left on the stack. Otherwise sets *ok = 0 and\n"
          " * returns 0: empty expression, unknown token, too few operands, division by zero, or more than one\n"
          " * value left at the end.",
          "long eval_rpn(const char *expr, int *ok);", RPN_OK, RPN_EDGE, RPN_OTHER,
          STR_DISPATCH.format(body='int ok = -1;\n        long v = eval_rpn(s, &ok);\n'
                                   '        if (ok == 1)\n            printf("%ld\\n", v);\n'
                                   '        else\n            printf("ERR %d %ld\\n", ok, v);'), _gen_rpn,
          '    { int ok; CHECK(eval_rpn("3 4 + 2 *", &ok) == 14 && ok == 1); }\n'),
    CFunc("count_inversions", 2,
          "Number of pairs (i, j) with i < j and a[i] > a[j]. n can be 1,000,000 and the call must finish\n"
          " * well within a second, so an O(n^2) loop is not acceptable. a is not modified.",
          "unsigned long long count_inversions(const int *a, size_t n);", INV_OK, INV_EDGE, INV_OTHER,
          ARR_DISPATCH.format(ctype="int", rtype="unsigned long long", name="count_inversions", fmt="%llu"),
          _gen_inv, "    { int v[] = {3, 1, 2}; CHECK(count_inversions(v, 3) == 2); }\n"),
]

GEN_DISPATCH = """    {
        size_t n = (size_t)strtoull(tok[0], NULL, 10), i;
        unsigned long long x = strtoull(tok[1], NULL, 10), mod = strtoull(tok[2], NULL, 10);
        int *a = malloc((n ? n : 1) * sizeof *a);

        for (i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            a[i] = (int)((x >> 33) % mod);
        }
        printf("%llu\\n", count_inversions(a, n));
        free(a);
    }
"""

HARNESS_HEAD = r"""#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "@HEADER@"

static char *unhex(const char *h)
{
    size_t n = strcmp(h, "-") == 0 ? 0 : strlen(h) / 2, i;
    char *s = malloc(n + 1);

    for (i = 0; i < n; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        s[i] = (char)v;
    }
    s[n] = '\0';
    return s;
}

int main(void)
{
    char *line = NULL;
    size_t cap = 0;

    while (getline(&line, &cap, stdin) > 0) {
        char **tok = NULL, *name, *save = NULL, *t;
        size_t nt = 0;

        line[strcspn(line, "\n")] = '\0';
        name = strtok_r(line, " ", &save);
        if (!name)
            continue;
        while ((t = strtok_r(NULL, " ", &save)) != NULL) {
            tok = realloc(tok, (nt + 1) * sizeof *tok);
            tok[nt++] = t;
        }
"""
HARNESS_TAIL = r"""        else
            printf("UNKNOWN %s\n", name);
        free(tok);
        fflush(stdout);
    }
    free(line);
    return 0;
}
"""


def harness(header: str, funcs: list[CFunc]) -> str:
    parts = [HARNESS_HEAD.replace("@HEADER@", header)]
    first = True
    for f in funcs:
        parts.append(f"        {'if' if first else 'else if'} (strcmp(name, \"{f.name}\") == 0)\n"
                     + _indent(f.dispatch, 4))
        first = False
        if f.name == "count_inversions":
            parts.append('        else if (strcmp(name, "count_inversions_gen") == 0)\n' + _indent(GEN_DISPATCH, 4))
    parts.append(HARNESS_TAIL)
    return "".join(parts)


def _indent(code: str, n: int) -> str:
    return "".join((" " * n + line) if line.strip() else line for line in code.splitlines(True))


PY_REFS = r'''
def _unhex(h):
    return "" if h == "-" else bytes.fromhex(h).decode("latin-1")


def _ints(tok):
    n = int(tok[0])
    return [int(x) for x in tok[1:1 + n]]


def ref_max_subarray(tok):
    a = _ints(tok)
    if not a:
        return "0"
    best = cur = a[0]
    for v in a[1:]:
        cur = cur + v if cur > 0 else v
        best = max(best, cur)
    return str(best)


def ref_is_balanced(tok):
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for c in _unhex(tok[0]):
        if c in "([{":
            stack.append(c)
        elif c in pairs:
            if not stack or stack[-1] != pairs[c]:
                return "0"
            stack.pop()
    return "0" if stack else "1"


def _to_roman(v):
    out = ""
    for val, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                     (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while v >= val:
            out += sym
            v -= val
    return out


_ROMAN = {}


def ref_roman_to_int(tok):
    if not _ROMAN:
        _ROMAN.update({_to_roman(v): v for v in range(1, 4000)})
    return str(_ROMAN.get(_unhex(tok[0]), -1))


def ref_lis_length(tok):
    import bisect
    tails = []
    for v in _ints(tok):
        i = bisect.bisect_left(tails, v)
        if i == len(tails):
            tails.append(v)
        else:
            tails[i] = v
    return str(len(tails))


def ref_edit_distance(tok):
    a, b = _unhex(tok[0]), _unhex(tok[1])
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j - 1] + (ca != cb), prev[j] + 1, cur[j - 1] + 1))
        prev = cur
    return str(prev[-1])


def ref_parse_duration(tok):
    import re
    s = _unhex(tok[0])
    m = re.fullmatch(r" *(?:([0-9]{1,9})d)? *(?:([0-9]{1,9})h)? *(?:([0-9]{1,9})m)? *(?:([0-9]{1,9})s)? *", s)
    if not m or not any(g is not None for g in m.groups()):
        return "ERR -12345"
    return str(sum(int(g) * u for g, u in zip(m.groups(), (86400, 3600, 60, 1)) if g is not None))


def ref_eval_rpn(tok):
    import re
    stack = []
    for t in _unhex(tok[0]).split(" "):
        if not t:
            continue
        if t in ("+", "-", "*", "/"):
            if len(stack) < 2:
                return "ERR 0 0"
            y, x = stack.pop(), stack.pop()
            if t == "+":
                stack.append(x + y)
            elif t == "-":
                stack.append(x - y)
            elif t == "*":
                stack.append(x * y)
            else:
                if y == 0:
                    return "ERR 0 0"
                q = abs(x) // abs(y)
                stack.append(q if (x >= 0) == (y >= 0) else -q)
        elif re.fullmatch(r"-?[0-9]+", t):
            stack.append(int(t))
        else:
            return "ERR 0 0"
    return str(stack[0]) if len(stack) == 1 else "ERR 0 0"


def _count_inv(a):
    count = 0
    width = 1
    n = len(a)
    a = list(a)
    while width < n:
        out = []
        for lo in range(0, n, 2 * width):
            left, right = a[lo:lo + width], a[lo + width:lo + 2 * width]
            i = j = 0
            while i < len(left) and j < len(right):
                if left[i] <= right[j]:
                    out.append(left[i])
                    i += 1
                else:
                    out.append(right[j])
                    j += 1
                    count += len(left) - i
            out.extend(left[i:])
            out.extend(right[j:])
        a = out
        width *= 2
    return count


def ref_count_inversions(tok):
    return str(_count_inv(_ints(tok)))


def ref_count_inversions_gen(tok):
    import numpy as np
    n, x, mod = int(tok[0]), int(tok[1]), int(tok[2])
    vals = []
    mask = (1 << 64) - 1
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & mask
        vals.append((x >> 33) % mod)
    a = np.array(vals, dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    big = np.int64(1 << 32)
    total = 0
    width = 1
    while width < n:
        block = idx // (2 * width)
        right = (idx // width) % 2 == 1
        keys = np.sort(block[~right] * big + a[~right])
        rb, rv = block[right], a[right]
        upper = np.searchsorted(keys, (rb + 1) * big, side="left")
        le = np.searchsorted(keys, rb * big + rv, side="right")
        total += int((upper - le).sum())
        width *= 2
    return str(total)


def expected(line):
    name, *tok = line.split(" ")
    return globals()["ref_" + name](tok)
'''
