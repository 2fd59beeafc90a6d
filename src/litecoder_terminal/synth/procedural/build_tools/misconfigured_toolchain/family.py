"""A small C project (with a Python test runner) whose documented check, `make test`, fails on this host although
the project is fine: the host's tools or login environment are misconfigured. Each instance samples its faults
from a pool (a stale cc or python3 wrapper earlier on PATH, a login fragment exporting a bad CC, CFLAGS or
PYTHONPATH, a broken cc alternative), plus red herrings (a dead library path, an old unrelated CI failure, a
legacy tool tree). The verifier runs `make test` in a login shell as the unprivileged user on a fresh copy of the
project, runs the binary it built on hidden input, and checks the project and the legitimate site settings kept."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

TOOLS = ["tallyc", "numsum", "colstat", "rangecalc", "intstat", "sumline", "minmaxd"]
MODS = ["summary", "tally", "stats", "accum"]
PREFIXES = ["sm", "ts", "ac", "st"]
REGIONS = ["eu-west", "us-east", "ap-south", "eu-central", "us-west"]
# the order in which `make test` trips over them: the compiler first, then its flags, then the test runner
ORDER = ["cc_var", "cc_wrapper", "cc_flag", "cflags", "py_wrapper", "pythonpath"]
WHERE = {"cc_var": "/etc/profile.d", "cflags": "/etc/profile.d", "pythonpath": "/etc/profile.d",
         "cc_wrapper": "/usr/local/bin", "cc_flag": "/usr/local/bin", "py_wrapper": "/usr/local/bin"}
LEGACY_PY = "/opt/legacy-tools/lib/python"


def summary(values: list[int]) -> str:
    out = [f"count: {len(values)}"]
    if values:
        out += [f"sum: {sum(values)}", f"min: {min(values)}", f"max: {max(values)}"]
    return "\n".join(out) + "\n"


def sample_input(rng: random.Random) -> tuple[str, list[int]]:
    lines, values = [], []
    if rng.random() < 0.5:
        lines.append(f"# {rng.choice(['batch', 'probe', 'meter'])} {rng.randint(1, 99)}")
    for _ in range(rng.randint(0 if rng.random() < 0.15 else 1, 12)):
        v = rng.randint(-500, 5000)
        values.append(v)
        lines.append(f"{' ' * rng.choice([0, 0, 1])}{v}")
        if rng.random() < 0.1:
            lines.append("")
    return "\n".join(lines) + "\n", values


class MisconfiguredToolchain(kit.KitFamily):
    title = "Find why a project's documented `make test` fails on this host and fix the host's tool setup"
    levels = kit.Levels(faults=(1, 2, 3), cases=(3, 4, 5), agent_timeout=(600, 900, 1200),
                        expert_minutes=(10, 20, 30))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        tool, mod, p = rng.choice(TOOLS), rng.choice(MODS), rng.choice(PREFIXES)
        proj = f"{rng.choice(['/srv', '/usr/src', '/opt/src'])}/{tool}"
        ctx = f"environment/{tool}"
        faults = rng.sample(ORDER, k.faults)
        while "cc_wrapper" in faults and "cc_flag" in faults:  # one /usr/local/bin/cc at a time
            faults = rng.sample(ORDER, k.faults)
        faults.sort(key=ORDER.index)
        gcc_v = rng.choice(["12.3", "13.2", "14.1"])
        py_v = rng.choice(["3.8", "3.9", "3.10"])
        sdk = rng.choice(["sdk-4.2", "vendorsdk-2.1", "sdk-legacy-3"])
        triple = rng.choice(["arm-linux-gnueabihf", "aarch64-linux-gnu", "riscv64-linux-gnu"])
        region = rng.choice(REGIONS)
        pool = rng.randint(2, 19)
        ticket = rng.randint(1100, 4999)
        tag = f"pool{pool}-{rng.choice(['stable', 'lts', 'current'])}-{rng.randint(2024, 2026)}q{rng.randint(1, 4)}"
        tcfile = f"{rng.choice([20, 30, 40, 60])}-toolchain.sh"
        ldconf = f"{sdk}.conf"

        files: dict[str, str | bytes] = {}
        # the project: fine as it is
        files[f"{ctx}/Makefile"] = self.template("proj/Makefile", tool=tool, mod=mod)
        files[f"{ctx}/README.md"] = self.template("proj/README.md", tool=tool)
        files[f"{ctx}/src/{mod}.h"] = self.template("proj/mod.h", guard=f"{tool.upper()}_{mod.upper()}_H", p=p)
        files[f"{ctx}/src/{mod}.c"] = self.template("proj/mod.c", mod=mod, p=p)
        files[f"{ctx}/src/main.c"] = self.template("proj/main.c", mod=mod, p=p)
        files[f"{ctx}/tests/run_tests.py"] = self.data("proj/run_tests.py")
        names = rng.sample(["basic", "negatives", "comments", "single", "empty", "large", "mixed", "blank"], k.cases)
        for name in sorted(names):
            text, values = sample_input(rng)
            files[f"{ctx}/tests/cases/{name}.in"] = text
            files[f"{ctx}/tests/cases/{name}.out"] = summary(values)
        hidden_text, hidden_values = sample_input(rng)
        while not hidden_values:
            hidden_text, hidden_values = sample_input(rng)

        # the host: site settings (legitimate), the toolchain fragment, noise and the sampled faults
        site = f"# site settings for the build pool\nexport SITE_REGION={region}\nexport SITE_BUILD_POOL=pool-{pool}\numask 022\n"
        history = "# shell history for interactive logins\nexport HISTSIZE=5000\nexport HISTTIMEFORMAT='%F %T '\n"
        proxy = (f"# outbound proxy (OPS-{ticket - rng.randint(50, 400)}); builds run offline\n"
                 f"export http_proxy=http://proxy-{region}.corp.invalid:3128\nexport no_proxy=localhost,127.0.0.1\n")
        cross = f"/opt/cross/{triple}/bin/{triple}-gcc"
        header = f"/opt/{sdk}/include/compat.h"
        tc = [f"# toolchain defaults for the build pool (OPS-{ticket})", f"export TOOLCHAIN_TAG={tag}"]
        if "cc_var" in faults:
            tc.append(f"export CC={cross}")
        if "cflags" in faults:
            tc.append(f'export CFLAGS="-O2 -include {header}"')
        if "pythonpath" in faults:
            tc.append(f"export PYTHONPATH={LEGACY_PY}")
        site_info = f"site {region} pool-{pool} ({tag.split('-')[0]})"
        host = "environment/host"
        files[f"{host}/profile.d/00-site.sh"] = site
        files[f"{host}/profile.d/{tcfile}"] = "\n".join(tc) + "\n"
        files[f"{host}/profile.d/50-proxy.sh"] = proxy
        files[f"{host}/profile.d/90-history.sh"] = history
        files[f"{host}/bin/site-info"] = f"#!/bin/sh\n# prints this host's site and pool\necho '{site_info}'\n"
        if "cc_wrapper" in faults:
            files[f"{host}/bin/cc"] = (f"#!/bin/sh\n# gcc-{gcc_v} trial for the build pool (OPS-{ticket + 7}); "
                                       f"remove after the trial\nexec /opt/gcc-{gcc_v}/bin/gcc \"$@\"\n")
        if "cc_flag" in faults:
            files[f"{host}/bin/cc"] = (f"#!/bin/sh\n# 32-bit build trial for the firmware team (OPS-{ticket + 7})\n"
                                       "exec /usr/bin/gcc -m32 \"$@\"\n")
        if "py_wrapper" in faults:
            files[f"{host}/bin/python3"] = (f"#!/bin/sh\n# pinned interpreter for the reporting scripts\n"
                                            f"exec /opt/python-{py_v}/bin/python{py_v} \"$@\"\n")
        files[f"{host}/ld/{ldconf}"] = f"# {sdk} runtime libraries\n/opt/{sdk}/lib\n"
        files[f"{host}/opt/legacy-tools/README"] = ("Reporting scripts from the python2 era. Their modules shadow "
                                                    "some standard ones; only point PYTHONPATH here to run them.\n")
        files[f"{host}/opt/legacy-tools/lib/python/json/__init__.py"] = (
            'raise ImportError("legacy-tools json shim: needs the simplejson backport (Python 2.7 only)")\n')
        files[f"{host}/NOTES.md"] = (
            f"# build host notes\n\n- pool-{pool} serves the {region} CI; login settings live in /etc/profile.d.\n"
            f"- OPS-{ticket}: toolchain defaults reworked for the pool (tag {tag}).\n"
            f"- OPS-{ticket + 7}: trialled gcc-{gcc_v} and a cross toolchain; the trial is over and /opt was cleaned.\n"
            f"- {sdk} removed from /opt (nothing links against it any more).\n"
            "- legacy-tools kept for the monthly reports.\n")
        month, day = rng.randint(1, 6), rng.randint(1, 28)
        job = rng.randint(300, 900)
        files[f"{host}/ci/build-2025-{month:02d}-{day:02d}.log"] = (
            f"[2025-{month:02d}-{day:02d} 02:00:0{rng.randint(1, 9)}] ci: job #{job} make test ({tool})\n"
            f"cc -O2 -Wall -std=c99 -Isrc -o build/{tool} src/main.c src/{mod}.c -L/opt/{sdk}/lib -lsdkcompat\n"
            "/usr/bin/ld: cannot find -lsdkcompat: No such file or directory\ncollect2: error: ld returned 1 exit status\n"
            f"ci: job #{job} FAILED\n")
        errors = {
            "cc_var": f"{cross} -O2 -Wall -std=c99 -Isrc -o build/{tool} src/main.c src/{mod}.c\n"
                      f"make: {cross}: No such file or directory",
            "cc_wrapper": f"cc -O2 -Wall -std=c99 -Isrc -o build/{tool} src/main.c src/{mod}.c\n"
                          f"/usr/local/bin/cc: 3: exec: /opt/gcc-{gcc_v}/bin/gcc: not found",
            "cc_flag": f"cc -O2 -Wall -std=c99 -Isrc -o build/{tool} src/main.c src/{mod}.c\n"
                       "In file included from src/main.c:1:\n/usr/include/stdio.h:27:10: fatal error: "
                       "bits/libc-header-start.h: No such file or directory",
            "cflags": f"cc -O2 -include {header} -Isrc -o build/{tool} src/main.c src/{mod}.c\n"
                      f"cc1: fatal error: {header}: No such file or directory",
            "py_wrapper": f"python3 tests/run_tests.py build/{tool}\n"
                          f"/usr/local/bin/python3: 3: exec: /opt/python-{py_v}/bin/python{py_v}: not found",
            "pythonpath": f"python3 tests/run_tests.py build/{tool}\n  File \"{LEGACY_PY}/json/__init__.py\", line 1\n"
                          "ImportError: legacy-tools json shim: needs the simplejson backport (Python 2.7 only)",
        }
        job2 = job + rng.randint(200, 900)
        files[f"{host}/ci/build-2026-{month + 3:02d}-{day:02d}.log"] = (
            f"[2026-{month + 3:02d}-{day:02d} 02:00:0{rng.randint(1, 9)}] ci: job #{job2} make test ({tool})\n"
            f"{errors[faults[0]]}\nmake: *** [Makefile:12] Error 127\nci: job #{job2} FAILED\n")
        files[f"{host}/setup.sh"] = self.data("setup.sh")

        tcpath = f"/etc/profile.d/{tcfile}"
        fixes = {
            "cc_var": f"sed -i '/^export CC=/d' {tcpath}",
            "cflags": f"sed -i '/^export CFLAGS=/d' {tcpath}",
            "pythonpath": f"sed -i '/^export PYTHONPATH=/d' {tcpath}",
            "cc_wrapper": "rm -f /usr/local/bin/cc",
            "py_wrapper": "rm -f /usr/local/bin/python3",
            "cc_flag": "rm -f /usr/local/bin/cc",
        }
        knobs = {
            "herring": kit.Knob("", f"rm -f /etc/ld.so.conf.d/{ldconf}; ldconfig; exit 0",
                                "fixes only the red herring (the dead library path of a removed SDK)"),
            "rest": kit.Knob("\n".join(fixes[f] for f in faults[1:]),
                             "# (the first error is gone: done)", "fixes only the first fault the build reports"),
            "broad": kit.Knob("", f"rm -f {tcpath}",
                              "deletes the whole toolchain login fragment (its legitimate settings are lost)"),
            "project": kit.Knob("", f"sed -i 's/^CC ?= cc$/CC := gcc/; s/^CFLAGS ?= /CFLAGS := /' {proj}/Makefile",
                                "edits the project's Makefile, which had to stay untouched"),
        }
        wrong = {"red-herring-only": "herring", "whole-fragment-deleted": "broad", "project-edited": "project"}
        if len(faults) > 1:
            wrong["first-fault-only"] = "rest"
        values = {"proj": proj, "tcfile": tcfile, "first": fixes[faults[0]]}
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(proj=proj)
        files |= self.verifier()
        site_paths = {"/etc/profile.d/00-site.sh": kit.sha256(site), "/etc/profile.d/90-history.sh": kit.sha256(history),
                      "/usr/local/bin/site-info": kit.sha256(files[f"{host}/bin/site-info"])}
        files |= kit.expected_file({
            "proj": proj, "tool": tool, "cases": k.cases, "hidden_input": hidden_text,
            "hidden_output": summary(hidden_values), "untouched": kit.digests(files, tool, proj),
            "site": site_paths, "site_region": region, "toolchain_tag": tag, "site_info": site_info,
            "faults": faults})
        outputs = sorted({WHERE[f] for f in faults})
        instruction = self.instruction(intro=self.intro(rng, tool=tool), proj=proj, tcfile=tcfile)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=(f"COPY {tool}/ {proj}/\nCOPY host/ /tmp/host/\n"
                             "RUN bash /tmp/host/setup.sh && rm -rf /tmp/host\n"
                             f"WORKDIR {proj}\n"),
            files=files, tags=["build", "make", "environment", "diagnosis", "toolchain"],
            # the project (kept untouched) and every place of the host's tool setup the agent may change
            artifacts=[proj, "/usr/local/bin", "/etc/profile.d"],
            outputs=outputs, agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240,
            expert_minutes=k.expert_minutes)
