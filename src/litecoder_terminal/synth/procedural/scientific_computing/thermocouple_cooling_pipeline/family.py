"""Multi-stage analysis of a thermocouple cooling run: clean the logger data (status flags, retransmitted rows,
spikes), fit a calibration curve from reference baths, convert to temperature, fit Newton's law of cooling and
predict. Each stage writes a file that the verifier recomputes with its own code."""

from __future__ import annotations

import datetime as dt
import math
import random

from litecoder_terminal.synth.procedural import kit

SETUPS = ["quench test of a steel coupon", "cooling of a sealed aluminium housing after the burn-in oven",
          "cool-down of the reflow fixture", "cooling curve of a ceramic sample after firing",
          "passive cool-down of the battery enclosure mock-up"]
SPIKE_MV = 0.25

KNOBS = {  # each known-wrong solution is the reference with one of these flipped
    "status": kit.Knob('$4 == "OK"', "1", "keeps samples flagged DISC or OVR"),
    "origin": kit.Knob("ts[keep[0]]", 'datetime.fromisoformat(open(RAW).readlines()[1].split(",")[0])',
                       "counts time from the first raw row (a DISC warm-up sample), not the first clean one"),
    "degree": kit.Knob("DEG", "1", "fits a straight calibration line where a quadratic is asked for"),
    "despike": kit.Knob("DESPIKE", "False", "leaves the spikes in"),
    "stop": kit.Knob('wc -l "$TEMP"', "exit 0", "stops after the convert stage (no cooling fit, no prediction)"),
}


