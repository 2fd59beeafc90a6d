#!/usr/bin/env python3
"""@@svc@@: internal read-only stock API. Ops owns it; do not change without a ticket.

Serves the records of its data file (env @@env@@, default the local snapshot below): production runs the same
program on its own data file.
"""
import base64
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = @@port@@
MODE = "@@mode@@"
AUTH = "@@auth@@"
KEY = "@@key@@"
RES = "@@res@@"
PER_PAGE = @@per_page@@
DATA_FILE = os.environ.get("@@env@@", "/var/lib/@@svc@@/snapshot.json")

with open(DATA_FILE) as f:
    DATA = json.load(f)
THROTTLE_EVERY = DATA.get("throttle_every", 0)
LOCK = threading.Lock()
HITS = [0]
LOG = open("/var/log/@@svc@@/access.log", "a", buffering=1)


def enc_cursor(off):
    return base64.urlsafe_b64encode(json.dumps({"o": off, "v": 2}).encode()).decode().rstrip("=")


def dec_cursor(c):
    c += "=" * (-len(c) % 4)
    return int(json.loads(base64.urlsafe_b64decode(c.encode()))["o"])


class Handler(BaseHTTPRequestHandler):
    server_version = "@@svc@@/1.4"
    sys_version = ""

    def log_message(self, fmt, *args):
        LOG.write("%s - %s\n" % (self.address_string(), fmt % args))

    def reply(self, code, obj, headers=()):
        body = (json.dumps(obj) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def authorised(self):
        if AUTH == "bearer":
            return self.headers.get("Authorization", "") == "Bearer " + KEY
        if AUTH == "apikey":
            return self.headers.get("X-Api-Key", "") == KEY
        return True

    def int_param(self, q, name, default):
        raw = q.get(name, [str(default)])[0]
        if not raw.isdigit():
            raise ValueError("%s must be a positive integer" % name)
        return int(raw)

    def throttled(self):
        if not THROTTLE_EVERY:
            return False
        with LOCK:
            HITS[0] += 1
            return HITS[0] % THROTTLE_EVERY == 0

    def do_GET(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        path = u.path.rstrip("/") or "/"
        if path == "/health":
            return self.reply(200, {"status": "ok"})
        if not self.authorised():
            if AUTH == "bearer":
                return self.reply(401, {"error": "unauthorized", "detail": "a valid bearer token is required"},
                                  [("WWW-Authenticate", 'Bearer realm="@@svc@@"')])
            return self.reply(401, {"error": "unauthorized", "detail": "missing or invalid X-Api-Key header"})
        try:
            if MODE == "pages" and path == "/api/" + RES:
                return self.pages(q)
            if MODE == "cursor" and path == "/api/v2/" + RES:
                return self.cursor(q)
            if MODE == "warehouses" and path == "/api/v2/warehouses":
                return self.reply(200, {"data": [{"code": c, "name": n} for c, n in DATA["names"]]})
            parts = path.split("/")
            if MODE == "warehouses" and len(parts) == 6 and parts[1:4] == ["api", "v2", "warehouses"] \
                    and parts[5] == RES:
                return self.warehouse(parts[4], q)
        except (ValueError, KeyError) as e:
            return self.reply(400, {"error": "bad request", "detail": str(e)})
        return self.reply(404, {"error": "not found"})

    def pages(self, q):
        page = self.int_param(q, "page", 1)
        if page < 1:
            raise ValueError("page must be >= 1")
        rows = DATA["items"]
        total = max(1, -(-len(rows) // PER_PAGE))
        chunk = rows[(page - 1) * PER_PAGE:page * PER_PAGE]
        return self.reply(200, {"page": page, "per_page": PER_PAGE, "total_pages": total, RES: chunk})

    def cursor(self, q):
        limit = self.int_param(q, "limit", PER_PAGE)
        if not 1 <= limit <= 100:
            raise ValueError("limit must be between 1 and 100")
        off = dec_cursor(q["cursor"][0]) if "cursor" in q else 0
        rows = DATA["items"]
        chunk = rows[off:off + limit]
        nxt = None
        if off + limit < len(rows):
            nxt = "/api/v2/%s?limit=%d&cursor=%s" % (RES, limit, enc_cursor(off + limit))
        return self.reply(200, {"data": chunk, "next": nxt})

    def warehouse(self, code, q):
        if code not in DATA["stock"]:
            return self.reply(404, {"error": "unknown warehouse %s" % code})
        if self.throttled():
            return self.reply(429, {"error": "too many requests"}, [("Retry-After", "1")])
        limit = self.int_param(q, "limit", PER_PAGE)
        if not 1 <= limit <= 50:
            raise ValueError("limit must be between 1 and 50")
        off = dec_cursor(q["cursor"][0]) if "cursor" in q else 0
        rows = DATA["stock"][code]
        headers = []
        if off + limit < len(rows):
            link = "/api/v2/warehouses/%s/%s?limit=%d&cursor=%s" % (code, RES, limit, enc_cursor(off + limit))
            headers.append(("Link", '<%s>; rel="next"' % link))
        return self.reply(200, rows[off:off + limit], headers)


if __name__ == "__main__":
    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    print("@@svc@@ listening on 127.0.0.1:%d (data %s)" % (PORT, DATA_FILE), file=sys.stderr, flush=True)
    srv.serve_forever()
