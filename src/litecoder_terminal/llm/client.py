"""One way to call a model: LiteLLM behind a content-hash cache, retries with backoff, a hard budget and usage
accounting. Every part of the system that talks to an LLM (synthesis, the terminal agent) goes through here."""

from __future__ import annotations

import hashlib
import json
import os
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from litecoder_terminal.store import RecordStore

# LiteLLM fetches its price table from GitHub at import time unless told not to; our machines (and many
# clusters) cannot reach it, and the bundled copy is what we want anyway.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


class LLMError(RuntimeError):
    """A call that failed after its retries (or could not be made)."""


class BudgetExceeded(LLMError):
    """The run's --max-cost / --max-total-tokens is spent; no further paid call is made."""


class LLMConfig(BaseModel):
    model: str = Field(description="LiteLLM model name, e.g. openai/gpt-4.1, hosted_vllm/Qwen/Qwen3-32B, ollama/qwen3")
    api_base: str | None = None
    api_key_env: str | None = Field(None, description="environment variable holding the key (LiteLLM's defaults otherwise)")
    temperature: float = 0.7
    max_tokens: int | None = Field(4096, description="per call: the longest reply (--max-output-tokens); a reply cut "
                                                     "there has finish_reason 'length'")
    timeout_sec: float = Field(300.0, description="per call, seconds (--timeout)")
    retries: int = 4
    backoff_sec: float = 2.0
    concurrency: int = 4
    # Prices override LiteLLM's table (local servers are free there; users renting GPUs may want a figure).
    input_cost_per_token: float | None = None
    output_cost_per_token: float | None = None
    extra: dict[str, Any] = Field(default_factory=dict, description="passed through to litellm.completion")


@dataclass
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    cost: float
    cached: bool
    latency_sec: float
    finish_reason: str | None = None

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def truncated(self) -> bool:
        """The reply was cut at the per-call output limit (max_tokens), not finished by the model."""
        return self.finish_reason == "length"


@dataclass
class Usage:
    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    wall_sec: float = 0.0

    def add(self, c: Completion) -> None:
        self.calls += 1
        if c.cached:
            self.cached_calls += 1
            return  # a cache hit costs nothing now; its original cost was counted when it was paid
        self.prompt_tokens += c.prompt_tokens
        self.completion_tokens += c.completion_tokens
        self.cost += c.cost
        self.wall_sec += c.latency_sec

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "cached_calls": self.cached_calls, "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens, "cost_usd": round(self.cost, 6),
                "llm_wall_sec": round(self.wall_sec, 3)}


@dataclass
class Budget:
    """Shared by every client of one run; checked before each paid call, charged after it. `max_tokens` is the
    run's total (prompt + completion) token budget, not the per-call reply limit (`LLMConfig.max_tokens`)."""

    max_cost: float | None = None
    max_tokens: int | None = None
    spent: Usage = field(default_factory=Usage)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def check(self) -> None:
        with self._lock:
            if self.max_cost is not None and self.spent.cost >= self.max_cost:
                raise BudgetExceeded(f"budget spent: ${self.spent.cost:.4f} of --max-cost ${self.max_cost}")
            if self.max_tokens is not None and self.spent.tokens >= self.max_tokens:
                raise BudgetExceeded(f"budget spent: {self.spent.tokens} of --max-total-tokens {self.max_tokens} tokens")

    def charge(self, c: Completion) -> None:
        with self._lock:
            self.spent.add(c)


class LLMCache(RecordStore):
    """Completions keyed by the sha256 of the request; a resumed run replays them instead of paying again."""

    def __init__(self, path: Path):
        super().__init__(path, "completions")


