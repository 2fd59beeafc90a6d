"""Repair a broken Makefile of a small C tool (missing object, -lm, include path, tabs, link order, header deps)."""

from __future__ import annotations

import math
import random

from litecoder_terminal.synth.procedural import kit

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
CFLAGS = "-std=c11 -O2 -Wall -Wextra"
# Build-breaking bugs the levels draw from; "no_header_deps" and the library bugs are added on top.
SIMPLE_BUGS = ["missing_object", "no_libm", "bad_include", "no_mkdir", "version_macro"]

KNOBS = {
    "clean": kit.Knob("rm -rf $(BUILD)", "rm -f $(BUILD)/*.o",
                      "`make clean` removes the objects only: the binary, dependency files and library stay"),
    "libm": kit.Knob(" -lm", "", "links without libm: sqrt is an undefined reference"),
    "depflags": kit.Knob(" $(DEPFLAGS)", "", "compiles without -MMD -MP: header edits rebuild nothing"),
    "extra_deps": kit.Knob("", "\n# every object depends on every header\n$(OBJS): $(wildcard include/*.h)",
                           "every object depends on every header: a header edit rebuilds objects that do not use it"),
    "link": kit.Knob("-o $@ $(APP_OBJS) -L$(BUILD) -l@@lib@@", "-L$(BUILD) -l@@lib@@ -o $@ $(APP_OBJS)",
                     "the library comes before the objects that need it: the link fails"),
}


def makefile(tool: str, version: str, srcs: list[str], lib_srcs: list[str], lib: str | None, bugs: set[str]) -> str:
    """The project's Makefile; every entry of `bugs` breaks one thing. With no bugs, the repaired file, whose knob
    decisions are left as @@placeholders@@ for kit.Solver."""
    fixed = not bugs
    tab = "\t"
    cflags = f"{CFLAGS} " + ("-Iinc" if "bad_include" in bugs else "-Iinclude")
    macro = "TOOL_VERSON" if "version_macro" in bugs else "TOOL_VERSION"
    lines = [f"# Makefile for {tool}", "CC       := gcc", f"VERSION  := {version}",
             f"CFLAGS   := {cflags} -D{macro}='\"$(VERSION)\"'"]
    mmd = "no_header_deps" not in bugs
    if mmd:
        lines.append("DEPFLAGS := -MMD -MP")
    lines.append("LDLIBS   :=" + ("" if "no_libm" in bugs else "@@libm@@" if fixed else " -lm"))
    lines.append("BUILD    := build")
    drop = next((b.split(":", 1)[1] for b in bugs if b.startswith("victim:")), None)
    if lib:
        lines += ["APP_SRCS := " + " ".join(f"src/{s}.c" for s in srcs if s not in lib_srcs),
                  "LIB_SRCS := " + " ".join(f"src/{s}.c" for s in lib_srcs if s != drop),
                  "APP_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(APP_SRCS))",
                  "LIB_OBJS := $(patsubst src/%.c,$(BUILD)/%.o,$(LIB_SRCS))",
                  "OBJS     := $(APP_OBJS) $(LIB_OBJS)", f"LIB      := $(BUILD)/lib{lib}.a"]
    else:
        lines += ["SRCS     := " + " ".join(f"src/{s}.c" for s in srcs if s != drop),
                  "OBJS     := $(patsubst src/%.c,$(BUILD)/%.o,$(SRCS))"]
    lines += [f"BIN      := $(BUILD)/{tool}", "", ".PHONY: all clean", "", "all: $(BIN)", ""]
    link_indent = "    " if "spaces" in bugs else tab
    if lib:
        pre = "$(APP_OBJS)" if "lib_prereq" in bugs else "$(APP_OBJS) $(LIB)"
        link = ("@@link@@" if fixed else f"-L$(BUILD) -l{lib} -o $@ $(APP_OBJS)" if "link_order" in bugs
                else f"-o $@ $(APP_OBJS) -L$(BUILD) -l{lib}")
        lines += [f"$(BIN): {pre}", f"{link_indent}$(CC) $(LDFLAGS) {link} $(LDLIBS)", "",
                  "$(LIB): $(LIB_OBJS)", f"{tab}ar rcs $@ $^", ""]
    else:
        lines += ["$(BIN): $(OBJS)", f"{link_indent}$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)", ""]
    lines.append("$(BUILD)/%.o: src/%.c")
    if "no_mkdir" not in bugs:
        lines.append(f"{tab}@mkdir -p $(BUILD)")
    dep = ("@@depflags@@" if fixed else " $(DEPFLAGS)") if mmd else ""
    lines.append(f"{tab}$(CC) $(CFLAGS){dep} -c -o $@ $<")
    lines += ["", "clean:", f"{tab}{'@@clean@@' if fixed else 'rm -rf $(BUILD)'}"]
    if mmd:
        lines += ["", "-include $(OBJS:.o=.d)" + ("@@extra_deps@@" if fixed else "")]
    return "\n".join(lines) + "\n"


