"""Replace a rebuild-everything build script with a correct incremental Makefile (header deps, library, codegen)."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

NAMES = ["vector", "hashing", "cache", "queue", "matrix", "codec", "units", "ranges", "bitset", "ledger", "pool",
         "tokens", "scaler", "window", "filter", "mixer", "clock", "limits", "router", "sampler", "crc", "arena"]
PROGS = ["pipecalc", "gridsim", "tally", "meshgen", "qsolve", "bench", "ratecalc", "evalkit"]
CORES = ["core", "base", "engine", "kernel"]
TABLES = ["weights", "offsets", "coeffs", "factors"]
MODULUS = 1000003


def _model(rng: random.Random, level: str) -> dict:
    n = {"easy": 5, "medium": 8, "hard": rng.randint(10, 11)}[level]
    names = rng.sample(NAMES, n)
    n_core = 0 if level == "easy" else n // 2
    mods = []
    for k in range(n):
        pool = list(range(k))  # core modules (the lowest indices) can only use other core modules
        deps = sorted(rng.sample(pool, min(len(pool), rng.choice([0, 1, 1, 2, 2]))))
        public = [d for d in deps if rng.random() < 0.5]  # included from the header, the rest from the .c
        mods.append({"name": names[k], "a": rng.randint(2, 997), "b": rng.randint(0, 9999), "c": rng.randint(1, 50),
                     "deps": deps, "public": public, "core": k < n_core})
    used = {d for m in mods for d in m["deps"]}
    tops = [k for k in range(n) if k not in used]
    model = {"mods": mods, "tops": tops, "modulus": MODULUS, "table_user": None}
    if level == "hard":
        model["table_user"] = rng.choice([k for k in range(n_core, n)])
    return model


def evaluate(model: dict, table: list[int], x: int) -> list[int]:
    mods, mod = model["mods"], model["modulus"]
    memo: dict[tuple[int, int], int] = {}

    def ev(k: int, v: int) -> int:
        if (k, v) in memo:
            return memo[(k, v)]
        m = mods[k]
        r = (v * m["a"] + m["b"]) % mod
        for d in m["deps"]:
            r = (r + ev(d, v + m["c"])) % mod
        if k == model["table_user"]:
            r = (r + table[v % len(table)]) % mod
        memo[(k, v)] = r
        return r

    return [ev(k, x) for k in model["tops"]]


def _sources(model: dict, prog: str, table: str | None, core: str | None) -> dict[str, str]:
    files = {}
    mods = model["mods"]
    files["include/config.h"] = textwrap.dedent(f"""\
        #ifndef {prog.upper()}_CONFIG_H
        #define {prog.upper()}_CONFIG_H

        /* Every computation is reduced modulo this prime. */
        #define MOD_BASE {model['modulus']}L

        #endif
        """)
    if table:
        files[f"include/{table}.h"] = textwrap.dedent(f"""\
            #ifndef {prog.upper()}_{table.upper()}_H
            #define {prog.upper()}_{table.upper()}_H

            /* Defined in the source generated from data/{table}.csv by tools/gen_table.py. */
            extern const long {table}[];
            extern const int {table}_len;

            #endif
            """)
    for k, m in enumerate(mods):
        nm = m["name"]
        pub = "".join(f'#include "{mods[d]["name"]}.h"\n' for d in m["public"])
        files[f"include/{nm}.h"] = (f"#ifndef {prog.upper()}_{nm.upper()}_H\n#define {prog.upper()}_{nm.upper()}_H\n\n"
                                    f'#include "config.h"\n{pub}\nlong {nm}_eval(long x);\n\n#endif\n')
        priv = "".join(f'#include "{mods[d]["name"]}.h"\n' for d in m["deps"] if d not in m["public"])
        if k == model["table_user"]:
            priv += f'#include "{table}.h"\n'
        body = [f"    long r = (x * {m['a']}L + {m['b']}L) % MOD_BASE;"]
        for d in m["deps"]:
            body.append(f"    r = (r + {mods[d]['name']}_eval(x + {m['c']}L)) % MOD_BASE;")
        if k == model["table_user"]:
            body.append(f"    r = (r + {table}[x % {table}_len]) % MOD_BASE;")
        body.append("    return r;")
        sub = "" if not core else ("core/" if m["core"] else "app/")
        files[f"src/{sub}{nm}.c"] = (f'#include "{nm}.h"\n{priv}\nlong {nm}_eval(long x)\n{{\n'
                                     + "\n".join(body) + "\n}\n")
    inc = "".join(f'#include "{mods[k]["name"]}.h"\n' for k in model["tops"])
    prints = "".join(f'        printf(" %ld", {mods[k]["name"]}_eval(x));\n' for k in model["tops"])
    files[f"src/{'app/' if core else ''}main.c"] = (
        "#include <stdio.h>\n#include <stdlib.h>\n\n" + inc + textwrap.dedent("""
        int main(int argc, char **argv)
        {
            int i;

            for (i = 1; i < argc; i++) {
                long x = strtol(argv[i], NULL, 10);

                printf("%ld:", x);
        """) + prints + '        printf("\\n");\n    }\n    return 0;\n}\n')
    return files


GEN_SCRIPT = '''#!/usr/bin/env python3
"""Turn data/{table}.csv (key,value rows) into a C source defining the lookup table."""
import csv
import sys

rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print("/* generated by tools/gen_table.py from %s -- do not edit */" % sys.argv[1])
print("const long {table}[] = {{")
for row in rows:
    print("    %dL, /* %s */" % (int(row["value"]), row["key"]))
print("}};")
print("const int {table}_len = %d;" % len(rows))
'''


def _table_csv(rng: random.Random, n: int) -> tuple[str, list[int]]:
    keys = [f"{pick(rng, ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'])}{i}" for i in range(n)]
    vals = [rng.randint(0, 99999) for _ in range(n)]
    return "key,value\n" + "".join(f"{k},{v}\n" for k, v in zip(keys, vals)), vals


def _makefile(prog: str, core: str | None, table: str | None, style: str = "good") -> str:
    t = "\t"
    lines = [f"# Incremental build for {prog}", "CC       := gcc", "CFLAGS   := -std=c11 -O2 -Wall -Iinclude"]
    dep = "" if style == "nodeps" else " -MMD -MP"
    lines += ["BUILD    := build", f"BIN      := $(BUILD)/bin/{prog}"]
    if core:
        lines += ["CORE_SRCS := $(wildcard src/core/*.c)", "APP_SRCS  := $(wildcard src/app/*.c)",
                  "CORE_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))",
                  "APP_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(APP_SRCS))",
                  f"LIB       := $(BUILD)/lib/lib{core}.a"]
    else:
        lines += ["SRCS     := $(wildcard src/*.c)", "APP_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))"]
    objs = "$(APP_OBJS)" + (" $(CORE_OBJS)" if core else "")
    if table:
        lines += [f"GEN_C    := $(BUILD)/gen/{table}.c", f"GEN_O    := $(BUILD)/obj/gen/{table}.o"]
        objs += " $(GEN_O)"
    lines += [f"OBJS     := {objs}", "", ".PHONY: all clean", "", "all: $(BIN)", ""]
    link_in = "$(APP_OBJS)" + (" $(GEN_O)" if table else "") + (" $(LIB)" if core else "")
    if style == "always":
        # rebuild-everything wrapper with the right output location
        srcs = "src/core/*.c src/app/*.c" if core else "src/*.c"
        gen = (f"{t}mkdir -p build/gen\n{t}python3 tools/gen_table.py data/{table}.csv > build/gen/{table}.c\n"
               if table else "")
        return ("\n".join(lines[:3]) + f"\nBIN := build/bin/{prog}\n\n.PHONY: all clean $(BIN)\n\nall: $(BIN)\n\n"
                f"$(BIN):\n{gen}{t}mkdir -p $(@D)\n{t}$(CC) $(CFLAGS) -o $@ {srcs}"
                f"{' build/gen/' + table + '.c' if table else ''}\n\nclean:\n{t}rm -rf build\n")
    lines += ["$(BIN): " + link_in, f"{t}@mkdir -p $(@D)", f"{t}$(CC) -o $@ {link_in}", ""]
    if core:
        lines += ["$(LIB): $(CORE_OBJS)", f"{t}@mkdir -p $(@D)", f"{t}rm -f $@", f"{t}ar rcs $@ $^", ""]
    lines += ["$(BUILD)/obj/%.o: src/%.c", f"{t}@mkdir -p $(@D)", f"{t}$(CC) $(CFLAGS){dep} -c -o $@ $<", ""]
    if table:
        gen_pre = "" if style == "nogen" else f" data/{table}.csv tools/gen_table.py"
        lines += [f"$(GEN_C):{gen_pre}", f"{t}@mkdir -p $(@D)", f"{t}python3 tools/gen_table.py data/{table}.csv > $@",
                  "", "$(GEN_O): $(GEN_C)", f"{t}@mkdir -p $(@D)", f"{t}$(CC) $(CFLAGS){dep} -c -o $@ $<", ""]
    lines += ["clean:", f"{t}rm -rf $(BUILD)", ""]
    if dep:
        lines.append("-include $(OBJS:.o=.d)")
    return "\n".join(lines) + "\n"


@register
class MakefileIncrementalWrite(TaskFamily):
    name = "makefile_incremental_write"
    domain = "build_tools"
    title = "Write an incremental Makefile (exact header dependencies, static library, generated code)"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        prog = pick(rng, PROGS)
        proj = pick(rng, [prog, f"{prog}-c", f"{prog}_project"])
        root = f"/app/{proj}"
        core = pick(rng, CORES) if level != "easy" else None
        table = pick(rng, TABLES) if level == "hard" else None
        model = _model(rng, level)
        files: dict[str, str | bytes] = {}
        srcs = _sources(model, prog, table, core)
        table_vals: list[int] = []
        extra: dict[str, str] = {}
        if table:
            csv_txt, table_vals = _table_csv(rng, rng.randint(7, 19))
            extra[f"data/{table}.csv"] = csv_txt
            extra["tools/gen_table.py"] = GEN_SCRIPT.format(table=table)
        src_glob = "src/core/*.c src/app/*.c" if core else "src/*.c"
        gen_step = (f"mkdir -p build/gen\npython3 tools/gen_table.py data/{table}.csv > build/gen/{table}.c\n"
                    if table else "")
        extra["build.sh"] = (
            "#!/bin/sh\n# Legacy build: recompiles everything, every time. Kept for reference.\nset -e\n"
            f"{gen_step}mkdir -p build/bin\n"
            f"gcc -std=c11 -O2 -Wall -Iinclude -o build/bin/{prog} {src_glob}"
            f"{' build/gen/' + table + '.c' if table else ''}\n")
        ctx = f"environment/{proj}"
        for rel, text in sorted({**srcs, **extra}.items()):
            files[f"{ctx}/{rel}"] = text
        sample_args = sorted(rng.sample(range(0, 5000), 4))
        sample_out = "".join(f"{x}: " + " ".join(map(str, evaluate(model, table_vals, x))) + "\n"
                             for x in sample_args)
        hidden_args = [rng.randint(0, 10 ** 6) for _ in range(12)] + [0, 1]

        obj_of = {}
        for rel in srcs:
            if rel.startswith("src/"):
                obj_of[rel] = "build/obj/" + rel[4:-2] + ".o"
        intro = pick(rng, [
            f"`{prog}` is built by `build.sh`, which recompiles every file on every change; the team wants a proper "
            "Makefile so edits rebuild only what they affect.",
            f"Builds of `{prog}` take far too long because `build.sh` recompiles the world each time. Replace it "
            "with a Makefile that rebuilds incrementally.",
            f"We are retiring the `build.sh` script of `{prog}` (it always rebuilds everything) in favour of make.",
        ])
        reqs = [f"`make` (the default goal) builds the executable `build/bin/{prog}`, compiling each source file "
                f"`src/<path>.c` separately into the object `build/obj/<path>.o` "
                f"(for example `{sorted(obj_of)[0]}` -> `{obj_of[sorted(obj_of)[0]]}`)."]
        if core:
            reqs.append(f"The sources under `src/{'core'}/` are archived into the static library "
                        f"`build/lib/lib{core}.a` (exactly those objects); the executable is linked from the "
                        "objects of `src/app/` and that library.")
        if table:
            reqs.append(f"`data/{table}.csv` is turned into C by `python3 tools/gen_table.py data/{table}.csv`, which "
                        f"prints the source on stdout: write it to `build/gen/{table}.c`, compile it to "
                        f"`build/obj/gen/{table}.o` and link it in. The generated source must be regenerated (and "
                        f"only it, its object and the executable rebuilt) whenever the CSV or the generator changes.")
        reqs += [
            "Incremental builds must be exact: when a header in `include/` changes, `make` recompiles exactly the "
            "objects whose source includes it, directly or through other headers (no more, no fewer), and relinks; "
            "when a `.c` file changes only its object is recompiled; when nothing changed, `make` rebuilds nothing.",
            "`make clean` removes everything the build produced (the whole `build/` directory).",
        ]
        if level != "easy":
            reqs.append("Parallel builds work: `make clean && make -j4` succeeds.")
        reqs.append(f"The program behaves exactly like the one `build.sh` produces (for example "
                    f"`build/bin/{prog} {' '.join(map(str, sample_args))}` prints what `build.sh`'s binary prints).")
        instruction = (
            f"{intro} The project is in `{root}`: sources in `src/`, headers in `include/`"
            + (", the lookup-table generator in `tools/` and its input in `data/`" if table else "")
            + ". Use the compiler flags from `build.sh`.\n\nWrite `" + root + "/Makefile` so that:\n\n"
            + "\n".join(f"- {r}" for r in reqs)
            + "\n\nDo not modify, add or delete anything under `src/`, `include/`"
            + (", `tools/`, `data/`" if table else "") + " or `build.sh`. Leave a finished build in place "
            f"(`{root}/build/bin/{prog}` must exist when you are done).\n")

        good = _makefile(prog, core, table)
        files["solution/solve.sh"] = (
            "#!/bin/bash\n# Reference: pattern rules with compiler-generated dependency files.\nset -euo pipefail\n"
            f"cd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{good}MAKEFILE_EOF\nmake clean\n"
            f"make{' -j4' if level != 'easy' else ''}\nmake\n"
            f"./build/bin/{prog} {' '.join(map(str, sample_args))}\n")
        files["solution/wrong/no-header-deps.sh"] = (
            f"#!/bin/bash\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{_makefile(prog, core, table, 'nodeps')}"
            "MAKEFILE_EOF\nmake clean\nmake\n")
        files["solution/wrong/always-rebuild.sh"] = (
            f"#!/bin/bash\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{_makefile(prog, core, table, 'always')}"
            "MAKEFILE_EOF\nmake clean\nmake\n")
        if table:
            files["solution/wrong/generated-once.sh"] = (
                f"#!/bin/bash\ncd {root}\ncat > Makefile <<'MAKEFILE_EOF'\n{_makefile(prog, core, table, 'nogen')}"
                "MAKEFILE_EOF\nmake clean\nmake\n")

        digests = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in sorted({**srcs, **extra}.items())}
        files["tests/model.json"] = json.dumps({
            "model": model, "table": table, "table_vals": table_vals, "core": core, "prog": prog,
            "obj_of": obj_of, "hidden_args": hidden_args, "sample_args": sample_args, "sample_out": sample_out,
            "digests": digests, "parallel": level != "easy"}, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST_TEMPLATE.replace("@ROOT@", root)
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nRUN chmod +x {root}/build.sh\nWORKDIR {root}\n",
            files=files, tags=["make", "gcc", "incremental-build", "c"],
            artifacts=[root],  # the agent's Makefile and build, with the inputs (checked untouched)
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1500}[level],
            verifier_timeout_sec=300, expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


TEST_TEMPLATE = '''"""Build a clean copy with the agent's Makefile; check outputs, library, codegen and exact incremental rebuilds."""

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

ROOT = Path("@ROOT@")
M = json.loads((Path(__file__).parent / "model.json").read_text())
PROG, CORE, TABLE = M["prog"], M["core"], M["table"]
OBJ_OF = M["obj_of"]
BIN = "build/bin/" + PROG
T0 = 1_000_000_000


def evaluate(table, x):
    model = M["model"]
    mods, mod = model["mods"], model["modulus"]
    memo = {}

    def ev(k, v):
        if (k, v) in memo:
            return memo[(k, v)]
        m = mods[k]
        r = (v * m["a"] + m["b"]) % mod
        for d in m["deps"]:
            r = (r + ev(d, v + m["c"])) % mod
        if k == model["table_user"]:
            r = (r + table[v % len(table)]) % mod
        memo[(k, v)] = r
        return r

    return [ev(k, x) for k in model["tops"]]


def expected(table, args):
    return "".join(f"{x}: " + " ".join(map(str, evaluate(table, x))) + "\\n" for x in args)


def make(cwd, *args):
    """The agent's Makefile (and the generator it calls) runs unprivileged, in a copy the agent's code owns."""
    return lct_verify.run_as_agent(["make", *args], cwd=str(cwd), timeout=240)


def run(work, args):
    res = lct_verify.run_as_agent([str(work / BIN), *map(str, args)], cwd=str(work), timeout=60)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture(scope="module")
def built():
    work = Path(tempfile.mkdtemp(prefix="lct-proj-")) / "p"
    shutil.copytree(ROOT, work, symlinks=True)
    lct_verify.give_to_agent(str(work.parent))
    res = make(work, "clean")
    assert res.returncode == 0, res.stderr
    assert not (work / "build").exists() or not any(p.is_file() for p in (work / "build").rglob("*")), \\
        "make clean left build products"
    res = make(work, "-j4") if M["parallel"] else make(work)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    return work


def age(work):
    for p in sorted(work.rglob("*")):
        t = T0 + 100 if "build" in p.relative_to(work).parts[:1] else T0
        os.utime(p, (t, t), follow_symlinks=False)


def fresh(work):
    return {str(p.relative_to(work)) for p in (work / "build" / "obj").rglob("*.o") if p.stat().st_mtime > T0 + 150}


def relinked(work):
    return (work / BIN).stat().st_mtime > T0 + 150


def closure(work):
    inc = {}
    for p in list((work / "include").glob("*.h")) + list((work / "src").rglob("*.c")):
        key = p.name if p.suffix == ".h" else str(p.relative_to(work))
        inc[key] = set(re.findall(r'#include "([^"]+)"', p.read_text()))
    out = {}
    for h in sorted(k for k in inc if k.endswith(".h")):
        users = set()
        for src in sorted(k for k in inc if k.endswith(".c")):
            seen, todo = set(), list(inc[src])
            while todo:
                x = todo.pop()
                if x not in seen:
                    seen.add(x)
                    todo.extend(inc.get(x, ()))
            if h in seen:
                users.add(OBJ_OF[src])
        out[h] = users
    return out


def test_inputs_untouched():
    for rel, digest in M["digests"].items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest() == digest, f"{rel} was modified"
    srcs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.c"))
    assert srcs == sorted(OBJ_OF), srcs


def test_agent_build_left_in_place():
    assert (ROOT / "Makefile").is_file()
    assert run(ROOT, M["sample_args"]) == M["sample_out"]


def test_clean_build_layout(built):
    for src, obj in OBJ_OF.items():
        assert (built / obj).is_file(), f"{obj} (from {src}) was not produced"
    if CORE:
        lib = built / "build" / "lib" / f"lib{CORE}.a"
        assert lib.is_file(), "static library missing"
        members = subprocess.run(["ar", "t", str(lib)], capture_output=True, text=True).stdout.split()
        want = sorted(Path(o).name for s, o in OBJ_OF.items() if s.startswith("src/core/"))
        assert sorted(members) == want, members
    if TABLE:
        assert (built / "build" / "gen" / f"{TABLE}.c").is_file()
        assert (built / "build" / "obj" / "gen" / f"{TABLE}.o").is_file()


def test_program_output(built):
    assert run(built, M["hidden_args"]) == expected(M["table_vals"], M["hidden_args"])


def test_noop_rebuild(built):
    age(built)
    assert make(built).returncode == 0
    changed = [str(p) for p in (built / "build").rglob("*") if p.is_file() and p.stat().st_mtime > T0 + 150]
    assert not changed, f"nothing changed but make rebuilt {changed}"


def test_header_changes_rebuild_exactly(built):
    for header, users in sorted(closure(built).items()):
        age(built)
        os.utime(built / "include" / header, (T0 + 200, T0 + 200))
        res = make(built)
        assert res.returncode == 0, res.stderr
        assert fresh(built) == users, f"include/{header}: rebuilt {sorted(fresh(built))}, expected {sorted(users)}"
        assert relinked(built), f"not relinked after include/{header} changed"


def test_source_changes_rebuild_one(built):
    for src, obj in sorted(OBJ_OF.items()):
        age(built)
        os.utime(built / src, (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {obj}, f"{src}: rebuilt {sorted(fresh(built))}"
        assert relinked(built)


def test_generated_table(built):
    if not TABLE:
        # no code generation at this level: the library-free link must still pick up a changed module
        src = sorted(OBJ_OF)[0]
        age(built)
        os.utime(built / src, (T0 + 200, T0 + 200))
        assert make(built).returncode == 0 and relinked(built)
        return
    gen_o = f"build/obj/gen/{TABLE}.o"
    for trigger in (f"data/{TABLE}.csv", "tools/gen_table.py"):
        age(built)
        os.utime(built / trigger, (T0 + 200, T0 + 200))
        assert make(built).returncode == 0
        assert fresh(built) == {gen_o}, f"touching {trigger} rebuilt {sorted(fresh(built))}"
        assert relinked(built)
    # new table contents must flow into the program
    new_vals = [(v * 7 + 13) % 100000 for v in M["table_vals"]] + [4242, 31337]
    table_csv = built / "data" / f"{TABLE}.csv"
    table_csv.unlink()  # a fresh file (never through whatever the agent's code left at that name)
    with open(table_csv, "x") as f:
        f.write("key,value\\n" + "".join(f"k{i},{v}\\n" for i, v in enumerate(new_vals)))
    age(built)
    os.utime(built / "data" / f"{TABLE}.csv", (T0 + 200, T0 + 200))
    assert make(built).returncode == 0
    assert run(built, M["hidden_args"]) == expected(new_vals, M["hidden_args"])
'''
