"""A local OpenAI-compatible chat server that replays scripted model behaviour, for tests and demos without an LLM.

Replies are chosen by rules (a regex over the request's last message, or over the whole conversation) and are
consumed in order; a reply may also be an HTTP error (429, 500) to exercise retries. Nothing here is a model:
its output says nothing about generation quality.

    python -m litecoder_terminal.llm.scripted SCRIPT.yaml --port 8765
    # SCRIPT.yaml: rules: [{match: "regex", where: last|any|system, replies: ["text", {status: 429}, ...]}]
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay_sec: float = 0.0
    finish_reason: str = "stop"  # "length" scripts a reply cut at the output limit


Responder = Callable[[list[dict]], str | Reply | None]


@dataclass
class Rule:
    match: str
    replies: list[str | Reply | Responder]
    where: str = "last"  # last | any | system
    repeat_last: bool = True
    used: int = 0

    def matches(self, messages: list[dict]) -> bool:
        if self.where == "last":
            texts = [_content(messages[-1])] if messages else []
        elif self.where == "system":
            texts = [_content(m) for m in messages if m.get("role") == "system"]
        else:
            texts = [_content(m) for m in messages]
        rx = re.compile(self.match, re.DOTALL)
        return any(rx.search(t) for t in texts)

    def exhausted(self) -> bool:
        return not self.repeat_last and self.used >= len(self.replies)

    def next(self) -> str | Reply | Responder:
        i = min(self.used, len(self.replies) - 1)
        self.used += 1
        return self.replies[i]


def _content(message: dict) -> str:
    c = message.get("content")
    if isinstance(c, list):  # content parts
        return "".join(p.get("text", "") for p in c if isinstance(p, dict))
    return c or ""


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)  # rough, like a tokenizer would count English; only used for accounting tests


@dataclass
class ScriptedLLMServer:
    rules: list[Rule] = field(default_factory=list)
    model: str = "scripted"
    requests: list[dict] = field(default_factory=list)  # every request body received, in order

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> ScriptedLLMServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": server.model, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "invalid JSON"}})
                    return
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"{self.path}: only /v1/chat/completions is scripted"}})
                    return
                status, payload = server.respond(body)
                self._send(status, payload)

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> ScriptedLLMServer:
        return self.start() if self._httpd is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- behaviour -------------------------------------------------------------------------------------------
    def add(self, match: str, *replies: str | Reply | Responder, where: str = "last",
            repeat_last: bool = True) -> Rule:
        rule = Rule(match, list(replies), where, repeat_last)
        with self._lock:
            self.rules.append(rule)
        return rule

    def respond(self, body: dict) -> tuple[int, dict]:
        messages = body.get("messages") or []
        with self._lock:
            self.requests.append(body)
            rule = next((r for r in self.rules if not r.exhausted() and r.matches(messages)), None)
            item = rule.next() if rule else None
        if item is None:
            last = _content(messages[-1])[:300] if messages else ""
            return 500, {"error": {"message": f"scripted server: no reply scripted for: {last!r}", "type": "server_error"}}
        reply = item(messages) if callable(item) else item
        if reply is None:
            return 500, {"error": {"message": "scripted responder returned nothing", "type": "server_error"}}
        if isinstance(reply, str):
            reply = Reply(reply)
        if reply.delay_sec:
            time.sleep(reply.delay_sec)
        if reply.status != 200:
            kind = "rate_limit_error" if reply.status == 429 else "server_error"
            return reply.status, {"error": {"message": reply.text or f"scripted HTTP {reply.status}", "type": kind}}
        prompt = sum(_tokens(_content(m)) for m in messages)
        text, finish = reply.text, reply.finish_reason
        # As a real server does: a reply longer than the request's max_tokens is cut there (4 characters a token).
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if isinstance(limit, int) and limit > 0 and len(text) > 4 * limit:
            text, finish = text[:4 * limit], "length"
        completion = _tokens(text)
        return 200, {
            "id": f"chatcmpl-scripted-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model", self.model),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }


def load_script(path: Path) -> list[Rule]:
    import yaml

    try:
        data = yaml.safe_load(Path(path).read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ValueError(f"{path}: cannot read script: {e}") from e
    rules = []
    for i, r in enumerate((data or {}).get("rules", [])):
        if "match" not in r or not r.get("replies"):
            raise ValueError(f"{path}: rules[{i}] needs 'match' and a non-empty 'replies'")
        replies = [Reply(**x) if isinstance(x, dict) else str(x) for x in r["replies"]]
        rules.append(Rule(r["match"], replies, r.get("where", "last"), r.get("repeat_last", True)))
    return rules


def main() -> None:  # pragma: no cover - manual demo entry point
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("script", type=Path)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()
    srv = ScriptedLLMServer(load_script(args.script)).start(args.port, args.host)
    print(f"scripted OpenAI-compatible server on {srv.url} (not a model)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        srv.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
