"""The LLM layer against the scripted OpenAI-compatible server, through the real LiteLLM client."""

from __future__ import annotations

import pytest

from litecoder_terminal.llm import (
    Budget,
    BudgetExceeded,
    LLMCache,
    LLMClient,
    LLMConfig,
    LLMError,
    Reply,
    ScriptedLLMServer,
)


@pytest.fixture
def server():
    with ScriptedLLMServer() as srv:
        yield srv


def _client(srv, tmp_path=None, **kw) -> LLMClient:
    cfg = LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01, **kw)
    cache = LLMCache(tmp_path / "cache.sqlite") if tmp_path else None
    return LLMClient(cfg, cache=cache)


def test_reply_by_rule_and_usage(server):
    server.add("ping", "pong")
    c = _client(server)
    r = c.complete([{"role": "user", "content": "ping please"}])
    assert r.text == "pong" and not r.cached
    assert r.prompt_tokens > 0 and r.completion_tokens > 0
    assert c.usage.calls == 1 and c.usage.tokens == r.total_tokens


def test_retries_rate_limit_then_succeeds(server):
    server.add("hello", Reply(status=429), Reply(status=503), "world")
    r = _client(server).complete([{"role": "user", "content": "hello"}])
    assert r.text == "world"
    assert len(server.requests) == 3  # our loop retried; the SDK's own retries are off


def test_gives_up_after_retries_and_does_not_retry_client_errors(server):
    server.add("always", Reply(status=429))
    with pytest.raises(LLMError, match="RateLimit"):
        _client(server, retries=2).complete([{"role": "user", "content": "always"}])
    assert len(server.requests) == 3
    server.requests.clear()
    server.add("bad", Reply(status=400, text="bad request"))
    with pytest.raises(LLMError):
        _client(server).complete([{"role": "user", "content": "bad"}])
    assert len(server.requests) == 1


def test_cache_replays_without_a_call(server, tmp_path):
    server.add("q", "a1", "a2")
    msgs = [{"role": "user", "content": "q"}]
    assert _client(server, tmp_path).complete(msgs).text == "a1"
    fresh = _client(server, tmp_path)  # a new process would open the same cache file
    again = fresh.complete(msgs)
    assert again.text == "a1" and again.cached and len(server.requests) == 1
    assert fresh.complete(msgs, salt="attempt-2").text == "a2"  # a salt asks for an independent sample
    assert len(server.requests) == 2


def test_budget_stops_paid_calls(server):
    server.add("x", "y" * 400)
    budget = Budget(max_tokens=150)
    c = LLMClient(LLMConfig(model="openai/scripted", api_base=server.url), budget=budget)
    c.complete([{"role": "user", "content": "x"}])  # 101 tokens
    c.complete([{"role": "user", "content": "x 2"}])  # 202: over, but it was allowed to start
    with pytest.raises(BudgetExceeded):
        c.complete([{"role": "user", "content": "x 3"}])
    assert len(server.requests) == 2


def test_explicit_prices_give_a_cost(server):
    server.add(".", "z" * 40)
    c = _client(server, input_cost_per_token=1e-6, output_cost_per_token=2e-6)
    r = c.complete([{"role": "user", "content": "a" * 400}])
    assert r.cost == pytest.approx(r.prompt_tokens * 1e-6 + r.completion_tokens * 2e-6)
    assert c.budget.spent.cost == pytest.approx(r.cost)


def test_unscripted_request_is_a_loud_error(server):
    with pytest.raises(LLMError, match="no reply scripted"):
        _client(server, retries=0).complete([{"role": "user", "content": "unknown"}])


def test_script_file_rules_and_errors(tmp_path):
    from litecoder_terminal.llm.scripted import load_script

    good = tmp_path / "script.yaml"
    good.write_text("rules:\n  - match: 'ping'\n    replies: ['pong', {status: 429}]\n")
    rules = load_script(good)
    assert rules[0].match == "ping" and rules[0].replies[0] == "pong" and rules[0].replies[1].status == 429
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - replies: ['x']\n")
    with pytest.raises(ValueError, match=r"bad.yaml: rules\[0\]"):
        load_script(bad)


def test_reply_longer_than_max_tokens_is_cut_with_finish_reason_length(server):
    server.add("essay", "word " * 400)
    c = _client(server, max_tokens=50).complete([{"role": "user", "content": "essay please"}])
    assert c.truncated and c.finish_reason == "length" and len(c.text) == 200  # the scripted server: 4 chars a token
    assert server.requests[-1]["max_tokens"] == 50  # --max-output-tokens reaches the server as the per-call limit
    ok = _client(server, max_tokens=1000).complete([{"role": "user", "content": "essay again"}])
    assert not ok.truncated and ok.finish_reason == "stop"


def test_total_token_budget_names_its_flag():
    b = Budget(max_tokens=10)
    b.spent.prompt_tokens = 11
    with pytest.raises(BudgetExceeded, match="--max-total-tokens 10"):
        b.check()
