"""Replace a rebuild-everything build script with a correct incremental Makefile (header deps, library, codegen)."""

from __future__ import annotations

import random
import textwrap

from litecoder_terminal.synth.procedural import kit

NAMES = ["vector", "hashing", "cache", "queue", "matrix", "codec", "units", "ranges", "bitset", "ledger", "pool",
         "tokens", "scaler", "window", "filter", "mixer", "clock", "limits", "router", "sampler", "crc", "arena"]
PROGS = ["pipecalc", "gridsim", "tally", "meshgen", "qsolve", "bench", "ratecalc", "evalkit"]
CORES = ["core", "base", "engine", "kernel"]
TABLES = ["weights", "offsets", "coeffs", "factors"]
MODULUS = 1000003


def _model(rng: random.Random, kn) -> dict:
    n = rng.randint(*kn.modules)
    names = rng.sample(NAMES, n)
    n_core = n // 2 if kn.library else 0
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
    if kn.codegen:
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


def _table_csv(rng: random.Random, n: int) -> tuple[str, list[int]]:
    keys = [f"{rng.choice(['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'])}{i}" for i in range(n)]
    vals = [rng.randint(0, 99999) for _ in range(n)]
    return "key,value\n" + "".join(f"{k},{v}\n" for k, v in zip(keys, vals)), vals


def _makefile(prog: str, core: str | None, table: str | None) -> str:
    """The reference Makefile, with the solver's knobs left as @@placeholders@@ (rendered by kit.Solver)."""
    t = "\t"
    lines = [f"# Incremental build for {prog}", "@@flags@@", "CC       := gcc",
             "CFLAGS   := -std=c11 -O2 -Wall -Iinclude", "BUILD    := build", f"BIN      := $(BUILD)/bin/{prog}"]
    if core:
        lines += ["CORE_SRCS := $(wildcard src/core/*.c)", "APP_SRCS  := $(wildcard src/app/*.c)",
                  "CORE_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(CORE_SRCS))",
                  "APP_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(APP_SRCS))",
                  f"LIB       := $(BUILD)/lib/lib{core}.a"]
    else:
        lines += ["SRCS     := $(wildcard src/*.c)", "APP_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))"]
    objs = "$(APP_OBJS)" + (" $(CORE_OBJS)" if core else "")
    if table:
        lines += [f"TABLE    := {table}", "GEN_C    := $(BUILD)/gen/$(TABLE).c", "GEN_O    := $(BUILD)/obj/gen/$(TABLE).o"]
        objs += " $(GEN_O)"
    lines += [f"OBJS     := {objs}", "", ".PHONY: all clean", "", "all: $(BIN)", ""]
    link_in = "$(APP_OBJS)" + (" $(GEN_O)" if table else "") + (" $(LIB)" if core else "")
    lines += ["$(BIN): " + link_in, f"{t}@mkdir -p $(@D)", f"{t}$(CC) -o $@ {link_in}", ""]
    if core:
        lines += ["$(LIB): $(CORE_OBJS)", f"{t}@mkdir -p $(@D)", f"{t}rm -f $@", f"{t}ar rcs $@ $^", ""]
    lines += ["$(BUILD)/obj/%.o: src/%.c", f"{t}@mkdir -p $(@D)", f"{t}$(CC) $(CFLAGS)@@deps@@ -c -o $@ $<", ""]
    if table:
        lines += ["$(GEN_C):@@gen_pre@@", f"{t}@mkdir -p $(@D)", f"{t}python3 tools/gen_table.py data/$(TABLE).csv > $@",
                  "", "$(GEN_O): $(GEN_C)", f"{t}@mkdir -p $(@D)", f"{t}$(CC) $(CFLAGS)@@deps@@ -c -o $@ $<", ""]
    lines += ["clean:", f"{t}rm -rf $(BUILD)", "", "-include $(OBJS:.o=.d)"]
    return "\n".join(lines) + "\n"


KNOBS = {
    "deps": kit.Knob(" -MMD -MP", "", "no header dependencies: editing a header rebuilds nothing"),
    "flags": kit.Knob("# make decides what is stale from timestamps and the compiler's .d files",
                      "MAKEFLAGS += --always-make", "every target is always remade: no incremental build at all"),
    "gen_pre": kit.Knob(" data/$(TABLE).csv tools/gen_table.py", "",
                        "the generated source does not depend on its CSV or generator: generated once, never again"),
}


