"""Implement documented C functions; the verifier compiles them with a hidden harness and checks hidden cases
(plus, at hard level, a large performance case and an ASan/UBSan run)."""

from __future__ import annotations

import json
import random
import re

from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.coding.c_function_impl.cases import GENERATORS
from litecoder_terminal.synth.procedural.coding.c_function_impl.refs import expected as reference_output

NAMES = sorted(GENERATORS)


def indent(code: str, n: int) -> str:
    return "".join((" " * n + line) if line.strip() else line for line in code.splitlines(True))


class CFunctionImpl(kit.KitFamily):
    title = "Implement documented C functions that a hidden harness checks (correctness, speed, memory safety)"
    levels = kit.Levels(functions=(1, 2, 3), cases=(60, 80, 100), perf=(0, 0, 1), agent_timeout=(600, 1200, 1800),
                        expert_minutes=(15, 30, 45))

    def func(self, name: str) -> dict:
        """One function's data; its buggy variants are replacements over the one correct source."""
        meta = json.loads(self.data(f"funcs/{name}/meta.json"))
        f = meta | {"name": name, "doc": self.data(f"funcs/{name}/doc.txt").rstrip("\n")} | {
            part: self.data(f"funcs/{name}/{part}.c") for part in ("correct", "dispatch", "visible")}
        for variant, pairs in json.loads(self.data(f"funcs/{name}/variants.json")).items():
            text = f["correct"]
            for old, new in pairs:
                if text.count(old) != 1:
                    raise ValueError(f"{self.folder}/data/funcs/{name}/variants.json: a {variant} replacement "
                                     "does not apply exactly once")
                text = text.replace(old, new)
            f[variant] = text
        return f

    def stub(self, f: dict, header: str) -> str:
        params = f["proto"][f["proto"].index("(") + 1:f["proto"].rindex(")")].split(",")
        names = [re.findall(r"[A-Za-z_]\w*", p)[-1] for p in params]
        body = "".join(f"    (void){n};\n" for n in names)
        return f"{f['proto'][:-1]}\n{{\n    /* TODO: implement as documented in include/{header} */\n{body}    return 0;\n}}\n"

    def source(self, funcs: list[dict], header: str, variant: dict[str, str]) -> str:
        parts = ["#include <stdlib.h>\n#include <string.h>\n\n", f'#include "{header}"\n']
        # the performance function first: its last constant sits in an allocation-failure branch no case reaches,
        # while every other function's last constant decides results (the mutation battery alters the last one)
        for f in sorted(funcs, key=lambda f: -f["tier"]):
            kind = variant.get(f["name"], "correct")
            parts.append("\n" + (self.stub(f, header) if kind == "stub" else f[kind]))
        return "".join(parts)

    def harness(self, header: str, funcs: list[dict]) -> str:
        parts = [self.template("harness_head.c", header=header)]
        for i, f in enumerate(funcs):
            parts.append(f"        {'else if' if i else 'if'} (strcmp(name, \"{f['name']}\") == 0)\n"
                         + indent(f["dispatch"], 4))
            if f["name"] == "count_inversions":
                parts.append('        else if (strcmp(name, "count_inversions_gen") == 0)\n'
                             + indent(self.data("gen_dispatch.c"), 4))
        return "".join(parts) + self.data("harness_tail.c")

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        funcs_all = [self.func(n) for n in NAMES]
        tiers = [[f for f in funcs_all if f["tier"] == t] for t in (0, 1, 2)]
        funcs = [rng.choice(tiers[0])]
        if k.functions >= 2:
            funcs.append(rng.choice(tiers[1]))
        if k.perf or k.functions >= 3:
            funcs.append(tiers[2][0])
        proj = rng.choice(["algos", "libkata", "routines", "corelib", "cutils"])
        root = f"/app/{proj}"
        base = rng.choice(["algo", "kata", "routines", "util"])
        header, impl = f"{base}.h", f"{base}.c"
        decls = "\n\n".join(f"/*\n * {f['doc']}\n */\n{f['proto']}" for f in funcs)
        header_text = self.template("header.h", guard=f"{proj.upper()}_{base.upper()}_H", decls=decls)
        test_basic = self.template("test_basic.c", header=header, checks="".join(f["visible"] for f in funcs))
        ctx = f"environment/{proj}"
        files: dict[str, str | bytes] = {
            f"{ctx}/include/{header}": header_text,
            f"{ctx}/src/{impl}": self.source(funcs, header, {f["name"]: "stub" for f in funcs}),
            f"{ctx}/tests/test_basic.c": test_basic,
            f"{ctx}/Makefile": self.template("Makefile", impl=impl, header=header),
            f"{ctx}/README.md": self.template("README.md", proj=proj, impl=impl),
            f"{ctx}/legacy/crc32.c": self.data("legacy_crc32.c"),
        }
        fails = [line.strip() for f in funcs for line in f["visible"].splitlines() if "CHECK(" in line]
        files[f"{ctx}/logs/ci.log"] = self.template(
            "ci.log", proj=proj, impl=impl, stamp=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            commit=f"{rng.getrandbits(28):07x}",
            fails="\n".join(f"FAIL tests/test_basic.c: {line}" for line in fails))
        cases = {f["name"]: GENERATORS[f["name"]](rng, k.cases) for f in funcs}

        correct = self.source(funcs, header, {})
        sanitize = ("# Hard level: the harness also runs under ASan/UBSan, so the shipped checks must run clean.\n"
                    "gcc -std=c11 -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -Iinclude "
                    f"tests/test_basic.c src/{impl} -o /tmp/test_san\nASAN_OPTIONS=detect_leaks=0 /tmp/test_san\n"
                    if k.perf else "")
        values = {"root": root, "header": header, "impl": impl, "sanitize": sanitize,
                  "probes": "".join(f["visible"] for f in funcs)}
        # each wrong solution is the reference with one decision flipped: one function's implementation
        first, last = funcs[0], funcs[-1]
        edge = kit.Knob(correct, self.source(funcs, header, {first["name"]: "edge"}),
                        f"{first['name']} ignores an edge case the header documents")
        other = kit.Knob(correct, self.source(funcs, header, {last["name"]: "other"}),
                         f"{last['name']}: " + ("a quadratic algorithm" if last["tier"] == 2 else
                                                 "a different plausible bug"))
        files |= self.solver({"impl_src": edge}).files(values, {"misses_edge_case": "impl_src"})
        files |= {p: v for p, v in self.solver({"impl_src": other}).files(values, {"second_mistake": "impl_src"})
                  .items() if p.startswith("solution/wrong/")}
        pairs = json.dumps([[self.stub(f, header), f["correct"]] for f in funcs])
        if "'''" in pairs:
            raise ValueError("implementation text cannot sit in a raw triple-quoted string")
        files |= self.alt_solutions(root=root, impl=impl, pairs=pairs)
        files |= self.verifier()
        files["tests/harness.c"] = self.harness(header, funcs)
        untouched = {p: d for p, d in kit.digests(files, proj, root).items()
                     if p in (f"{root}/include/{header}", f"{root}/tests/test_basic.c")}
        want = {n: [reference_output(c) for c in cs if not c.startswith("count_inversions_gen")]
                for n, cs in cases.items()}
        files |= kit.expected_file({"root": root, "impl": impl, "hard": bool(k.perf), "cases": cases, "want": want,
                                    "functions": [f["name"] for f in funcs], "untouched": untouched})
        quoted = [f"`{f['name']}`" for f in funcs]
        names = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
        instruction = self.instruction(intro=self.intro(rng, proj=proj, names=names), root=root, header=header,
                                       impl=impl, extra=self.data("extra_hard.md").rstrip("\n") if k.perf else "",
                                       extra_note=" `count_inversions` must also handle about a million elements "
                                       "within a few seconds, and the harness is also built with "
                                       "`-fsanitize=address,undefined`: it must run clean." if k.perf else "")
        return kit.draft(
            instruction=instruction,
            dockerfile_body=f"COPY {proj}/ {root}/\nWORKDIR {root}\n",
            files=files, tags=["c", "algorithms", "hidden-tests"],
            artifacts=[root], outputs=[f"{root}/src/{impl}"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=240, expert_minutes=k.expert_minutes,
        )
