#!/usr/bin/env python3
"""@@svc@@: line-protocol key-value daemon (protocol v2, see PROTOCOL.md)."""
import json
import os
import re
import socketserver
import sys
import threading

CONF = "/etc/@@svc@@/@@svc@@.conf"
V2 = @@v2@@
MORE = @@more@@
LOAD_ON_START = @@load_on_start@@
FIXED_PORT = @@fixed_port@@

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
LOCK = threading.Lock()
STORE = {}


def read_conf():
    conf = {"bind": "127.0.0.1", "port": "@@default_port@@", "datafile": "/var/lib/@@svc@@/data.json"}
    with open(CONF) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if "=" in line:
                k, v = line.split("=", 1)
                conf[k.strip()] = v.strip()
    return conf


CFG = read_conf()


def execute(line):
    parts = line.split(" ", 2)
    cmd, args = parts[0].upper(), parts[1:]
    if cmd in ("GET", "DEL", "INCR") and len(args) == 1 or cmd == "SET" and len(args) == 2:
        if not KEY_RE.match(args[0]):
            return ["ERR invalid key"]
    if cmd == "PING" and not args:
        return ["PONG"]
    if cmd == "SET" and len(args) == 2 and args[1]:
        with LOCK:
            STORE[args[0]] = args[1]
        return ["OK"]
    if cmd == "GET" and len(args) == 1:
        with LOCK:
            v = STORE.get(args[0])
        return ["NOT_FOUND"] if v is None else ["VALUE " + v]
    if cmd == "DEL" and len(args) == 1:
        with LOCK:
            return ["DELETED 1" if STORE.pop(args[0], None) is not None else "DELETED 0"]
    if V2 and cmd == "INCR" and len(args) == 1:
        with LOCK:
            cur = STORE.get(args[0], "0")
            if not re.fullmatch(r"[+-]?[0-9]+", cur):
                return ["ERR not an integer"]
            STORE[args[0]] = str(int(cur) + 1)
            return ["VALUE " + STORE[args[0]]]
    if V2 and MORE and cmd == "KEYS" and len(args) <= 1:
        prefix = args[0] if args else ""
        with LOCK:
            keys = sorted((k for k in STORE if k.startswith(prefix)), key=lambda k: k.encode())
        return ["KEYS %d" % len(keys)] + keys
    if V2 and MORE and cmd == "SAVE" and not args:
        with LOCK:
            snapshot = dict(STORE)
        path = CFG["datafile"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path + ".tmp", "w") as f:
            json.dump(snapshot, f, sort_keys=True)
        os.replace(path + ".tmp", path)
        return ["SAVED %d" % len(snapshot)]
    return ["ERR unknown command or wrong arguments"]


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\n").rstrip("\r")
            if line.upper() == "QUIT":
                self.wfile.write(b"BYE\n")
                return
            self.wfile.write(("\n".join(execute(line)) + "\n").encode())
            self.wfile.flush()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    path = CFG["datafile"]
    if LOAD_ON_START and MORE and os.path.exists(path):
        with open(path) as f:
            STORE.update({str(k): str(v) for k, v in json.load(f).items()})
    port = FIXED_PORT or int(CFG["port"])
    srv = Server((CFG["bind"], port), Handler)
    print("listening on %s:%d" % (CFG["bind"], port), file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