class MakefileIncrementalWrite(kit.KitFamily):
    title = "Write an incremental Makefile (exact header dependencies, static library, generated code)"
    levels = kit.Levels(modules=((5, 5), (8, 8), (10, 11)), library=(False, True, True), codegen=(False, False, True),
                        parallel=(False, True, True), agent_timeout=(600, 1200, 1500), expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        prog = rng.choice(PROGS)
        proj = rng.choice([prog, f"{prog}-c", f"{prog}_project"])
        root = f"/app/{proj}"
        core = rng.choice(CORES) if k.library else None
        table = rng.choice(TABLES) if k.codegen else None
        model = _model(rng, k)
        srcs = _sources(model, prog, table, core)
        table_vals: list[int] = []
        extra: dict[str, str] = {}
        if table:
            csv_txt, table_vals = _table_csv(rng, rng.randint(7, 19))
            extra[f"data/{table}.csv"] = csv_txt
            extra["tools/gen_table.py"] = self.template("gen_table.py", table=table)
        src_glob = "src/core/*.c src/app/*.c" if core else "src/*.c"
        gen_step = (f"mkdir -p build/gen\npython3 tools/gen_table.py data/{table}.csv > build/gen/{table}.c\n"
                    if table else "")
        extra["build.sh"] = (
            "#!/bin/sh\n# Legacy build: recompiles everything, every time. Kept for reference.\nset -e\n"
            f"{gen_step}mkdir -p build/bin\n"
            f"gcc -std=c11 -O2 -Wall -Iinclude -o build/bin/{prog} {src_glob}"
            f"{' build/gen/' + table + '.c' if table else ''}\n")
        files: dict[str, str | bytes] = {f"environment/{proj}/{rel}": text
                                         for rel, text in sorted({**srcs, **extra}.items())}
        untouched = kit.digests(files, proj, root)
        sample_args = sorted(rng.sample(range(0, 5000), 4))
        sample_out = "".join(f"{x}: " + " ".join(map(str, evaluate(model, table_vals, x))) + "\n"
                             for x in sample_args)
        hidden_args = [rng.randint(0, 10 ** 6) for _ in range(12)] + [0, 1]
        obj_of = {rel: "build/obj/" + rel[4:-2] + ".o" for rel in srcs if rel.startswith("src/")}

        first = sorted(obj_of)[0]
        reqs = [f"`make` (the default goal) builds the executable `build/bin/{prog}`, compiling each source file "
                f"`src/<path>.c` separately into the object `build/obj/<path>.o` (for example `{first}` -> "
                f"`{obj_of[first]}`)."]
        if core:
            reqs.append(f"The sources under `src/core/` are archived into the static library `build/lib/lib{core}.a` "
                        "(exactly those objects); the executable is linked from the objects of `src/app/` and that "
                        "library.")
        if table:
            reqs.append(f"`data/{table}.csv` is turned into C by `python3 tools/gen_table.py data/{table}.csv`, which "
                        f"prints the source on stdout: write it to `build/gen/{table}.c`, compile it to "
                        f"`build/obj/gen/{table}.o` and link it in. The generated source must be regenerated (and "
                        "only it, its object and the executable rebuilt) whenever the CSV or the generator changes.")
        reqs += ["Incremental builds must be exact: when a header in `include/` changes, `make` recompiles exactly "
                 "the objects whose source includes it, directly or through other headers (no more, no fewer), and "
                 "relinks; when a `.c` file changes only its object is recompiled; when nothing changed, `make` "
                 "rebuilds nothing.",
                 "`make clean` removes everything the build produced (the whole `build/` directory)."]
        if k.parallel:
            reqs.append("Parallel builds work: `make clean && make -j4` succeeds.")
        reqs.append(f"The program behaves exactly like the one `build.sh` produces (for example "
                    f"`build/bin/{prog} {' '.join(map(str, sample_args))}` prints what `build.sh`'s binary prints).")
        req_txt = "\n".join(f"- {r}" for r in reqs)
        inputs_extra = ", `tools/`, `data/`" if table else ""
        files[f"environment/{proj}/docs/BUILD-SPEC.md"] = self.template(
            "build-spec.md", prog=prog, root=root, reqs=req_txt, inputs_extra=inputs_extra)
        files[f"environment/{proj}/logs/ci-build.log"] = self.template("ci-build.log",
                                                                       secs_full=str(rng.randint(95, 420)))
        files[f"environment/{proj}/contrib/Makefile.draft"] = self.data("Makefile.draft")

        # two stages: the solve.sh template takes the Makefile (with knob placeholders inside), then the knobs
        solve = self.template("solve.sh", root=root, makefile=_makefile(prog, core, table), prog=prog,
                              jobs="-j4" if k.parallel else "", sample_args=" ".join(map(str, sample_args)))
        knobs = {n: kn for n, kn in KNOBS.items() if n != "gen_pre" or table}
        wrong = {"no_header_deps": "deps", "always_rebuild": "flags"} | ({"generated_once": "gen_pre"} if table else {})
        files |= kit.Solver(solve, knobs, where=f"{self.folder}/data/solve.sh").files({}, wrong)
        files |= self.alt_solutions(root=root, prog=prog, core=core or "", table=table or "")
        files |= self.verifier(root=root)
        files |= kit.expected_file({
            "model": model, "table": table, "table_vals": table_vals, "core": core, "prog": prog,
            "obj_of": obj_of, "hidden_args": hidden_args, "sample_args": sample_args, "sample_out": sample_out,
            "untouched": untouched, "parallel": k.parallel})
        instruction = self.instruction(
            intro=self.intro(rng, prog=prog), root=root, prog=prog, reqs=req_txt, inputs_extra=inputs_extra,
            layout_extra=", the lookup-table generator in `tools/` and its input in `data/`" if table else "")
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nRUN chmod +x {root}/build.sh\nWORKDIR {root}\n",
            files=files, tags=["make", "gcc", "incremental-build", "c"],
            artifacts=[root], outputs=[f"{root}/Makefile"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=300, expert_minutes=k.expert_minutes,
        )
