"""Diagnosis: a small catalogue service fails to start for a non-obvious reason in a layered configuration tree (a
main config including conf.d/*.conf fragments, later ones overriding earlier ones, an environment file, logs with
a rotated history). Each instance samples its faults from a pool - a later fragment overriding a good value with an
out-of-range one, a fragment the service user cannot read, an access log path in a directory that does not exist,
the environment file pointing at a data directory that does not exist - plus red herrings (a disabled fragment
that looks relevant, an old error in the rotated log, a typo in a commented-out line). The agent brings the service
up through its control script and writes an incident report (the error codes seen, the fragments at fault, the
record count). The verifier starts the service itself through the control script as the service user from the
agent's configuration tree, probes it, and checks the effective configuration and the report."""

from __future__ import annotations

import datetime as dt
import json
import random

from litecoder_terminal.synth.procedural import kit

ORDER = ["perm", "override", "path", "datadir"]  # the order in which the service trips over them
PREFIXES = ["BRK", "FLT", "GSK", "HNG", "PMP", "SNS", "VLV", "WSH", "BRG", "CPL"]


class LayeredConfigOutage(kit.KitFamily):
    title = "Find why a service with a layered config (conf.d fragments, env file) fails, fix it, report"
    levels = kit.Levels(faults=(1, 2, 3), sessions=(3, 4, 5), catalog_files=(2, 3, 4),
                        agent_timeout=(900, 1200, 1800), expert_minutes=(15, 25, 40))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        svc = rng.choice(["partsd", "catd", "plcd", "bomd", "skulookd", "refd"])
        version = f"{rng.randint(1, 4)}.{rng.randint(0, 15)}.{rng.randint(0, 9)}"
        port = rng.randint(8100, 8999)
        faults = sorted(rng.sample(ORDER, k.faults), key=ORDER.index)
        etc = f"/etc/{svc}"
        confd = f"{etc}/conf.d"
        access_log = f"/var/log/{svc}/access.log"

        # the fragments (name -> list of lines); values as they should be
        net = rng.choice(["10-network.conf", "10-timeouts.conf", "15-net.conf"])
        tune = rng.choice(["20-tuning.conf", "20-workers.conf", "25-performance.conf"])
        logf = rng.choice(["30-logging.conf", "35-logging.conf", "40-logs.conf"])
        late = rng.choice(["70-capacity.conf", "80-loadtest.conf", "90-hotfix.conf", "75-peak-season.conf"])
        disabled = rng.choice(["50-legacy.conf.disabled", "60-old-tuning.conf.disabled", "65-debug.conf.disabled"])
        timeout, workers = rng.choice([15, 20, 30, 45, 60, 90]), rng.randint(3, 12)
        cache, cache2 = rng.choice([64, 128, 256]), rng.choice([384, 512, 768, 1024])
        level = rng.choice(["info", "warning"])
        main = [f"# {svc} main configuration (vendor defaults; site changes go into conf.d/)",
                f"include = {confd}", "listen_address = 127.0.0.1", "workers = 2", "timeout_s = 30",
                "log_level = info", f"access_log = {access_log}",
                f"# listen_prot = {port + rng.randint(1, 50)}    # old staging port, keep for reference",
                f"listen_port = {port}"]
        frags = {
            net: [f"# {net}: client timeouts (ticket OPS-{rng.randint(1000, 9999)})", f"timeout_s = {timeout}"],
            tune: ["# capacity tuning for this host", f"workers = {workers}", f"cache_mb = {cache}"],
            logf: ["# logging", f"log_level = {level}", f"access_log = {access_log}"],
            late: [f"# {late}: raised for the spring catalogue import", f"cache_mb = {cache2}"],
        }
        effective: dict[str, str] = {}
        for text in [main] + [frags[n] for n in sorted(frags)]:
            for line in text:
                if not line.startswith("#"):
                    key, value = (x.strip() for x in line.split("=", 1))
                    effective[key] = value
        files: dict[str, str | bytes] = {}
        codes, at_fault = [], set()
        fixes: dict[str, tuple[str, str, str]] = {}
        perm_frag = rng.choice([net, tune, logf])
        bad_key = rng.choice(["workers", "timeout_s"])
        if "override" in faults:
            bad = rng.choice([0, 24, 32, 64]) if bad_key == "workers" else rng.choice([0, 600, 900, 3600])
            frags[late] += [f"# TEMP {rng.choice(['load test', 'import run', 'vendor advice'])}: revert afterwards",
                            f"{bad_key} = {bad}"]
            codes.append("E103" if bad_key == "workers" else "E105")
            at_fault.add(late)
            fixes["override"] = (f"sed -i '/^{bad_key} *=/d' {confd}/{late}", f"rm -f {confd}/{late}",
                                 "deletes the whole overriding fragment, losing its valid values")
        bad_log = ""
        if "path" in faults:
            bad_log = rng.choice([f"/var/log/{svc}/acces/access.log", f"/var/log/{svc}d/access.log",
                                  f"/var/log/{svc}/access/access.log", f"/var/lib/{svc}/logs/access.log"])
            frags[logf] = [line.replace(access_log, bad_log) for line in frags[logf]]
            codes.append("E204")
            at_fault.add(logf)
            fixes["path"] = (f"sed -i 's#^access_log = .*#access_log = {access_log}#' {confd}/{logf}",
                             f"install -d -o {svc} -g {svc} {bad_log.rsplit('/', 1)[0]}",
                             "creates the missing directory instead of restoring the documented access_log path")
        perm_cmd = ""
        if "perm" in faults:
            mode = rng.choice(["600", "640"])
            perm_cmd = f"chmod {mode} {confd}/{perm_frag}"
            codes.append("E110")
            at_fault.add(perm_frag)
            fixes["perm"] = (f"chmod 644 {confd}/{perm_frag}", f"chmod 777 {confd}/{perm_frag}",
                             "makes the unreadable fragment world-writable (chmod 777)")
        data_dir = f"/var/lib/{svc}"
        env_dir = data_dir
        if "datadir" in faults:
            env_dir = rng.choice([f"/srv/{svc}/data", f"/var/lib/{svc}/data", f"/data/{svc}"])
            codes.append("E201")
            fixes["datadir"] = (f"sed -i 's#^DATA_DIR=.*#DATA_DIR={data_dir}#' {etc}/{svc}.env",
                                f"mkdir -p {env_dir}/catalog",
                                "creates the missing data directory instead of pointing DATA_DIR at the real one")
        codes = sorted(set(codes))
        frags[disabled] = ["# disabled 2025: superseded by the tuning fragment", f"workers = {rng.randint(6, 16)}",
                           f"timeout_s = {rng.choice([600, 900, 1200])}", "log_level = debug"]
        env = [f"# environment for {svc}ctl", f"#DATA_DIR=/srv/{svc}   # before the 2025 move",
               f"DATA_DIR={env_dir}", "LANG=C.UTF-8"]
        files[f"environment/svc/etc/{svc}.conf"] = "\n".join(main) + "\n"
        files[f"environment/svc/etc/{svc}.env"] = "\n".join(env) + "\n"
        for name, lines in frags.items():
            files[f"environment/svc/etc/conf.d/{name}"] = "\n".join(lines) + "\n"

        # catalogue
        records = 0
        for prefix in sorted(rng.sample(PREFIXES, k.catalog_files)):
            lines = [json.dumps({"part": f"{prefix}-{rng.randrange(100000):05d}", "qty": rng.randint(0, 900),
                                 "bin": f"{rng.choice('ABCDEF')}{rng.randint(1, 40)}"})
                     for _ in range(rng.randint(10, 40))]
            records += len(lines)
            files[f"environment/svc/catalog/{prefix.lower()}.jsonl"] = "\n".join(lines) + "\n"

        # log history: .log.1 holds old sessions with an old, fixed incident (E107); .log the recent ones + outage
        first_error = self._error_line(faults[0], svc, confd, perm_frag, bad_key, frags[late], bad_log, env_dir)
        t = dt.datetime(2026, rng.randint(1, 9), rng.randint(1, 20), rng.randint(0, 23), rng.randint(0, 59))
        entries: list[str] = []
        pid = rng.randint(300, 900)

        def stamp(x: dt.datetime) -> str:
            return x.strftime("%Y-%m-%dT%H:%M:%S")

        def session(start: dt.datetime, err: str) -> dt.datetime:
            nonlocal pid
            pid += rng.randint(5, 400)
            entries.append(f"{stamp(start)} INFO {svc}ctl: start requested")
            entries.append(f"{stamp(start)} INFO starting {svc} {version} (pid {pid})")
            if err:
                entries.append(f"{stamp(start)} ERROR {err}")
                return start + dt.timedelta(minutes=rng.randint(2, 30))
            entries.append(f"{stamp(start)} INFO loaded {records + rng.randint(-9, 9)} catalogue records from {data_dir}")
            entries.append(f"{stamp(start)} INFO listening on 127.0.0.1:{port}")
            end = start + dt.timedelta(hours=rng.uniform(10, 90))
            entries.append(f"{stamp(end)} INFO shutting down (signal 15)")
            return end + dt.timedelta(seconds=rng.randint(5, 60))

        old_fail = rng.randrange(k.sessions)
        for i in range(k.sessions):
            if i == old_fail:
                t = session(t, f"E107 cannot bind 127.0.0.1:{port}: Address already in use")
            t = session(t, "")
        rotated_at = len(entries)
        for _ in range(2):
            t = session(t, "")
        for _ in range(rng.randint(2, 4)):
            t = session(t, first_error)
        files[f"environment/svc/log/{svc}.log.1"] = "\n".join(entries[:rotated_at]) + "\n"
        files[f"environment/svc/log/{svc}.log"] = "\n".join(entries[rotated_at:]) + "\n"

        files["environment/svc/server.py"] = self.template("server.py", svc=svc, version=version)
        files["environment/svc/ctl"] = self.template("ctl", svc=svc)
        files["environment/setup_service.sh"] = self.template("setup.sh", svc=svc, perm_cmd=perm_cmd or ":")
        report = rng.choice([f"/root/{svc}_incident.json", "/root/incident/report.json",
                             f"/var/tmp/{svc}-incident.json"])
        rules = self.template("rules.md", svc=svc, port=port, report=report).strip()
        files["environment/svc/runbook.md"] = self.template("runbook.md", svc=svc, rules=rules)

        step = f"/usr/local/bin/{svc}ctl start || tail -n 2 /var/log/{svc}/{svc}.log"
        rest = "\n".join(f"{step}\n{fixes[f][0]}" for f in faults[1:])
        first_right, first_wrong, first_why = fixes[faults[0]]
        knobs = {
            "first_fix": kit.Knob(first_right, first_wrong, first_why),
            "herring": kit.Knob("", f"mv {confd}/{disabled} {confd}/{disabled.removesuffix('.disabled')}",
                                "also enables the disabled fragment that looks relevant"),
            "logs": kit.Knob(f"/var/log/{svc}/{svc}.log", f"/var/log/{svc}/{svc}.log.1 /var/log/{svc}/{svc}.log",
                             "counts the old error codes of the rotated log too"),
        }
        wrong = {"over-broad-first-fix": "first_fix", "red-herring-enabled": "herring",
                 "codes-from-rotated-log": "logs"}
        values = {"svc": svc, "port": port, "report": report, "fragments": json.dumps(sorted(at_fault)),
                  "disabled": disabled}
        if rest:
            knobs["rest"] = kit.Knob(rest, "# (the first fix looked like enough)", "fixes only the first fault")
            wrong["first-fix-only"] = "rest"
        else:
            values["rest"] = "# (no further error on the way)"
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(svc=svc, port=port, report=report)
        files |= self.verifier()
        files |= kit.expected_file({"svc": svc, "port": port, "version": version, "records": records,
                                    "codes": codes, "fragments": sorted(at_fault), "report": report,
                                    "effective": effective})
        instruction = self.instruction(intro=self.intro(rng, svc=svc), svc=svc, rules=rules, report=report)
        return kit.draft(
            instruction=instruction,
            dockerfile_body=("COPY svc/ /tmp/svc/\nCOPY setup_service.sh /tmp/setup_service.sh\n"
                             "RUN bash /tmp/setup_service.sh && rm /tmp/setup_service.sh\nWORKDIR /root\n"),
            files=files, tags=["services", "logs", "permissions", "config", "diagnosis"],
            # the config tree with its env file, the data and the report; the verifier starts the service from
            # these itself (the pristine control script, as the service's own user) and probes it
            artifacts=[etc, data_dir, report], outputs=[report, etc],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=180, expert_minutes=k.expert_minutes,
        )

    @staticmethod
    def _error_line(fault: str, svc: str, confd: str, perm_frag: str, bad_key: str, late_lines: list[str],
                    bad_log: str, env_dir: str) -> str:
        if fault == "perm":
            return f"E110 cannot read config file {confd}/{perm_frag}: Permission denied"
        if fault == "override":
            value = next(line.split("=")[1].strip() for line in late_lines if line.startswith(bad_key))
            if bad_key == "workers":
                return f"E103 workers must be between 1 and 16 (got '{value}')"
            return f"E105 timeout_s must be between 1 and 300 (got '{value}')"
        if fault == "path":
            return f"E204 access_log directory {bad_log.rsplit('/', 1)[0]} does not exist"
        return f"E201 data directory '{env_dir}' does not exist"
