#!/usr/bin/env python3
"""@@svc@@ - parts catalogue lookup service (read-only JSON over HTTP). Vendor code."""
import glob
import http.server
import json
import os
import pwd
import signal
import stat
import sys
import time

NAME = "@@svc@@"
VERSION = "@@version@@"
CONF = sys.argv[1] if len(sys.argv) > 1 else f"/etc/{NAME}/{NAME}.conf"
KNOWN = ("listen_address", "listen_port", "workers", "log_level", "cache_mb", "timeout_s", "access_log", "include")


def log(level, msg):
    print(time.strftime("%Y-%m-%dT%H:%M:%S") + f" {level} {msg}", flush=True)


def die(code, msg):
    log("ERROR", f"{code} {msg}")
    sys.exit(2)


def read_file(path, conf):
    try:
        st = os.stat(path)
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as e:
        die("E110", f"cannot read config file {path}: {e.strerror}")
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        die("E111", f"refusing config file {path}: writable by group or others")
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


def load_config(path):
    conf = {}
    read_file(path, conf)
    include = conf.get("include")
    if include:
        for frag in sorted(glob.glob(os.path.join(include, "*.conf"))):
            read_file(frag, conf)  # later fragments override earlier ones
    for key in ("listen_address", "listen_port", "workers", "access_log"):
        if key not in conf:
            die("E104", f"missing required config key '{key}'")
    try:
        conf["listen_port"] = int(conf["listen_port"])
    except ValueError:
        die("E102", f"listen_port '{conf['listen_port']}' is not a number")
    if not 1024 <= conf["listen_port"] <= 65535:
        die("E102", f"listen_port {conf['listen_port']} outside 1024-65535")
    try:
        workers = int(conf["workers"])
    except ValueError:
        workers = -1
    if not 1 <= workers <= 16:
        die("E103", f"workers must be between 1 and 16 (got '{conf['workers']}')")
    try:
        timeout = int(conf.get("timeout_s", "30"))
    except ValueError:
        timeout = -1
    if not 1 <= timeout <= 300:
        die("E105", f"timeout_s must be between 1 and 300 (got '{conf.get('timeout_s')}')")
    log_dir = os.path.dirname(conf["access_log"])
    if not os.path.isdir(log_dir):
        die("E204", f"access_log directory {log_dir} does not exist")
    return conf


def load_catalog(data_dir):
    if not data_dir or not os.path.isdir(data_dir):
        die("E201", f"data directory '{data_dir}' does not exist")
    cat_dir = os.path.join(data_dir, "catalog")
    user = pwd.getpwuid(os.getuid()).pw_name
    if not os.access(cat_dir, os.R_OK | os.X_OK):
        die("E202", f"catalog directory {cat_dir} is not readable by user {user}")
    count, parts = 0, {}
    for name in sorted(os.listdir(cat_dir)):
        if name.endswith(".jsonl"):
            with open(os.path.join(cat_dir, name)) as f:
                for line in f:
                    if line.strip():
                        rec = json.loads(line)
                        parts[rec["part"]] = rec
                        count += 1
    return count, parts


def main():
    log("INFO", f"starting {NAME} {VERSION} (pid {os.getpid()})")
    if os.getuid() == 0:
        die("E106", "refusing to run as root; start me through the control script")
    conf = load_config(CONF)
    data_dir = os.environ.get("DATA_DIR", "")
    count, parts = load_catalog(data_dir)
    log("INFO", f"loaded {count} catalogue records from {data_dir}")
    access = open(conf["access_log"], "a")

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
                                 "workers": int(conf["workers"]), "user": pwd.getpwuid(os.getuid()).pw_name})
            elif self.path.startswith("/part/") and self.path[6:] in parts:
                self._send(200, parts[self.path[6:]])
            else:
                self._send(404, {"error": "not found"})

        def log_message(self, fmt, *args):
            access.write(f'{self.client_address[0]} "{self.requestline}" {args[1] if len(args) > 1 else "-"}\n')
            access.flush()

    try:
        server = http.server.ThreadingHTTPServer((conf["listen_address"], conf["listen_port"]), Handler)
    except OSError as e:
        die("E107", f"cannot bind {conf['listen_address']}:{conf['listen_port']}: {e.strerror}")

    def stop(signum, frame):
        log("INFO", f"shutting down (signal {signum})")
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    log("INFO", f"listening on {conf['listen_address']}:{conf['listen_port']}")
    server.serve_forever()


if __name__ == "__main__":
    main()
