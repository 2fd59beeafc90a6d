"""Multi-stage incident: a small inventory service is down. Find since when from its (rotated) log, repair the faults
that stop it (config keys and values, data permissions, a corrupt record file to quarantine, a broken control script)
so that its control script starts it as its own user, then report facts read from the running service. The verifier
restarts the service itself through the control script and probes it over loopback."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

SERVER = r'''#!/usr/bin/env python3
"""__NAME__ - inventory lookup service (read-only JSON over HTTP)."""
import http.server
import json
import os
import pwd
import signal
import sys
import time

NAME = "__NAME__"
VERSION = "__VERSION__"
CONF = sys.argv[1] if len(sys.argv) > 1 else f"/etc/{NAME}/{NAME}.conf"
REQUIRED = ("listen_address", "listen_port", "data_dir", "workers")
KNOWN = REQUIRED + ("log_level", "cache_mb")


def log(level, msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%S") + f" {level} {msg}", flush=True)


def die(code, msg):
    log("ERROR", f"{code} {msg}")
    sys.exit(2)


def load_config(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        die("E100", f"cannot read config {path}: {e.strerror}")
    conf = {}
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            die("E100", f"syntax error in {path} line {n}")
        key, value = (x.strip() for x in line.split("=", 1))
        if key not in KNOWN:
            die("E101", f"unknown config key '{key}' ({path} line {n})")
        conf[key] = value
    for key in REQUIRED:
        if key not in conf:
            die("E104", f"missing required config key '{key}'")
    try:
        port = int(conf["listen_port"])
    except ValueError:
        die("E102", f"listen_port '{conf['listen_port']}' is not a number")
    if not 1024 <= port <= 65535:
        die("E102", f"listen_port {port} outside 1024-65535 (unprivileged ports only)")
    conf["listen_port"] = port
    try:
        workers = int(conf["workers"])
    except ValueError:
        workers = -1
    if not 1 <= workers <= 16:
        die("E103", f"workers must be between 1 and 16 (got '{conf['workers']}')")
    return conf


def load_records(data_dir):
    rec_dir = os.path.join(data_dir, "records")
    user = pwd.getpwuid(os.getuid()).pw_name
    if not os.access(rec_dir, os.R_OK | os.X_OK):
        die("E201", f"data directory {rec_dir} is not readable by user {user}")
    count, skus = 0, {}
    for name in sorted(os.listdir(rec_dir)):
        if not name.endswith(".jsonl"):
            continue
        path = os.path.join(rec_dir, name)
        if not os.access(path, os.R_OK):
            die("E201", f"record file {path} is not readable by user {user}")
        with open(path) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    sku, qty = rec["sku"], int(rec["qty"])
                except (ValueError, KeyError, TypeError):
                    die("E301", f"corrupt record in {path} line {n}")
                skus[sku] = skus.get(sku, 0) + qty
                count += 1
    return count, skus


def main():
    log("INFO", f"starting {NAME} {VERSION} (pid {os.getpid()})")
    conf = load_config(CONF)
    if os.getuid() == 0:
        die("E105", "refusing to run as root; start me through the control script")
    count, skus = load_records(conf["data_dir"])
    log("INFO", f"loaded {count} records ({len(skus)} SKUs) from {conf['data_dir']}")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/health":
                self._send(200, {"status": "ok", "service": NAME, "version": VERSION, "records": count,
                                 "skus": len(skus), "user": pwd.getpwuid(os.getuid()).pw_name})
            elif self.path.startswith("/sku/") and self.path[5:] in skus:
                self._send(200, {"sku": self.path[5:], "qty": skus[self.path[5:]]})
            else:
                self._send(404, {"error": "not found"})

        def log_message(self, fmt, *args):
            log("INFO", f'{self.client_address[0]} "{self.requestline}" {args[1] if len(args) > 1 else "-"}')

    try:
        server = http.server.ThreadingHTTPServer((conf["listen_address"], conf["listen_port"]), Handler)
    except OSError as e:
        die("E106", f"cannot bind {conf['listen_address']}:{conf['listen_port']}: {e.strerror}")

    def stop(signum, frame):
        log("INFO", f"shutting down (signal {signum})")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    log("INFO", f"listening on {conf['listen_address']}:{conf['listen_port']}")
    server.serve_forever()


if __name__ == "__main__":
    main()
'''

CTL = r'''#!/bin/bash
# __NAME__ctl - control script for the __NAME__ service (start | stop | status)
NAME=__NAME__
CONF=/etc/$NAME/$NAME.conf
PIDFILE=/run/$NAME/$NAME.pid
LOG=/var/log/$NAME/$NAME.log
PYTHON=__PYTHON__

running() { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }

case "$1" in
  start)
    if running; then echo "$NAME is already running (pid $(cat "$PIDFILE"))"; exit 0; fi
    mkdir -p "/run/$NAME"
    echo "$(date +%Y-%m-%dT%H:%M:%S) INFO ${NAME}ctl: start requested" >> "$LOG"
    setsid runuser -u "$NAME" -- "$PYTHON" "/opt/$NAME/server.py" "$CONF" >> "$LOG" 2>&1 < /dev/null &
    echo $! > "$PIDFILE"
    sleep 1
    if running; then echo "$NAME started (pid $(cat "$PIDFILE"))"; else echo "$NAME failed to start, see $LOG" >&2; exit 1; fi
    ;;
  stop)
    if running; then kill "$(cat "$PIDFILE")"; rm -f "$PIDFILE"; echo "$NAME stopped"; else echo "$NAME is not running"; fi
    ;;
  status)
    if running; then echo "$NAME is running (pid $(cat "$PIDFILE"))"; else echo "$NAME is stopped"; exit 3; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2; exit 2
    ;;
esac
'''

CATEGORIES = ["bolts", "cables", "fasteners", "filters", "gaskets", "hinges", "pumps", "sensors", "valves", "washers"]
FAULT_CODES = {"key": "E101", "port": "E102", "workers": "E103", "perm": "E201", "record": "E301"}
ORDER = ["python", "key", "port", "workers", "perm", "record"]  # the order in which the service trips over them


@register
class ServiceConfigRepair(TaskFamily):
    name = "service_config_repair"
    domain = "system_admin"
    title = "Bring a failed service back: date the outage from its logs, fix it, restart it, report"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        svc = pick(rng, ["invd", "stockd", "partsd", "catalogd", "tallyd", "skud"])
        version = f"{rng.randint(1, 3)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}"
        port = rng.randint(8100, 8999)
        config_faults = ["key", "port", "workers"]
        other = ["perm", "record", "python"]
        if level == "easy":
            faults = [rng.choice(config_faults), rng.choice(["perm", "perm", "python"])]
        elif level == "medium":
            faults = rng.sample(config_faults, 2) + [rng.choice(other)]
        else:
            faults = rng.sample(config_faults, 2) + ["record", rng.choice(["perm", "python"])]
        faults = sorted(faults, key=ORDER.index)
        rotated = level == "hard"

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
        cats = sorted(rng.sample(CATEGORIES, {"easy": 3, "medium": 4, "hard": 5}[level]))
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
            record_digests[f"{c}.jsonl"] = hashlib.sha256(text.encode()).hexdigest()

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

        n_sessions = {"easy": 3, "medium": 4, "hard": 6}[level]
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

        server = SERVER.replace("__NAME__", svc).replace("__VERSION__", version)
        ctl = CTL.replace("__NAME__", svc).replace("__PYTHON__", "/usr/bin/python" if "python" in faults else "/usr/bin/python3")
        files["environment/svc/server.py"] = server
        files["environment/svc/ctl"] = ctl
        files["environment/svc/conf"] = conf
        perm_cmd = (f"chown -R root:root /var/lib/{svc}/records && chmod 700 /var/lib/{svc}/records"
                    if "perm" in faults else f"chown -R {svc}:{svc} /var/lib/{svc}/records")
        setup = textwrap.dedent(f"""\
            #!/bin/bash
            set -e
            useradd --system --home-dir /var/lib/{svc} --no-create-home --shell /usr/sbin/nologin {svc}
            install -d -m 0755 /opt/{svc} /etc/{svc} /var/lib/{svc} {log_dir}
            install -d -m 0750 -o {svc} -g {svc} /var/lib/{svc}/quarantine
            install -m 0755 /tmp/svc/server.py /opt/{svc}/server.py
            install -m 0755 /tmp/svc/ctl /usr/local/bin/{svc}ctl
            install -m 0644 /tmp/svc/conf /etc/{svc}/{svc}.conf
            cp -r /tmp/svc/records /var/lib/{svc}/records
            chmod 644 /var/lib/{svc}/records/*.jsonl
            {perm_cmd}
            cp /tmp/svc/log/* {log_dir}/
            rm -rf /tmp/svc
            """)
        files["environment/setup_service.sh"] = setup

        report = pick(rng, [f"/root/{svc}_incident.json", "/root/incident/report.json", f"/var/tmp/{svc}-status.json"])
        def v(*options: str) -> str:
            return pick(rng, list(options))

        log_desc = (f"`{log_dir}/{svc}.log` (older history is rotated into `{svc}.log.1` and the gzip-compressed "
                    f"`{svc}.log.2.gz`)" if rotated else f"`{log_dir}/{svc}.log`")
        intro = v(
            f"`{svc}`, our internal inventory lookup service, is down and the warehouse scanners are failing over to "
            "manual entry.",
            f"Pager: `{svc}` stopped answering on this host. Whoever touched it last did not leave notes.",
            f"The `{svc}` service on this box has been failing to start since some maintenance; please take the incident.",
            f"Stock lookups are timing out because `{svc}` is not running, and restarting it by hand did not help.",
            f"Incident handover: `{svc}` (inventory API, {len(cats)} record files) is dead on this host.",
        )
        facts = v(
            f"Facts: the program is `/opt/{svc}/server.py` (do not modify it), its configuration is "
            f"`/etc/{svc}/{svc}.conf`, its data is under `/var/lib/{svc}/`, and it is started and stopped with "
            f"`/usr/local/bin/{svc}ctl start|stop|status`, which runs it as the unprivileged `{svc}` user and "
            f"appends to {log_desc}. Clients expect it on `127.0.0.1:{port}`.",
            f"What we know: `/usr/local/bin/{svc}ctl start|stop|status` controls it and launches "
            f"`/opt/{svc}/server.py` (vendor code - do not change it) as the `{svc}` user; configuration lives in "
            f"`/etc/{svc}/{svc}.conf`, data in `/var/lib/{svc}/`, and output is appended to {log_desc}. "
            f"Consumers connect to `127.0.0.1:{port}`.",
            f"Layout: program `/opt/{svc}/server.py` (must stay unmodified), config `/etc/{svc}/{svc}.conf`, data "
            f"`/var/lib/{svc}/`, log {log_desc}, control script `/usr/local/bin/{svc}ctl` (start/stop/status; it "
            f"drops privileges to the `{svc}` account). The service must answer on 127.0.0.1 port {port}.",
        )
        step1 = v(
            f"**When did the outage start?** In the log, every start attempt begins with a `{svc}ctl: start "
            "requested` line; an attempt succeeded if a `listening on` line follows before the next attempt. Find "
            "the first failed attempt after the last successful one; its `start requested` timestamp is the start "
            "of the outage.",
            f"**Date the outage.** Each start attempt in the log opens with `{svc}ctl: start requested`, and it "
            "worked if `listening on` appears before the next attempt. The outage began with the first failed "
            "attempt after the most recent successful one - take that attempt's `start requested` timestamp.",
            f"**Since when is it down?** Walk the start attempts in the log (each starts with a `{svc}ctl: start "
            "requested` line and is successful when a `listening on` line follows before the next one). The "
            "answer is the `start requested` time of the first failure that follows the last success.",
        ) + " " + v("Judge the log as it was when you took the incident (your own start attempts append to it).",
                    "Use the log as you found it - your own attempts will be appended to it.",
                    "Your own start attempts get appended too; they do not count.")
        quarantine = v(
            f" A record file the service cannot parse must be moved, unchanged, into `/var/lib/{svc}/quarantine/` "
            "(do not edit or delete record files).",
            f" Record files the service rejects go, unmodified, into `/var/lib/{svc}/quarantine/`; never edit or "
            "delete record files.",
            f" Policy for unreadable data: move the offending record file as-is to `/var/lib/{svc}/quarantine/` "
            "(no editing, no deleting).")
        step2 = v(
            f"**Fix it** so that `{svc}ctl start` brings the service up as user `{svc}` (never as root) listening "
            f"on 127.0.0.1:{port}, with all of its data loaded.",
            f"**Repair it**: after your changes `{svc}ctl start` must start the service as `{svc}` (not root) on "
            f"127.0.0.1:{port} with every valid record loaded.",
            f"**Make it start cleanly**: `{svc}ctl start` has to bring it up under the `{svc}` account (running it "
            f"as root is not acceptable), listening on 127.0.0.1:{port} and serving all its data.",
        ) + quarantine + " " + v(
            f"We will restart it with `{svc}ctl start` after a reboot, so the fix must be persistent (no process "
            "you leave running counts).",
            f"Processes you leave behind do not count: after a reboot we run `{svc}ctl start` and expect it to work.",
            f"The fix must survive a reboot - we will verify by running `{svc}ctl start` on a clean process table.")
        step3 = v(
            f"**Report**: with the service running, write `{report}` as a JSON object with `down_since` (the "
            "timestamp from step 1, exactly as it appears in the log), `error_codes` (sorted list of the distinct "
            "`E...` codes the service reported for the problems you had to fix on the way, including ones that "
            "only showed up after fixing earlier problems; old incidents do not count), `version` and `records` "
            "(as reported by the running service's `GET /health`).",
            f"**Write the incident summary** to `{report}`: a JSON object with `down_since` (step 1's timestamp, "
            "verbatim), `error_codes` (the distinct `E...` codes the service emitted for the faults you fixed - "
            "also those that only appeared once earlier ones were fixed, but none from older incidents - sorted), "
            "and `version` and `records` taken from `GET /health` of the running service.",
            f"**Report back** in `{report}` (JSON): `down_since` = the timestamp found in step 1 as written in the "
            "log; `error_codes` = sorted distinct service error codes (`E...`) behind this outage, including the "
            "ones hidden behind earlier failures (not those of past incidents); `version` and `records` = what "
            "the service reports at `GET /health` once it is up.",
        )
        instruction = f"{intro}\n\n{facts}\n\n1. {step1}\n2. {step2}\n3. {step3}\n"

        files["solution/solve.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report, rotated, "")
        files["solution/wrong/config-only.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report, rotated,
                                                       "configonly")
        files["solution/wrong/run-as-root.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report, rotated, "root")
        files["solution/wrong/first-error-in-log.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report, rotated,
                                                              "firsterror")
        if rotated:
            files["solution/wrong/current-log-only.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report,
                                                                rotated, "currentlog")
        if bad_file:
            files["solution/wrong/delete-corrupt-file.sh"] = _solve(svc, port, faults, conf_lines, bad_file, report,
                                                                   rotated, "deletebad")
        expected = {
            "svc": svc, "port": port, "version": version, "records": good_records, "down_since": down_since,
            "codes": sorted(FAULT_CODES[f] for f in faults if f in FAULT_CODES), "report": report,
            "bad_file": bad_file, "record_digests": record_digests,
            "server_sha256": hashlib.sha256(server.encode()).hexdigest(),
        }
        files["tests/expected.json"] = json.dumps(expected, indent=1, sort_keys=True)
        files["tests/test_outputs.py"] = TEST
        return TaskDraft(
            instruction=instruction,
            dockerfile_body=("COPY svc/ /tmp/svc/\nCOPY setup_service.sh /tmp/setup_service.sh\n"
                             "RUN bash /tmp/setup_service.sh && rm /tmp/setup_service.sh\nWORKDIR /root\n"),
            files=files, tags=["services", "logs", "permissions", "incident", "multi-stage"],
            # config, control script, data, program (checked unchanged) and the report; the verifier starts the
            # service from these itself (the control script as the service's own user) and probes it over loopback
            artifacts=[f"/etc/{svc}", f"/usr/local/bin/{svc}ctl", f"/var/lib/{svc}", f"/opt/{svc}", report],
            agent_timeout_sec={"easy": 900.0, "medium": 1200.0, "hard": 1800.0}[level],
            verifier_timeout_sec=180.0,
            expert_minutes={"easy": 20, "medium": 30, "hard": 45}[level],
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


def _solve(svc: str, port: int, faults: list[str], conf_lines: list[str], bad_file: str | None, report: str,
           rotated: bool, mistake: str) -> str:
    conf = f"/etc/{svc}/{svc}.conf"
    fixes = []
    if "key" in faults:
        fixes.append(f"sed -i -E 's/^datadir =/data_dir =/; s/^worker =/workers =/; s/^loglevel =/log_level =/; "
                     f"s/^cache_size_mb =/cache_mb =/' {conf}")
    if "port" in faults:
        fixes.append(f"sed -i -E 's/^listen_port = .*/listen_port = {port}/' {conf}")
    if "workers" in faults:
        fixes.append(f"sed -i -E 's/^(workers?) = .*/\\1 = 4/' {conf}")
    if mistake != "configonly":
        if "perm" in faults:
            fixes.append(f"chown -R {svc}:{svc} /var/lib/{svc}/records")
            fixes.append(f"chmod 755 /var/lib/{svc}/records")
        if "record" in faults:
            if mistake == "deletebad":
                fixes.append(f"rm /var/lib/{svc}/records/{bad_file}")
            else:
                fixes.append(f"mv /var/lib/{svc}/records/{bad_file} /var/lib/{svc}/quarantine/")
        if "python" in faults:
            fixes.append(f"sed -i 's#^PYTHON=/usr/bin/python$#PYTHON=/usr/bin/python3#' /usr/local/bin/{svc}ctl")
    if mistake == "root":  # "permission problems? just run it as root"
        fixes.append(f"sed -i 's#setsid runuser -u \"$NAME\" -- #setsid #' /usr/local/bin/{svc}ctl")
    codes = sorted(FAULT_CODES[f] for f in faults if f in FAULT_CODES)
    logs = (f"zcat /var/log/{svc}/{svc}.log.2.gz; cat /var/log/{svc}/{svc}.log.1 /var/log/{svc}/{svc}.log"
            if rotated else f"cat /var/log/{svc}/{svc}.log")
    if mistake == "currentlog":
        logs = f"cat /var/log/{svc}/{svc}.log"
    down_py = textwrap.dedent(f"""\
        import sys
        attempts = []
        for line in sys.stdin:
            if "ctl: start requested" in line:
                attempts.append([line.split()[0], False, False])
            elif attempts and " listening on " in line:
                attempts[-1][1] = True
            elif attempts and (" ERROR " in line or line.startswith("runuser:")):
                attempts[-1][2] = True
        if {mistake!r} == "firsterror":
            print(next(a[0] for a in attempts if not a[1]))
        else:
            oks = [i for i, a in enumerate(attempts) if a[1]]
            last_ok = oks[-1] if oks else -1
            print(next(a[0] for a in attempts[last_ok + 1:] if not a[1]))
        """)
    fix_block = "\n".join(fixes)
    return textwrap.dedent(f"""\
        #!/bin/bash
        set -uo pipefail
        # stage 1: read the history and date the outage
        ls -la /var/log/{svc}/
        ({logs}) | grep -E 'start requested|listening on|ERROR|runuser:' | tail -20
        cat > /tmp/outage.py <<'PY'
        """) + down_py + textwrap.dedent(f"""\
        PY
        DOWN_SINCE=$( ({logs}) | python3 /tmp/outage.py)
        echo "down since $DOWN_SINCE"
        # stage 2: reproduce, fix, retry
        cat {conf}
        ls -la /var/lib/{svc}/ /var/lib/{svc}/records/
        /usr/local/bin/{svc}ctl start || tail -3 /var/log/{svc}/{svc}.log
        """) + fix_block + textwrap.dedent(f"""\

        cat {conf}
        /usr/local/bin/{svc}ctl stop || true
        /usr/local/bin/{svc}ctl start
        for i in $(seq 1 30); do curl -fsS http://127.0.0.1:{port}/health >/dev/null 2>&1 && break; sleep 0.5; done
        # stage 3: report from the running service
        curl -fsS http://127.0.0.1:{port}/health | tee /tmp/health.json
        ps -o user=,pid=,args= -C python3 || true
        mkdir -p "$(dirname '{report}')"
        jq -n --arg down "$DOWN_SINCE" --argjson codes '{json.dumps(codes)}' --slurpfile h /tmp/health.json \\
          '{{down_since: $down, error_codes: $codes, version: $h[0].version, records: $h[0].records}}' > '{report}'
        cat '{report}'
        """)


