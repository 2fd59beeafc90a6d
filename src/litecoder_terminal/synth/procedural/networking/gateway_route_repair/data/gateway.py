#!/usr/bin/env python3
"""Edge gateway: routes requests by path prefix to upstream services. Routes: /etc/gateway/routes.conf,
re-read on every request. Line format: <public prefix> <upstream base URL> [<upstream prefix>]
The longest matching public prefix wins. With an upstream prefix, the public prefix is replaced by it;
without one, the path is forwarded unchanged. Query strings are kept. No route: 404. Upstream down: 502."""
import json
import sys
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = @@port@@
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
