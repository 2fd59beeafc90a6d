"""Summarise server errors from a web access log (rotated, compressed and malformed lines at higher difficulty)."""

from __future__ import annotations

import gzip
import random
from collections import Counter

from litecoder_terminal.synth.procedural import kit

PATHS = ["/", "/login", "/logout", "/api/v1/items", "/api/v1/orders", "/api/v2/users", "/static/app.js",
         "/health", "/metrics", "/search", "/cart", "/checkout"]
METHODS = ["GET"] * 6 + ["POST"] * 2 + ["PUT", "DELETE"]
SERVICES = ["webapp", "checkout", "billing-api", "search", "gateway", "storefront", "auth-proxy", "media-cdn",
            "orders", "partner-api", "inventory", "admin-portal"]


def _log_lines(rng: random.Random, n: int, day: int, malformed: bool) -> list[str]:
    statuses = [200] * 30 + [201, 204, 301, 302, 304, 400, 401, 403, 404, 404, 429] + \
        rng.sample([500, 501, 502, 503, 504, 507], k=rng.randint(3, 6)) * rng.randint(1, 3)
    # Whole columns at once (rng.choices): generating thousands of tasks must stay fast.
    hours, minutes, secs = rng.choices(range(24), k=n), rng.choices(range(60), k=n), rng.choices(range(60), k=n)
    octets = zip(rng.choices(range(8), k=n), rng.choices(range(256), k=n), rng.choices(range(1, 255), k=n))
    methods, paths = rng.choices(METHODS, k=n), rng.choices(PATHS, k=n)
    codes, sizes = rng.choices(statuses, k=n), rng.choices(range(90000), k=n)
    lines = []
    for i, (a, b, c) in enumerate(octets):
        line = (f"2026-03-{day:02d}T{hours[i]:02d}:{minutes[i]:02d}:{secs[i]:02d}Z 10.{a}.{b}.{c} "
                f"{methods[i]} {paths[i]} {codes[i]} {sizes[i]}")
        if malformed and rng.random() < 0.04:
            line = rng.choice([line.rsplit(" ", 2)[0], "-- log rotated --", line.replace(" ", "  ", 1) + " extra"])
        lines.append(line)
    return lines


