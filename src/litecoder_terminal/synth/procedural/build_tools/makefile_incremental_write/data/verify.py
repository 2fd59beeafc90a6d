"""Build a clean copy with the agent's Makefile; check outputs, library, codegen and exact incremental rebuilds."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import lct_verify

ROOT = Path("@@root@@")
M = lct_verify.expected()
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
    return "".join(f"{x}: " + " ".join(map(str, evaluate(table, x))) + "\n" for x in args)


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
    assert not (work / "build").exists() or not any(p.is_file() for p in (work / "build").rglob("*")), \
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
    assert lct_verify.untouched() == [], f"modified: {lct_verify.untouched()}"
    srcs = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "src").rglob("*.c"))
    assert srcs == sorted(OBJ_OF), srcs


def test_agent_build_left_in_place():
    assert (ROOT / "Makefile").is_file() and not (ROOT / "Makefile").is_symlink(), "Makefile is missing"
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
        f.write("key,value\n" + "".join(f"k{i},{v}\n" for i, v in enumerate(new_vals)))
    age(built)
    os.utime(built / "data" / f"{TABLE}.csv", (T0 + 200, T0 + 200))
    assert make(built).returncode == 0
    assert run(built, M["hidden_args"]) == expected(new_vals, M["hidden_args"])


def test_compiles_with_the_project_flags(built):
    res = make(built, "-n", "-B")
    assert res.returncode == 0, res.stderr
    compiles = [line for line in res.stdout.splitlines() if " -c " in f" {line} "]
    assert compiles, "make -n -B shows no compile commands"
    for line in compiles:
        words = line.split()
        for flag in ("-std=c11", "-O2", "-Wall"):
            assert flag in words, f"{flag} (from build.sh) missing from: {line}"
