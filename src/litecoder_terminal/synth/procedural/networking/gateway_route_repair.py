"""Repair a live API gateway's route table: find where the backends really listen, match the routing contract
(longest prefix, path rewrites), verify through the gateway; the verifier boots the stack and probes it."""

from __future__ import annotations

import hashlib
import json
import random
import textwrap

from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily, pick
from litecoder_terminal.synth.procedural.registry import register

BACKEND = r'''#!/usr/bin/env python3
"""Stub of an internal service: answers under its base path, 404 elsewhere. Usage: backend.py NAME PORT BASE..."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME, PORT, BASES = sys.argv[1], int(sys.argv[2]), sys.argv[3:]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def answer(self):
        path = self.path
        if path == "/__whoami":
            code, body = 200, {"service": NAME}
        elif any(path.split("?", 1)[0].startswith(b) for b in BASES):
            code, body = 200, {"service": NAME, "path": path, "method": self.command}
        else:
            code, body = 404, {"service": NAME, "error": "unknown path", "path": path}
        data = (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = answer


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
'''

GATEWAY = r'''#!/usr/bin/env python3
"""Edge gateway: routes requests by path prefix to upstream services. Routes: /etc/gateway/routes.conf,
re-read on every request. Line format: <public prefix> <upstream base URL> [<upstream prefix>]
The longest matching public prefix wins. With an upstream prefix, the public prefix is replaced by it;
without one, the path is forwarded unchanged. Query strings are kept. No route: 404. Upstream down: 502."""
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = __PORT__
ROUTES = "/etc/gateway/routes.conf"


def load_routes():
    routes = []
    with open(ROUTES) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) not in (2, 3) or not parts[0].startswith("/") or not parts[1].startswith("http://"):
                print("routes.conf:%d: ignoring malformed line" % n, file=sys.stderr, flush=True)
                continue
            routes.append((parts[0], parts[1].rstrip("/"), parts[2] if len(parts) == 3 else None))
    return routes


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        print("%s %s" % (self.address_string(), fmt % args), file=sys.stderr, flush=True)

    def reply(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def proxy(self):
        path, _, query = self.path.partition("?")
        best = None
        for prefix, upstream, rewrite in load_routes():
            if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, upstream, rewrite)
        if best is None:
            return self.reply(404, {"error": "no route", "path": path})
        prefix, upstream, rewrite = best
        target = (rewrite + path[len(prefix):]) if rewrite is not None else path
        url = upstream + target + ("?" + query if query else "")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=self.command), timeout=5) as r:
                return self.reply(r.status, r.read(), r.headers.get("Content-Type", "application/json"))
        except urllib.error.HTTPError as e:
            return self.reply(e.code, e.read(), e.headers.get("Content-Type", "application/json"))
        except (urllib.error.URLError, OSError) as e:
            return self.reply(502, {"error": "bad gateway", "upstream": upstream, "detail": str(e)})

    do_GET = do_POST = do_DELETE = proxy


ThreadingHTTPServer.allow_reuse_address = True
ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
'''

# (service, public prefix, upstream prefix or None, backend base paths)
CATALOGUE = [
    ("users", "/api/users/", "/v1/users/", ["/v1/users/"]),
    ("orders", "/api/orders/", "/orders/", ["/orders/"]),
    ("reports", "/api/orders/export/", "/export/", ["/export/"]),
    ("assets", "/static/", None, ["/static/"]),
    ("search", "/api/search", "/query", ["/query"]),
    ("billing", "/api/billing/", "/internal/billing/", ["/internal/billing/"]),
    ("media", "/media/", "/files/", ["/files/"]),
    ("auth", "/auth/", None, ["/auth/"]),
]


