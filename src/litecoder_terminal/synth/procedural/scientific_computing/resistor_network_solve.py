"""DC operating point of a resistor network given as a SPICE-like netlist (SI suffixes, current and voltage
sources, parallel parts): node voltages, source currents and resistor dissipation by modified nodal analysis."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]
NODE_NAMES = ["in", "out", "mid", "ref", "bias", "sense", "tap", "fb", "drv", "adc", "vdd", "vcc", "a1", "a2",
              "b1", "b2", "x", "y", "load", "div", "hi", "lo", "pre", "post"]
CIRCUITS = ["sensor front-end bias network", "ladder DAC test fixture", "strain-gauge bridge excitation",
            "LED driver bias chain", "thermistor divider board", "ADC reference distribution"]


def _render_res(rng: random.Random, ohms: float, fancy: bool) -> str:
    if ohms >= 1e6:
        return rng.choice([f"{ohms / 1e6:g}meg", f"{ohms / 1e6:g}Meg", f"{ohms / 1e3:g}k"] if fancy else
                          [f"{ohms / 1e6:g}meg"])
    if ohms >= 1e3:
        opts = [f"{ohms / 1e3:g}k", f"{ohms / 1e3:g}K", f"{ohms:g}"] if fancy else [f"{ohms / 1e3:g}k"]
        if fancy and rng.random() < 0.3:
            return f"{ohms / 1e3:g}kohm"
        return rng.choice(opts)
    return f"{ohms:g}"


@register
class ResistorNetworkSolve(TaskFamily):
    name = "resistor_network_dc_solve"
    domain = "scientific_computing"
    title = "Solve a SPICE-like resistor network for node voltages, source currents and dissipation"

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        medium_up = level != "easy"
        hard = level == "hard"
        in_dir = pick(rng, ["/data/circuit", "/srv/eda/netlists", "/opt/hw/sim", "/data/bench"])
        out_dir = pick(rng, ["/app/out", "/app/dc_op", "/app/results", "/root/sim"])
        circuit = rng.choice(CIRCUITS)
        net_name = circuit.split()[0].replace("-", "_") + pick(rng, ["", "_revb", "_v2", "_proto"]) + ".cir"
        n_nodes = {"easy": rng.randint(4, 6), "medium": rng.randint(6, 9), "hard": rng.randint(9, 13)}[level]
        nodes = sorted(rng.sample(NODE_NAMES, n_nodes))
        gnd_words = ["0", "0", "gnd", "GND"] if hard else ["0"]

        def gnd() -> str:
            return rng.choice(gnd_words)

        elems = []  # (kind, name, a, b, value SI, text value)
        counters = {"R": 0, "I": 0, "V": 0}

        def add(kind: str, a: str, b: str, val: float, txt: str) -> None:
            counters[kind] += 1
            elems.append([kind, f"{kind}{counters[kind]}", a, b, val, txt])

        def res_value() -> float:
            return rng.choice(E12) * 10 ** rng.randint(2, 5) if not (medium_up and rng.random() < 0.08) \
                else rng.choice(E12) * 1e6

        # spanning tree over ground + nodes, then extra edges
        order = ["0"] + rng.sample(nodes, len(nodes))
        for i in range(1, len(order)):
            a, b = order[i], order[rng.randrange(i)]
            r = round(res_value(), 6)
            add("R", a, gnd() if b == "0" else b, r, _render_res(rng, r, medium_up))
        for _ in range(rng.randint(2, 3) + n_nodes // 2):
            a, b = rng.sample(["0"] + nodes, 2)
            r = round(res_value(), 6)
            add("R", gnd() if a == "0" else a, gnd() if b == "0" else b, r, _render_res(rng, r, medium_up))
        # current sources (milliamps / microamps)
        pinned: set[str] = set()
        vsrc_pairs = []
        if medium_up:
            n_v = 1 if level == "medium" else 2
            cands = rng.sample(nodes, n_v + 1)
            for k in range(n_v):
                p = cands[k]
                n = "0" if k == 0 else cands[k + 1]
                volts = round(rng.choice([1.2, 2.5, 3.3, 5.0, 9.0, 12.0, 15.0, 24.0]) * rng.choice([1, 1, -1]), 3)
                txt = f"{volts:g}" + (rng.choice(["", "V"]) if hard else "")
                add("V", p, gnd() if n == "0" else n, volts, txt)
                vsrc_pairs.append({p, n})
                pinned |= {p, n}
        n_i = rng.randint(1, 2) + (1 if hard else 0)
        for k in range(n_i):
            while True:
                a, b = rng.sample(["0"] + nodes, 2)
                if {a, b} not in vsrc_pairs:
                    break
            ma = round(rng.uniform(0.1, 5.0), 2)
            if k == 0 or rng.random() < 0.6:
                val, txt = ma * 1e-3, f"{ma:g}m" + (rng.choice(["", "A"]) if hard else "")
            else:
                ua = rng.randint(20, 900)
                val, txt = ua * 1e-6, f"{ua}u" + (rng.choice(["", "A"]) if hard else "")
            add("I", gnd() if a == "0" else a, gnd() if b == "0" else b, val, txt)
        # a resistor doubled up in parallel (rework on the board)
        if medium_up:
            free = [e for e in elems if e[0] == "R" and not ({e[2], e[3]} <= (pinned | {"0", "gnd", "GND"}))]
            base = rng.choice(free or [e for e in elems if e[0] == "R"])
            r = round(rng.choice(E12) * 10 ** rng.randint(3, 4), 6)
            add("R", base[3], base[2], r, _render_res(rng, r, True))

        # ---- netlist text ----------------------------------------------------------------------------------
        body = [e for e in elems]
        rng.shuffle(body)
        text = [f"* {circuit}", f"* exported {rng.randint(2021, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                " from the schematic tool", "*"]
        for e in body:
            line = f"{e[1]} {e[2]} {e[3]} {e[5]}"
            if medium_up and rng.random() < 0.2:
                line += "    ; " + rng.choice(["rework", "populate", "tolerance 1%", "check"])
            if hard and rng.random() < 0.15:
                text.append(f"{e[1]} {e[2]} {e[3]}")
                text.append(f"+ {e[5]}")
                continue
            text.append(line)
            if rng.random() < 0.1:
                text.append("")
        text.append(".end")
        files: dict[str, str | bytes] = {f"environment/data/{net_name}": "\n".join(text) + "\n"}
        digest = hashlib.sha256(files[f"environment/data/{net_name}"].encode()).hexdigest()

        volts_out = f"{out_dir}/{pick(rng, ['node_voltages.csv', 'dc_op.csv', 'voltages.csv'])}"
        src_out = f"{out_dir}/{pick(rng, ['source_currents.csv', 'vsource_currents.csv'])}" if medium_up else None
        pow_out = f"{out_dir}/{pick(rng, ['resistor_power.csv', 'dissipation.csv'])}" if hard else None
        norm = lambda n: "0" if n in ("0", "gnd", "GND") else n  # noqa: E731
        params = {"elements": [[e[0], e[1], norm(e[2]), norm(e[3]), e[4]] for e in elems], "nodes": nodes,
                  "volts": volts_out, "sources": src_out, "power": pow_out,
                  "digests": {f"{in_dir}/{net_name}": digest}}
        files["tests/params.json"] = json.dumps(params, indent=1)
        files["tests/test_outputs.py"] = TEST_PY

        # ---- instruction ---------------------------------------------------------------------------------------
        intro = pick(rng, [
            f"Before we order boards for the {circuit} we want a DC operating point computed independently of the "
            "schematic tool.",
            f"The bench measurements on the {circuit} look off; compute what the node voltages should be.",
            f"Hardware asked for a quick DC solve of the {circuit}; the netlist was exported from the schematic tool.",
            f"Our simulator licence expired, so compute the DC solution of the {circuit} yourself.",
            f"Review item for the {circuit}: cross-check the DC operating point with an independent calculation.",
        ])
        n_r = sum(e[0] == "R" for e in elems)
        n_i = sum(e[0] == "I" for e in elems)
        n_v = sum(e[0] == "V" for e in elems)
        census = pick(rng, [
            f"It has {n_r} resistors, {n_i} current source(s){f' and {n_v} voltage source(s)' if n_v else ''} "
            f"on {len(nodes)} nodes besides ground.",
            f"({len(nodes)} non-ground nodes: {', '.join(f'`{x}`' for x in nodes)}.)",
        ])
        res_b = pick(rng, ["- `R<name> <node1> <node2> <value>`: a resistor in ohms.",
                           "- `R...` lines: resistor name, its two nodes, resistance in ohms."])
        isrc_b = pick(rng, [
            "- `I<name> <node1> <node2> <value>`: an ideal DC current source; the current flows from `<node1>` "
            "through the source to `<node2>`, i.e. it is drawn out of node1 and pushed into node2.",
            "- `I<name> <from> <to> <value>`: ideal DC current source (SPICE convention): `value` amperes leave "
            "node `<from>` into the source and enter node `<to>` from it.",
        ])
        vsrc_b = pick(rng, ["- `V<name> <plus> <minus> <value>`: an ideal DC voltage source, V(plus) - V(minus) = "
                            "value.",
                            "- `V<name> <p> <n> <value>`: ideal DC voltage source holding node p at `value` volts "
                            "above node n."])
        syntax_b = (f"- Node `0` is ground{' (also written `gnd` or `GND`)' if hard else ''}; node names are "
                    "case-sensitive otherwise. Lines starting with `*` are comments"
                    + (", text after `;` is a comment" if medium_up else "")
                    + ", blank lines are ignored and `.end` ends the netlist."
                    + (" A line starting with `+` continues the previous line." if hard else ""))
        suffix_b = pick(rng, [
            "- Values may carry a SPICE scale suffix, case-insensitive: `f`=1e-15, `p`=1e-12, `n`=1e-9, `u`=1e-6, "
            "`m`=1e-3 (milli!), `k`=1e3, `meg`=1e6, `g`=1e9",
            "- Numbers use SPICE multipliers, in any letter case: `meg` is 1e6 while `m` is 1e-3 (milli, not mega); "
            "also `k`=1e3, `g`=1e9, `u`=1e-6, `n`=1e-9, `p`=1e-12, `f`=1e-15",
        ]) + ("; letters after the suffix (units such as `ohm`, `A`, `V`) are ignored." if hard else ".")
        par_b = pick(rng, ["- Several resistors may connect the same pair of nodes; they are all in circuit.",
                           "- Parallel parts exist (two resistors on the same node pair): every line is a real "
                           "component."])
        bullets = [res_b, isrc_b] + ([vsrc_b] if medium_up else []) + [syntax_b, suffix_b, par_b]
        head_ = bullets[:2 + medium_up]
        rest = bullets[2 + medium_up:]
        rng.shuffle(rest)
        lines = [intro, "", pick(rng, [f"Netlist: `{in_dir}/{net_name}`. Format (a SPICE subset):",
                                       f"The exported netlist is `{in_dir}/{net_name}`, in this SPICE-like format:"]),
                 "", *head_, *rest, "", census, "",
                 pick(rng, [f"Write `{volts_out}` with header `node,voltage`: one row per node other than ground, "
                            "sorted by node name (plain byte order), voltage in volts.",
                            f"Deliverable: `{volts_out}`, header `node,voltage`, every non-ground node once, rows "
                            "ordered by node name (byte order), voltages in volts."])]
        if medium_up:
            lines += [pick(rng, [
                f"Write `{src_out}` with header `source,current`: one row per voltage source sorted by name, the "
                "current in amperes that the source delivers out of its plus terminal into the rest of the "
                "circuit (negative if it absorbs current).",
                f"Also `{src_out}` (header `source,current`, sorted by source name): for each voltage source the "
                "current in amperes flowing out of its plus terminal into the external circuit; negative means the "
                "source is absorbing power."])]
        if hard:
            lines += [pick(rng, [
                f"Write `{pow_out}` with header `resistor,power`: the power in watts dissipated in every resistor, "
                "sorted by power (largest first), ties by name.",
                f"And `{pow_out}` (header `resistor,power`): watts dissipated in each resistor, biggest first, "
                "equal powers ordered by name."])]
        lines += ["", pick(rng, ["Numbers must be accurate to 1e-6 relative (print at least 9 significant digits; "
                                 "plain or exponent notation both fine).",
                                 "Print enough digits (9 significant or more): results are compared at 1e-6 "
                                 "relative; exponent notation is fine."]), "",
                  pick(rng, ["Do not modify the netlist.", f"The netlist in `{in_dir}` is the reference: leave it "
                                                           "unchanged.", "Leave the netlist file untouched."])]
        instruction = "\n".join(lines)

        ctx = dict(NETLIST=f"{in_dir}/{net_name}", VOLTS=volts_out, SOURCES=src_out or "", POWER=pow_out or "")
        files["solution/solve.sh"] = _solver(ctx)
        files["solution/wrong/milli-as-mega.sh"] = _solver(ctx, MILLI=1e6)
        files["solution/wrong/current-source-reversed.sh"] = _solver(ctx, ISIGN=-1)
        if medium_up:
            files["solution/wrong/parallel-overwrite.sh"] = _solver(ctx, PARALLEL="overwrite")
        return TaskDraft(
            instruction=instruction, dockerfile_body=f"COPY data/ {in_dir}/\nWORKDIR /app\n", files=files,
            artifacts=[out_dir],
            tags=["linear-algebra", "circuits", "numpy", "parsing"],
            agent_timeout_sec={"easy": 600, "medium": 1200, "hard": 1800}[level],
            expert_minutes={"easy": 15, "medium": 25, "hard": 40}[level],
        )


def _solver(ctx: dict, **mistakes) -> str:
    settings = dict(MILLI=1e-3, ISIGN=1, PARALLEL="add")
    settings.update(mistakes)
    head = "\n".join(f"{k} = {v!r}" for k, v in {**ctx, **settings}.items())
    return ("#!/bin/bash\nset -euo pipefail\nmkdir -p \"$(dirname " + ctx["VOLTS"] + ")\"\n"
            "wc -l " + ctx["NETLIST"] + "\n"
            "python3 - <<'PY'\n" + head + "\n" + SOLVER_BODY + "PY\n")


SOLVER_BODY = textwrap.dedent(r'''
    import csv, re
    import numpy as np

    SUFFIX = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": MILLI, "k": 1e3, "meg": 1e6, "g": 1e9}

    def value(tok):
        m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z]*)", tok)
        num, rest = float(m.group(1)), m.group(2).lower()
        if rest.startswith("meg"):
            return num * 1e6
        if rest and rest[0] in SUFFIX:
            return num * SUFFIX[rest[0]]
        return num

    lines = []
    for raw in open(NETLIST):
        line = raw.split(";")[0].strip()
        if not line or line.startswith("*"):
            continue
        if line.startswith("+"):
            lines[-1] += " " + line[1:].strip()
            continue
        if line.lower() == ".end":
            break
        lines.append(line)

    gnd = lambda n: "0" if n.lower() in ("0", "gnd") else n
    res, isrc, vsrc = {}, [], []
    for line in lines:
        name, a, b, val = line.split()
        a, b, v = gnd(a), gnd(b), value(val)
        kind = name[0].upper()
        if kind == "R":
            key = (name, ) if PARALLEL == "add" else tuple(sorted((a, b)))
            res[key] = (name, a, b, v)
        elif kind == "I":
            isrc.append((name, a, b, v * ISIGN))
        elif kind == "V":
            vsrc.append((name, a, b, v))
    nodes = sorted({n for _, a, b, _ in list(res.values()) + isrc + vsrc for n in (a, b)} - {"0"})
    idx = {n: i for i, n in enumerate(nodes)}
    N, M = len(nodes), len(vsrc)
    A = np.zeros((N + M, N + M))
    z = np.zeros(N + M)
    for _, a, b, r in res.values():
        g = 1.0 / r
        for p, q in ((a, b), (b, a)):
            if p != "0":
                A[idx[p], idx[p]] += g
                if q != "0":
                    A[idx[p], idx[q]] -= g
    for _, a, b, i in isrc:
        if a != "0":
            z[idx[a]] -= i
        if b != "0":
            z[idx[b]] += i
    for k, (_, p, n, e) in enumerate(vsrc):
        if p != "0":
            A[idx[p], N + k] += 1
            A[N + k, idx[p]] += 1
        if n != "0":
            A[idx[n], N + k] -= 1
            A[N + k, idx[n]] -= 1
        z[N + k] = e
    x = np.linalg.solve(A, z)
    V = {n: x[idx[n]] for n in nodes}
    V["0"] = 0.0
    with open(VOLTS, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["node", "voltage"])
        for n in nodes:
            w.writerow([n, f"{V[n]:.12g}"])
    if SOURCES:
        with open(SOURCES, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["source", "current"])
            for k, (name, *_rest) in sorted(enumerate(vsrc), key=lambda kv: kv[1][0]):
                w.writerow([name, f"{-x[N + k]:.12g}"])
    if POWER:
        pw = sorted(((V[a] - V[b]) ** 2 / r, name) for name, a, b, r in res.values())
        pw.sort(key=lambda t: (-t[0], t[1]))
        with open(POWER, "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["resistor", "power"])
            for p, name in pw:
                w.writerow([name, f"{p:.12g}"])
    print(open(VOLTS).read())
''').lstrip()

TEST_PY = textwrap.dedent(r'''
    """Solve the circuit by modified nodal analysis from the generator's element list and compare."""

    import csv
    import json
    from pathlib import Path

    import numpy as np

    P = json.loads(Path(__file__).with_name("params.json").read_text())


    def solve():
        nodes = P["nodes"]
        idx = {n: i for i, n in enumerate(nodes)}
        vs = [e for e in P["elements"] if e[0] == "V"]
        N, M = len(nodes), len(vs)
        A = np.zeros((N + M, N + M))
        z = np.zeros(N + M)

        def stamp(i, j, g):
            if i != "0":
                A[idx[i], idx[i]] += g
                if j != "0":
                    A[idx[i], idx[j]] -= g
        for kind, name, a, b, v in P["elements"]:
            if kind == "R":
                stamp(a, b, 1 / v)
                stamp(b, a, 1 / v)
            elif kind == "I":
                if a != "0":
                    z[idx[a]] -= v
                if b != "0":
                    z[idx[b]] += v
        for k, (_, name, p, n, e) in enumerate(vs):
            for node, s in ((p, 1), (n, -1)):
                if node != "0":
                    A[idx[node], N + k] += s
                    A[N + k, idx[node]] += s
            z[N + k] = e
        x = np.linalg.solve(A, z)
        volt = {n: x[idx[n]] for n in nodes}
        volt["0"] = 0.0
        cur = {vs[k][1]: -x[N + k] for k in range(M)}
        power = {name: (volt[a] - volt[b]) ** 2 / v for kind, name, a, b, v in P["elements"] if kind == "R"}
        return volt, cur, power


    def read(path, header):
        with open(path, newline="") as fh:
            rows = [[c.strip() for c in r] for r in csv.reader(fh) if r]
        assert rows and rows[0] == header, f"{path}: header {rows[:1]} != {header}"
        return rows[1:]


    def close(got, want, scale, what):
        assert abs(float(got) - want) <= 1e-6 * scale + 1e-12, f"{what}: {got} != {want:.10g}"


    def test_node_voltages():
        volt = solve()[0]
        rows = read(P["volts"], ["node", "voltage"])
        assert [r[0] for r in rows] == sorted(P["nodes"]), f"nodes {[r[0] for r in rows]} != {sorted(P['nodes'])}"
        scale = max(abs(v) for v in volt.values())
        for node, v in rows:
            close(v, volt[node], scale, f"V({node})")


    if P["sources"]:
        def test_source_currents():
            cur = solve()[1]
            rows = read(P["sources"], ["source", "current"])
            assert [r[0] for r in rows] == sorted(cur), f"sources {[r[0] for r in rows]}"
            scale = max(abs(c) for c in cur.values())
            for name, c in rows:
                close(c, cur[name], scale, f"I({name})")


    if P["power"]:
        def test_resistor_power():
            power = solve()[2]
            rows = read(P["power"], ["resistor", "power"])
            assert sorted(r[0] for r in rows) == sorted(power), "resistor list"
            scale = max(power.values())
            for name, p in rows:
                close(p, power[name], scale, f"P({name})")
            got = [float(p) for _, p in rows]
            assert all(a >= b - 1e-9 * scale for a, b in zip(got, got[1:])), "not sorted by power, largest first"
''').lstrip()
