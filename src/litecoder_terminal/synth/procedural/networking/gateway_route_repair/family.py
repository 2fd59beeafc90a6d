"""Repair a live API gateway's route table: find where the backends really listen, match the routing contract
(longest prefix, path rewrites), verify through the gateway; the verifier boots the pristine stack and probes it."""

from __future__ import annotations

import random

from litecoder_terminal.synth.procedural import kit

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
WORDS = ["42", "7/items", "abc", "2024/q3", "x-y", "me", "list", "a/b/c"]
QUERIES = ["", "?page=2", "?q=a%20b&sort=desc", "?x=1"]
UNROUTED = ["/", "/api/", "/api/legacy/x", "/healthz-not-here", "/apix/users/1"]

KNOBS = {
    "ports": kit.Knob("/tmp/ports.txt", "/etc/gateway/services.txt",
                      "rebuilds the table from the stale inventory's ports"),
    "rewrite": kit.Knob("", " || true", "right ports, but forwards every path unchanged (no prefix rewrite)"),
    "nested": kit.Knob("", " && $1 !~ /export/",
                       "misses the more specific export route, so the longest prefix sends exports to orders"),
}


class GatewayRouteRepair(kit.KitFamily):
    title = "Repair a live API gateway's routes: find the real backend ports, match the contract, verify with curl"
    interactive = True
    levels = kit.Levels(services=(3, 5, 7), moved=(1, 2, 3), nested=(0, 1, 1), retired=(0, 1, 1), typo=(0, 0, 1),
                        backups=(0, 0, 1), agent_timeout=(600, 900, 1200), expert_minutes=(15, 25, 35))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        must = ["orders", "users"] + (["reports"] if k.nested else [])
        rest = [c for c in CATALOGUE if c[0] not in must]
        chosen = [c for c in CATALOGUE if c[0] in must] + rng.sample(rest, k.services - len(must))
        chosen.sort(key=lambda c: c[0])
        gw_port = rng.randrange(8000, 8900)
        ports = rng.sample(range(9100, 9900), len(chosen))
        real = {c[0]: p for c, p in zip(chosen, ports)}
        # The inventory is stale: some services moved since it was written (trusting it must go wrong).
        stale = dict(real)
        for s in rng.sample(sorted(real), k.moved):
            while stale[s] == real[s] or stale[s] in ports:
                stale[s] = rng.randrange(9100, 9900)

        # The broken table the agent starts from: stale ports, one rewrite dropped, the nested route missing.
        dropped_rewrite = rng.choice([c[0] for c in chosen if c[2] is not None])
        lines = ["# public-prefix        upstream                  [upstream-prefix]"]
        for svc, pub, up, _ in chosen:
            if svc != "reports":
                target = up if svc != dropped_rewrite else None
                lines.append(f"{pub:<22} http://127.0.0.1:{stale[svc]}" + (f"  {target}" if target else ""))
        if k.retired:  # a route to a retired service: outside the contract, so it must go
            lines.append(f"{'/api/legacy/':<22} http://127.0.0.1:{rng.randrange(9100, 9900)}  /legacy/")
        if k.typo:  # a line the gateway silently skips
            i = rng.randrange(1, len(lines) - 1)
            lines[i] = lines[i].replace("http://", "http:/", 1)
        inventory = "# service  port   (inventory exported from the old CMDB)\n" + "".join(
            f"{svc:<9} {stale[svc]}\n" for svc in sorted(stale))
        start = ["#!/bin/sh", "# Starts the backend services and the gateway in the background.",
                 "mkdir -p /var/log/gateway"]
        start += [f"python3 /opt/services/backend.py {svc} {real[svc]} {' '.join(bases)} "
                  f">>/var/log/gateway/{svc}.log 2>&1 &" for svc, _p, _u, bases in chosen]
        start.append("python3 /opt/gateway/gateway.py >>/var/log/gateway/gateway.log 2>&1 &")
        rows = "\n".join(f"{pub:<24} {svc:<10} {up or '-'}" for svc, pub, up, _ in chosen)
        files: dict[str, str | bytes] = {
            "environment/backend.py": self.data("backend.py"),
            "environment/gateway.py": self.template("gateway.py", port=gw_port),
            "environment/entrypoint": self.data("entrypoint"),
            "environment/etc/routes.conf": "\n".join(lines) + "\n",
            "environment/etc/services.txt": inventory,
            "environment/etc/contract.txt": self.template("contract.txt", rows=rows,
                                                          revision=f"{rng.randint(3, 19)}.{rng.randint(0, 9)}"),
            "environment/start-stack": "\n".join(start) + "\n",
            "environment/logs/.keep": "",
        }
        if k.backups:  # noise: the pre-migration table (every port from before the move) and a rotated log
            old = {svc: rng.randrange(7000, 7999) for svc in real}
            files[f"environment/etc/routes.conf.{rng.randint(2021, 2025)}-0{rng.randint(1, 9)}.bak"] = "".join(
                f"{pub:<22} http://10.0.{rng.randint(1, 9)}.{rng.randint(2, 250)}:{old[svc]}"
                + (f"  {up}" if up else "") + "\n" for svc, pub, up, _ in chosen)
            files["environment/logs/gateway.log.1"] = "".join(
                f"127.0.0.1 \"GET {pub}{rng.choice(WORDS)} HTTP/1.1\" {rng.choice(['502', '404'])} -\n"
                for _ in range(12) for svc, pub, _u, _b in [rng.choice(chosen)])

        wrong = {"trusts-inventory": "ports", "no-prefix-rewrite": "rewrite"}
        if k.nested:
            wrong["no-nested-route"] = "nested"
        files |= self.solver(KNOBS).files({}, wrong)
        files |= self.alt_solutions()
        files |= self.verifier()

        probes = []
        for svc, pub, up, _ in chosen:
            for _ in range(3):
                rest = rng.choice(WORDS)
                rest = rest if pub.endswith("/") else "/" + rest
                q = rng.choice(QUERIES)
                path = pub + rest + q
                probes.append({"path": path, "service": svc,
                               "backend_path": ((up + rest) if up is not None else pub + rest) + q})
        files |= kit.expected_file({"gateway_port": gw_port, "probes": probes, "unrouted": UNROUTED,
                                    "backends": real})

        table = "\n".join(f"| `{pub}<rest>` | `{svc}` | "
                          + (f"`{up}<rest>`" if up is not None else "the same path, unchanged") + " |"
                          for svc, pub, up, _ in chosen)
        dockerfile = ("COPY gateway.py /opt/gateway/gateway.py\nCOPY backend.py /opt/services/backend.py\n"
                      "COPY etc/ /etc/gateway/\nCOPY logs/ /var/log/gateway/\n"
                      "COPY start-stack /usr/local/sbin/start-stack\n"
                      "COPY entrypoint /usr/local/bin/gateway-entrypoint\n"
                      "RUN chmod 755 /usr/local/sbin/start-stack /usr/local/bin/gateway-entrypoint"
                      " && rm -f /var/log/gateway/.keep\n"
                      "ENTRYPOINT [\"/usr/local/bin/gateway-entrypoint\"]\nWORKDIR /etc/gateway\n")
        return kit.draft(
            instruction=self.instruction(intro=self.intro(rng), port=gw_port, table=table),
            dockerfile_body=dockerfile, files=files,
            artifacts=["/etc/gateway/routes.conf"], outputs=["/etc/gateway/routes.conf"],
            tags=["http", "reverse-proxy", "gateway", "curl", "ports", "routing"],
            agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120, expert_minutes=k.expert_minutes,
        )
