"""Shared helper: a small Python utility package whose modules are lists of function blocks.

Commits append helper functions, tests, docs and housekeeping changes; a family picks one "target" function to
regress or fix. Everything is generated from the caller's rng, so histories are deterministic per seed.
"""

from __future__ import annotations

import random
import textwrap

PACKAGES = ["ledgerkit", "tallyhub", "shipcalc", "invoicely", "stockpile", "fleetops", "paytrack", "orderdesk"]
VERBS = ["normalize", "clamp", "scale", "format", "count", "pad", "trim", "merge", "split", "bucket", "rank",
         "score", "shift", "cap", "flag", "pick", "weigh", "tally", "offset", "smooth"]
NOUNS = ["label", "amount", "ratio", "header", "record", "batch", "token", "window", "bucket", "weight", "code",
         "margin", "entry", "quota", "span", "level", "rate", "unit", "grade", "slot"]
DOC_TOPICS = ["usage", "configuration", "deployment", "faq", "contributing", "architecture"]
IGNORE_PATTERNS = ["*.pyc", "__pycache__/", ".venv/", "dist/", "build/", "*.egg-info/", ".coverage", ".tox/",
                   ".mypy_cache/", ".pytest_cache/", "*.log", ".idea/", ".vscode/", "*.swp", "htmlcov/"]


# A target function: the module it lives in, good/bad source, a check expression, and the observable symptom.
TARGETS = [
    {
        "module": "money", "func": "round_money",
        "header": 'from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal\n\nCENT = Decimal("0.01")\n',
        "good": '''\
            def round_money(value):
                """Round a monetary amount to whole cents; halves round away from zero."""
                amount = Decimal(str(value))
                return amount.quantize(CENT, rounding=ROUND_HALF_UP)
            ''',
        "bad": '''\
            def round_money(value):
                """Round a monetary amount to whole cents; halves round away from zero."""
                amount = Decimal(str(value))
                return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
            ''',
        "check": 'str(round_money("2.665")) == "2.67" and str(round_money("0.125")) == "0.13"',
        "call": 'round_money("2.665")', "good_out": "2.67", "bad_out": "2.66",
        "bad_subject": "refactor: use banker-friendly rounding constant in money helpers",
    },
    {
        "module": "paging", "func": "page_count",
        "header": '"""Pagination helpers."""\n',
        "good": '''\
            def page_count(total, per_page):
                """Number of pages needed to show `total` items, `per_page` at a time."""
                if total <= 0:
                    return 0
                return (total + per_page - 1) // per_page
            ''',
        "bad": '''\
            def page_count(total, per_page):
                """Number of pages needed to show `total` items, `per_page` at a time."""
                if total <= 0:
                    return 0
                return max(1, total // per_page)
            ''',
        "check": "page_count(25, 10) == 3 and page_count(20, 10) == 2 and page_count(0, 10) == 0",
        "call": "page_count(25, 10)", "good_out": "3", "bad_out": "2",
        "bad_subject": "perf: simplify page arithmetic",
    },
    {
        "module": "text", "func": "slugify",
        "header": 'import re\n',
        "good": '''\
            def slugify(title):
                """Lower-case ASCII URL slug; each run of other characters becomes one dash."""
                slug = re.sub(r"[^a-z0-9]+", "-", title.lower())
                return slug.strip("-")
            ''',
        "bad": '''\
            def slugify(title):
                """Lower-case ASCII URL slug; each run of other characters becomes one dash."""
                slug = re.sub(r"[^a-z0-9]+", "-", title.lower())
                return slug
            ''',
        "check": 'slugify("  Hello, World! ") == "hello-world" and slugify("a--b") == "a-b"',
        "call": 'slugify("  Hello, World! ")', "good_out": "hello-world", "bad_out": "-hello-world-",
        "bad_subject": "refactor: drop redundant post-processing in slug helper",
    },
    {
        "module": "timeparse", "func": "parse_duration",
        "header": 'import re\n\nUNITS = {"h": 3600, "m": 60, "s": 1}\n',
        "good": '''\
            def parse_duration(text):
                """Parse durations such as '1h30m' or '90s' into seconds."""
                total = 0
                for amount, unit in re.findall(r"(\\d+)([hms])", text):
                    total += int(amount) * UNITS[unit]
                return total
            ''',
        "bad": '''\
            def parse_duration(text):
                """Parse durations such as '1h30m' or '90s' into seconds."""
                total = 0
                for amount, unit in re.findall(r"(\\d)([hms])", text):
                    total += int(amount) * UNITS[unit]
                return total
            ''',
        "check": 'parse_duration("1h30m") == 5400 and parse_duration("90s") == 90',
        "call": 'parse_duration("90s")', "good_out": "90", "bad_out": "0",
        "bad_subject": "refactor: tighten duration token pattern",
    },
    {
        "module": "units", "func": "fahrenheit_to_celsius",
        "header": '"""Unit conversions."""\n',
        "good": '''\
            def fahrenheit_to_celsius(degrees):
                """Convert Fahrenheit to Celsius, rounded to one decimal place."""
                celsius = (degrees - 32) * 5 / 9
                return round(celsius, 1)
            ''',
        "bad": '''\
            def fahrenheit_to_celsius(degrees):
                """Convert Fahrenheit to Celsius, rounded to one decimal place."""
                celsius = degrees - 32 * 5 / 9
                return round(celsius, 1)
            ''',
        "check": "fahrenheit_to_celsius(212) == 100.0 and fahrenheit_to_celsius(32) == 0.0",
        "call": "fahrenheit_to_celsius(212)", "good_out": "100.0", "bad_out": "194.2",
        "bad_subject": "style: remove superfluous parentheses in conversions",
    },
]


