"""Repair a broken Makefile of a small C tool (missing object, -lm, include path, tabs, link order, header deps)."""

from __future__ import annotations

import hashlib
import json
import math
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

TOOLS = ["sampstat", "colsum", "tallyc", "numdigest", "statline", "seriesq", "metricat", "logstat"]
MOD_NAMES = {
    "parse": ["parse", "input", "reader"],
    "stats": ["stats", "summary", "basic"],
    "spread": ["spread", "dispersion", "variance"],
    "order": ["order", "rank", "median"],
    "histo": ["histo", "buckets", "bins"],
    "report": ["report", "output", "printer"],
}
COMMON = ["common", "types", "defs"]
PREFIXES = ["series", "ds", "col", "vec", "smp"]
LIBS = ["stat", "numcore", "calc", "mstat"]

# Build-breaking bugs the easy/medium/hard levels draw from; "no_header_deps" and the library bugs are added on top.
SIMPLE_BUGS = ["missing_object", "no_libm", "bad_include", "no_mkdir", "version_macro"]


def _c_files(mods: dict[str, str], common: str, p: str, level: str, tool: str, width: int) -> dict[str, str]:
    t = f"{p}_t"
    guard = lambda n: f"{tool.upper()}_{n.upper()}_H"  # noqa: E731
    files: dict[str, str] = {}
    files[f"include/{common}.h"] = textwrap.dedent(f"""\
        #ifndef {guard(common)}
        #define {guard(common)}

        #include <stddef.h>

        /* A loaded column of integer samples. */
        typedef struct {{
            long *values;
            size_t count;
        }} {t};

        #endif
        """)
    m = mods
    files[f"include/{m['parse']}.h"] = textwrap.dedent(f"""\
        #ifndef {guard(m['parse'])}
        #define {guard(m['parse'])}

        #include "{common}.h"

        /* Load integers (one per line, '#' comments and blank lines ignored). 0 on success. */
        int {p}_load(const char *path, {t} *out);
        void {p}_free({t} *s);

        #endif
        """)
    files[f"src/{m['parse']}.c"] = textwrap.dedent(f"""\
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        #include "{m['parse']}.h"

        int {p}_load(const char *path, {t} *out)
        {{
            FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
            char line[256];
            size_t cap = 64;

            if (!fp)
                return -1;
            out->count = 0;
            out->values = malloc(cap * sizeof *out->values);
            if (!out->values)
                return -1;
            while (fgets(line, sizeof line, fp)) {{
                char *cur = line, *end;
                long v;

                while (*cur == ' ' || *cur == '\\t')
                    cur++;
                if (*cur == '#' || *cur == '\\n' || *cur == '\\0')
                    continue;
                v = strtol(cur, &end, 10);
                if (end == cur)
                    continue;
                if (out->count == cap) {{
                    cap *= 2;
                    out->values = realloc(out->values, cap * sizeof *out->values);
                    if (!out->values)
                        return -1;
                }}
                out->values[out->count++] = v;
            }}
            if (fp != stdin)
                fclose(fp);
            return 0;
        }}

        void {p}_free({t} *s)
        {{
            free(s->values);
            s->values = NULL;
            s->count = 0;
        }}
        """)
    files[f"include/{m['stats']}.h"] = textwrap.dedent(f"""\
        #ifndef {guard(m['stats'])}
        #define {guard(m['stats'])}

        #include "{common}.h"

        long {p}_sum(const {t} *s);
        long {p}_min(const {t} *s);
        long {p}_max(const {t} *s);
        double {p}_mean(const {t} *s);

        #endif
        """)
    files[f"src/{m['stats']}.c"] = textwrap.dedent(f"""\
        #include "{m['stats']}.h"

        long {p}_sum(const {t} *s)
        {{
            long total = 0;
            size_t i;

            for (i = 0; i < s->count; i++)
                total += s->values[i];
            return total;
        }}

        long {p}_min(const {t} *s)
        {{
            long best = s->values[0];
            size_t i;

            for (i = 1; i < s->count; i++)
                if (s->values[i] < best)
                    best = s->values[i];
            return best;
        }}

        long {p}_max(const {t} *s)
        {{
            long best = s->values[0];
            size_t i;

            for (i = 1; i < s->count; i++)
                if (s->values[i] > best)
                    best = s->values[i];
            return best;
        }}

        double {p}_mean(const {t} *s)
        {{
            return (double){p}_sum(s) / (double)s->count;
        }}
        """)
    files[f"include/{m['spread']}.h"] = textwrap.dedent(f"""\
        #ifndef {guard(m['spread'])}
        #define {guard(m['spread'])}

        #include "{common}.h"

        /* Population standard deviation. */
        double {p}_stddev(const {t} *s);

        #endif
        """)
    files[f"src/{m['spread']}.c"] = textwrap.dedent(f"""\
        #include <math.h>

        #include "{m['spread']}.h"

        double {p}_stddev(const {t} *s)
        {{
            long long n = (long long)s->count, sum = 0, sq = 0;
            size_t i;

            if (n == 0)
                return 0.0;
            for (i = 0; i < s->count; i++) {{
                sum += s->values[i];
                sq += (long long)s->values[i] * s->values[i];
            }}
            return sqrt((double)(n * sq - sum * sum) / ((double)n * (double)n));
        }}
        """)
    includes = [m["report"], m["stats"], m["spread"]]
    body = [
        'fprintf(out, "count: %zu\\n", s->count);',
        "if (s->count == 0)",
        "    return;",
        f'fprintf(out, "sum: %ld\\n", {p}_sum(s));',
        f'fprintf(out, "min: %ld\\n", {p}_min(s));',
        f'fprintf(out, "max: %ld\\n", {p}_max(s));',
        f'fprintf(out, "mean: %.2f\\n", {p}_mean(s));',
        f'fprintf(out, "stddev: %.3f\\n", {p}_stddev(s));',
    ]
    if level != "easy":
        files[f"include/{m['order']}.h"] = textwrap.dedent(f"""\
            #ifndef {guard(m['order'])}
            #define {guard(m['order'])}

            #include "{common}.h"

            double {p}_median(const {t} *s);

            #endif
            """)
        files[f"src/{m['order']}.c"] = textwrap.dedent(f"""\
            #include <stdlib.h>
            #include <string.h>

            #include "{m['order']}.h"

            static int cmp_long(const void *a, const void *b)
            {{
                long x = *(const long *)a, y = *(const long *)b;

                return (x > y) - (x < y);
            }}

            double {p}_median(const {t} *s)
            {{
                long *copy = malloc(s->count * sizeof *copy);
                double mid;

                if (!copy)
                    return 0.0;
                memcpy(copy, s->values, s->count * sizeof *copy);
                qsort(copy, s->count, sizeof *copy, cmp_long);
                if (s->count % 2)
                    mid = (double)copy[s->count / 2];
                else
                    mid = ((double)copy[s->count / 2 - 1] + (double)copy[s->count / 2]) / 2.0;
                free(copy);
                return mid;
            }}
            """)
        files[f"include/{m['histo']}.h"] = textwrap.dedent(f"""\
            #ifndef {guard(m['histo'])}
            #define {guard(m['histo'])}

            #include <stdio.h>

            #include "{common}.h"

            #define {p.upper()}_BUCKET_WIDTH {width}L

            /* Print the non-empty buckets [lo, lo+width) in ascending order. */
            void {p}_histogram(const {t} *s, long width, FILE *out);

            #endif
            """)
        files[f"src/{m['histo']}.c"] = textwrap.dedent(f"""\
            #include <stdlib.h>

            #include "{m['histo']}.h"

            static long bucket_of(long v, long width)
            {{
                long b = v / width;

                if (v % width != 0 && v < 0)
                    b--;
                return b;
            }}

            void {p}_histogram(const {t} *s, long width, FILE *out)
            {{
                long lo, hi, b;
                size_t i, *counts;

                if (s->count == 0)
                    return;
                lo = hi = bucket_of(s->values[0], width);
                for (i = 1; i < s->count; i++) {{
                    b = bucket_of(s->values[i], width);
                    if (b < lo)
                        lo = b;
                    if (b > hi)
                        hi = b;
                }}
                counts = calloc((size_t)(hi - lo + 1), sizeof *counts);
                if (!counts)
                    return;
                for (i = 0; i < s->count; i++)
                    counts[bucket_of(s->values[i], width) - lo]++;
                for (b = lo; b <= hi; b++)
                    if (counts[b - lo])
                        fprintf(out, "  [%ld, %ld): %zu\\n", b * width, (b + 1) * width, counts[b - lo]);
                free(counts);
            }}
            """)
        includes += [m["order"], m["histo"]]
        body += [
            f'fprintf(out, "median: %.1f\\n", {p}_median(s));',
            f'fprintf(out, "histogram (width %ld):\\n", {p.upper()}_BUCKET_WIDTH);',
            f"{p}_histogram(s, {p.upper()}_BUCKET_WIDTH, out);",
        ]
    files[f"include/{m['report']}.h"] = textwrap.dedent(f"""\
        #ifndef {guard(m['report'])}
        #define {guard(m['report'])}

        #include <stdio.h>

        #include "{common}.h"

        void {p}_report(const {t} *s, FILE *out);

        #endif
        """)
    inc = "\n".join(f'#include "{h}.h"' for h in includes)
    body_txt = "\n".join("    " + line for line in body)
    files[f"src/{m['report']}.c"] = f"{inc}\n\nvoid {p}_report(const {t} *s, FILE *out)\n{{\n{body_txt}\n}}\n"
    files["src/main.c"] = textwrap.dedent(f"""\
        #include <stdio.h>

        #include "{m['parse']}.h"
        #include "{m['report']}.h"

        #ifndef TOOL_VERSION
        #error "TOOL_VERSION must be defined by the build (see Makefile)"
        #endif

        int main(int argc, char **argv)
        {{
            {t} s;

            if (argc != 2) {{
                fprintf(stderr, "usage: %s FILE\\n", argv[0]);
                return 2;
            }}
            if ({p}_load(argv[1], &s) != 0) {{
                perror(argv[1]);
                return 1;
            }}
            printf("%s %s\\n", "{tool}", TOOL_VERSION);
            {p}_report(&s, stdout);
            {p}_free(&s);
            return 0;
        }}
        """)
    return files


