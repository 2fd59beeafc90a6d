"""`RemoteTerminalEnv`: the TerminalEnv interface (reset/step/close) over `lct serve`'s HTTP API, with httpx.

Server-side errors become `RemoteEnvError` carrying the HTTP status and the server's message.
"""

from __future__ import annotations

from typing import Any

import httpx


class RemoteEnvError(RuntimeError):
    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class RemoteTerminalEnv:
    """One env on a remote `lct serve`; created on the first reset, deleted on close."""

    def __init__(self, base_url: str, task: str, *, timeout_sec: float = 900.0, client: httpx.Client | None = None):
        self.base_url, self.task = base_url.rstrip("/"), task
        self._http = client or httpx.Client(base_url=self.base_url, timeout=timeout_sec)
        self._own_client = client is None
        self.env_id: str | None = None

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            resp = self._http.request(method, path, json=body)
        except httpx.HTTPError as e:
            raise RemoteEnvError(0, f"{method} {self.base_url}{path} failed: {e}") from e
        if resp.status_code >= 400:
            try:
                detail = resp.json().get("detail", resp.text)
            except ValueError:
                detail = resp.text
            raise RemoteEnvError(resp.status_code, str(detail))
        return resp.json()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[str, dict]:
        if self.env_id is None:
            self.env_id = self._call("POST", "/envs", {"task": self.task})["env_id"]
        out = self._call("POST", f"/envs/{self.env_id}/reset", {"seed": seed, "options": options})
        return out["observation"], out["info"]

    def step(self, action: Any) -> tuple[str, float | None, bool, bool, dict]:
        if self.env_id is None:
            raise RuntimeError("call reset() first")
        out = self._call("POST", f"/envs/{self.env_id}/step", {"action": action})
        return out["observation"], out["reward"], out["terminated"], out["truncated"], out["info"]

    def close(self) -> None:
        try:
            if self.env_id is not None:
                try:
                    self._call("DELETE", f"/envs/{self.env_id}")
                except RemoteEnvError as e:
                    if e.status != 404:  # already reaped or deleted: nothing left to free
                        raise
                self.env_id = None
        finally:
            if self._own_client:
                self._http.close()

    def __enter__(self) -> RemoteTerminalEnv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def list_tasks(base_url: str, timeout_sec: float = 30.0) -> list[dict]:
    resp = httpx.get(base_url.rstrip("/") + "/tasks", timeout=timeout_sec)
    resp.raise_for_status()
    return resp.json()["tasks"]


__all__ = ["RemoteEnvError", "RemoteTerminalEnv", "list_tasks"]
