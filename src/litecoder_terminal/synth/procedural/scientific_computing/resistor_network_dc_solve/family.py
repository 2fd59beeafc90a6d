"""DC operating point of a resistor network given as a SPICE-like netlist (SI suffixes, current and voltage
sources, parallel parts): node voltages, source currents and resistor dissipation by modified nodal analysis."""

from __future__ import annotations

import random
import re

from litecoder_terminal.synth.procedural import kit

E12 = [1.0, 1.2, 1.5, 1.8, 2.2, 2.7, 3.3, 3.9, 4.7, 5.6, 6.8, 8.2]
NODE_NAMES = ["in", "out", "mid", "ref", "bias", "sense", "tap", "fb", "drv", "adc", "vdd", "vcc", "a1", "a2",
              "b1", "b2", "x", "y", "load", "div", "hi", "lo", "pre", "post"]
CIRCUITS = ["sensor front-end bias network", "ladder DAC test fixture", "strain-gauge bridge excitation",
            "LED driver bias chain", "thermistor divider board", "ADC reference distribution"]

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "milli": kit.Knob('"m": 1e-3', '"m": 1e6', "reads the SPICE suffix m as mega instead of milli"),
    "isign": kit.Knob("v", "-v", "reverses the direction of the current sources"),
    "parallel": kit.Knob("(name,)", "tuple(sorted((a, b)))",
                         "keys resistors by node pair, so a parallel part overwrites the other"),
}


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


def value(tok: str, milli: float = 1e-3) -> float:
    m = re.fullmatch(r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z]*)", tok)
    if m is None:
        raise ValueError(f"bad value {tok!r}")
    num, rest = float(m.group(1)), m.group(2).lower()
    scale = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "m": milli, "k": 1e3, "g": 1e9}
    if rest.startswith("meg"):
        return num * 1e6
    return num * scale[rest[0]] if rest and rest[0] in scale else num