def _expected(tool: str, version: str, values: list[int], level: str, width: int) -> str:
    n = len(values)
    out = [f"{tool} {version}", f"count: {n}"]
    if n:
        s, q = sum(values), sum(v * v for v in values)
        out += [f"sum: {s}", f"min: {min(values)}", f"max: {max(values)}", f"mean: {s / n:.2f}",
                f"stddev: {math.sqrt((n * q - s * s) / (n * n)):.3f}"]
        if level != "easy":
            srt = sorted(values)
            med = float(srt[n // 2]) if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2.0
            out.append(f"median: {med:.1f}")
            out.append(f"histogram (width {width}):")
            counts: dict[int, int] = {}
            for v in values:
                counts[v // width] = counts.get(v // width, 0) + 1
            for b in sorted(counts):
                out.append(f"  [{b * width}, {(b + 1) * width}): {counts[b]}")
    return "\n".join(out) + "\n"


def _input(rng: random.Random, n: int, lo: int, hi: int, noisy: bool) -> tuple[str, list[int]]:
    lines, values = [], []
    if noisy:
        lines.append(f"# {pick(rng, ['sensor', 'batch', 'probe', 'meter'])} export {rng.randint(1, 99)}")
    for _ in range(n):
        v = rng.randint(lo, hi)
        values.append(v)
        lead = " " * rng.choice([0, 0, 0, 1, 2]) if noisy else ""
        lines.append(f"{lead}{v}")
        if noisy and rng.random() < 0.08:
            lines.append(rng.choice(["", "# gap", "   ", "#", "# recalibrated"]))
    return "\n".join(lines) + "\n", values


def _makefile(tool: str, version: str, srcs: list[str], lib_srcs: list[str], lib: str | None,
              bugs: set[str], dep_style: str = "mmd") -> str:
    """The project's Makefile; every entry of `bugs` breaks one thing, an empty set gives the fixed file."""
    tab = "\t"
    cflags = "-std=c11 -O2 -Wall -Wextra " + ("-Iinc" if "bad_include" in bugs else "-Iinclude")
    macro = "TOOL_VERSON" if "version_macro" in bugs else "TOOL_VERSION"
    lines = [
        f"# Makefile for {tool}",
        "CC       := gcc",
        f"VERSION  := {version}",
        f"CFLAGS   := {cflags} -D{macro}='\"$(VERSION)\"'",
    ]
    mmd = dep_style == "mmd" and "no_header_deps" not in bugs
    if mmd:
        lines.append("DEPFLAGS := -MMD -MP")
    lines.append("LDLIBS   :=" if "no_libm" in bugs else "LDLIBS   := -lm")
    lines.append("BUILD    := build")
    drop = bugs_victim(bugs)
    if lib:
        app = [s for s in srcs if s not in lib_srcs]
        libs = [s for s in lib_srcs if s != drop]
        lines += [
            "APP_SRCS := " + " ".join(f"src/{s}.c" for s in app),
            "LIB_SRCS := " + " ".join(f"src/{s}.c" for s in libs),
            "APP_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(APP_SRCS))",
            "LIB_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRCS))",
            "OBJS     := $(APP_OBJS) $(LIB_OBJS)",
            f"LIB      := $(BUILD)/lib{lib}.a",
        ]
    else:
        lines += [
            "SRCS     := " + " ".join(f"src/{s}.c" for s in srcs if s != drop),
            "OBJS     := $(patsubst src/%.c,$(BUILD)/%.o,$(SRCS))",
        ]
    lines += [f"BIN      := $(BUILD)/{tool}", "", ".PHONY: all clean", "", "all: $(BIN)", ""]
    link_indent = "    " if "spaces" in bugs else tab
    if lib:
        pre = "$(APP_OBJS)" if "lib_prereq" in bugs else "$(APP_OBJS) $(LIB)"
        link = (f"$(CC) $(LDFLAGS) -L$(BUILD) -l{lib} -o $@ $(APP_OBJS) $(LDLIBS)" if "link_order" in bugs
                else f"$(CC) $(LDFLAGS) -o $@ $(APP_OBJS) -L$(BUILD) -l{lib} $(LDLIBS)")
        lines += [f"$(BIN): {pre}", f"{link_indent}{link}", "", "$(LIB): $(LIB_OBJS)", f"{tab}ar rcs $@ $^", ""]
    else:
        lines += ["$(BIN): $(OBJS)", f"{link_indent}$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)", ""]
    lines.append("$(BUILD)/%.o: src/%.c")
    if "no_mkdir" not in bugs:
        lines.append(f"{tab}@mkdir -p $(BUILD)")
    lines.append(f"{tab}$(CC) $(CFLAGS){' $(DEPFLAGS)' if mmd else ''} -c -o $@ $<")
    lines += ["", "clean:", f"{tab}rm -rf $(BUILD)"]
    if mmd:
        lines += ["", "-include $(OBJS:.o=.d)"]
    if dep_style == "all_headers":
        lines += ["", "# every object depends on every header", "$(OBJS): $(wildcard include/*.h)"]
    return "\n".join(lines) + "\n"


def bugs_victim(bugs: set[str]) -> str | None:
    for b in bugs:
        if b.startswith("victim:"):
            return b.split(":", 1)[1]
    return None


@register
class MakefileBuildRepair(TaskFamily):
    name = "makefile_build_repair"
    domain = "build_tools"
    title = "Repair the broken Makefile of a small C tool so it builds, links and rebuilds correctly"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        tool = pick(rng, TOOLS)
        proj = pick(rng, [tool, f"{tool}-src", f"tools/{tool}"])
        root = f"/app/{proj}"
        mods = {k: pick(rng, v) for k, v in MOD_NAMES.items()}
        common = pick(rng, COMMON)
        prefix = pick(rng, PREFIXES)
        width = rng.choice([5, 10, 20, 25, 50])
        version = f"{rng.randint(0, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}"
        files: dict[str, str | bytes] = {}
        cfiles = _c_files(mods, common, prefix, level, tool, width)
        order = ["main", "parse", "stats", "spread"] + (["order", "histo"] if level != "easy" else []) + ["report"]
        srcs = ["main" if k == "main" else mods[k] for k in order]
        lib = pick(rng, LIBS) if level == "hard" else None
        lib_srcs = [mods[k] for k in ("stats", "spread", "order", "histo")] if lib else []

        n_simple = {"easy": 2, "medium": 3, "hard": 3}[level]
        simple = rng.sample(SIMPLE_BUGS, n_simple)
        if level == "medium" and rng.random() < 0.5:
            simple[rng.randrange(len(simple))] = "spaces"
        build_bugs = list(simple)
        if lib:
            build_bugs += rng.sample(["link_order", "lib_prereq"], 2 if rng.random() < 0.5 else 1)
        rng.shuffle(build_bugs)
        bugs = set(build_bugs)
        if "missing_object" in bugs:
            victim = rng.choice(lib_srcs if lib else [mods["stats"], mods["spread"]])
            bugs.add(f"victim:{victim}")
        header_deps = level != "easy"
        if header_deps:
            bugs.add("no_header_deps")

        broken = _makefile(tool, version, srcs, lib_srcs, lib, bugs)
        fixed = _makefile(tool, version, srcs, lib_srcs, lib, set())
        for rel, text in cfiles.items():
            files[f"environment/{proj.split('/')[-1]}/{rel}"] = text
        ctx = f"environment/{proj.split('/')[-1]}"
        files[f"{ctx}/Makefile"] = broken
        sample_txt, sample_vals = _input(rng, rng.randint(25, 60), -40, 400, noisy=True)
        files[f"{ctx}/data/sample.txt"] = sample_txt
        sample_out = _expected(tool, version, sample_vals, level, width)
        files[f"{ctx}/data/sample.expected"] = sample_out

        hidden = []
        specs = [(rng.randint(5, 30), -100, 100), (rng.randint(80, 200), -500, 2000), (1, -7, 7),
                 (rng.randint(2, 4), 0, 3), (rng.randint(200, 400), -1000, 1000)]
        for i, (n, lo, hi) in enumerate(specs):
            txt, vals = _input(rng, n, lo, hi, noisy=i % 2 == 0)
            hidden.append({"input": txt, "expected": _expected(tool, version, vals, level, width)})
        hidden.append({"input": "# nothing recorded today\n\n", "expected": _expected(tool, version, [], level, width)})

        intro = pick(rng, [
            f"`{tool}` is a small C utility that summarises columns of integer samples. Since the last "
            "refactoring of its build, `make` no longer produces a working binary.",
            f"CI for `{tool}` (a C command-line tool that prints statistics of integer samples) has been red "
            "since someone reworked the Makefile.",
            f"We inherited `{tool}`, a little C program that prints summary statistics of a list of integers, "
            "and its build is broken.",
        ])
        bin_path = f"{root}/build/{tool}"
        reqs = [
            f"Running `make` in `{root}` (default goal) builds every object file as `build/<name>.o` "
            f"(one per file in `src/`) and links the executable `{bin_path}`.",
            "`make clean` removes everything the build produced, and `make clean && make` works from a clean tree.",
            "Running `make` a second time without changing anything rebuilds nothing.",
        ]
        if lib:
            reqs.insert(1, f"The modules {', '.join(f'`src/{s}.c`' for s in lib_srcs)} are archived into the "
                        f"static library `build/lib{lib}.a` (exactly those objects), and the executable is "
                        f"linked against that library with `-l{lib}`.")
        if header_deps:
            reqs.append("Incremental builds must be correct: after a header in `include/` changes, `make` must "
                        "recompile exactly the object files whose source includes that header (directly or through "
                        "another header) and relink; objects that do not depend on it must not be recompiled. After "
                        "a `.c` file changes, only its object is recompiled before relinking.")
        reqs.append("The executable's output for `data/sample.txt` is exactly `data/sample.expected`; the same "
                    "program will be run on other inputs.")
        req_txt = "\n".join(f"- {r}" for r in reqs)
        instruction = textwrap.dedent(f"""\
            {intro} The project lives in `{root}` (sources in `src/`, headers in `include/`, the version string
            comes from the Makefile).

            Fix the build. When you are done:

            {{reqs}}

            Only the `Makefile` may change: do not edit, add or delete anything in `src/`, `include/` or `data/`.
            Leave a finished build in place (`{bin_path}` must exist when you are done).
            """).replace("{reqs}", req_txt)

        # Reference: write the fixed Makefile, build, check against the sample.
        files["solution/solve.sh"] = (
            "#!/bin/bash\n# Reference: the repaired Makefile, then a clean build checked against the sample.\n"
            f"set -euo pipefail\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{fixed}MAKEFILE_EOF\n"
            "make clean\nmake\n"
            f"./build/{tool} data/sample.txt | diff - data/sample.expected\n")
        # Wrong 1: partial repair (medium/hard: the build works but header dependencies are still missing).
        if header_deps:
            partial = _makefile(tool, version, srcs, lib_srcs, lib, {"no_header_deps"})
        else:
            left = build_bugs[-1]
            partial_bugs = {left} | ({b for b in bugs if b.startswith("victim:")} if left == "missing_object" else set())
            partial = _makefile(tool, version, srcs, lib_srcs, lib, partial_bugs)
        files["solution/wrong/partial-fix.sh"] = (
            f"#!/bin/bash\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{partial}MAKEFILE_EOF\nmake clean\nmake\n")
        # Wrong 2: builds the binary by hand and leaves the Makefile broken.
        all_srcs = " ".join(f"src/{s}.c" for s in srcs)
        files["solution/wrong/hand-compiled.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            mkdir -p build
            gcc -std=c11 -O2 -Iinclude -DTOOL_VERSION='"{version}"' {all_srcs} -o build/{tool} -lm
            """)
        if header_deps:
            over = _makefile(tool, version, srcs, lib_srcs, lib, set(), dep_style="all_headers")
            files["solution/wrong/all-headers-dep.sh"] = (
                f"#!/bin/bash\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{over}MAKEFILE_EOF\nmake clean\nmake\n")

        protected = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in sorted(cfiles.items())}
        for rel in ("data/sample.txt", "data/sample.expected"):
            protected[rel] = hashlib.sha256(files[f"{ctx}/{rel}"].encode()).hexdigest()
        files["tests/hidden_cases.json"] = json.dumps(hidden, indent=1) + "\n"
        files["tests/test_outputs.py"] = TEST_TEMPLATE.format(
            root=root, tool=tool, lib=repr(lib), lib_srcs=repr(lib_srcs), srcs=repr(srcs),
            header_deps=header_deps, digests=json.dumps(protected, indent=1), sample=json.dumps(sample_out))
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj.split('/')[-1]}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["make", "gcc", "linker", "c"],
            artifacts=[root],  # the repaired Makefile, the sources and data (checked untouched), the agent's build
            agent_timeout_sec={"easy": 600, "medium": 900, "hard": 1200}[level],
            verifier_timeout_sec=240, expert_minutes={"easy": 10, "medium": 20, "hard": 30}[level],
        )


TEST_TEMPLATE = '''"""Rebuild the project from a clean copy with the agent's Makefile and check artifacts, outputs and incrementality."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import lct_verify

ROOT = Path("{root}")
TOOL = "{tool}"
LIB = {lib}
LIB_SRCS = {lib_srcs}
SRCS = {srcs}
HEADER_DEPS = {header_deps}
DIGESTS = {digests}
SAMPLE_EXPECTED = {sample}
HIDDEN = json.loads((Path(__file__).parent / "hidden_cases.json").read_text())
T0 = 1_000_000_000


def make(cwd, *args):
    """The agent's Makefile runs unprivileged, in a copy the agent's code owns."""
    return lct_verify.run_as_agent(["make", *args], cwd=str(cwd), timeout=180)


@pytest.fixture(scope="module")
def built():
    work = Path(tempfile.mkdtemp(prefix="lct-proj-")) / "p"
    shutil.copytree(ROOT, work, symlinks=True)
    lct_verify.give_to_agent(str(work.parent))
    clean = make(work, "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    leftovers = [p for p in work.rglob("*") if p.is_file() and (p.suffix in (".o", ".a", ".d") or p.name == TOOL)]
    assert not leftovers, f"make clean left {{leftovers}}"
    res = make(work)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return work


def age(work):
    """Sources at T0, build products at T0+100: a consistent, finished build in the past."""
    build = work / "build"
    for p in sorted(work.rglob("*")):
        t = T0 + 100 if build in p.parents else T0
        os.utime(p, (t, t), follow_symlinks=False)
    os.utime(build, (T0 + 100, T0 + 100))


def fresh(work):
    return {{p.stem for p in (work / "build").glob("*.o") if p.stat().st_mtime > T0 + 150}}


def header_closure(work):
    """header -> set of source stems whose translation unit includes it (directly or transitively)."""
    inc = {{}}
    for p in list((work / "include").glob("*.h")) + list((work / "src").glob("*.c")):
        inc[p.name] = set(re.findall(r'#include "([^"]+)"', p.read_text()))
    out = {{}}
    for h in sorted(x for x in inc if x.endswith(".h")):
        users = set()
        for src in sorted(x for x in inc if x.endswith(".c")):
            seen, todo = set(), list(inc[src])
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo.extend(inc.get(x, ()))
            if h in seen:
                users.add(src[:-2])
        out[h] = users
    return out


def run_tool(binary, text):
    d = Path(tempfile.mkdtemp(prefix="lct-input-"))
    os.chmod(d, 0o755)
    f = d / "input.txt"
    f.write_text(text)
    os.chmod(f, 0o644)
    return lct_verify.run_as_agent([str(binary), str(f)], cwd=str(d), timeout=30)


def test_sources_and_data_untouched():
    for rel, digest in DIGESTS.items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest() == digest, f"{{rel}} was modified"
    present = sorted(p.name for p in (ROOT / "src").glob("*.c"))
    assert present == sorted(s + ".c" for s in SRCS), present


def test_agent_build_left_in_place():
    binary = ROOT / "build" / TOOL
    assert binary.is_file() and os.access(binary, os.X_OK), f"{{binary}} missing"
    res = lct_verify.run_as_agent([str(binary), str(ROOT / "data" / "sample.txt")], cwd=str(ROOT), timeout=30)
    assert res.returncode == 0 and res.stdout == SAMPLE_EXPECTED


def test_clean_build_products(built):
    for s in SRCS:
        assert (built / "build" / f"{{s}}.o").is_file(), f"build/{{s}}.o not produced"
    assert (built / "build" / TOOL).is_file()
    if LIB:
        archive = built / "build" / f"lib{{LIB}}.a"
        assert archive.is_file(), "static library not built"
        members = subprocess.run(["ar", "t", str(archive)], capture_output=True, text=True).stdout.split()
        assert sorted(members) == sorted(s + ".o" for s in LIB_SRCS), members


def test_hidden_inputs(built):
    for case in HIDDEN:
        res = run_tool(built / "build" / TOOL, case["input"])
        assert res.returncode == 0, res.stderr
        assert res.stdout == case["expected"], case["input"][:200]


def test_second_make_is_noop(built):
    age(built)
    res = make(built)
    assert res.returncode == 0, res.stderr
    changed = [str(p) for p in (built / "build").rglob("*") if p.is_file() and p.stat().st_mtime > T0 + 150]
    assert not changed, f"an up-to-date tree was rebuilt: {{changed}}"


def test_incremental_rebuilds(built):
    if not HEADER_DEPS:
        # easy level: a changed source file must still be recompiled and relinked
        age(built)
        src = built / "src" / f"{{SRCS[-1]}}.c"
        os.utime(src, (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {{SRCS[-1]}}
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150
        return
    closure = header_closure(built)
    for header, users in sorted(closure.items()):
        age(built)
        os.utime(built / "include" / header, (T0 + 200, T0 + 200))
        res = make(built)
        assert res.returncode == 0, res.stderr
        assert fresh(built) == users, f"touching include/{{header}}: rebuilt {{sorted(fresh(built))}}, want {{sorted(users)}}"
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150, f"not relinked after include/{{header}} changed"
    for stem in SRCS:
        age(built)
        os.utime(built / "src" / f"{{stem}}.c", (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {{stem}}, f"touching src/{{stem}}.c rebuilt {{sorted(fresh(built))}}"
        assert (built / "build" / TOOL).stat().st_mtime > T0 + 150
'''
