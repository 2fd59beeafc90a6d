"""The verifier helper copied into generated tasks (tests/lct_verify.py): the parts that need no root or Docker.
Demotion to the unprivileged user is exercised in containers (tests/docker/test_isolation_attacks.py)."""

import importlib.util

import pytest

from litecoder_terminal.synth.procedural.base import verifier_helper


@pytest.fixture
def lv(tmp_path, monkeypatch):
    path = tmp_path / "lct_verify.py"
    path.write_text(verifier_helper())
    spec = importlib.util.spec_from_file_location("lct_verify_under_test", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "_is_root", lambda: False)  # never touch this machine's /etc/passwd
    return mod


@pytest.mark.parametrize("text", [True, False])
def test_timeout_kills_the_session_and_reports_minus_9(lv, text):
    res = lv.run_as_agent(["/bin/sh", "-c", "sleep 30 & sleep 30"], timeout=0.3, text=text)
    assert res.returncode == -9
    assert (b"timed out" if not text else "timed out") in res.stderr


def test_call_json_returns_plain_data_or_none(lv):
    assert lv.call_json(["python3", "-c", "print('{\"a\": [1, 2.5, true]}')"]) == {"a": [1, 2.5, True]}
    assert lv.call_json(["sh", "-c", "echo not json"]) is None


def test_same_compares_type_and_value(lv):
    assert lv.same({"a": [1, "x"]}, {"a": [1, "x"]})
    assert not lv.same(1, 1.0) and not lv.same(True, 1) and not lv.same([1, 2], [2, 1])
    assert not lv.same({"a": 1}, {"a": 1, "b": 2})