def request_key(model: str, messages: list[dict], params: dict[str, Any]) -> str:
    blob = json.dumps({"model": model, "messages": messages, "params": params}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


_TRANSIENT = ("RateLimitError", "APIConnectionError", "Timeout", "InternalServerError", "ServiceUnavailableError",
              "BadGatewayError", "APIError")


class LLMClient:
    def __init__(self, config: LLMConfig, *, cache: LLMCache | None = None, budget: Budget | None = None):
        self.config = config
        self.cache = cache
        self.budget = budget or Budget()
        self.usage = Usage()  # this client's own share (the budget may be shared)
        self._slots = threading.BoundedSemaphore(max(1, config.concurrency))
        self._usage_lock = threading.Lock()

    def _params(self) -> dict[str, Any]:
        p: dict[str, Any] = {"temperature": self.config.temperature}
        if self.config.max_tokens:
            p["max_tokens"] = self.config.max_tokens
        p.update(self.config.extra)
        return p

    def complete(self, messages: list[dict], *, salt: str = "") -> Completion:
        """One chat completion. `salt` separates otherwise identical requests that must not share a cache entry
        (e.g. the k-th independent attempt at the same prompt)."""
        params = self._params()
        key = request_key(self.config.model, messages, {**params, "salt": salt})
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            c = Completion(hit["text"], hit["prompt_tokens"], hit["completion_tokens"], hit["cost"], True, 0.0,
                           hit.get("finish_reason"))
            self._account(c)
            return c
        self.budget.check()
        with self._slots:
            c = self._call(messages, params)
        if self.cache is not None:
            self.cache.put(key, {"text": c.text, "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
                                 "cost": c.cost, "finish_reason": c.finish_reason})
        self._account(c)
        return c

    def _account(self, c: Completion) -> None:
        with self._usage_lock:
            self.usage.add(c)
        self.budget.charge(c)

    def _call(self, messages: list[dict], params: dict[str, Any]) -> Completion:
        import litellm  # slow to import (seconds); only paid by runs that call a model

        litellm.suppress_debug_info = True
        cfg = self.config
        # max_retries=0: the provider SDK must not retry behind our back; the loop below is the one retry policy.
        kwargs: dict[str, Any] = {"model": cfg.model, "messages": messages, "timeout": cfg.timeout_sec,
                                  "max_retries": 0, **params}
        if cfg.api_base:
            kwargs["api_base"] = cfg.api_base
        if cfg.api_key_env:
            key = os.environ.get(cfg.api_key_env)
            if not key:
                raise LLMError(f"environment variable {cfg.api_key_env} (the API key) is not set")
            kwargs["api_key"] = key
        elif cfg.api_base:
            kwargs["api_key"] = os.environ.get("LCT_API_KEY", "sk-local")  # local servers want some key
        last: Exception | None = None
        for attempt in range(cfg.retries + 1):
            t0 = time.monotonic()
            try:
                resp = litellm.completion(**kwargs)
            except Exception as e:
                last = e
                if type(e).__name__ not in _TRANSIENT or attempt == cfg.retries:
                    raise LLMError(f"{cfg.model}: {type(e).__name__}: {e}") from e
                # Exponential backoff with jitter; rate limits are the usual cause at scale.
                time.sleep(cfg.backoff_sec * (2 ** attempt) * (0.5 + random.random()))
                continue
            latency = time.monotonic() - t0
            choice = resp.choices[0]
            text = choice.message.content or ""
            usage = getattr(resp, "usage", None)
            pt = int(getattr(usage, "prompt_tokens", 0) or 0)
            ct = int(getattr(usage, "completion_tokens", 0) or 0)
            return Completion(text, pt, ct, self._cost(resp, pt, ct), False, latency, choice.finish_reason)
        raise LLMError(f"{cfg.model}: {last}")  # pragma: no cover - loop always returns or raises

    def _cost(self, resp: Any, pt: int, ct: int) -> float:
        cfg = self.config
        if cfg.input_cost_per_token is not None or cfg.output_cost_per_token is not None:
            return pt * (cfg.input_cost_per_token or 0.0) + ct * (cfg.output_cost_per_token or 0.0)
        import litellm

        try:
            return float(litellm.completion_cost(completion_response=resp) or 0.0)
        except Exception:  # noqa: BLE001 - unknown (e.g. local) models have no price: count them as free
            return 0.0
