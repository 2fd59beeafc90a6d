"""The Terminus reply parser accepts what models really write (fences, prose, trailing commas, gaps) and says so;
key names go to tmux as keys, text as literal keystrokes; the prompt template carries the task and the screen."""

from __future__ import annotations

import json

from litecoder_terminal.agents.terminus import TerminusAgent, estimate_tokens, parse_reply, render_prompt

GOOD = {"analysis": "a", "plan": "p", "commands": [{"keystrokes": "ls -la\n", "duration": 0.1}],
        "task_complete": False}


def test_plain_json_has_no_warnings():
    r = parse_reply(json.dumps(GOOD))
    assert r.error is None and r.warnings == []
    assert (r.analysis, r.plan, r.task_complete) == ("a", "p", False)
    assert [(c.keystrokes, c.duration) for c in r.commands] == [("ls -la\n", 0.1)]


def test_code_fence_and_prose_parse_with_a_warning():
    text = f"Sure, here it is:\n```json\n{json.dumps(GOOD, indent=2)}\n```\nLet me know."
    r = parse_reply(text)
    assert r.error is None and r.commands[0].keystrokes == "ls -la\n"
    assert r.warnings == ["Extra text was found around the JSON object; reply with the JSON object only."]
    r = parse_reply("I'll list the files. " + json.dumps(GOOD) + " Done.")  # prose, no fence
    assert r.error is None and r.plan == "p" and len(r.warnings) == 1


def test_trailing_commas_and_braces_inside_strings():
    text = '{"analysis": "x {y}", "plan": "}", "commands": [{"keystrokes": "echo \'{\'\\n", "duration": 1,},],' \
           ' "task_complete": true,}'
    r = parse_reply(text)
    assert r.error is None and r.task_complete is True
    assert r.analysis == "x {y}" and r.plan == "}" and r.commands[0].keystrokes == "echo '{'\n"
    assert r.warnings == ["The JSON had trailing commas; they were ignored."]


def test_missing_fields_are_warnings_with_defaults():
    r = parse_reply('{"commands": [{"keystrokes": "pwd\\n"}, "whoami\\n"], "task_complete": "true"}')
    assert r.error is None and r.task_complete is True
    assert [(c.keystrokes, c.duration) for c in r.commands] == [("pwd\n", 1.0), ("whoami\n", 1.0)]
    assert 'Missing field "analysis".' in r.warnings and 'Missing field "plan".' in r.warnings
    assert any("no \"duration\"" in w for w in r.warnings) and any("is a string" in w for w in r.warnings)
    r = parse_reply('{"analysis": "a", "plan": "b"}')
    assert r.commands == [] and r.warnings == ['Missing field "commands"; no keystrokes were sent.']


def test_durations_are_capped():
    r = parse_reply(json.dumps({**GOOD, "commands": [{"keystrokes": "make\n", "duration": 600}]}), max_duration=60)
    assert r.commands[0].duration == 60 and "capped at 60s" in r.warnings[0]


def test_unusable_replies_are_errors():
    assert parse_reply("I will run ls now.").error == "no JSON object found in the response"
    assert parse_reply('{"analysis": "a", "plan": }').error.startswith("invalid JSON")
    assert parse_reply('{"analysis": "a", "commands": "ls"}').error.startswith('"commands" must be a list')
    assert parse_reply('{"commands": [{"duration": 1}]}').error == 'command 1 has no "keystrokes" string'
    assert parse_reply("[1, 2]").error == "no JSON object found in the response"


def test_as_json_round_trips():
    r = parse_reply("```\n" + json.dumps(GOOD) + "\n```")
    assert json.loads(r.as_json()) == GOOD


class FakeSession:
    def __init__(self):
        self.calls = []

    def send_special(self, *keys):
        self.calls.append(("keys", keys))

    def send_keys(self, text, enter=True):
        self.calls.append(("text", text, enter))


def test_key_names_are_sent_as_keys_and_text_literally():
    agent = TerminusAgent(llm=None)
    s = FakeSession()
    for keys in ("C-c", "C-d", "Escape", "Up Up Enter", "echo hi\n", "C-c\n", "", "q"):
        agent._send(s, keys)
    assert s.calls == [("keys", ("C-c",)), ("keys", ("C-d",)), ("keys", ("Escape",)), ("keys", ("Up", "Up", "Enter")),
                       ("text", "echo hi\n", False), ("text", "C-c\n", False), ("text", "q", False)]


def test_prompt_carries_task_screen_and_format():
    p = render_prompt("Fix the build in /app.\n", "root@box:/app#")
    assert "Task description:\nFix the build in /app.\n" in p and p.endswith("Current terminal state:\nroot@box:/app#")
    assert '"task_complete": false' in p and '"keystrokes": "ls -la\\n"' in p
    assert estimate_tokens([{"role": "user", "content": "x" * 400}]) == 104


def test_budget_line_states_turns_time_and_what_the_deadline_counts():
    from litecoder_terminal.agents.terminus import budget_line

    wall = budget_line(7, 10, 905.0, "wall")
    assert wall.startswith("[Budget: 7 of 10 turns left; about 15 min left") and "time you take to reply counts" in wall
    env = budget_line(1, 10, 47.0, "env")
    assert "about 40 s left" in env and "waiting for your replies does not count" in env
    assert budget_line(0, 10, -3.0, "env").count("about 0 s left") == 1
    import pytest

    from litecoder_terminal.llm import LLMClient, LLMConfig

    with pytest.raises(ValueError, match="deadline must be one of wall, env"):
        TerminusAgent(LLMClient(LLMConfig(model="openai/x")), deadline="cpu")
