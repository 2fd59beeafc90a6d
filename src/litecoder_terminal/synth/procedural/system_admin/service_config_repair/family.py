"""Multi-stage incident: a small inventory service is down. Find since when from its (rotated) log, repair the faults
that stop it (config keys and values, data permissions, a corrupt record file to quarantine, a broken control script)
so that its control script starts it as its own user, then report facts read from the running service. The verifier
restarts the service itself through the control script (lct_verify.run_as_agent as the service user) and probes it
over loopback."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import random

from litecoder_terminal.synth.procedural import kit

CATEGORIES = ["bolts", "cables", "fasteners", "filters", "gaskets", "hinges", "pumps", "sensors", "valves", "washers"]
FAULT_CODES = {"key": "E101", "port": "E102", "workers": "E103", "perm": "E201", "record": "E301"}
ORDER = ["python", "key", "port", "workers", "perm", "record"]  # the order in which the service trips over them


class ServiceConfigRepair(kit.KitFamily):
    title = "Bring a failed service back: date the outage from its logs, fix it, restart it, report"
    multi_stage = True
    # faults: 0 one config fault + perm/python, 1 two config faults + one other, 2 two config faults + record + one
    levels = kit.Levels(faults=(0, 1, 2), categories=(3, 4, 5), sessions=(3, 4, 6), rotated=(0, 0, 1),
                        agent_timeout=(900, 1200, 1800), expert_minutes=(20, 30, 45))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        svc = rng.choice(["invd", "stockd", "partsd", "catalogd", "tallyd", "skud"])
        version = f"{rng.randint(1, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
        port = rng.randint(8100, 8999)
        config_faults = ["key", "port", "workers"]
        other = ["perm", "record", "python"]
        if k.faults == 0:
            faults = [rng.choice(config_faults), rng.choice(["perm", "perm", "python"])]
        elif k.faults == 1:
            faults = rng.sample(config_faults, 2) + [rng.choice(other)]
        else:
            faults = rng.sample(config_faults, 2) + ["record", rng.choice(["perm", "python"])]
        faults = sorted(faults, key=ORDER.index)
        rotated = bool(k.rotated)

        # configuration
        conf_lines = [f"# {svc} configuration - managed by hand since the CM migration",
                      "listen_address = 127.0.0.1", f"listen_port = {port}",
                      f"data_dir = /var/lib/{svc}", f"workers = {rng.randint(2, 8)}",
                      f"log_level = {rng.choice(['info', 'warning'])}", f"cache_mb = {rng.choice([64, 128, 256])}"]
        if "key" in faults:
            bad_key = rng.choice([("data_dir", "datadir"), ("workers", "worker"), ("log_level", "loglevel"),
                                  ("cache_mb", "cache_size_mb")])
            conf_lines = [line.replace(bad_key[0] + " =", bad_key[1] + " =") for line in conf_lines]
        if "port" in faults:
            conf_lines = [f"listen_port = {rng.choice([80, 443, 808])}" if line.startswith("listen_port") else line
                          for line in conf_lines]
        if "workers" in faults:
            conf_lines = [f"{line.split('=')[0].strip()} = {rng.choice([0, 32, 64])}" if line.startswith("worker") else line
                          for line in conf_lines]
        conf = "\n".join(conf_lines) + "\n"

        # records
        files: dict[str, str | bytes] = {}
        cats = sorted(rng.sample(CATEGORIES, k.categories))
        good_records = 0
        bad_file = None
        if "record" in faults:
            bad_file = f"{cats[rng.randrange(len(cats))]}.jsonl"
        record_digests = {}
        for c in cats:
            lines = []
            for _ in range(rng.randint(15, 60)):
                sku = f"{c[:2].upper()}-{rng.randrange(10000):04d}"
                lines.append(json.dumps({"sku": sku, "qty": rng.randint(0, 500), "loc": f"W{rng.randint(1, 9)}"}))
            if f"{c}.jsonl" == bad_file:
                j = rng.randrange(3, len(lines))
                lines[j] = lines[j][: rng.randint(8, len(lines[j]) - 6)]  # a truncated write
            else:
                good_records += len(lines)
            text = "\n".join(lines) + "\n"
            files[f"environment/svc/records/{c}.jsonl"] = text
            record_digests[f"{c}.jsonl"] = kit.sha256(text)

        # log history
        first_error = self._error_line(faults[0], svc, port, conf_lines, bad_file)
        t = dt.datetime(2026, rng.randint(1, 9), rng.randint(1, 20), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59))
        entries: list[str] = []
        pid = rng.randint(300, 900)

        def stamp(x: dt.datetime) -> str:
            return x.strftime("%Y-%m-%dT%H:%M:%S")

        def session(start: dt.datetime, ok: bool, err: str, hours: float) -> dt.datetime:
            nonlocal pid
            pid += rng.randint(5, 400)
            entries.append(f"{stamp(start)} INFO {svc}ctl: start requested")
            if err.startswith("runuser:"):
                entries.append(err)
                return start + dt.timedelta(seconds=1)
            now = start + dt.timedelta(seconds=rng.randint(0, 1))
            entries.append(f"{stamp(now)} INFO starting {svc} {version} (pid {pid})")
            if not ok:
                entries.append(f"{stamp(now)} ERROR {err}")
                return now
            entries.append(f"{stamp(now)} INFO loaded {good_records + rng.randint(-20, 20)} records "
                           f"({good_records // 2 + rng.randint(-9, 9)} SKUs) from /var/lib/{svc}")
            entries.append(f"{stamp(now)} INFO listening on 127.0.0.1:{port}")
            end = now + dt.timedelta(hours=hours)
            for _ in range(rng.randint(2, 6)):
                now = now + (end - now) / rng.randint(2, 5)
                code = rng.choice([200, 200, 200, 404])
                entries.append(f"{stamp(now)} INFO 127.0.0.1 \"GET /sku/{rng.choice(cats)[:2].upper()}-"
                               f"{rng.randrange(10000):04d} HTTP/1.1\" {code}")
            entries.append(f"{stamp(end)} INFO shutting down (signal 15)")
            return end

        n_sessions = k.sessions
        old_fail_at = rng.randrange(1, n_sessions - 1)
        for i in range(n_sessions):
            if i == old_fail_at:  # an old, quickly fixed incident: not the current outage
                t = session(t, False, f"E106 cannot bind 127.0.0.1:{port}: Address already in use", 0)
                t += dt.timedelta(minutes=rng.randint(2, 20), seconds=rng.randint(0, 59))
            t = session(t, True, "", rng.uniform(20, 120))
            t += dt.timedelta(seconds=rng.randint(5, 60))
            if i == n_sessions - 1:
                boundary = len(entries)  # the rest is the current outage
        t += dt.timedelta(minutes=rng.randint(3, 40), seconds=rng.randint(0, 59))
        down_since = stamp(t)
        for _ in range(rng.randint(3, 6)):
            t = session(t, False, first_error, 0)
            t += dt.timedelta(minutes=rng.randint(1, 180), seconds=rng.randint(0, 59))

        log_dir = f"/var/log/{svc}"
        if rotated:
            cut1 = rng.randint(boundary // 3, boundary // 2)
            cut2 = boundary + 2 + rng.randrange(3)  # the first failed attempt lands in .log.1
            parts = {f"{svc}.log.2.gz": entries[:cut1], f"{svc}.log.1": entries[cut1:cut2], f"{svc}.log": entries[cut2:]}
        else:
            parts = {f"{svc}.log": entries}
        for name, lines in parts.items():
            data = ("\n".join(lines) + "\n").encode()
            files[f"environment/svc/log/{name}"] = gzip.compress(data, mtime=0) if name.endswith(".gz") else data

        svc_ctl = f"/usr/local/bin/{svc}ctl"
        files["environment/svc/server.py"] = self.template("server.py", svc=svc, version=version)
        files["environment/svc/ctl"] = self.template(
            "ctl", svc=svc, python="/usr/bin/python" if "python" in faults else "/usr/bin/python3")
        files["environment/svc/conf"] = conf
        perm_cmd = (f"chown -R root:root /var/lib/{svc}/records && chmod 700 /var/lib/{svc}/records"
                    if "perm" in faults else f"chown -R {svc}:{svc} /var/lib/{svc}/records")
        files["environment/setup_service.sh"] = self.template("setup.sh", svc=svc, perm_cmd=perm_cmd)
        report = rng.choice([f"/root/{svc}_incident.json", "/root/incident/report.json", f"/var/tmp/{svc}-status.json"])
        log_desc = (f"`{log_dir}/{svc}.log` (older history is rotated into `{svc}.log.1` and the gzip-compressed "
                    f"`{svc}.log.2.gz`)" if rotated else f"`{log_dir}/{svc}.log`")
        rules = self.template("rules.md", svc=svc, port=port, log_desc=log_desc, report=report).strip()
        files["environment/svc/runbook.md"] = self.template("runbook.md", svc=svc, rules=rules)

        conf_path = f"/etc/{svc}/{svc}.conf"
        config_fixes = []
        if "key" in faults:
            config_fixes.append(f"sed -i -E 's/^datadir =/data_dir =/; s/^worker =/workers =/; "
                                f"s/^loglevel =/log_level =/; s/^cache_size_mb =/cache_mb =/' {conf_path}")
        if "port" in faults:
            config_fixes.append(f"sed -i -E 's/^listen_port = .*/listen_port = {port}/' {conf_path}")
        if "workers" in faults:
            config_fixes.append(f"sed -i -E 's/^(workers?) = .*/\\1 = 4/' {conf_path}")
        other_fixes = []
        if "perm" in faults:
            other_fixes += [f"chown -R {svc}:{svc} /var/lib/{svc}/records", f"chmod 755 /var/lib/{svc}/records"]
        if "python" in faults:
            other_fixes.append(f"sed -i 's#^PYTHON=/usr/bin/python$#PYTHON=/usr/bin/python3#' {svc_ctl}")
        bad_fix = f"mv -t /var/lib/{svc}/quarantine/ /var/lib/{svc}/records/{bad_file}" if bad_file else ""
        codes = sorted(FAULT_CODES[f] for f in faults if f in FAULT_CODES)
        all_logs = (f"zcat /var/log/{svc}/{svc}.log.2.gz; cat /var/log/{svc}/{svc}.log.1 /var/log/{svc}/{svc}.log"
                    if rotated else f"cat /var/log/{svc}/{svc}.log")
        knobs = {
            "other_fixes": kit.Knob("\n".join(other_fixes), "# (configuration only)",
                                    "fixes only the configuration (data permissions or control script left broken)"),
            "root": kit.Knob("", f"sed -i 's#setsid runuser -u \"$NAME\" -- #setsid #' {svc_ctl}",
                             "runs the service as root (drops the runuser call)"),
            "since": kit.Knob("attempts[last_ok + 1:]", "attempts",
                              "dates the outage from the first failure in the log (an older, fixed incident)"),
            "logs": kit.Knob(all_logs, f"cat /var/log/{svc}/{svc}.log" if rotated else f"tail -n 5 /var/log/{svc}/{svc}.log",
                             "reads only the current log file"),
            "bad": kit.Knob(bad_fix, f"rm -f /var/lib/{svc}/records/{bad_file}",
                            "deletes the corrupt record file instead of quarantining it"),
        }
        wrong = {"run-as-root": "root", "first-error-in-log": "since"}
        if other_fixes:
            wrong["config-only"] = "other_fixes"
        if rotated:
            wrong["current-log-only"] = "logs"
        if bad_file:
            wrong["delete-corrupt-file"] = "bad"
        values = {"svc": svc, "port": port, "report": report, "codes": json.dumps(codes),
                  "config_fixes": "\n".join(config_fixes)}
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(svc=svc, port=port, report=report)
        files |= self.verifier()
        keep = {"listen_address": "127.0.0.1", "listen_port": str(port), "data_dir": f"/var/lib/{svc}"}
        for line in conf_lines[1:]:
            key, value = (x.strip() for x in line.split("=", 1))
            if key in ("log_level", "loglevel"):
                keep["log_level"] = value
            if key in ("cache_mb", "cache_size_mb"):
                keep["cache_mb"] = value
            if key in ("workers", "worker") and "workers" not in faults:
                keep["workers"] = value
        files |= kit.expected_file({
            "svc": svc, "port": port, "version": version, "records": good_records, "down_since": down_since,
            "codes": codes, "report": report, "bad_file": bad_file, "record_digests": record_digests, "keep": keep})
        instruction = self.instruction(intro=self.intro(rng, svc=svc), svc=svc, rules=rules, report=report)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=("COPY svc/ /tmp/svc/\nCOPY setup_service.sh /tmp/setup_service.sh\n"
                             "RUN bash /tmp/setup_service.sh && rm /tmp/setup_service.sh\nWORKDIR /root\n"),
            files=files, tags=["services", "logs", "permissions", "incident", "multi-stage"],
            # config, control script, data and the report; the verifier starts the service from these itself (the
            # control script as the service's own user, the program from the pristine image) and probes it
            artifacts=[f"/etc/{svc}", svc_ctl, f"/var/lib/{svc}", report],
            outputs=[report, f"/etc/{svc}", f"/var/lib/{svc}"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=180, expert_minutes=k.expert_minutes,
        )

    @staticmethod
    def _error_line(fault: str, svc: str, port: int, conf_lines: list[str], bad_file: str | None) -> str:
        conf = f"/etc/{svc}/{svc}.conf"
        if fault == "python":
            return "runuser: failed to execute /usr/bin/python: No such file or directory"
        if fault == "key":
            n, key = next((i, line.split("=")[0].strip()) for i, line in enumerate(conf_lines, 1)
                           if line.split("=")[0].strip() in ("datadir", "worker", "loglevel", "cache_size_mb"))
            return f"E101 unknown config key '{key}' ({conf} line {n})"
        if fault == "port":
            value = next(line.split("=")[1].strip() for line in conf_lines if line.startswith("listen_port"))
            return f"E102 listen_port {value} outside 1024-65535 (unprivileged ports only)"
        if fault == "workers":
            value = next(line.split("=")[1].strip() for line in conf_lines if line.startswith("worker"))
            return f"E103 workers must be between 1 and 16 (got '{value}')"
        if fault == "perm":
            return f"E201 data directory /var/lib/{svc}/records is not readable by user {svc}"
        return f"E301 corrupt record in /var/lib/{svc}/records/{bad_file} line 1"

