"""Multi-stage: fix a prototype TCP key-value daemon to its protocol spec, add v2 commands, persistence, a control
script (and a port move); the verifier boots it with the control script and probes it with real clients."""

from __future__ import annotations

import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

SKELETON = '''#!/usr/bin/env python3
"""__NAME__: prototype key-value daemon. Speaks (most of) protocol v1, see PROTOCOL.md."""
import socket

PORT = __DEFAULT_PORT__
store = {}


def handle(conn):
    data = conn.recv(1024).decode()
    parts = data.strip().split()
    cmd = parts[0]
    if cmd == "PING":
        resp = "PONG"
    elif cmd == "SET":
        store[parts[1]] = parts[2]
        resp = "OK"
    elif cmd == "GET":
        resp = "VALUE " + store[parts[1]] if parts[1] in store else "nil"
    elif cmd == "DEL":
        store.pop(parts[1], None)
        resp = "DELETED 1"
    else:
        resp = "ERR unknown command"
    conn.sendall((resp + "\\n").encode())
    conn.close()


def main():
    s = socket.socket()
    s.bind(("0.0.0.0", PORT))
    s.listen(5)
    while True:
        conn, _ = s.accept()
        handle(conn)


if __name__ == "__main__":
    main()
'''

PROTOCOL_V1 = """# __NAME__ wire protocol

Plain text over TCP. Every request and every response is one line terminated by `\\n`; a `\\r` before the `\\n`
is ignored. A client may send any number of requests on one connection: the server answers each one, in order, and
keeps the connection open until the client closes it or sends `QUIT`. Command names are case-insensitive
(`get`, `GET` and `Get` are the same command); keys are case-sensitive.

Keys are 1 to 64 characters from `A-Z a-z 0-9 _ . : -`. A value is everything after the key and the single space
that follows it, up to the end of the line, so values may contain spaces (`SET motd hello  world` stores
`hello  world`). Values are never empty.

## v1

| request | response |
|---|---|
| `PING` | `PONG` |
| `SET <key> <value>` | `OK` |
| `GET <key>` | `VALUE <value>`, or `NOT_FOUND` if the key does not exist |
| `DEL <key>` | `DELETED 1` if the key existed (it is removed), `DELETED 0` otherwise |
| `QUIT` | `BYE`, then the server closes the connection |

Anything else (unknown command, missing or extra arguments, invalid key) gets a single line starting with `ERR `
followed by a short message; the connection stays usable.
"""

PROTOCOL_V2 = """
## v2 additions

| request | response |
|---|---|
| `INCR <key>` | `VALUE <n>`: the value, read as a base-10 integer (a missing key counts as 0), plus one; the result is stored as its decimal text. If the current value is not an integer: `ERR not an integer`, value unchanged |
"""
PROTOCOL_V2_MORE = """| `KEYS [<prefix>]` | `KEYS <n>` then `n` more lines, one key each: every key starting with `<prefix>` (all keys if it is omitted), sorted ascending by byte value |
| `SAVE` | `SAVED <n>` after writing all `n` pairs to the data file as one JSON object mapping keys to values (string to string) |

When it starts, the server loads the data file named in its configuration if that file exists (same JSON format),
so that a `SAVE` survives a restart.
"""

SERVER = r'''#!/usr/bin/env python3
"""__NAME__: line-protocol key-value daemon (protocol v2, see PROTOCOL.md)."""
import json
import os
import re
import socketserver
import sys
import threading

CONF = "/etc/__NAME__/__NAME__.conf"
V2 = True
MORE = __MORE__
LOAD_ON_START = True
FIXED_PORT = None

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
LOCK = threading.Lock()
STORE = {}


def read_conf():
    conf = {"bind": "127.0.0.1", "port": "__DEFAULT_PORT__", "datafile": "/var/lib/__NAME__/data.json"}
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
'''

