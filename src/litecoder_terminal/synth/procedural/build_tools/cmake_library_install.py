"""Multi-stage: repair a CMake project (static library + tool), add tests and install rules, install into /opt,
then use the installed tool to produce a report (and, at hard level, export a find_package() config)."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

LIBS = ["textkit", "bytestat", "docscan", "filesum", "txtmeter"]
TOOLS = ["tkscan", "fsum", "docstat", "txtinfo", "scanfile"]
PREFIXES = ["tk", "bs", "ds", "fs", "tm"]
COLUMNS = ["bytes", "lines", "words", "fnv1a", "adler32"]
BUGS = ["min_version", "cxx_only", "missing_source", "private_include", "no_link", "wrong_tool_src"]
WORDS = ("lorem ipsum dolor sit amet build cache queue token parser vector kernel socket buffer stream packet "
         "module linker object archive target install prefix header symbol").split()


def _c_sources(lib: str, p: str, tool: str) -> dict[str, str]:
    g = lib.upper()
    files = {}
    files[f"include/{lib}/{lib}.h"] = textwrap.dedent(f"""\
        #ifndef {g}_H
        #define {g}_H

        #include <stddef.h>
        #include <stdint.h>

        typedef struct {{
            size_t bytes;
            size_t lines;
            size_t words;
            uint32_t fnv1a;
            uint32_t adler32;
        }} {p}_stats;

        /* 32-bit FNV-1a hash of a buffer. */
        uint32_t {p}_fnv1a(const unsigned char *buf, size_t n);
        /* Adler-32 checksum of a buffer. */
        uint32_t {p}_adler32(const unsigned char *buf, size_t n);
        /* Newline-terminated lines, plus one for a final unterminated line. */
        size_t {p}_count_lines(const unsigned char *buf, size_t n);
        /* Maximal runs of non-whitespace bytes. */
        size_t {p}_count_words(const unsigned char *buf, size_t n);
        void {p}_analyze(const unsigned char *buf, size_t n, {p}_stats *out);
        /* "<name>: bytes=N lines=N words=N fnv1a=xxxxxxxx adler32=xxxxxxxx" */
        int {p}_format(char *dst, size_t cap, const char *name, const {p}_stats *st);

        #endif
        """)
    files[f"src/{lib}/hash.c"] = textwrap.dedent(f"""\
        #include "{lib}/{lib}.h"

        uint32_t {p}_fnv1a(const unsigned char *buf, size_t n)
        {{
            uint32_t h = 2166136261u;
            size_t i;

            for (i = 0; i < n; i++) {{
                h ^= buf[i];
                h *= 16777619u;
            }}
            return h;
        }}

        uint32_t {p}_adler32(const unsigned char *buf, size_t n)
        {{
            uint32_t a = 1, b = 0;
            size_t i;

            for (i = 0; i < n; i++) {{
                a = (a + buf[i]) % 65521u;
                b = (b + a) % 65521u;
            }}
            return (b << 16) | a;
        }}
        """)
    files[f"src/{lib}/count.c"] = textwrap.dedent(f"""\
        #include "{lib}/{lib}.h"

        static int is_space(unsigned char c)
        {{
            return c == ' ' || c == '\\t' || c == '\\n' || c == '\\r' || c == '\\v' || c == '\\f';
        }}

        size_t {p}_count_lines(const unsigned char *buf, size_t n)
        {{
            size_t i, lines = 0;

            for (i = 0; i < n; i++)
                if (buf[i] == '\\n')
                    lines++;
            if (n > 0 && buf[n - 1] != '\\n')
                lines++;
            return lines;
        }}

        size_t {p}_count_words(const unsigned char *buf, size_t n)
        {{
            size_t i, words = 0;
            int in_word = 0;

            for (i = 0; i < n; i++) {{
                if (is_space(buf[i])) {{
                    in_word = 0;
                }} else if (!in_word) {{
                    in_word = 1;
                    words++;
                }}
            }}
            return words;
        }}

        void {p}_analyze(const unsigned char *buf, size_t n, {p}_stats *out)
        {{
            out->bytes = n;
            out->lines = {p}_count_lines(buf, n);
            out->words = {p}_count_words(buf, n);
            out->fnv1a = {p}_fnv1a(buf, n);
            out->adler32 = {p}_adler32(buf, n);
        }}
        """)
    files[f"src/{lib}/format.c"] = textwrap.dedent(f"""\
        #include <stdio.h>

        #include "{lib}/{lib}.h"

        int {p}_format(char *dst, size_t cap, const char *name, const {p}_stats *st)
        {{
            return snprintf(dst, cap, "%s: bytes=%zu lines=%zu words=%zu fnv1a=%08x adler32=%08x", name,
                            st->bytes, st->lines, st->words, (unsigned)st->fnv1a, (unsigned)st->adler32);
        }}
        """)
    files[f"tools/{tool}.c"] = textwrap.dedent(f"""\
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        #include "{lib}/{lib}.h"

        static unsigned char *slurp(const char *path, size_t *n)
        {{
            FILE *fp = fopen(path, "rb");
            unsigned char *buf = NULL;
            size_t cap = 0, len = 0, got;

            if (!fp)
                return NULL;
            do {{
                if (len == cap) {{
                    cap = cap ? cap * 2 : 4096;
                    buf = realloc(buf, cap);
                    if (!buf) {{
                        fclose(fp);
                        return NULL;
                    }}
                }}
                got = fread(buf + len, 1, cap - len, fp);
                len += got;
            }} while (got > 0);
            fclose(fp);
            *n = len;
            return buf;
        }}

        static int self_test(void)
        {{
            int bad = 0;

            bad += {p}_fnv1a((const unsigned char *)"", 0) != 0x811c9dc5u;
            bad += {p}_fnv1a((const unsigned char *)"a", 1) != 0xe40c292cu;
            bad += {p}_adler32((const unsigned char *)"Wikipedia", 9) != 0x11e60398u;
            bad += {p}_count_lines((const unsigned char *)"x\\ny", 3) != 2;
            bad += {p}_count_words((const unsigned char *)"  a b\\tc\\n", 8) != 3;
            printf("self-test: %s\\n", bad ? "FAILED" : "ok");
            return bad ? 1 : 0;
        }}

        int main(int argc, char **argv)
        {{
            char line[4096];
            int i, status = 0;

            if (argc >= 2 && strcmp(argv[1], "--self-test") == 0)
                return self_test();
            if (argc < 2) {{
                fprintf(stderr, "usage: %s FILE...\\n", argv[0]);
                return 2;
            }}
            for (i = 1; i < argc; i++) {{
                size_t n = 0;
                unsigned char *buf = slurp(argv[i], &n);
                {p}_stats st;

                if (!buf && n == 0) {{
                    FILE *probe = fopen(argv[i], "rb");
                    if (!probe) {{
                        perror(argv[i]);
                        status = 1;
                        continue;
                    }}
                    fclose(probe);
                }}
                {p}_analyze(buf, n, &st);
                {p}_format(line, sizeof line, argv[i], &st);
                puts(line);
                free(buf);
            }}
            return status;
        }}
        """)
    return files


def _cmakelists(proj: str, version: str, lib: str, tool: str, bugs: set[str], *, tests: bool, install: bool,
                export: bool, victim: str) -> str:
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
                "    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>",
                "    $<INSTALL_INTERFACE:include>)"]
    else:
        out.append(f"target_include_directories({lib} PUBLIC include)")
    out += ["", f"add_executable({tool} tools/{tool}.{'cpp' if 'wrong_tool_src' in bugs else 'c'})"]
    if "no_link" not in bugs:
        out.append(f"target_link_libraries({tool} PRIVATE {lib})")
    if tests:
        out += ["", "enable_testing()", f"add_test(NAME {tool}_selftest COMMAND {tool} --self-test)"]
    if install:
        out += [""]
        if export:
            out += [f"install(TARGETS {lib} EXPORT {lib}Targets ARCHIVE DESTINATION lib)",
                    f"install(TARGETS {tool} RUNTIME DESTINATION bin)",
                    f"install(EXPORT {lib}Targets NAMESPACE {lib}:: FILE {lib}Config.cmake "
                    f"DESTINATION lib/cmake/{lib})"]
        else:
            out += [f"install(TARGETS {lib} {tool}", "    ARCHIVE DESTINATION lib", "    RUNTIME DESTINATION bin)"]
        out.append(f"install(FILES include/{lib}/{lib}.h DESTINATION include/{lib})")
    return "\n".join(out) + "\n"


def _text_file(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.08:
        return b""
    lines = []
    for _ in range(rng.randint(1, 40)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 12))]
        sep = rng.choice([" ", " ", " ", "  ", "\t"])
        lines.append(sep.join(words))
    eol = "\r\n" if rng.random() < 0.2 else "\n"
    text = eol.join(lines)
    if rng.random() < 0.7:
        text += eol
    return text.encode()


def stats_of(data: bytes) -> dict[str, str]:
    h = 2166136261
    a, b = 1, 0
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
        a = (a + c) % 65521
        b = (b + a) % 65521
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return {"bytes": str(len(data)), "lines": str(lines), "words": str(len(data.split())),
            "fnv1a": f"{h:08x}", "adler32": f"{(b << 16) | a:08x}"}


@register
class CmakeLibraryInstall(TaskFamily):
    name = "cmake_library_install"
    domain = "build_tools"
    title = "Fix a CMake library+tool project, add tests and install rules, install to /opt and use the tool"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        i = rng.randrange(len(LIBS))
        lib, tool, p = LIBS[i], pick(rng, TOOLS), PREFIXES[i]
        proj = pick(rng, [f"{lib}-project", lib, f"{lib}-src"])
        root = f"/app/{proj}"
        prefix = f"/opt/{pick(rng, [lib, tool, lib + '-' + str(rng.randint(1, 3))])}"
        version = f"{rng.randint(0, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
        n_bugs = {"easy": 2, "medium": 3, "hard": 4}[level]
        bugs = set(rng.sample(BUGS, n_bugs))
        victim = rng.choice(["count", "format"])
        tests = level != "easy"
        export = level == "hard"
        cols = rng.sample(COLUMNS, {"easy": 3, "medium": 4, "hard": 5}[level])
        sep = "\t" if pick(rng, ["tab", "comma"]) == "tab" else ","
        report = pick(rng, ["/app/reports/incoming.tsv", "/app/reports/summary.tsv", "/app/out/file_stats.tsv"])
        if sep == ",":
            report = report[:-4] + ".csv"
        incoming = pick(rng, ["/app/data/incoming", "/srv/drop/incoming", "/app/inbox"])

        files: dict[str, str | bytes] = {}
        ctx = f"environment/{proj}"
        csrc = _c_sources(lib, p, tool)
        broken = _cmakelists(proj, version, lib, tool, bugs, tests=False, install=False, export=False, victim=victim)
        fixed = _cmakelists(proj, version, lib, tool, set(), tests=tests, install=True, export=export, victim=victim)
        for rel, text in sorted(csrc.items()):
            files[f"{ctx}/{rel}"] = text
        files[f"{ctx}/CMakeLists.txt"] = broken
        inputs: dict[str, bytes] = {}
        stems = rng.sample(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
                            "juliet", "kilo", "lima", "mike", "november", "oscar", "papa"],
                           {"easy": 5, "medium": 8, "hard": 11}[level])
        for s in stems:
            name = f"{s}{rng.choice(['', '_' + str(rng.randint(1, 9))])}.txt"
            inputs[name] = _text_file(rng)
        for extra in rng.sample(["README.md", "notes.csv", "archive.txt.bak", "manifest.json"], 2):
            inputs[extra] = _text_file(rng)
        for name, data in inputs.items():
            files[f"environment/incoming/{name}"] = data

        txt_names = sorted(n for n in inputs if n.endswith(".txt"))
        header = sep.join(["file"] + cols)
        rows = [sep.join([n] + [stats_of(inputs[n])[c] for c in cols]) for n in txt_names]
        report_text = "\n".join([header] + rows) + "\n"

        stage = 1
        steps = []
        steps.append(f"**Stage {stage} - build.** `cmake -S {root} -B {root}/build && cmake --build {root}/build` "
                     f"currently fails. Fix `{root}/CMakeLists.txt` so a fresh configure and build succeed: the "
                     f"static library `{lib}` is built from every source in `src/{lib}/`, and the tool `{tool}` "
                     f"(from `tools/{tool}.c`) links against it.")
        if tests:
            stage += 1
            steps.append(f"**Stage {stage} - tests.** Enable CTest and register a test named `{tool}_selftest` that "
                         f"runs `{tool} --self-test` (exit status 0 means pass); `ctest` in the build directory must "
                         "pass.")
        stage += 1
        inst = (f"**Stage {stage} - install.** Add install rules, then install into the prefix `{prefix}` "
                f"(for example `cmake --install build --prefix {prefix}`). The installed tree must contain "
                f"`{prefix}/bin/{tool}`, `{prefix}/lib/lib{lib}.a` and the public header "
                f"`{prefix}/include/{lib}/{lib}.h`, so that a C program can be built with "
                f"`gcc -I{prefix}/include prog.c -L{prefix}/lib -l{lib}`.")
        if export:
            inst += (f" Downstream CMake projects must also be able to use the installed library with "
                     f"`find_package({lib} CONFIG REQUIRED)` (given `-DCMAKE_PREFIX_PATH={prefix}`) and "
                     f"`target_link_libraries(<target> PRIVATE {lib}::{lib})`, which must bring the include "
                     "directory along; install the package configuration under "
                     f"`{prefix}/lib/cmake/{lib}/`.")
        steps.append(inst)
        stage += 1
        sep_word = "tab-separated" if sep == "\t" else "comma-separated"
        steps.append(
            f"**Stage {stage} - report.** Run the installed `{prefix}/bin/{tool}` on every `*.txt` file directly in "
            f"`{incoming}` (ignore other files). For each file it prints "
            f"`<path>: bytes=N lines=N words=N fnv1a=xxxxxxxx adler32=xxxxxxxx`. Write `{report}`, "
            f"{sep_word}, with the header line `{header}` and one row per file: `file` is the file name "
            f"without directory, the other columns are the tool's values exactly as printed; rows sorted by "
            "file name (byte order).")
        intro = pick(rng, [
            f"`{lib}` is a small C library (with a command-line front end, `{tool}`) that we want to ship to the "
            f"build hosts under `{prefix}`.",
            f"The packaging ticket for `{lib}` is blocked: its CMake build is broken and it has no install rules.",
            f"Our data team needs the `{tool}` scanner and its library `{lib}` installed as a proper prefix, and "
            "they need the numbers it produces for this week's drop.",
        ])
        instruction = (
            f"{intro} The sources are in `{root}` (library sources in `src/{lib}/`, public header in "
            f"`include/{lib}/`, the tool in `tools/`).\n\n" + "\n\n".join(steps) + "\n\n"
            + f"Only `CMakeLists.txt` may be changed: do not modify the C sources, the header or the files in "
            f"`{incoming}`. Keep the build directory at `{root}/build`.\n")

        inst_cmd = f"cmake --install build --prefix {prefix}"
        ctest_cmd = "ctest --test-dir build --output-on-failure\n" if tests else ""
        awk_prog = ('{ name = $1; sub(/:$/, "", name); n = split(name, parts, "/"); '
                    'for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } '
                    f'printf "%s", parts[n]; split("{" ".join(cols)}", order, " "); '
                    f'for (j = 1; j <= {len(cols)}; j++) printf "{sep}%s", v[order[j]]; printf "\\n" }}')
        files["solution/solve.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            # Reference: repaired CMakeLists (tests, install rules{', exported package' if export else ''}),
            # clean configure/build/test, install into {prefix}, then the report from the installed tool.
            set -euo pipefail
            cd {root}
            cmake -S . -B /tmp/probe-build > /tmp/probe.log 2>&1 || echo "original configure fails, as reported"
            cmake --build /tmp/probe-build > /tmp/probe-build.log 2>&1 || echo "original build fails, as reported"
            rm -rf /tmp/probe-build
            cp CMakeLists.txt /tmp/CMakeLists.txt.orig
            cat > CMakeLists.txt <<'CMAKE_EOF'
            {{fixed}}CMAKE_EOF
            diff -u /tmp/CMakeLists.txt.orig CMakeLists.txt || true
            rm -rf build
            cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
            cmake --build build
            {{ctest}}./build/{tool} --self-test
            {inst_cmd}
            test -x {prefix}/bin/{tool}
            test -f {prefix}/lib/lib{lib}.a
            test -f {prefix}/include/{lib}/{lib}.h
            mkdir -p "$(dirname {report})"
            ls {incoming}/*.txt | LC_ALL=C sort > /tmp/inputs.lst
            xargs -a /tmp/inputs.lst -d '\\n' {prefix}/bin/{tool} > /tmp/raw.txt
            {{ printf '%s\\n' '{header}'; awk '{awk_prog}' /tmp/raw.txt | LC_ALL=C sort; }} > {report}
            wc -l {report}
            """).replace("{fixed}", fixed).replace("{ctest}", ctest_cmd)
        # Wrong 1: stage 1 only, then copies the binary by hand (no library/header installed, no install rules).
        stage1 = _cmakelists(proj, version, lib, tool, set(), tests=tests, install=False, export=False, victim=victim)
        files["solution/wrong/build-only-manual-copy.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            cat > CMakeLists.txt <<'CMAKE_EOF'
            {{fixed}}CMAKE_EOF
            rm -rf build && cmake -S . -B build && cmake --build build
            mkdir -p {prefix}/bin && cp build/{tool} {prefix}/bin/
            mkdir -p "$(dirname {report})"
            {{ printf '%s\\n' '{header}'; ls {incoming}/*.txt | LC_ALL=C sort | xargs {prefix}/bin/{tool} \\
              | awk '{awk_prog}' | LC_ALL=C sort; }} > {report}
            """).replace("{fixed}", stage1)
        # Wrong 2: everything right except the install prefix (default /usr/local).
        files["solution/wrong/default-prefix.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            cat > CMakeLists.txt <<'CMAKE_EOF'
            {{fixed}}CMAKE_EOF
            rm -rf build && cmake -S . -B build && cmake --build build && cmake --install build
            mkdir -p "$(dirname {report})"
            {{ printf '%s\\n' '{header}'; ls {incoming}/*.txt | LC_ALL=C sort | xargs /usr/local/bin/{tool} \\
              | awk '{awk_prog}' | LC_ALL=C sort; }} > {report}
            """).replace("{fixed}", fixed)
        # Wrong 3: all stages, but the report is the tool's raw output for every file in the directory.
        files["solution/wrong/raw-report.sh"] = textwrap.dedent(f"""\
            #!/bin/bash
            cd {root}
            cat > CMakeLists.txt <<'CMAKE_EOF'
            {{fixed}}CMAKE_EOF
            rm -rf build && cmake -S . -B build && cmake --build build && cmake --install build --prefix {prefix}
            mkdir -p "$(dirname {report})"
            {prefix}/bin/{tool} {incoming}/* > {report}
            """).replace("{fixed}", fixed)

        digests = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in sorted(csrc.items())}
        in_digests = {n: hashlib.sha256(d).hexdigest() for n, d in sorted(inputs.items())}
        hidden = [_text_file(rng).decode() for _ in range(6)] + ["one line, no newline", "\n\n\n", "  \t  "]
        files["tests/spec.json"] = json.dumps({
            "root": root, "lib": lib, "tool": tool, "prefix": prefix, "p": p, "tests": tests, "export": export,
            "report": report, "report_text": report_text, "incoming": incoming, "digests": digests,
            "in_digests": in_digests, "hidden": hidden}, indent=1, sort_keys=True) + "\n"
        files["tests/test_outputs.py"] = TEST_TEMPLATE
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nCOPY incoming/ {incoming}/\nWORKDIR {root}\n",
            files=files, tags=["cmake", "install", "static-library", "ctest", "c"],
            # the project (CMakeLists, sources checked untouched), the installed prefix, the report and its inputs
            artifacts=[root, prefix, report, incoming],
            agent_timeout_sec={"easy": 900, "medium": 1200, "hard": 1800}[level],
            verifier_timeout_sec=300, expert_minutes={"easy": 20, "medium": 30, "hard": 45}[level],
        )


TEST_TEMPLATE = '''"""Check every stage: a fresh configure/build/test/install of the agent's CMakeLists, the installed prefix
(tool, library, header, exported package), and the report recomputed from the input files."""

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import lct_verify

S = json.loads((Path(__file__).parent / "spec.json").read_text())
ROOT, PREFIX, LIB, TOOL, P = Path(S["root"]), Path(S["prefix"]), S["lib"], S["tool"], S["p"]


def sh(args, cwd="/tmp", timeout=240):
    """Everything here runs the agent's work (its CMake code, its build, its installed tool and library): unprivileged."""
    return lct_verify.run_as_agent([str(a) for a in args], cwd=str(cwd), timeout=timeout)


def agent_dir(prefix):
    """A fresh directory the agent's code may write into."""
    d = Path(tempfile.mkdtemp(prefix=f"lct-{prefix}-"))
    lct_verify.give_to_agent(str(d))
    return d


def stats_of(data):
    h = 2166136261
    a, b = 1, 0
    for c in data:
        h = ((h ^ c) * 16777619) & 0xFFFFFFFF
        a = (a + c) % 65521
        b = (b + a) % 65521
    lines = data.count(b"\\n") + (1 if data and not data.endswith(b"\\n") else 0)
    return {"bytes": len(data), "lines": lines, "words": len(data.split()), "fnv1a": h, "adler32": (b << 16) | a}


def tool_line(path, data):
    s = stats_of(data)
    return (f"{path}: bytes={s['bytes']} lines={s['lines']} words={s['words']} fnv1a={s['fnv1a']:08x} "
            f"adler32={s['adler32']:08x}")


@pytest.fixture(scope="module")
def hidden_files():
    """Readable, not writable, by the agent's code; expectations come from the spec, not from these files."""
    d = Path(tempfile.mkdtemp(prefix="lct-hidden-"))
    os.chmod(d, 0o755)
    paths = []
    for i, text in enumerate(S["hidden"]):
        p = d / f"h{i}.txt"
        p.write_bytes(text.encode())
        os.chmod(p, 0o644)
        paths.append(p)
    return paths


def hidden_data(i):
    return S["hidden"][i].encode()


@pytest.fixture(scope="module")
def fresh():
    """Configure, build and install a clean copy of the project with the agent's CMakeLists.txt."""
    work = Path(tempfile.mkdtemp(prefix="lct-fresh-"))
    src = work / "src"
    shutil.copytree(ROOT, src, symlinks=True,
                    ignore=shutil.ignore_patterns("build*", "CMakeCache.txt", "CMakeFiles"))
    lct_verify.give_to_agent(str(work))
    res = sh(["cmake", "-S", str(src), "-B", str(work / "b")])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = sh(["cmake", "--build", str(work / "b")])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return work


def test_sources_and_inputs_untouched():
    for rel, digest in S["digests"].items():
        assert hashlib.sha256((ROOT / rel).read_bytes()).hexdigest() == digest, f"{rel} modified"
    for name, digest in S["in_digests"].items():
        assert hashlib.sha256((Path(S["incoming"]) / name).read_bytes()).hexdigest() == digest, f"{name} modified"


def test_stage_build_fresh_configure(fresh, hidden_files):
    tool = next((p for p in (fresh / "b").rglob(TOOL) if p.is_file()), None)
    assert tool is not None, "the tool was not built"
    res = sh([str(tool), *map(str, hidden_files)])
    assert res.returncode == 0, res.stderr
    want = [tool_line(str(p), hidden_data(i)) for i, p in enumerate(hidden_files)]
    assert res.stdout.splitlines() == want


def test_stage_ctest(fresh):
    if not S["tests"]:
        res = sh([str(next(p for p in (fresh / "b").rglob(TOOL) if p.is_file())), "--self-test"])
        assert res.returncode == 0 and "ok" in res.stdout
        return
    listing = sh(["ctest", "--test-dir", str(fresh / "b"), "-N"])
    assert f"{TOOL}_selftest" in listing.stdout.split(), listing.stdout
    res = sh(["ctest", "--test-dir", str(fresh / "b"), "-R", f"^{TOOL}_selftest$"])
    assert res.returncode == 0 and "100% tests passed" in res.stdout, res.stdout


def test_stage_install_rules(fresh):
    tmp_path = agent_dir("inst")
    res = sh(["cmake", "--install", str(fresh / "b"), "--prefix", str(tmp_path / "inst")])
    assert res.returncode == 0, res.stderr
    for rel in (f"bin/{TOOL}", f"lib/lib{LIB}.a", f"include/{LIB}/{LIB}.h"):
        assert (tmp_path / "inst" / rel).is_file(), f"install rules do not install {rel}"


def test_installed_prefix(hidden_files):
    for rel in (f"bin/{TOOL}", f"lib/lib{LIB}.a", f"include/{LIB}/{LIB}.h"):
        assert (PREFIX / rel).is_file(), f"{PREFIX / rel} missing"
    assert (PREFIX / "include" / LIB / f"{LIB}.h").read_bytes() == (ROOT / "include" / LIB / f"{LIB}.h").read_bytes()
    res = sh([str(PREFIX / "bin" / TOOL), *map(str, hidden_files)])
    assert res.returncode == 0
    assert res.stdout.splitlines() == [tool_line(str(p), hidden_data(i)) for i, p in enumerate(hidden_files)]


CONSUMER = """#include <stdio.h>
#include <stdlib.h>
#include "@LIB@/@LIB@.h"

int main(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        static unsigned char buf[1 << 16];
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        printf("%08x %08x %zu %zu\\\\n", (unsigned)@P@_fnv1a(buf, n), (unsigned)@P@_adler32(buf, n),
               @P@_count_lines(buf, n), @P@_count_words(buf, n));
    }
    return 0;
}
""".replace("@LIB@", LIB).replace("@P@", P)


def consumer_expected(hidden_files):
    out = []
    for i in range(len(hidden_files)):
        s = stats_of(hidden_data(i))
        out.append(f"{s['fnv1a']:08x} {s['adler32']:08x} {s['lines']} {s['words']}")
    return out


def test_installed_library_links(hidden_files):
    tmp_path = agent_dir("consumer")
    (tmp_path / "consumer.c").write_text(CONSUMER)
    res = sh(["gcc", "-std=c11", f"-I{PREFIX}/include", str(tmp_path / "consumer.c"), f"-L{PREFIX}/lib", f"-l{LIB}",
              "-o", str(tmp_path / "consumer")])
    assert res.returncode == 0, res.stderr
    res = sh([str(tmp_path / "consumer"), *map(str, hidden_files)])
    assert res.stdout.splitlines() == consumer_expected(hidden_files)


def test_exported_package(hidden_files):
    tmp_path = agent_dir("downstream")
    if not S["export"]:
        # no package export at this level: the archive itself must carry the library's symbols
        res = sh(["nm", str(PREFIX / "lib" / f"lib{LIB}.a")])
        for sym in ("fnv1a", "adler32", "count_lines", "count_words", "analyze", "format"):
            assert f" T {P}_{sym}" in res.stdout, f"{P}_{sym} not in the installed library"
        return
    proj = tmp_path
    (proj / "consumer.c").write_text(CONSUMER)
    (proj / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\\nproject(downstream LANGUAGES C)\\n"
        f"find_package({LIB} CONFIG REQUIRED)\\nadd_executable(consumer consumer.c)\\n"
        f"target_link_libraries(consumer PRIVATE {LIB}::{LIB})\\n")
    res = sh(["cmake", "-S", str(proj), "-B", str(proj / "b"), f"-DCMAKE_PREFIX_PATH={PREFIX}"])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = sh(["cmake", "--build", str(proj / "b")])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = sh([str(proj / "b" / "consumer"), *map(str, hidden_files)])
    assert res.stdout.splitlines() == consumer_expected(hidden_files)


def test_stage_report():
    report = Path(S["report"])
    assert report.is_file(), f"{report} missing"
    incoming = Path(S["incoming"])
    header = S["report_text"].splitlines()[0]
    sep = "\\t" if "\\t" in header else ","
    cols = header.split(sep)[1:]
    rows = [header]
    for p in sorted(incoming.glob("*.txt"), key=lambda q: q.name.encode()):
        s = stats_of(p.read_bytes())
        vals = [f"{s[c]:08x}" if c in ("fnv1a", "adler32") else str(s[c]) for c in cols]
        rows.append(sep.join([p.name] + vals))
    assert report.read_text() == "\\n".join(rows) + "\\n"
'''