def _count(texts: list[str], by_path: bool, *, low: int = 500, six: bool = True) -> list[list[str]]:
    """The report's rows as the reference computes them; `low`/`six` replay the known mistakes."""
    counts: Counter = Counter()
    for text in texts:
        for line in text.splitlines():
            f = line.split()
            if len(f) < 5 or (six and len(f) != 6) or not f[4].isdigit() or not low <= int(f[4]) <= 599:
                continue
            counts[(int(f[4]), f[3]) if by_path else (int(f[4]),)] += 1
    return [[str(k[0]), *k[1:], str(n)] for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


class HttpErrorReport(kit.KitFamily):
    title = "Report 5xx errors per status (and per path) from access logs"
    levels = kit.Levels(files=(1, 3, 3), malformed=(0, 1, 1), by_path=(0, 0, 1), noise=(0, 1, 2),
                        agent_timeout=(600, 900, 1200), expert_minutes=(5, 15, 25))

    def build(self, rng: random.Random) -> kit.TaskDraft:
        k = self.knobs
        service, *others = rng.sample(SERVICES, 1 + k.noise)
        log_dir, conf_dir = f"/var/log/{service}", f"/etc/{service}"
        out = rng.choice([f"/app/report/{service}_5xx.csv", "/app/errors.csv", "/root/5xx_summary.csv",
                          f"/srv/reports/{service}-server-errors.csv", "/app/out/server_errors.csv",
                          f"/root/incident/{service}_errors.csv"])
        files: dict[str, str | bytes] = {}
        logs, texts = [], []
        for i in range(k.files):
            text = "\n".join(_log_lines(rng, rng.randint(300, 700), 10 + i, bool(k.malformed))) + "\n"
            name = "access.log" if i == 0 else f"access.log.{i}" + (".gz" if i == 2 else "")
            data = text.encode()
            files[f"environment/logs/{name}"] = gzip.compress(data, mtime=0) if name.endswith(".gz") else data
            logs.append(name)
            texts.append(text)
        # red herrings: other services' logs, their own 5xx included, must not be counted
        for j, other in enumerate(others):
            text = "\n".join(_log_lines(rng, rng.randint(100, 250), 10, False)) + "\n"
            files[f"environment/noise{j}/access.log"] = text
        by_path = bool(k.by_path)
        header = "status,path,count" if by_path else "status,count"
        row = "(status, path) pair" if by_path else "status"
        order = ("sorted by count (highest first), then by status (lowest first), then by path (byte order)"
                 if by_path else "sorted by count (highest first) and, for equal counts, by status (lowest first)")
        rows = _count(texts, by_path)
        files[f"environment/conf/error-report.md"] = self.template(
            "error-report.md", service=service, log_dir=log_dir, header=header, row=row, order=order)
        panels = [f"[server-errors/{s}]\nreport = {p}\ndoc = /etc/{s}/error-report.md\n"
                  for s, p in sorted([(service, out)] + [(o, f"/srv/reports/{o}-5xx.csv") for o in others])]
        files["environment/dashboard/panels.conf"] = self.template("panels.conf", panels="\n".join(panels).rstrip())
        stamp = f"2026-03-{9 + k.files:02d}T0{rng.randint(1, 9)}:{rng.randint(10, 59)}"
        dash = [f"{stamp}:0{s}Z panel server-errors/{o}: ok (report /srv/reports/{o}-5xx.csv)"
                for s, o in enumerate(others)]
        dash += [f"{stamp}:1{s}Z panel server-errors/{service}: cannot read {out}: No such file or directory"
                 for s in range(3)]
        files["environment/dashlog/dashboard.log"] = self.template("dashboard.log", lines="\n".join(dash))

        key = '$5 "," $4' if by_path else "$5"
        sort = "sort -t, -k3,3nr -k1,1n -k2,2" if by_path else "sort -t, -k2,2nr -k1,1n"
        knobs = {
            "logs": kit.Knob(f"{log_dir}/access.log*", f"{log_dir}/access.log", "reads only the current log, "
                             "not its rotations"),
            "low": kit.Knob("500", "400", "counts client errors (4xx) as server errors"),
            "nf": kit.Knob("&& NF == 6", "", "counts malformed lines (padded or extra fields)"),
            "sort": kit.Knob(sort, "sort", "right counts, rows in key order instead of by count"),
        }
        wrong = {"counts-4xx-too": "low", "key-order": "sort"}
        if k.files > 1:
            wrong["only-current-log"] = "logs"
        if k.malformed and _count(texts, by_path, six=False) != rows:
            wrong["counts-malformed-lines"] = "nf"
        values = {"service": service, "log_dir": log_dir, "conf_dir": conf_dir, "out": out, "header": header,
                  "key": key}
        files |= self.solver(knobs).files(values, wrong)
        files |= self.alt_solutions(log_dir=log_dir, out=out, by_path="True" if by_path else "False")
        files |= self.verifier(out=out)
        files |= kit.expected_file({"header": header.split(","), "rows": rows})

        rotated = ("" if k.files == 1 else
                   f"The log has been rotated: read every file in `{log_dir}/` ({', '.join(logs)}; `.gz` files "
                   "are gzip-compressed). ")
        malformed = ("Skip lines that do not have exactly six fields or whose status is not an integer."
                     if k.malformed else "")
        what = ("for every (status, path) pair with a status from 500 to 599" if by_path
                else "for every HTTP status code from 500 to 599")
        instruction = self.instruction(
            intro=self.intro(rng, service=service), service=service, log_dir=log_dir, conf_dir=conf_dir, out=out,
            header=header, row=row, order=order, what=what, rotated=rotated, malformed=malformed)
        body = (f"COPY logs/ {log_dir}/\nCOPY conf/ {conf_dir}/\nCOPY dashboard/ /etc/sre-dashboard/\n"
                "COPY dashlog/ /var/log/sre-dashboard/\n"
                + "".join(f"COPY noise{j}/ /var/log/{o}/\n" for j, o in enumerate(others)) + "WORKDIR /app\n")
        return kit.draft(
            instruction=instruction, dockerfile_body=body, files=files, tags=["logs", "awk", "csv"],
            artifacts=[out], outputs=[out], agent_timeout_sec=k.agent_timeout, verifier_timeout_sec=120,
            expert_minutes=k.expert_minutes,
            # composition: the report's total opens a later part's inputs; this part's logs may come sealed
            handoff=kit.Handoff(value=str(sum(int(r[-1]) for r in rows)),
                                read=f"awk -F, 'NR > 1 {{s += $NF}} END {{print s}}' {out}",
                                says=f"the total of the count column of `{out}` (every row's count added up)"),
            sealable=[log_dir],
        )