TEST = r'''"""Start the service through its control script on a clean process table, probe it, and check the incident
report and the data handling. The control script is the agent's code: it runs as the service's own unprivileged
user (no_new_privs), with a `runuser` stand-in on PATH that records the account it was asked to switch to."""

import ctypes
import hashlib
import json
import os
import pwd
import subprocess
import time
import urllib.request

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected.json")) as f:
    E = json.load(f)
SVC = E["svc"]
SHIM = "/tmp/lct-runuser-shim"
_HEALTH = {}


def _read_report():
    try:
        with open(E["report"]) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


REPORT = _read_report()  # read before any of the agent's code runs

# Stands in for runuser(1): the control script already runs as the service user. It stays the parent of the
# command, so its own command line (-u USER) shows whom the control script asked to run the service as.
RUNUSER = """#!/bin/sh
user=""
while [ $# -gt 0 ]; do
  case "$1" in
    -u) user="$2"; shift 2 ;;
    --user=*) user="${1#--user=}"; shift ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ -n "$user" ] || { echo "runuser: only the '-u USER -- COMMAND' form is supported here" >&2; exit 1; }
"$@"
exit $?
"""


def _runuser_target(argv):
    """The -u USER a command line of the shim names ("" when it is not the shim)."""
    shim = f"{SHIM}/runuser".encode()
    if shim not in argv:
        return ""
    args = argv[argv.index(shim) + 1:]
    for i, a in enumerate(args):
        if a == b"-u" and i + 1 < len(args):
            return args[i + 1].decode()
        if a.startswith(b"--user="):
            return a[len(b"--user="):].decode()
        if a == b"--":
            break
    return ""


def _as_service_user():
    pw = pwd.getpwnam(SVC)

    def demote():
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
        if ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    return demote


def _prepare():
    """What root does before the control script drops privileges: the shim, /run/<svc>, a log it can append to."""
    pw = pwd.getpwnam(SVC)
    os.makedirs(SHIM, exist_ok=True)
    os.chmod(SHIM, 0o755)
    with open(os.path.join(SHIM, "runuser"), "w") as f:
        f.write(RUNUSER)
    os.chmod(os.path.join(SHIM, "runuser"), 0o755)
    for d in (f"/run/{SVC}", f"/var/log/{SVC}"):
        os.makedirs(d, exist_ok=True)
        for entry in [d] + [os.path.join(d, n) for n in os.listdir(d)]:
            os.lchown(entry, pw.pw_uid, pw.pw_gid)
    pidfile = f"/run/{SVC}/{SVC}.pid"
    if os.path.lexists(pidfile):
        os.remove(pidfile)  # stale after the agent phase, as after a reboot


def health():
    if "h" in _HEALTH:
        return _HEALTH["h"]
    _prepare()
    env = {"PATH": f"{SHIM}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
           "HOME": "/", "USER": SVC}
    try:
        subprocess.run([f"/usr/local/bin/{SVC}ctl", "start"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=60, cwd="/", env=env, start_new_session=True,
                       preexec_fn=_as_service_user())
    except (OSError, subprocess.TimeoutExpired):
        pass
    body, deadline = None, time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{E['port']}/health", timeout=2) as r:
                body = json.loads(r.read())
                break
        except (OSError, ValueError):
            time.sleep(0.3)
    _HEALTH["h"] = body
    return body


def server_processes():
    """(uid, account the control script asked runuser for) of every running server.py."""
    procs = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().split(b"\0")
            if b"python" in os.path.basename(cmd[0]) and any(c.endswith(f"/opt/{SVC}/server.py".encode()) for c in cmd):
                with open(f"/proc/{pid}/status") as f:
                    status = {l.split(":", 1)[0]: l.split(":", 1)[1].split() for l in f if ":" in l}
                with open(f"/proc/{status['PPid'][0]}/cmdline", "rb") as f:
                    parent = f.read().split(b"\0")
                procs.append((int(status["Uid"][0]), _runuser_target(parent)))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return procs


def test_program_untouched():
    with open(f"/opt/{SVC}/server.py", "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest() == E["server_sha256"], "server.py must not be modified"


def test_record_files_kept_and_quarantined():
    rec, quar = f"/var/lib/{SVC}/records", f"/var/lib/{SVC}/quarantine"
    for name, digest in E["record_digests"].items():
        where = quar if name == E["bad_file"] else rec
        path = os.path.join(where, name)
        assert os.path.isfile(path), f"{path} is missing"
        with open(path, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == digest, f"{path} was modified"
    if E["bad_file"]:
        assert not os.path.exists(os.path.join(rec, E["bad_file"])), "the corrupt file is still in records/"


def test_service_starts_via_ctl_and_serves():
    h = health()
    assert h is not None, f"{SVC}ctl start did not bring the service up on 127.0.0.1:{E['port']}"
    assert h["status"] == "ok" and h["version"] == E["version"]
    assert h["records"] == E["records"], f"service loaded {h['records']} records, expected {E['records']}"


def test_service_runs_as_its_own_user():
    assert health() is not None, "service is not up"
    procs = server_processes()
    assert procs, "no server.py process found"
    assert {uid for uid, _ in procs} == {pwd.getpwnam(SVC).pw_uid}, f"server runs with uids {procs}"
    assert {who for _, who in procs} == {SVC}, f"{SVC}ctl does not start the server through runuser -u {SVC}"
    assert health()["user"] == SVC


def report():
    assert REPORT is not None, f"{E['report']} is missing or not JSON"
    return REPORT


def test_report_down_since():
    assert report()["down_since"] == E["down_since"]


def test_report_error_codes():
    assert report()["error_codes"] == E["codes"]


def test_report_service_facts():
    r = report()
    assert r["version"] == E["version"]
    assert r["records"] == E["records"]
'''