@register
class GatewayRouteRepair(TaskFamily):
    name = "gateway_route_repair"
    domain = "networking"
    title = "Repair a live API gateway's routes: find the real backend ports, match the contract, verify with curl"
    interactive = True

    def build(self, rng: random.Random) -> TaskDraft:
        level = self.config.difficulty
        n = {"easy": 3, "medium": 5, "hard": 7}[level]
        must = ["orders", "users"] + (["reports"] if level != "easy" else [])
        rest = [c for c in CATALOGUE if c[0] not in must]
        chosen = [c for c in CATALOGUE if c[0] in must] + rng.sample(rest, n - len(must))
        chosen.sort(key=lambda c: c[0])
        gw_port = rng.randrange(8000, 8900)
        ports = rng.sample(range(9100, 9900), n)
        real = {c[0]: p for c, p in zip(chosen, ports)}
        # The inventory is stale: some services moved since it was written.
        moved = rng.sample([c[0] for c in chosen], {"easy": 1, "medium": 2, "hard": 3}[level])
        stale = dict(real)
        for s in moved:
            while stale[s] == real[s] or stale[s] in ports:
                stale[s] = rng.randrange(9100, 9900)

        # The broken route table the agent starts from.
        broken_lines = ["# public-prefix        upstream                  [upstream-prefix]"]
        rewrites = [c[0] for c in chosen if c[2] is not None]
        dropped_rewrite = rng.choice(rewrites)
        missing = "reports" if level != "easy" else None
        for svc, pub, up, _ in chosen:
            if svc == missing:
                continue
            target = up if svc != dropped_rewrite else None
            line = f"{pub:<22} http://127.0.0.1:{stale[svc]}" + (f"  {target}" if target else "")
            broken_lines.append(line)
        if level == "hard":
            # A typo'd line the gateway silently skips, and a route to a service that was retired.
            broken_lines.append(f"{'/api/legacy/':<22} http://127.0.0.1:{rng.randrange(9100, 9900)}  /legacy/")
            i = rng.randrange(1, len(broken_lines) - 1)
            broken_lines[i] = broken_lines[i].replace("http://", "http:/", 1)
        routes_conf = "\n".join(broken_lines) + "\n"
        inventory = "# service  port   (inventory exported from the old CMDB)\n" + "".join(
            f"{svc:<9} {stale[svc]}\n" for svc in sorted(stale))

        start_stack = ["#!/bin/sh", "# Starts the backend services and the gateway in the background.",
                       "mkdir -p /var/log/gateway"]
        for svc, _pub, _up, bases in chosen:
            start_stack.append(f"python3 /opt/services/backend.py {svc} {real[svc]} {' '.join(bases)} "
                               f">>/var/log/gateway/{svc}.log 2>&1 &")
        start_stack.append("python3 /opt/gateway/gateway.py >>/var/log/gateway/gateway.log 2>&1 &")
        start_stack_text = "\n".join(start_stack) + "\n"
        entrypoint = "#!/bin/sh\n/usr/local/sbin/start-stack\nexec \"$@\"\n"
        gateway = GATEWAY.replace("__PORT__", str(gw_port))

        files: dict[str, str | bytes] = {
            "environment/backend.py": BACKEND, "environment/gateway.py": gateway,
            "environment/routes.conf": routes_conf, "environment/services.txt": inventory,
            "environment/start-stack": start_stack_text, "environment/entrypoint": entrypoint,
        }
        rows = []
        for svc, pub, up, _ in chosen:
            expects = f"`{up}<rest>`" if up is not None else "the same path, unchanged"
            rows.append(f"| `{pub}<rest>` | `{svc}` | {expects} |")
        intro = pick(rng, [
            "Since the datacenter move, half of the API answers 502 or 404 through the edge gateway.",
            "The edge gateway on this host routes to the wrong places after last week's service migration.",
            "Customers report broken API calls through our gateway; the route table needs fixing.",
        ])
        notes = [
            f"The gateway listens on `127.0.0.1:{gw_port}` and its route table is `/etc/gateway/routes.conf` "
            "(the format is documented at the top of `/opt/gateway/gateway.py`; the file is re-read on every "
            "request, so changes take effect immediately).",
            "The backend services run on this host too. `/etc/gateway/services.txt` is the inventory of their "
            "ports, but it is known to be out of date: check where each service really listens (each backend "
            "answers `GET /__whoami` with its name).",
        ]
        if level == "hard":
            notes.append("The gateway skips lines it cannot parse (it logs them to `/var/log/gateway/gateway.log`). "
                         "Routes for services that are not in the contract below must not stay in the table.")
        instruction = (intro + "\n\n" + "\n".join(f"- {n_}" for n_ in notes) + "\n\n"
                       + "The routing contract (every request under a public prefix goes to that service; the "
                         "longest matching prefix wins):\n\n"
                       + "| public path | service | the service must receive |\n|---|---|---|\n"
                       + "\n".join(rows) + "\n\n"
                       + textwrap.dedent("""\
                           Query strings must pass through untouched, and any path outside the contract must keep
                           getting the gateway's own 404. Fix `/etc/gateway/routes.conf` only: do not change the
                           gateway, the services, how they are started, or the inventory file. We will restart the
                           whole stack from scratch and send requests through the gateway to check the result.
                           """))

        discover = textwrap.dedent("""\
            # Map service name -> real port from the running processes (the inventory is stale).
            for i in $(seq 1 40); do curl -s "http://127.0.0.1:GWPORT/" >/dev/null && break; sleep 0.25; done
            for i in $(seq 1 40); do [ "$(ps -eo args | grep -c '[b]ackend.py')" -ge NSVC ] && break; sleep 0.25; done
            ps -eo args | grep '[b]ackend.py' | awk '{print $3, $4}' | sort > /tmp/ports.txt
            cat /tmp/ports.txt
            while read -r svc port; do
              curl -s "http://127.0.0.1:$port/__whoami" || echo "$svc: not answering on $port"; echo
            done < /tmp/ports.txt
            """).replace("GWPORT", str(gw_port)).replace("NSVC", str(n))

        def script(comment: str, *, use_stale: bool = False, rewrite: bool = True, nested: bool = True) -> str:
            table = []
            for svc, pub, up, _ in chosen:
                if svc == "reports" and not nested:
                    continue
                table.append(f"{svc} {pub} {up if (up and rewrite) else '-'}")
            port_lookup = ("port=$(awk -v s=\"$svc\" '$1 == s {print $2}' /etc/gateway/services.txt)" if use_stale
                           else "port=$(awk -v s=\"$svc\" '$1 == s {print $2}' /tmp/ports.txt)")
            return ("#!/bin/bash\n" + comment + "\nset -euo pipefail\n" + discover
                    + "cp /etc/gateway/routes.conf /tmp/routes.conf.orig\n"
                    + "cat > /tmp/contract.txt <<'EOF'\n" + "\n".join(table) + "\nEOF\n"
                    + "{\n  echo '# public-prefix  upstream  [upstream-prefix]  (rebuilt from the routing contract)'\n"
                    + "  while read -r svc pub up; do\n    " + port_lookup + "\n"
                    + "    if [ \"$up\" = - ]; then echo \"$pub http://127.0.0.1:$port\"; "
                      "else echo \"$pub http://127.0.0.1:$port $up\"; fi\n"
                    + "  done < /tmp/contract.txt\n} > /tmp/routes.new\n"
                    + "cat /tmp/routes.new > /etc/gateway/routes.conf\n"
                    + "diff /tmp/routes.conf.orig /etc/gateway/routes.conf || true\n"
                    + "while read -r svc pub up; do\n"
                    + f"  curl -s \"http://127.0.0.1:{gw_port}${{pub}}probe?x=1\"; echo\n"
                    + "done < /tmp/contract.txt\n"
                    + f"curl -s -o /dev/null -w '%{{http_code}}\\n' http://127.0.0.1:{gw_port}/not-routed\n")

        files["solution/solve.sh"] = script("# Discover real ports from the process list, rebuild the table, probe it.")
        files["solution/wrong/trusts-inventory.sh"] = script(
            "# Mistake: rebuilds the table from the stale inventory's ports.", use_stale=True)
        files["solution/wrong/no-prefix-rewrite.sh"] = script(
            "# Mistake: right ports, but forwards every path unchanged.", rewrite=False)
        if level != "easy":
            files["solution/wrong/no-nested-route.sh"] = script(
                "# Mistake: misses the more specific export route (longest prefix).", nested=False)

        # Probes for the verifier: several per route, plus paths that must stay unrouted.
        probes = []
        words = ["42", "7/items", "abc", "2024/q3", "x-y", "me", "list", "a/b/c"]
        for svc, pub, up, _ in chosen:
            for _ in range(3):
                rest = rng.choice(words)
                if not pub.endswith("/"):
                    rest = "/" + rest
                q = rng.choice(["", "?page=2", "?q=a%20b&sort=desc", "?x=1"])
                path = pub + rest + q
                if svc == "orders" and rest.startswith("export"):
                    continue
                expect = ((up + rest) if up is not None else path.split("?")[0]) + q
                probes.append({"path": path, "service": svc, "backend_path": expect})
        unrouted = ["/", "/api/", "/api/legacy/x", "/healthz-not-here", "/apix/users/1"]
        files["tests/expected.json"] = json.dumps({
            "gateway_port": gw_port, "probes": probes, "unrouted": unrouted,
            "backends": {svc: real[svc] for svc in real},
            "digests": {p: hashlib.sha256(c.encode()).hexdigest() for p, c in (
                ("/opt/gateway/gateway.py", gateway), ("/opt/services/backend.py", BACKEND),
                ("/usr/local/sbin/start-stack", start_stack_text), ("/etc/gateway/services.txt", inventory))},
        }, indent=1) + "\n"
        files["tests/test_outputs.py"] = TEST
        dockerfile = ("COPY gateway.py /opt/gateway/gateway.py\nCOPY backend.py /opt/services/backend.py\n"
                      "COPY routes.conf services.txt /etc/gateway/\n"
                      "COPY start-stack /usr/local/sbin/start-stack\nCOPY entrypoint /usr/local/bin/gateway-entrypoint\n"
                      "RUN chmod 755 /usr/local/sbin/start-stack /usr/local/bin/gateway-entrypoint\n"
                      "ENTRYPOINT [\"/usr/local/bin/gateway-entrypoint\"]\nWORKDIR /etc/gateway\n")
        return TaskDraft(
            instruction=instruction, dockerfile_body=dockerfile, files=files,
            artifacts=["/etc/gateway/routes.conf"],
            tags=["http", "reverse-proxy", "gateway", "curl", "ports", "routing"],
            agent_timeout_sec={"easy": 600.0, "medium": 900.0, "hard": 1200.0}[level],
            verifier_timeout_sec=120.0,
            expert_minutes={"easy": 15, "medium": 25, "hard": 35}[level],
        )


