#!/usr/bin/env python3
"""@@svc@@ - inventory lookup service (read-only JSON over HTTP)."""
import http.server
import json
import os
import pwd
import signal
import sys
import time

NAME = "@@svc@@"
VERSION = "@@version@@"
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
