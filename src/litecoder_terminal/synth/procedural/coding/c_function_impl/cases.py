"""Hidden-case generators of c_function_impl, one per C function (the functions' documentation, prototypes and
C sources are data/funcs/<name>/). Case lines are `name arg...`; strings are hex-encoded ("-" for the empty
string); the harness prints one line per case; refs.py computes the expected line at build time."""

from __future__ import annotations

import random


def hexs(s: str) -> str:
    return s.encode().hex() if s else "-"


def _arr_case(name: str, vals: list[int]) -> str:
    return " ".join([name, str(len(vals))] + [str(v) for v in vals])


def to_roman(v: int) -> str:
    out = ""
    for val, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
                     (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while v >= val:
            out += sym
            v -= val
    return out


def _gen_max_sub(rng: random.Random, n: int) -> list[str]:
    out = [_arr_case("max_subarray", v) for v in ([], [5], [-3], [-5, -2, -9], [2, -1, 2], [-2, 1, -3, 4, -1, 2, 1,
                                                                                            -5, 4], [1, 2, 3])]
    for _ in range(n):
        k = rng.randint(1, 60)
        scale = rng.choice([10, 1000, 10 ** 12])
        bias = rng.choice([0, 0, -scale // 2])
        out.append(_arr_case("max_subarray", [rng.randint(-scale, scale) + bias for _ in range(k)]))
    return out


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


def _gen_lis(rng: random.Random, n: int) -> list[str]:
    out = [_arr_case("lis_length", v) for v in ([], [7], [3, 3, 3], [1, 2, 2, 3], [5, 1, 6, 2, 7, 3, 8],
                                                [10, 9, 2, 5, 3, 7, 101, 18])]
    for _ in range(n):
        k = rng.randint(0, 300)
        hi = rng.choice([3, 10, 1000, 2 ** 31 - 1])
        out.append(_arr_case("lis_length", [rng.randint(-hi, hi) for _ in range(k)]))
    return out


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


GENERATORS = {"max_subarray": _gen_max_sub, "is_balanced": _gen_bal, "roman_to_int": _gen_roman,
              "lis_length": _gen_lis, "edit_distance": _gen_edit, "parse_duration": _gen_dur, "eval_rpn": _gen_rpn,
              "count_inversions": _gen_inv}