TEST = '''"""Boot the stack from scratch, then send requests through the gateway and check where they land."""

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

EXP = json.loads((Path(__file__).parent / "expected.json").read_text())
GW = "http://127.0.0.1:%d" % EXP["gateway_port"]


def wait_port(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture(scope="module", autouse=True)
def stack():
    subprocess.run(["/usr/local/sbin/start-stack"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=30)
    for port in [EXP["gateway_port"], *EXP["backends"].values()]:
        wait_port(port)
    yield


def get(path):
    try:
        with urllib.request.urlopen(GW + path, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_every_contract_route_reaches_its_service():
    wrong = []
    for p in EXP["probes"]:
        code, body = get(p["path"])
        try:
            svc = json.loads(body).get("service")
        except ValueError:
            svc = None
        if code != 200 or svc != p["service"]:
            wrong.append((p["path"], code, svc, p["service"]))
    assert not wrong, f"{len(wrong)} requests went wrong, e.g. (path, status, service, expected) {wrong[:4]}"


def test_backends_receive_the_contract_paths():
    wrong = []
    for p in EXP["probes"]:
        code, body = get(p["path"])
        got = json.loads(body).get("path") if code == 200 else None
        if got != p["backend_path"]:
            wrong.append((p["path"], got, p["backend_path"]))
    assert not wrong, f"{len(wrong)} paths rewritten wrongly, e.g. (request, received, expected) {wrong[:4]}"


def test_unrouted_paths_get_gateway_404():
    for path in EXP["unrouted"]:
        code, body = get(path)
        assert code == 404 and json.loads(body).get("error") == "no route", (path, code, body[:80])
'''