def _linsolve(a: list[list[float]], z: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (build-time only; the generator has no numpy)."""
    n = len(z)
    m = [row[:] + [z[i]] for i, row in enumerate(a)]
    for c in range(n):
        p = max(range(c, n), key=lambda r: abs(m[r][c]))
        if abs(m[p][c]) < 1e-15:
            raise ValueError("singular circuit matrix")
        m[c], m[p] = m[p], m[c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            if f:
                for k in range(c, n + 1):
                    m[r][k] -= f * m[c][k]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


def solve(netlist: str, *, milli: float = 1e-3, isign: int = 1, parallel: str = "add") -> tuple[dict, dict, dict]:
    """Node voltages, voltage-source currents (out of the plus terminal) and resistor powers as the reference finds
    them; the keyword flags give each known-wrong variant (checked at build time to really go wrong)."""
    lines: list[str] = []
    for raw in netlist.splitlines():
        line = raw.split(";")[0].strip()
        if not line or line.startswith("*"):
            continue
        if line.startswith("+"):
            lines[-1] += " " + line[1:].strip()
            continue
        if line.lower() == ".end":
            break
        lines.append(line)
    gnd = lambda n: "0" if n.lower() in ("0", "gnd") else n  # noqa: E731
    res, isrc, vsrc = {}, [], []
    for line in lines:
        name, a, b, tok = line.split()
        a, b, v = gnd(a), gnd(b), value(tok, milli)
        if name[0].upper() == "R":
            res[(name,) if parallel == "add" else tuple(sorted((a, b)))] = (name, a, b, v)
        elif name[0].upper() == "I":
            isrc.append((name, a, b, v * isign))
        else:
            vsrc.append((name, a, b, v))
    nodes = sorted({n for _, a, b, _ in [*res.values(), *isrc, *vsrc] for n in (a, b)} - {"0"})
    idx = {n: i for i, n in enumerate(nodes)}
    n_, m_ = len(nodes), len(vsrc)
    a_ = [[0.0] * (n_ + m_) for _ in range(n_ + m_)]
    z = [0.0] * (n_ + m_)
    for _, a, b, r in res.values():
        for p, q in ((a, b), (b, a)):
            if p != "0":
                a_[idx[p]][idx[p]] += 1 / r
                if q != "0":
                    a_[idx[p]][idx[q]] -= 1 / r
    for _, a, b, i in isrc:
        if a != "0":
            z[idx[a]] -= i
        if b != "0":
            z[idx[b]] += i
    for k, (_, p, n, e) in enumerate(vsrc):
        for node, s in ((p, 1), (n, -1)):
            if node != "0":
                a_[idx[node]][n_ + k] += s
                a_[n_ + k][idx[node]] += s
        z[n_ + k] = e
    x = _linsolve(a_, z)
    volt = {n: x[idx[n]] for n in nodes}
    cur = {vsrc[k][0]: -x[n_ + k] for k in range(m_)}
    full = {**volt, "0": 0.0}
    power = {name: (full[a] - full[b]) ** 2 / r for name, a, b, r in res.values()}
    return volt, cur, power


def _off(got: dict, want: dict, factor: float = 1.0) -> bool:
    """True when some value is off by more than 4x the verifier's tolerance (half a unit of the 6th decimal, in
    V, mA or mW: `factor` converts from SI)."""
    return set(got) != set(want) or any(abs(got[k] - want[k]) * factor > 2e-6 for k in want)


class ResistorNetworkDcSolve(kit.KitFamily):
    title = "Solve a SPICE-like resistor network for node voltages, source currents and dissipation"
    levels = kit.Levels(
        nodes=((4, 6), (6, 9), (9, 13)), vsources=(0, 1, 2), fancy=(False, True, True), hard_syntax=(False, False, True),
        power=(False, False, True), agent_timeout=(600, 1200, 1800), expert_minutes=(15, 25, 40),
    )

    def _instance(self, rng: random.Random, circuit: str):
        """One random netlist with its solution, or None when a known mistake would not go wrong on it."""
        k = self.knobs
        nodes = sorted(rng.sample(NODE_NAMES, rng.randint(*k.nodes)))
        gnd_words = ["0", "0", "gnd", "GND"] if k.hard_syntax else ["0"]

        def gnd() -> str:
            return rng.choice(gnd_words)

        elems: list[list] = []  # kind, name, a, b, value SI, text value
        counters = {"R": 0, "I": 0, "V": 0}

        def add(kind: str, a: str, b: str, val: float, txt: str) -> None:
            counters[kind] += 1
            elems.append([kind, f"{kind}{counters[kind]}", a, b, val, txt])

        def res_value() -> float:
            return rng.choice(E12) * 10 ** rng.randint(2, 5) if not (k.fancy and rng.random() < 0.08) \
                else rng.choice(E12) * 1e6

        order = ["0"] + rng.sample(nodes, len(nodes))  # spanning tree over ground + nodes, then extra edges
        for i in range(1, len(order)):
            a, b = order[i], order[rng.randrange(i)]
            r = round(res_value(), 6)
            add("R", a, gnd() if b == "0" else b, r, _render_res(rng, r, k.fancy))
        for _ in range(rng.randint(2, 3) + len(nodes) // 2):
            a, b = rng.sample(["0"] + nodes, 2)
            r = round(res_value(), 6)
            add("R", gnd() if a == "0" else a, gnd() if b == "0" else b, r, _render_res(rng, r, k.fancy))
        pinned: set[str] = set()
        vsrc_pairs = []
        if k.vsources:
            cands = rng.sample(nodes, k.vsources + 1)
            for j in range(k.vsources):
                p, n = cands[j], "0" if j == 0 else cands[j + 1]
                volts = round(rng.choice([1.2, 2.5, 3.3, 5.0, 9.0, 12.0, 15.0, 24.0]) * rng.choice([1, 1, -1]), 3)
                add("V", p, gnd() if n == "0" else n, volts,
                    f"{volts:g}" + (rng.choice(["", "V"]) if k.hard_syntax else ""))
                vsrc_pairs.append({p, n})
                pinned |= {p, n}
        for j in range(rng.randint(1, 2) + k.hard_syntax):
            while True:
                a, b = rng.sample(["0"] + nodes, 2)
                if {a, b} not in vsrc_pairs:
                    break
            ma = round(rng.uniform(0.1, 5.0), 2)
            unit = rng.choice(["", "A"]) if k.hard_syntax else ""
            if j == 0 or rng.random() < 0.6:
                val, txt = ma * 1e-3, f"{ma:g}m{unit}"
            else:
                ua = rng.randint(20, 900)
                val, txt = ua * 1e-6, f"{ua}u{unit}"
            add("I", gnd() if a == "0" else a, gnd() if b == "0" else b, val, txt)
        if k.fancy:  # a resistor doubled up in parallel (rework on the board)
            free = [e for e in elems if e[0] == "R" and not ({e[2], e[3]} <= (pinned | {"0", "gnd", "GND"}))]
            base = rng.choice(free or [e for e in elems if e[0] == "R"])
            r = round(rng.choice(E12) * 10 ** rng.randint(3, 4), 6)
            add("R", base[3], base[2], r, _render_res(rng, r, True))

        body = list(elems)
        rng.shuffle(body)
        date = f"{rng.randint(2021, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        text = [f"* {circuit}", f"* exported {date} from the schematic tool", "*"]
        for e in body:
            line = f"{e[1]} {e[2]} {e[3]} {e[5]}"
            if k.fancy and rng.random() < 0.2:
                line += "    ; " + rng.choice(["rework", "populate", "tolerance 1%", "check"])
            if k.hard_syntax and rng.random() < 0.15:
                text += [f"{e[1]} {e[2]} {e[3]}", f"+ {e[5]}"]
                continue
            text.append(line)
            if rng.random() < 0.1:
                text.append("")
        netlist = "\n".join(text + [".end"]) + "\n"

        volt, cur, power = solve(netlist)
        wrong = {"milli-as-mega": "milli", "current-source-reversed": "isign"}
        if k.fancy:
            wrong["parallel-overwrite"] = "parallel"
        flags = {"milli": {"milli": 1e6}, "isign": {"isign": -1}, "parallel": {"parallel": "overwrite"}}
        for name, knob in wrong.items():  # each known mistake must really go wrong on this instance
            bad = solve(netlist, **flags[knob])
            if not (_off(bad[0], volt) or (k.vsources and _off(bad[1], cur, 1e3))
                    or (k.power and _off(bad[2], power, 1e3))):
                return None

        return netlist, nodes, counters, date, (volt, cur, power), wrong

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        in_dir = rng.choice(["/data/circuit", "/srv/eda/netlists", "/opt/hw/sim", "/data/bench"])
        out_dir = rng.choice(["/app/out", "/app/dc_op", "/app/results", "/root/sim"])
        circuit = rng.choice(CIRCUITS)
        stem = circuit.split()[0].replace("-", "_")
        net_name = stem + rng.choice(["", "_revb", "_v2", "_proto"]) + ".cir"
        for _ in range(50):
            made = self._instance(rng, circuit)
            if made is not None:
                break
        else:  # pragma: no cover - a few tries always suffice
            raise RuntimeError(f"{self.name}: no instance where every known mistake goes wrong")
        netlist, nodes, counters, date, (volt, cur, power), wrong = made
        volts_out = f"{out_dir}/{rng.choice(['node_voltages.csv', 'dc_op.csv', 'voltages.csv'])}"
        src_out = f"{out_dir}/{rng.choice(['source_currents.csv', 'vsource_currents.csv'])}" if k.vsources else ""
        pow_out = f"{out_dir}/{rng.choice(['resistor_power.csv', 'dissipation.csv'])}" if k.power else ""
        conf = f"{in_dir}/dcop.conf"
        files: dict[str, str | bytes] = {f"environment/data/{net_name}": netlist}
        old = netlist.replace(".end", f"R{counters['R'] + 1} {nodes[0]} 0 10k ; removed in the current revision\n.end")
        files[f"environment/data/archive/{stem}_reva.cir"] = old.replace(f"* exported {date}", "* exported (rev A)")
        files[f"environment/data/{'dcop.conf'}"] = self.template(
            "dcop.conf", netlist=f"{in_dir}/{net_name}", volts=volts_out, sources=src_out or "(none)",
            power=pow_out or "(none)")
        files["environment/data/FORMAT.md"] = self.data("FORMAT.md")
        bench = sorted(rng.sample(nodes, min(3, len(nodes))))
        files["environment/data/bench_readings.txt"] = self.template(
            "bench_readings.txt", date=date, readings="\n".join(
                f"{n:>6}  {volt[n] * rng.uniform(0.93, 1.07):+.3f} V" for n in bench))
        files["environment/app/review_dc.sh"] = self.template("review_dc.sh", conf=conf)
        values = {"conf": conf, "in_dir": in_dir}
        files |= self.solver(KNOBS).files(values, wrong)
        files |= self.alt_solutions(conf=conf)
        files |= self.verifier(volts=volts_out, sources=src_out, power=pow_out)
        files |= kit.expected_file({"volts": volt, "currents": cur, "power": power})
        outputs = [p for p in (volts_out, src_out, pow_out) if p]

        n_r, n_i = counters["R"], counters["I"]
        census = f"It has {n_r} resistors, {n_i} current source(s)" + (
            f" and {k.vsources} voltage source(s)" if k.vsources else "") + f" on {len(nodes)} nodes besides ground."
        outs = self.template("outputs_full.md", volts=volts_out).strip()
        if src_out:
            outs += "\n" + self.template("outputs_sources.md", sources=src_out).strip()
        if pow_out:
            outs += "\n" + self.template("outputs_power.md", power=pow_out).strip()
        instruction = self.instruction(
            intro=self.intro(rng, circuit=circuit), netlist=f"{in_dir}/{net_name}", in_dir=in_dir, conf=conf,
            format=self.data("FORMAT.md").strip(), census=census, outputs=outs)
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/review_dc.sh\nWORKDIR /app\n",
            artifacts=[out_dir], outputs=outputs, tags=["linear-algebra", "circuits", "numpy", "parsing"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
