"""Check every stage: a fresh configure/build/test/install of the agent's CMakeLists, the installed prefix (tool,
library, header, exported package), and the report recomputed from the (pristine) input files."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

import lct_verify

S = lct_verify.expected()
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
    lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return {"bytes": len(data), "lines": lines, "words": len(data.split()), "fnv1a": h, "adler32": (b << 16) | a}


def tool_line(path, data):
    s = stats_of(data)
    return (f"{path}: bytes={s['bytes']} lines={s['lines']} words={s['words']} fnv1a={s['fnv1a']:08x} "
            f"adler32={s['adler32']:08x}")


def hidden_data(i):
    return S["hidden"][i].encode()


@pytest.fixture(scope="module")
def hidden_files():
    """Readable, not writable, by the agent's code; expectations come from expected.json, not from these files."""
    d = Path(tempfile.mkdtemp(prefix="lct-hidden-"))
    os.chmod(d, 0o755)
    paths = []
    for i in range(len(S["hidden"])):
        p = d / f"h{i}.txt"
        p.write_bytes(hidden_data(i))
        os.chmod(p, 0o644)
        paths.append(p)
    return paths


def regular(path):
    assert not path.is_symlink(), f"{path} is a symlink"
    assert path.is_file(), f"{path} missing"
    return path


@pytest.fixture(scope="module")
def fresh():
    """Configure and build a clean copy of the project with the agent's CMakeLists.txt."""
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


def built(tree, name):
    found = sorted(p for p in tree.rglob(name) if p.is_file() and not p.is_symlink() and "CMakeFiles" not in p.parts)
    assert found, f"{name} was not built under {tree}"
    return found[0]


def test_sources_untouched():
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"


def test_stage_build_fresh_configure(fresh, hidden_files):
    res = sh([built(fresh / "b", TOOL), *hidden_files])
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == [tool_line(str(p), hidden_data(i)) for i, p in enumerate(hidden_files)]


def test_stage_ctest(fresh):
    if not S["tests"]:
        res = sh([built(fresh / "b", TOOL), "--self-test"])
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


def test_installed_prefix_is_the_build(hidden_files):
    """The prefix holds what the project's build directory built (installed, not rebuilt or copied by hand)."""
    header = regular(PREFIX / "include" / LIB / f"{LIB}.h")
    assert lct_verify.sha256(str(header)) == S["header_sha256"], f"{header} is not the project's public header"
    build = ROOT / "build"
    for rel, name in ((f"bin/{TOOL}", TOOL), (f"lib/lib{LIB}.a", f"lib{LIB}.a")):
        inst = regular(PREFIX / rel)
        assert inst.read_bytes() == built(build, name).read_bytes(), f"{inst} differs from the one in {build}"
    res = sh([PREFIX / "bin" / TOOL, *hidden_files])
    assert res.returncode == 0, res.stderr
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
        printf("%08x %08x %zu %zu\\n", (unsigned)@P@_fnv1a(buf, n), (unsigned)@P@_adler32(buf, n),
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
    res = sh(["gcc", "-std=c11", f"-I{PREFIX}/include", tmp_path / "consumer.c", f"-L{PREFIX}/lib", f"-l{LIB}",
              "-o", tmp_path / "consumer"])
    assert res.returncode == 0, res.stderr
    res = sh([tmp_path / "consumer", *hidden_files])
    assert res.stdout.splitlines() == consumer_expected(hidden_files)


def test_exported_package(hidden_files):
    tmp_path = agent_dir("downstream")
    if not S["export"]:
        # no package export at this level: the archive itself must carry the library's symbols
        res = sh(["nm", PREFIX / "lib" / f"lib{LIB}.a"])
        for sym in ("fnv1a", "adler32", "count_lines", "count_words", "analyze", "format"):
            assert f" T {P}_{sym}" in res.stdout, f"{P}_{sym} not in the installed library"
        return
    proj = tmp_path
    (proj / "consumer.c").write_text(CONSUMER)
    (proj / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\nproject(downstream LANGUAGES C)\n"
        f"find_package({LIB} CONFIG REQUIRED)\nadd_executable(consumer consumer.c)\n"
        f"target_link_libraries(consumer PRIVATE {LIB}::{LIB})\n")
    res = sh(["cmake", "-S", proj, "-B", proj / "b", f"-DCMAKE_PREFIX_PATH={PREFIX}"])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = sh(["cmake", "--build", proj / "b"])
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    res = sh([proj / "b" / "consumer", *hidden_files])
    assert res.stdout.splitlines() == consumer_expected(hidden_files)


def test_stage_report():
    report = regular(Path(S["report"]))
    incoming = Path(S["incoming"])  # not an artifact: the pristine inputs of the image
    sep, cols = S["sep"], S["cols"]
    rows = [sep.join(["file"] + cols)]
    names = sorted((p for p in incoming.iterdir() if p.name.endswith(".txt") and p.is_file()),
                   key=lambda q: q.name.encode())
    assert len(names) == S["n_txt"], "the inputs of the image are not the ones the task was made with"
    for p in names:
        s = stats_of(p.read_bytes())
        vals = [f"{s[c]:08x}" if c in ("fnv1a", "adler32") else str(s[c]) for c in cols]
        rows.append(sep.join([p.name] + vals))
    assert report.read_text() == "\n".join(rows) + "\n"