CTL = r'''#!/bin/bash
# __NAME__ctl: start|stop|status for the __NAME__ daemon.
PIDFILE=/run/__NAME__.pid
CONF=/etc/__NAME__/__NAME__.conf
port() { sed -n 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$CONF" | head -n1; }
running() { [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }
case "${1:-}" in
  start)
    if running; then echo "__NAME__ already running (pid $(cat "$PIDFILE"))"; exit 0; fi
    mkdir -p /var/lib/__NAME__ /var/log
    nohup python3 /opt/__NAME__/__NAME__.py >>/var/log/__NAME__.log 2>&1 </dev/null &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$(port)") 2>/dev/null; then echo "__NAME__ started (pid $!)"; exit 0; fi
      sleep 0.2
    done
    echo "__NAME__ did not start listening" >&2; exit 1 ;;
  stop)
    if running; then
      kill "$(cat "$PIDFILE")"
      for _ in $(seq 1 50); do running || break; sleep 0.1; done
    fi
    rm -f "$PIDFILE"; echo "__NAME__ stopped"; exit 0 ;;
  status)
    if running; then echo "running $(cat "$PIDFILE")"; exit 0; fi
    echo "stopped"; exit 3 ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
'''


@register
class KvDaemonRollout(TaskFamily):
    name = "kv_daemon_rollout"
    domain = "networking"
    title = "Bring a prototype TCP key-value daemon up to its protocol spec, add commands and a control script"
    multi_stage = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        more = level != "easy"
        hard = level == "hard"
        name = pick(rng, ["kvd", "tinykv", "cachelet", "memo"])
        default_port = rng.choice([6380, 6390, 7070, 9099])
        conf_port = rng.randrange(7100, 7900)
        new_port = rng.randrange(8100, 8900) if hard else conf_port
        ticket = f"{pick(rng, ['NET', 'OPS', 'INFRA', 'PLAT'])}-{rng.randrange(1000, 9999)}"
        ctl = f"/usr/local/bin/{name}ctl"
        conf = f"/etc/{name}/{name}.conf"
        datafile = f"/var/lib/{name}/{pick(rng, ['data.json', 'store.json', 'snapshot.json'])}"
        sub = lambda s: (s.replace("__NAME__", name).replace("__DEFAULT_PORT__", str(default_port))  # noqa: E731
                         .replace("__MORE__", str(more)))
        files: dict[str, str | bytes] = {}
        files[f"environment/{name}/{name}.py"] = sub(SKELETON)
        files[f"environment/{name}/PROTOCOL.md"] = sub(PROTOCOL_V1 + PROTOCOL_V2 + (PROTOCOL_V2_MORE if more else ""))
        files[f"environment/{name}/{name}.conf"] = (f"# {name} configuration (key = value)\nbind = 127.0.0.1\n"
                                                    f"port = {conf_port}\ndatafile = {datafile}\n")
        intro = pick(rng, [
            f"Ticket {ticket}: put {name} into service.",
            f"{ticket} - the {name} prototype has to become a real service this sprint.",
            f"Follow-up to {ticket}: {name} is needed by the session layer and must be production-ready.",
        ])
        steps = [
            f"**Protocol v1.** `{name}` (`/opt/{name}/{name}.py`) is a prototype that only half speaks the v1 "
            f"protocol in `/opt/{name}/PROTOCOL.md`. Make it implement v1 exactly as specified (clients have "
            "reported dropped connections, truncated values, a wrong answer for missing keys, and the whole "
            "daemon dying on a malformed request). It must listen on the `bind` address and `port` from "
            f"`{conf}` rather than a hard-coded port.",
            "**v2 commands.** Implement the commands from the `v2 additions` section of the spec"
            + (f", including loading the data file named by `datafile` in `{conf}` at start-up." if more else "."),
            f"**Control script.** Write `{ctl}` taking `start`, `stop` or `status`: `start` launches the daemon "
            f"in the background, records its PID in `/run/{name}.pid` and returns once the port accepts "
            "connections (starting an already running daemon is a no-op; a stale PID file left by a dead process "
            "must not stop it from starting); `stop` terminates it and removes the PID file; `status` prints "
            "`running <pid>` and exits 0, or prints `stopped` and exits 3.",
        ]
        if hard:
            steps.append(f"**Port move and concurrency.** The load balancer now expects {name} on port "
                         f"**{new_port}**: change the configuration accordingly. The session layer keeps idle "
                         "connections open, so the daemon must serve many clients at the same time; one idle "
                         "client must never block the others.")
        instruction = (intro + "\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)) + "\n\n"
                       + textwrap.dedent(f"""\
            The daemon may be rewritten in any way you like as long as it runs with the `python3` already
            installed (standard library only) and is still started from `/opt/{name}/{name}.py` by `{ctl}`.
            Acceptance: on a freshly booted machine (nothing running) we run `{ctl} start`, talk to the daemon
            with several clients on the configured port, and use `{ctl} status`/`stop`/`start` around it. Only
            `/opt/{name}/`, `{ctl}` and `{conf}` are carried over to that machine, and there the control script
            runs as an unprivileged user who may write to `/opt/{name}/`, `/var/lib/{name}/`, `/var/log/` and
            `/run/`.
            """))
        server = sub(SERVER)

        def solution(server_src: str, *, ctl_src: str | None = CTL, port_move: bool = True,
                     comment: str, checks: bool = True) -> str:
            lines = ["#!/bin/bash", comment, "set -euo pipefail",
                     f"cat /opt/{name}/PROTOCOL.md", f"cat {conf}",
                     f"cp /opt/{name}/{name}.py /opt/{name}/{name}.py.orig",
                     f"cat > /opt/{name}/{name}.py <<'PYEOF'\n{server_src}PYEOF",
                     f"python3 -m py_compile /opt/{name}/{name}.py"]
            if hard and port_move:
                lines.append(f"sed -i 's/^port = .*/port = {new_port}/' {conf}")
            port_expr = f"$(sed -n 's/^port *= *//p' {conf})"
            if ctl_src is not None:
                lines += [f"cat > {ctl} <<'SHEOF'\n{sub(ctl_src)}SHEOF", f"chmod 755 {ctl}",
                          f"mkdir -p /var/lib/{name}", f"{ctl} start", f"{ctl} status"]
            else:
                lines += [f"mkdir -p /var/lib/{name}",
                          f"nohup python3 /opt/{name}/{name}.py >/var/log/{name}.log 2>&1 </dev/null &", "sleep 1"]
            if checks:
                lines += [f"PORT={port_expr}",
                          "printf 'PING\\nSET greeting hello  there\\nget greeting\\nGET nope\\nQUIT\\n' | nc -q 2 127.0.0.1 \"$PORT\"",
                          "printf 'INCR visits\\nINCR visits\\nDEL visits\\nDEL visits\\n' | nc -q 2 127.0.0.1 \"$PORT\" || true"]
                if more and ctl_src is not None:
                    lines += ["printf 'SET smoke:test ok\\nKEYS smoke:\\nSAVE\\n' | nc -q 2 127.0.0.1 \"$PORT\" || true",
                              f"{ctl} stop", f"{ctl} start",
                              "printf 'GET smoke:test\\nDEL smoke:test\\nSAVE\\n' | nc -q 2 127.0.0.1 \"$PORT\" || true"]
            if ctl_src is not None:
                lines += [f"{ctl} stop", f"{ctl} status || true"]
            return "\n".join(lines) + "\n"

        files["solution/solve.sh"] = solution(
            server, comment="# Rewrite the daemon to the spec, add v2, write the control script, smoke-test it.")
        files["solution/wrong/v1-only.sh"] = solution(
            server.replace("V2 = True", "V2 = False"),
            comment="# Mistake: fixes the v1 protocol and writes the control script but skips the v2 commands.")
        files["solution/wrong/no-control-script.sh"] = solution(
            server, ctl_src=None, comment="# Mistake: fixes the daemon and starts it by hand; no control script.")
        if hard:
            files["solution/wrong/port-not-moved.sh"] = solution(
                server, port_move=False, comment="# Mistake: everything except moving the daemon to the new port.")
        else:
            files["solution/wrong/hardcoded-port.sh"] = solution(
                server.replace("FIXED_PORT = None", f"FIXED_PORT = {default_port}"), checks=False,
                comment="# Mistake: keeps the prototype's hard-coded port instead of reading the configuration.")
        if more:
            files["solution/wrong/save-not-loaded.sh"] = solution(
                server.replace("LOAD_ON_START = True", "LOAD_ON_START = False"),
                comment="# Mistake: SAVE writes the data file but start-up never loads it.")
        files["tests/test_outputs.py"] = ((TEST + (TEST_MORE if more else "") + (TEST_HARD if hard else "")).replace("__NAME__", name).replace("__CTL__", ctl)
                                          .replace("__PORT__", str(new_port)).replace("__CONF__", conf)
                                          .replace("__DATAFILE__", datafile).replace("__MORE__", str(more))
                                          .replace("__HARD__", str(hard)).replace("__SEED__", str(rng.randrange(10**6))))
        dockerfile = (f"COPY {name}/{name}.py {name}/PROTOCOL.md /opt/{name}/\n"
                      f"COPY {name}/{name}.conf {conf}\n"
                      f"RUN mkdir -p /var/lib/{name}\n"
                      f"WORKDIR /opt/{name}\n")
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=files, artifacts=[f"/opt/{name}", ctl, conf],
            tags=["tcp", "sockets", "daemon", "protocol", "service-management"],
            agent_timeout_sec={"easy": 1200.0, "medium": 1500.0, "hard": 1800.0}[level],
            verifier_timeout_sec=180.0,
            expert_minutes={"easy": 30, "medium": 45, "hard": 60}[level],
        )