def expected_output(tool: str, version: str, values: list[int], full: bool, width: int) -> str:
    n = len(values)
    out = [f"{tool} {version}", f"count: {n}"]
    if n:
        s, q = sum(values), sum(v * v for v in values)
        out += [f"sum: {s}", f"min: {min(values)}", f"max: {max(values)}", f"mean: {s / n:.2f}",
                f"stddev: {math.sqrt((n * q - s * s) / (n * n)):.3f}"]
        if full:
            srt = sorted(values)
            med = float(srt[n // 2]) if n % 2 else (srt[n // 2 - 1] + srt[n // 2]) / 2.0
            out += [f"median: {med:.1f}", f"histogram (width {width}):"]
            counts: dict[int, int] = {}
            for v in values:
                counts[v // width] = counts.get(v // width, 0) + 1
            out += [f"  [{b * width}, {(b + 1) * width}): {counts[b]}" for b in sorted(counts)]
    return "\n".join(out) + "\n"


def sample_input(rng: random.Random, n: int, lo: int, hi: int, noisy: bool) -> tuple[str, list[int]]:
    lines, values = [], []
    if noisy:
        lines.append(f"# {rng.choice(['sensor', 'batch', 'probe', 'meter'])} export {rng.randint(1, 99)}")
    for _ in range(n):
        v = rng.randint(lo, hi)
        values.append(v)
        lines.append(f"{' ' * rng.choice([0, 0, 0, 1, 2]) if noisy else ''}{v}")
        if noisy and rng.random() < 0.08:
            lines.append(rng.choice(["", "# gap", "   ", "#", "# recalibrated"]))
    return "\n".join(lines) + "\n", values


class MakefileBuildRepair(kit.KitFamily):
    title = "Repair the broken Makefile of a small C tool so it builds, links and rebuilds correctly"
    levels = kit.Levels(simple_bugs=(2, 3, 3), full_report=(False, True, True), library=(False, False, True),
                        header_deps=(False, True, True), agent_timeout=(600, 900, 1200), expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        tool = rng.choice(TOOLS)
        proj = rng.choice([tool, f"{tool}-src", f"tools/{tool}"])
        root, ctx = f"/app/{proj}", f"environment/{proj.split('/')[-1]}"
        mods = {key: rng.choice(v) for key, v in MOD_NAMES.items()}
        common = rng.choice(COMMON)
        p = rng.choice(PREFIXES)
        width = rng.choice([5, 10, 20, 25, 50])
        version = f"{rng.randint(0, 4)}.{rng.randint(0, 19)}.{rng.randint(0, 9)}"

        # the C sources (data/c/*): one module per role, the report prints more at the fuller levels
        roles = ["parse", "stats", "spread"] + (["order", "histo"] if k.full_report else []) + ["report"]
        names = {"common": common, **{r: mods[r] for r in roles}}
        files: dict[str, str | bytes] = {}
        for role in ["common", *roles]:
            guard = f"{tool.upper()}_{names[role].upper()}_H"
            hvals = {"guard": guard, "p": p} | ({"common": common} if role != "common" else {}) \
                | ({"P": p.upper(), "width": width} if role == "histo" else {})
            files[f"{ctx}/include/{names[role]}.h"] = self.template(f"c/{role}.h", **hvals)
            if role == "report":
                rvals = {"p": p, "report": mods["report"], "stats": mods["stats"], "spread": mods["spread"]}
                if k.full_report:
                    rvals |= {"order": mods["order"], "histo": mods["histo"], "P": p.upper()}
                files[f"{ctx}/src/{mods['report']}.c"] = self.template(
                    "c/report_full.c" if k.full_report else "c/report.c", **rvals)
            elif role != "common":
                files[f"{ctx}/src/{names[role]}.c"] = self.template(f"c/{role}.c", p=p, **{role: names[role]})
        files[f"{ctx}/src/main.c"] = self.template("c/main.c", p=p, parse=mods["parse"], report=mods["report"],
                                                   tool=tool)
        srcs = ["main"] + [mods[r] for r in roles]
        lib = rng.choice(LIBS) if k.library else None
        lib_srcs = [mods[r] for r in ("stats", "spread", "order", "histo") if r in roles] if lib else []

        simple = rng.sample(SIMPLE_BUGS, k.simple_bugs)
        if k.header_deps and not k.library and rng.random() < 0.5:
            simple[rng.randrange(len(simple))] = "spaces"
        bugs = set(simple)
        if lib:
            bugs |= set(rng.sample(["link_order", "lib_prereq"], 2 if rng.random() < 0.5 else 1))
        if "missing_object" in bugs:
            bugs.add("victim:" + rng.choice(lib_srcs if lib else [mods["stats"], mods["spread"]]))
        if k.header_deps:
            bugs.add("no_header_deps")
        files[f"{ctx}/Makefile"] = makefile(tool, version, srcs, lib_srcs, lib, bugs)
        sample_txt, sample_vals = sample_input(rng, rng.randint(25, 60), -40, 400, noisy=True)
        sample_out = expected_output(tool, version, sample_vals, k.full_report, width)
        files[f"{ctx}/data/sample.txt"] = sample_txt
        files[f"{ctx}/data/sample.expected"] = sample_out
        untouched = kit.digests(files, proj.split("/")[-1], root)
        untouched.pop(f"{root}/Makefile")

        hidden = []
        specs = [(rng.randint(5, 30), -100, 100), (rng.randint(80, 200), -500, 2000), (1, -7, 7),
                 (rng.randint(2, 4), 0, 3), (rng.randint(200, 400), -1000, 1000)]
        for i, (n, lo, hi) in enumerate(specs):
            txt, vals = sample_input(rng, n, lo, hi, noisy=i % 2 == 0)
            hidden.append({"input": txt, "expected": expected_output(tool, version, vals, k.full_report, width)})
        hidden.append({"input": "# nothing recorded today\n\n",
                       "expected": expected_output(tool, version, [], k.full_report, width)})

        bin_path = f"{root}/build/{tool}"
        reqs = [f"Running `make` in `{root}` (default goal) builds every object file as `build/<name>.o` (one per "
                f"file in `src/`) and links the executable `{bin_path}`.",
                "`make clean` removes everything the build produced, and `make clean && make` works from a clean "
                "tree.",
                "Running `make` a second time without changing anything rebuilds nothing."]
        if lib:
            reqs.insert(1, f"The modules {', '.join(f'`src/{s}.c`' for s in lib_srcs)} are archived into the "
                        f"static library `build/lib{lib}.a` (exactly those objects), and the executable is linked "
                        f"against that library with `-l{lib}`.")
        if k.header_deps:
            reqs.append("Incremental builds must be correct: after a header in `include/` changes, `make` must "
                        "recompile exactly the object files whose source includes that header (directly or through "
                        "another header) and relink; objects that do not depend on it must not be recompiled. After "
                        "a `.c` file changes, only its object is recompiled before relinking.")
        reqs.append(f"The compiler flags stay `{CFLAGS}` and the version stays `{version}`. The executable's output "
                    "for `data/sample.txt` is exactly `data/sample.expected`; the same program will be run on other "
                    "inputs.")
        req_txt = "\n".join(f"- {r}" for r in reqs)
        files[f"{ctx}/docs/BUILD.md"] = self.template("build.md", tool=tool, cflags=CFLAGS, version=version,
                                                      reqs=req_txt)
        files[f"{ctx}/logs/ci-make.log"] = self.template(
            "ci-make.log", tool=tool, job=rng.randint(300, 9000), runner=f"ci-{rng.randint(1, 12):02d}",
            commit="%07x" % rng.getrandbits(28))
        files[f"{ctx}/scripts/quick-build.sh"] = self.template("quick-build.sh", tool=tool)

        # the reference: the repaired Makefile goes into solve.sh; its knob decisions are rendered by kit.Solver
        fixed = makefile(tool, version, srcs, lib_srcs, lib, set())
        if not k.header_deps:  # header tracking is no requirement here: its knobs are not mistakes to sample
            fixed = kit.render(fixed, {"depflags": KNOBS["depflags"].right, "extra_deps": KNOBS["extra_deps"].right,
                                       **({"link": "@@link@@"} if lib else {}), "clean": "@@clean@@",
                                       "libm": "@@libm@@"}, where="Makefile")
        lib_look = (f"# The library part: which modules go into lib{lib}.a, and the link line's order.\n"
                    "grep -n 'LIB\\|ar rcs\\|-l' Makefile\n") if lib else ""
        lib_check = f"ar t build/lib{lib}.a\n" if lib else ""
        solve = self.template("solve.sh", root=root, tool=tool, makefile=fixed, lib_look=lib_look,
                              lib_check=lib_check, hdr=f"{mods['spread']}.h")
        knobs = {n: kn for n, kn in KNOBS.items()
                 if (n not in ("depflags", "extra_deps") or k.header_deps) and (n != "link" or lib)}
        knobs = {n: kit.Knob(*(kit.render(t, {"lib": lib or ""}, where=f"knob {n}", allow_unused=True)
                               for t in (kn.right, kn.wrong)), kn.why) for n, kn in knobs.items()}
        wrong = {"clean-leaves-products": "clean", "no-libm": "libm"}
        if k.header_deps:
            wrong |= {"no-header-deps": "depflags", "every-header-everywhere": "extra_deps"}
        if lib:
            wrong["library-before-objects"] = "link"
        files |= kit.Solver(solve, knobs, where=f"{self.folder}/data/solve.sh").files({}, wrong)
        files |= self.alt_solutions(root=root, tool=tool, lib=lib or "", lib_srcs=" ".join(lib_srcs), version=version)
        files |= self.verifier()
        files |= kit.expected_file({
            "root": root, "tool": tool, "lib": lib, "lib_srcs": lib_srcs, "srcs": srcs,
            "header_deps": k.header_deps, "cflags": CFLAGS, "sample_expected": sample_out, "hidden": hidden,
            "untouched": untouched})
        instruction = self.instruction(intro=self.intro(rng, tool=tool), root=root, tool=tool, reqs=req_txt)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=(f"COPY {proj.split('/')[-1]}/ {root}/\nRUN chmod +x {root}/scripts/quick-build.sh\n"
                             f"WORKDIR {root}\n"),
            files=files, tags=["make", "gcc", "linker", "c"],
            # the repaired Makefile, the sources and data (checked untouched), the agent's build
            artifacts=[root], outputs=[f"{root}/Makefile", bin_path],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240, expert_minutes=k.expert_minutes,
        )