def dedent(s: str) -> str:
    return textwrap.dedent(s)


class PyProject:
    """Mutable model of the package tree; `snapshot()` gives {path: content} for a commit."""

    def __init__(self, rng: random.Random, target: dict, pkg: str | None = None):
        self.rng = rng
        self.pkg = pkg or rng.choice(PACKAGES)
        self.target = target
        others = [t for t in TARGETS if t["module"] != target["module"]]
        self.modules: dict[str, dict] = {}
        for t in [target] + rng.sample(others, 2):
            self.modules[t["module"]] = {"header": t["header"], "blocks": [dedent(t["good"]).rstrip("\n")]}
        self.used: set[str] = set()
        self.helpers: list[tuple[str, str, str]] = []  # (module, name, test expression)
        self.docs: dict[str, list[str]] = {}
        self.ignore = ["*.pyc", "__pycache__/"]
        self.extra_imports: list[str] = []
        self.extra_files: dict[str, str] = {}
        self.tests: dict[str, str] = {}
        # every module gets one helper after its first block, so the target is never the last block
        for mod in sorted(self.modules):
            self.add_helper(mod)

    # ---- content generators -------------------------------------------------------------------------------
    def new_name(self) -> str:
        while True:
            name = f"{self.rng.choice(VERBS)}_{self.rng.choice(NOUNS)}"
            if name not in self.used:
                self.used.add(name)
                return name

    def add_helper(self, module: str | None = None) -> tuple[str, str]:
        rng = self.rng
        module = module or rng.choice(sorted(self.modules))
        name = self.new_name()
        a, b = rng.randint(2, 9), rng.randint(3, 60)
        kind = rng.randrange(4)
        if kind == 0:
            block = f'def {name}(x):\n    """Scale x by {a} and shift it by {b}."""\n    return x * {a} + {b}'
            test = f"{name}(3) == {3 * a + b}"
        elif kind == 1:
            block = (f'def {name}(items):\n    """Count the items strictly greater than {b}."""\n'
                     f'    return sum(1 for item in items if item > {b})')
            test = f"{name}([{b - 1}, {b}, {b + 1}, {b + 2}]) == 2"
        elif kind == 2:
            block = f'def {name}(text):\n    """Left-pad text with zeros to width {a}."""\n    return str(text).rjust({a}, "0")'
            test = f'{name}("7") == "{"7".rjust(a, "0")}"'
        else:
            block = (f'def {name}(values):\n    """Clamp every value into [-{b}, {b}]."""\n'
                     f'    return [min(max(v, -{b}), {b}) for v in values]')
            test = f"{name}([-{b + 5}, 0, {b + 5}]) == [-{b}, 0, {b}]"
        self.modules[module]["blocks"].append(block)
        self.helpers.append((module, name, test))
        return module, name

    def set_target(self, bad: bool) -> None:
        mod = self.modules[self.target["module"]]
        mod["blocks"][0] = dedent(self.target["bad" if bad else "good"]).rstrip("\n")

    def add_test(self) -> str | None:
        untested = [h for h in self.helpers if f"tests/test_{h[1]}.py" not in self.tests]
        if not untested:
            return None
        module, name, test = self.rng.choice(untested)
        self.tests[f"tests/test_{name}.py"] = (f"from {self.pkg}.{module} import {name}\n\n\n"
                                                f"def test_{name}():\n    assert {test}\n")
        return name

    def add_doc(self) -> str:
        topic = self.rng.choice(DOC_TOPICS)
        mod, name, _ = self.rng.choice(self.helpers)
        line = self.rng.choice([
            f"- `{self.pkg}.{mod}.{name}` is safe to call with empty input.",
            f"- Prefer `{name}` over hand-written loops in `{mod}` callers.",
            f"- `{name}` was added for the reporting jobs; see `{mod}.py`.",
            f"- Configuration values read by `{mod}` are cached per process.",
        ])
        self.docs.setdefault(topic, [f"# {topic.capitalize()}", ""]).append(line)
        return topic

    def add_ignore(self) -> str | None:
        rest = [p for p in IGNORE_PATTERNS if p not in self.ignore]
        if not rest:
            return None
        pat = self.rng.choice(rest)
        self.ignore.append(pat)
        return pat

    # ---- rendering ----------------------------------------------------------------------------------------
    def module_text(self, module: str) -> str:
        m = self.modules[module]
        return m["header"] + "\n\n" + "\n\n\n".join(m["blocks"]) + "\n"

    def init_text(self) -> str:
        mods = sorted(self.modules) + self.extra_imports
        return f'"""{self.pkg}: small helpers shared by the back-office services."""\n\nfrom . import {", ".join(mods)}\n'

    def snapshot(self) -> dict[str, str]:
        files = {f"{self.pkg}/__init__.py": self.init_text(), ".gitignore": "\n".join(self.ignore) + "\n"}
        for mod in self.modules:
            files[f"{self.pkg}/{mod}.py"] = self.module_text(mod)
        for topic, lines in self.docs.items():
            files[f"docs/{topic}.md"] = "\n".join(lines) + "\n"
        files.update(self.tests)
        files.update(self.extra_files)
        return files


def diff_files(before: dict[str, str], after: dict[str, str]) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for path in sorted(set(before) | set(after)):
        if before.get(path) != after.get(path):
            out[path] = after.get(path)
    return out