TEST = r'''"""Boot the daemon with its control script, probe it with real clients, restart it around the checks."""

import json
import os
import random
import re
import socket
import subprocess
import time
from pathlib import Path

import lct_verify
import pytest

NAME = "__NAME__"
CTL = "__CTL__"
PORT = __PORT__
CONF = Path("__CONF__")
DATAFILE = Path("__DATAFILE__")
PIDFILE = Path("/run/__NAME__.pid")
MORE = __MORE__
HARD = __HARD__
SEED_DATA = {"seed:alpha": "first value", "seed:beta": "41", "other:key": "x y  z"}


def ctl(action):
    """The agent's control script, run unprivileged."""
    return lct_verify.run_as_agent([CTL, action], timeout=30)


def ctl_start():
    # no pipes for the daemon to inherit: it outlives the script
    lct_verify.run_as_agent(f"{CTL} start >/dev/null 2>&1 </dev/null", timeout=30)


def agent_file(path):
    """A file the agent's code wrote, read with its privileges (None when it cannot be read)."""
    res = lct_verify.run_as_agent(["cat", str(path)], timeout=10)
    return res.stdout if res.returncode == 0 else None


def wait_port(up=True):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=1).close()
            if up:
                return True
        except OSError:
            if not up:
                return True
        time.sleep(0.1)
    return False


class Client:
    def __init__(self):
        self.sock = socket.create_connection(("127.0.0.1", PORT), timeout=10)
        self.f = self.sock.makefile("rwb")

    def send(self, line):
        self.f.write(line.encode() + b"\n")
        self.f.flush()

    def read(self):
        line = self.f.readline()
        assert line.endswith(b"\n"), f"connection closed or incomplete reply: {line!r}"
        return line.decode().rstrip("\r\n")

    def cmd(self, line):
        self.send(line)
        return self.read()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module", autouse=True)
def daemon():
    # Fresh boot: a stale PID file from a process that is gone, and a data file written by an earlier SAVE.
    # The control script runs unprivileged: it may write its PID file in /run, logs in /var/log, and its data and
    # program directories.
    dead = subprocess.Popen(["true"])
    dead.wait()
    for d in ("/run", "/var/log"):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o1777)
    PIDFILE.write_text(f"{dead.pid}\n")
    DATAFILE.parent.mkdir(parents=True, exist_ok=True)
    if MORE:
        DATAFILE.write_text(json.dumps(SEED_DATA))
    lct_verify.give_to_agent(str(PIDFILE), str(DATAFILE.parent), f"/opt/{NAME}")
    ctl_start()
    wait_port()
    yield
    try:
        ctl("stop")
    except Exception:
        pass
    lct_verify.kill_agent_processes()


def test_control_script_started_daemon():
    assert wait_port(), f"nothing listens on 127.0.0.1:{PORT} after `{CTL} start`"
    st = ctl("status")
    assert st.returncode == 0 and st.stdout.split()[:1] == ["running"], st.stdout
    pid = int(st.stdout.split()[1])
    assert (agent_file(PIDFILE) or "").strip() == str(pid)
    assert Path(f"/proc/{pid}").exists()


def test_v1_basics_on_one_connection():
    c = Client()
    assert c.cmd("PING") == "PONG"
    assert c.cmd("SET t1:key plain") == "OK"
    assert c.cmd("GET t1:key") == "VALUE plain"
    assert c.cmd("SET t1:motd hello  wide   world ") == "OK"
    assert c.cmd("GET t1:motd") == "VALUE hello  wide   world "
    assert c.cmd("get t1:key") == "VALUE plain"
    assert c.cmd("Set t1:Key upper") == "OK"
    assert c.cmd("GET t1:key") == "VALUE plain"
    assert c.cmd("GET t1:missing") == "NOT_FOUND"
    assert c.cmd("DEL t1:key") == "DELETED 1"
    assert c.cmd("DEL t1:key") == "DELETED 0"
    assert c.cmd("GET t1:key") == "NOT_FOUND"
    c.send("PING\r")
    assert c.read() == "PONG"
    assert c.cmd("QUIT") == "BYE"
    assert c.f.readline() == b"", "connection should be closed after QUIT"
    c.close()


def test_errors_do_not_kill_the_daemon():
    c = Client()
    for bad in ["FLY me", "GET", "SET onlykey", "", "DEL a b", "GET bad/key"]:
        reply = c.cmd(bad)
        assert reply.startswith("ERR "), f"{bad!r} -> {reply!r}"
    assert c.cmd("PING") == "PONG"
    c.close()
    c2 = Client()
    assert c2.cmd("PING") == "PONG"
    c2.close()


def test_incr():
    c = Client()
    assert c.cmd("INCR t2:counter") == "VALUE 1"
    assert c.cmd("INCR t2:counter") == "VALUE 2"
    assert c.cmd("SET t2:n -5") == "OK"
    assert c.cmd("INCR t2:n") == "VALUE -4"
    assert c.cmd("SET t2:s 4.5") == "OK"
    assert c.cmd("INCR t2:s").startswith("ERR ")
    assert c.cmd("GET t2:s") == "VALUE 4.5"
    assert c.cmd("GET t2:counter") == "VALUE 2"
    c.close()


def test_randomised_session_against_model():
    rng = random.Random(__SEED__)
    model = {}
    clients = [Client() for _ in range(3)]
    keys = [f"r:{rng.choice('abcdef')}{i}" for i in range(12)]
    words = ["alpha", "beta", "gamma delta", "0", "17", "-3", "x  y", "zeta!", "99"]
    for _ in range(300):
        c = rng.choice(clients)
        k = rng.choice(keys)
        op = rng.choice(["SET", "GET", "DEL", "INCR", "GET"])
        if op == "SET":
            v = rng.choice(words)
            model[k] = v
            want = "OK"
            line = f"SET {k} {v}"
        elif op == "GET":
            want = f"VALUE {model[k]}" if k in model else "NOT_FOUND"
            line = f"GET {k}"
        elif op == "DEL":
            want = "DELETED 1" if model.pop(k, None) is not None else "DELETED 0"
            line = f"DEL {k}"
        else:
            cur = model.get(k, "0")
            line = f"INCR {k}"
            if re.fullmatch(r"[+-]?[0-9]+", cur):
                model[k] = str(int(cur) + 1)
                want = f"VALUE {model[k]}"
            else:
                want = None
        got = c.cmd(line)
        if want is None:
            assert got.startswith("ERR "), f"{line!r} -> {got!r}"
        else:
            assert got == want, f"{line!r} -> {got!r}, expected {want!r}"
    for c in clients:
        c.close()


def test_stop_and_status():
    assert ctl("stop").returncode == 0
    assert wait_port(up=False), "daemon still listening after stop"
    st = ctl("status")
    assert st.returncode == 3 and st.stdout.strip() == "stopped", (st.returncode, st.stdout)
    assert not PIDFILE.exists()
    ctl_start()
    assert wait_port()
    pid = ctl("status").stdout.split()[1]
    ctl_start()
    assert ctl("status").stdout.split()[1] == pid, "a second start must not replace the running daemon"
    c = Client()
    assert c.cmd("PING") == "PONG"
    c.close()
'''

