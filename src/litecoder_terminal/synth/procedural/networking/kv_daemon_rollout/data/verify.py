"""Boot the daemon with its control script, probe it with real clients, restart it around the checks."""

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

NAME = "@@svc@@"
CTL = "@@ctl@@"
PORT = @@port@@
CONF = Path("@@conf@@")
DATAFILE = Path("@@datafile@@")
PIDFILE = Path("/run/@@svc@@.pid")
MORE = @@more@@
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
    rng = random.Random(lct_verify.expected()["seed"])
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