class ThermocoupleCoolingPipeline(kit.KitFamily):
    title = "Clean logger data, calibrate a thermocouple, fit Newton cooling and predict (each stage checked)"
    multi_stage = True
    levels = kit.Levels(channels=(1, 2, 2), dedupe=(False, True, True), despike=(False, False, True),
                        degree=(1, 2, 2), extra_baths=(1, 3, 3), agent_timeout=(900, 1500, 1800),
                        expert_minutes=(25, 40, 55))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        setup = rng.choice(SETUPS)
        in_dir = rng.choice(["/data/run", "/srv/lab/tc_run", "/data/thermal/run", "/opt/lab/cooldown"])
        work = rng.choice(["/app/analysis", "/app/work", "/app/pipeline", "/root/cooldown"])
        channels = ["TC1", "TC2", "TC3"][:k.channels]
        chan = rng.choice(channels)
        # thermocouple: V = a T + b T^2 (mV, degC), slightly nonlinear
        a = rng.uniform(0.0395, 0.0415)
        b = rng.uniform(0.6e-5, 1.4e-5) * rng.choice([1, -1])

        def volts(t: float) -> float:
            return a * t + b * t * t

        refs = [0.0, 100.0] + sorted(rng.sample([25.0, 50.0, 75.0, 150.0, 200.0, 250.0], k.extra_baths))
        cal_lines = ["ref_temp_C,reading_mV"]
        for t in refs:
            for _ in range(rng.randint(2, 4)):
                cal_lines.append(f"{t:.1f},{volts(t) + rng.gauss(0, 0.002):.4f}")

        t_amb = rng.uniform(18.0, 28.0)
        t0 = rng.uniform(150.0, 240.0)
        tau = rng.uniform(600.0, 1500.0)
        step = rng.choice([2, 3, 4, 5])
        n = int(2.5 * tau / step)
        start = dt.datetime(rng.randint(2022, 2025), rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 16),
                            rng.randint(0, 59), rng.randint(0, 59))
        warmup = rng.randint(2, 4)  # the logger reports a disconnected probe for the first few samples
        spike_at: set[int] = set()
        if k.despike:
            cands = list(range(warmup + 4, warmup + n - 4))
            while len(spike_at) < rng.randint(3, 5):
                i = rng.choice(cands)
                if all(abs(i - s) >= 4 for s in spike_at):
                    spike_at.add(i)
        rows = []  # (timestamp, channel, value text, status)
        for i in range(warmup + n):
            ts = start + dt.timedelta(seconds=step * i)
            for c in channels:
                if i < warmup:
                    rows.append((ts, c, "0.0000", "DISC"))
                    continue
                el = step * (i - warmup)
                temp = (t_amb + (t0 - t_amb) * math.exp(-el / tau) if c == chan
                        else t_amb + 5 + (60 - t_amb) * math.exp(-el / (tau * 1.7)))
                v = volts(temp) + rng.gauss(0, 0.0015)
                status = "OK"
                if c == chan and i in spike_at:
                    v += rng.choice([-1, 1]) * rng.uniform(0.5, 1.2)
                elif rng.random() < 0.02:
                    status = rng.choice(["OVR", "DISC"])
                    v = 99.999 if status == "OVR" else 0.0
                rows.append((ts, c, f"{v:.4f}", status))
                if k.dedupe and rng.random() < 0.03:
                    rows.append((ts, c, f"{v:.4f}", status))  # retransmission
        # at least one flagged sample in the analysed channel after the warm-up
        idx = next(j for j, r in enumerate(rows) if r[1] == chan and r[3] == "OK" and r[0] > start +
                   dt.timedelta(seconds=step * (warmup + 10)) and (r[0] - start).seconds // step not in spike_at)
        rows[idx] = (rows[idx][0], chan, "99.9990", "OVR")
        raw_text = "timestamp,channel,mV,status\n" + "".join(
            f"{r[0].strftime('%Y-%m-%dT%H:%M:%S')},{r[1]},{r[2]},{r[3]}\n" for r in rows)
        threshold = round(t_amb + (t0 - t_amb) * rng.uniform(0.08, 0.2))
        horizon = sorted(rng.sample([step * (n - 1) + i * 600 for i in range(1, 8)], 2))
        raw_name = rng.choice(["logger.csv", "daq_export.csv", "tc_log.csv"])
        cal_name = rng.choice(["calibration.csv", "bath_calibration.csv"])
        paths = {"clean": f"{work}/clean.csv", "calibration": f"{work}/calibration.json",
                 "temperature": f"{work}/temperature.csv", "fit": f"{work}/cooling_fit.json",
                 "prediction": f"{work}/prediction.json"}

        files: dict[str, str | bytes] = {f"environment/data/{raw_name}": raw_text,
                                         f"environment/data/{cal_name}": "\n".join(cal_lines) + "\n"}
        clean_rules = "".join(
            [self.data("clean_dedupe.md").strip() if k.dedupe else "",
             self.template("clean_despike.md", spike=f"{SPIKE_MV} mV").strip() if k.despike else ""])
        cal_desc = ("quadratic function of the reading, `T = c0 + c1*mV + c2*mV^2`" if k.degree == 2
                    else "linear function of the reading, `T = c0 + c1*mV`")
        cal_keys = ", ".join(f'"c{i}": ...' for i in range(k.degree + 1))
        spec = self.template(
            "spec.md", in_dir=in_dir, raw=raw_name, cal=cal_name, step=step, channels=", ".join(channels),
            work=work, channel=chan, clean_rules=clean_rules, cal_desc=cal_desc, cal_keys=cal_keys,
            threshold=threshold, h1=horizon[0], h2=horizon[1], **paths).strip()
        files["environment/app/docs/ANALYSIS.md"] = self.template("ANALYSIS.md", spec=spec)
        files["environment/app/analysis.conf"] = self.template(
            "analysis.conf", in_dir=in_dir, raw=raw_name, cal=cal_name, channel=chan,
            dedupe="yes" if k.dedupe else "no", despike=str(SPIKE_MV) if k.despike else "none", degree=k.degree,
            threshold=threshold, h1=horizon[0], h2=horizon[1], **paths)
        files["environment/app/check_analysis.sh"] = self.data("check_analysis.sh")
        files["environment/app/notes/quick_look.txt"] = self.template(
            "quick_look.txt", day=start.date().isoformat(), bogus_tau=int(round(tau * rng.uniform(1.6, 2.4), -1)))

        wrong = {"stops-after-convert": "stop", "keeps-flagged-samples": "status",
                 "time-from-first-raw-row": "origin"}
        if k.degree == 2:
            wrong["linear-calibration"] = "degree"
        if k.despike:
            wrong["no-despike"] = "despike"
        files |= self.solver(KNOBS).files({}, wrong)
        files |= self.alt_solutions()
        files |= self.verifier()
        files |= kit.expected_file({
            "raw": f"{in_dir}/{raw_name}", "cal": f"{in_dir}/{cal_name}", "channel": chan, "degree": k.degree,
            "dedupe": k.dedupe, "despike": k.despike, "spike_mv": SPIKE_MV, "threshold": threshold,
            "horizon": horizon, "paths": paths, "p0": [t_amb, t0, tau],
            "untouched": kit.digests(files, "data", in_dir)})
        instruction = self.instruction(intro=self.intro(rng, setup=setup), spec=spec, in_dir=in_dir, work=work)
        return kit.draft(
            instruction=instruction, files=files,
            dockerfile_body=(f"COPY data/ {in_dir}/\nCOPY app/ /app/\nRUN chmod +x /app/check_analysis.sh\n"
                             "WORKDIR /app\n"),
            artifacts=[work, in_dir], outputs=list(paths.values()),
            tags=["calibration", "curve-fitting", "signal-cleaning", "multi-stage", "scipy"],
            agent_timeout_sec=k.agent_timeout, expert_minutes=k.expert_minutes,
        )