TEST_MORE = r'''

def test_loaded_data_file_and_keys():
    c = Client()
    assert c.cmd("GET seed:alpha") == "VALUE first value"
    assert c.cmd("INCR seed:beta") == "VALUE 42"
    assert c.cmd("SET seed:gamma g") == "OK"
    c.send("KEYS seed:")
    assert c.read() == "KEYS 3"
    assert [c.read() for _ in range(3)] == ["seed:alpha", "seed:beta", "seed:gamma"]
    c.send("KEYS other")
    assert c.read() == "KEYS 1"
    assert c.read() == "other:key"
    c.send("KEYS nothing-here")
    assert c.read() == "KEYS 0"
    assert c.cmd("PING") == "PONG"
    c.close()


def test_save_survives_restart():
    c = Client()
    assert c.cmd("SET persist:me kept  across restarts") == "OK"
    assert c.cmd("DEL other:key") == "DELETED 1"
    c.send("KEYS")
    n = int(c.read().split()[1])
    all_keys = [c.read() for _ in range(n)]
    assert c.cmd("SAVE") == f"SAVED {n}"
    c.close()
    on_disk = json.loads(agent_file(DATAFILE) or "null")
    assert isinstance(on_disk, dict), f"{DATAFILE} does not hold a JSON object"
    assert sorted(on_disk) == sorted(all_keys) and on_disk["persist:me"] == "kept  across restarts"
    assert ctl("stop").returncode == 0
    assert wait_port(up=False)
    ctl_start()
    assert wait_port()
    c = Client()
    assert c.cmd("GET persist:me") == "VALUE kept  across restarts"
    assert c.cmd("GET other:key") == "NOT_FOUND"
    assert c.cmd("GET seed:beta") == "VALUE 42"
    c.close()
'''

TEST_HARD = r'''

def test_port_moved_in_config():
    ports = re.findall(r"^\s*port\s*=\s*(\d+)", CONF.read_text(), re.M)
    assert ports == [str(PORT)], ports


def test_idle_client_does_not_block_others():
    idle = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    idle.sendall(b"SET half")  # an unfinished request, no newline
    others = [Client() for _ in range(5)]
    for i, c in enumerate(others):
        assert c.cmd(f"SET conc:{i} v{i}") == "OK"
    for i, c in enumerate(others):
        assert c.cmd(f"GET conc:{(i + 1) % 5}") == f"VALUE v{(i + 1) % 5}"
        c.close()
    idle.sendall(b"key value\n")
    f = idle.makefile("rb")
    assert f.readline() == b"OK\n"
    idle.close()
'''
