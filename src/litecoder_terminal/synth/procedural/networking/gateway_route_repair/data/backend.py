#!/usr/bin/env python3
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
