"""Multi-stage: repair a CMake project (static library + tool), add tests and install rules, install into /opt,
then use the installed tool to produce a report (and, at hard level, export a find_package() config)."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

LIBS = ["textkit", "bytestat", "docscan", "filesum", "txtmeter"]
TOOLS = ["tkscan", "fsum", "docstat", "txtinfo", "scanfile"]
PREFIXES = ["tk", "bs", "ds", "fs", "tm"]
COLUMNS = ["bytes", "lines", "words", "fnv1a", "adler32"]
BUGS = ["min_version", "cxx_only", "missing_source", "private_include", "no_link", "wrong_tool_src"]
WORDS = ("lorem ipsum dolor sit amet build cache queue token parser vector kernel socket buffer stream packet "
         "module linker object archive target install prefix header symbol").split()
STEMS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
         "mike", "november", "oscar", "papa"]
C_FILES = {"c/lib.h": "include/{lib}/{lib}.h", "c/hash.c": "src/{lib}/hash.c", "c/count.c": "src/{lib}/count.c",
           "c/format.c": "src/{lib}/format.c", "c/tool.c": "tools/{tool}.c"}

KNOBS = {
    "hdr_install": kit.Knob("install(FILES include/@@lib@@/@@lib@@.h DESTINATION include/@@lib@@)", "",
                            "install rules for the targets only: the public header is never installed"),
    "inst": kit.Knob("@@prefix@@", "/usr/local", "installs into the default prefix /usr/local, not the one asked for"),
    "glob": kit.Knob("*.txt", "*", "reports every file of the drop, not only the *.txt files"),
    "test_name": kit.Knob("@@tool@@_selftest", "selftest", "registers the self-test under another name"),
    "namespace": kit.Knob(" NAMESPACE @@lib@@::", "",
                          "exports the target without its namespace: @@lib@@::@@lib@@ does not exist downstream"),
}


def cmakelists(proj: str, version: str, lib: str, tool: str, bugs: set[str], *, tests: bool, install: bool,
               export: bool, victim: str) -> str:
    """The project's CMakeLists.txt: with `bugs` the broken one the agent gets; without, the repaired one, whose
    knob decisions are left as @@placeholders@@ for kit.Solver."""
    minv = "3.31" if "min_version" in bugs else "3.16"
    lang = "CXX" if "cxx_only" in bugs else "C"
    srcs = [s for s in ("hash", "count", "format") if not ("missing_source" in bugs and s == victim)]
    out = [f"cmake_minimum_required(VERSION {minv})", f"project({proj} VERSION {version} LANGUAGES {lang})", "",
           "set(CMAKE_C_STANDARD 11)", "set(CMAKE_C_STANDARD_REQUIRED ON)", "",
           f"add_library({lib} STATIC"] + [f"    src/{lib}/{s}.c" for s in srcs] + [")"]
    if "private_include" in bugs:
        out.append(f"target_include_directories({lib} PRIVATE include)")
    elif export:
        out += [f"target_include_directories({lib} PUBLIC",
                "    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>", "    $<INSTALL_INTERFACE:include>)"]
    else:
        out.append(f"target_include_directories({lib} PUBLIC include)")
    out += ["", f"add_executable({tool} tools/{tool}.{'cpp' if 'wrong_tool_src' in bugs else 'c'})"]
    if "no_link" not in bugs:
        out.append(f"target_link_libraries({tool} PRIVATE {lib})")
    if tests:
        out += ["", "enable_testing()", f"add_test(NAME @@test_name@@ COMMAND {tool} --self-test)"]
    if install:
        out += [""]
        if export:
            out += [f"install(TARGETS {lib} EXPORT {lib}Targets ARCHIVE DESTINATION lib)",
                    f"install(TARGETS {tool} RUNTIME DESTINATION bin)",
                    f"install(EXPORT {lib}Targets@@namespace@@ FILE {lib}Config.cmake DESTINATION lib/cmake/{lib})"]
        else:
            out += [f"install(TARGETS {lib} {tool}", "    ARCHIVE DESTINATION lib", "    RUNTIME DESTINATION bin)"]
        out.append("@@hdr_install@@")
    return "\n".join(out) + "\n"


def text_file(rng: random.Random) -> bytes:
    if rng.random() < 0.08:
        return b""
    lines = []
    for _ in range(rng.randint(1, 40)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 12))]
        lines.append(rng.choice([" ", " ", " ", "  ", "\t"]).join(words))
    eol = "\r\n" if rng.random() < 0.2 else "\n"
    text = eol.join(lines)
    if rng.random() < 0.7:
        text += eol
    return text.encode()


class CmakeLibraryInstall(kit.KitFamily):
    title = "Fix a CMake library+tool project, add tests and install rules, install to /opt and use the tool"
    multi_stage = True
    levels = kit.Levels(bugs=(2, 3, 4), tests=(False, True, True), export=(False, False, True), columns=(3, 4, 5),
                        inputs=(5, 8, 11), agent_timeout=(900, 1200, 1800), expert_minutes=(20, 30, 45))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        i = rng.randrange(len(LIBS))
        lib, tool, p = LIBS[i], rng.choice(TOOLS), PREFIXES[i]
        proj = rng.choice([f"{lib}-project", lib, f"{lib}-src"])
        root = f"/app/{proj}"
        prefix = f"/opt/{rng.choice([lib, tool, lib + '-' + str(rng.randint(1, 3))])}"
        version = f"{rng.randint(0, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
        bugs = set(rng.sample(BUGS, k.bugs))
        victim = rng.choice(["count", "format"])
        cols = rng.sample(COLUMNS, k.columns)
        sep = rng.choice(["\t", ","])
        report = rng.choice(["/app/reports/incoming.tsv", "/app/reports/summary.tsv", "/app/out/file_stats.tsv"])
        if sep == ",":
            report = report[:-4] + ".csv"
        incoming = rng.choice(["/app/data/incoming", "/srv/drop/incoming", "/app/inbox"])
        header = sep.join(["file"] + cols)

        ctx = f"environment/{proj}"
        files: dict[str, str | bytes] = {}
        names = {"lib": lib, "tool": tool}
        for tpl, rel in C_FILES.items():
            values = {"guard": lib.upper(), "p": p} if tpl == "c/lib.h" else {"lib": lib, "p": p}
            files[f"{ctx}/{rel.format(**names)}"] = self.template(tpl, **values)
        untouched = kit.digests(files, proj, root)
        header_sha = kit.sha256(files[f"{ctx}/include/{lib}/{lib}.h"])
        files[f"{ctx}/CMakeLists.txt"] = cmakelists(proj, version, lib, tool, bugs, tests=False, install=False,
                                                    export=False, victim=victim)
        # the environment's notes: the stages (the instruction at `full` repeats them), a CI log, a red herring
        steps = [self.template("steps/build.md", n=1, root=root, lib=lib, tool=tool)]
        if k.tests:
            steps.append(self.template("steps/tests.md", n=len(steps) + 1, tool=tool))
        inst = self.template("steps/install.md", n=len(steps) + 1, root=root, prefix=prefix, lib=lib, tool=tool)
        if k.export:
            inst = inst.rstrip("\n") + " " + self.template("steps/export.md", prefix=prefix, lib=lib)
        steps.append(inst)
        steps.append(self.template("steps/report.md", n=len(steps) + 1, prefix=prefix, tool=tool, incoming=incoming,
                                   report=report, header=header,
                                   sep_word="tab-separated" if sep == "\t" else "comma-separated"))
        steps_txt = "\n".join(s.strip("\n") + "\n" for s in steps).replace(".\n**", ".\n\n**").strip("\n")
        files[f"{ctx}/docs/PACKAGING.md"] = self.template("packaging.md", lib=lib, steps=steps_txt)
        files[f"{ctx}/logs/ci-configure.log"] = self.template("ci-configure.log", lib=lib, tool=tool,
                                                              job=rng.randint(1200, 9800))
        files[f"{ctx}/scripts/install-by-hand.sh"] = self.template("install-by-hand.sh", lib=lib, tool=tool)

        inputs: dict[str, bytes] = {}
        for s in rng.sample(STEMS, k.inputs):
            inputs[f"{s}{rng.choice(['', '_' + str(rng.randint(1, 9))])}.txt"] = text_file(rng)
        for extra in rng.sample(["README.md", "notes.csv", "archive.txt.bak", "manifest.json"], 2):
            inputs[extra] = text_file(rng) or b"x\n"  # never empty: over-reporting must show
        for name, data in inputs.items():
            files[f"environment/incoming/{name}"] = data
        n_txt = sum(n.endswith(".txt") for n in inputs)

        # the reference: the repaired CMakeLists goes into solve.sh, whose knobs (in both) kit.Solver renders
        fixed = cmakelists(proj, version, lib, tool, set(), tests=k.tests, install=True, export=k.export,
                           victim=victim)
        ctest = "ctest --test-dir build --output-on-failure\n" if k.tests else ""
        export_check = self.template("export_check.sh", lib=lib, prefix="@@inst@@") if k.export else ""
        common = {"root": root, "tool": tool, "incoming": incoming, "report": report, "header": header, "ctest": ctest}
        solve = self.template("solve.sh", **common, lib=lib, p=p, cmakelists=fixed, export_check=export_check,
                              cols=" ".join(cols), ncols=len(cols), sep_esc="\\t" if sep == "\t" else ",",
                              inst="@@inst@@", glob="@@glob@@")
        knobs = {n: kn for n, kn in KNOBS.items() if (n != "test_name" or k.tests) and (n != "namespace" or k.export)}
        knobs = {n: kit.Knob(*(kit.render(t, {"lib": lib, "tool": tool, "prefix": prefix}, where=f"knob {n}",
                                          allow_unused=True) for t in (kn.right, kn.wrong)),
                             kit.render(kn.why, {"lib": lib}, where=f"knob {n}", allow_unused=True))
                 for n, kn in knobs.items()}
        wrong = {"header-not-installed": "hdr_install", "default-prefix": "inst", "reports-every-file": "glob"}
        if k.tests:
            wrong["selftest-misnamed"] = "test_name"
        if k.export:
            wrong["export-without-namespace"] = "namespace"
        files |= kit.Solver(solve, knobs, where=f"{self.folder}/data/solve.sh").files({}, wrong)
        right = {n: kn.right for n, kn in knobs.items() if n in ("hdr_install", "test_name", "namespace")}
        files |= self.alt_solutions(**common, prefix=prefix, cmakelists=kit.render(fixed, right, where="CMakeLists"))
        files |= self.verifier()
        hidden = [text_file(rng).decode() for _ in range(6)] + ["one line, no newline", "\n\n\n", "  \t  "]
        files |= kit.expected_file({
            "root": root, "lib": lib, "tool": tool, "prefix": prefix, "p": p, "tests": k.tests, "export": k.export,
            "report": report, "incoming": incoming, "sep": sep, "cols": cols, "n_txt": n_txt, "hidden": hidden,
            "header_sha256": header_sha, "untouched": untouched})
        instruction = self.instruction(intro=self.intro(rng, lib=lib, tool=tool), root=root, lib=lib,
                                       steps=steps_txt, incoming=incoming)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=(f"COPY {proj}/ {root}/\nCOPY incoming/ {incoming}/\n"
                             f"RUN chmod +x {root}/scripts/install-by-hand.sh\nWORKDIR {root}\n"),
            files=files, tags=["cmake", "install", "static-library", "ctest", "c"],
            # the project (CMakeLists, sources checked untouched, the build directory), the prefix, the report
            artifacts=[root, prefix, report], outputs=[f"{root}/CMakeLists.txt", prefix, report],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=300, expert_minutes=k.expert_minutes,
        )
