"""The LLM synthesis pipeline without Docker: the tool protocol, draft rules, known-wrong mutations, the idea
judge and dedup, the budget stop and turn limits (scripted server through the real LiteLLM client)."""

from __future__ import annotations

import base64
import json
import re

import pytest
from typer.testing import CliRunner

from litecoder_terminal.cli import app
from litecoder_terminal.llm import LLMConfig, Reply, ScriptedLLMServer
from litecoder_terminal.spec import load_specs
from litecoder_terminal.synth.llm import SynthSettings, synthesize
from litecoder_terminal.synth.llm.pipeline import Pipeline
from litecoder_terminal.synth.llm.stages import mutation_scripts
from litecoder_terminal.synth.llm.tools import (
    ActionError,
    Draft,
    apply_write,
    normalize,
    parse_action,
)
from litecoder_terminal.synth.procedural.base import TOOLBOX_LAYER

SUM_IDEA = ("There is a file /data/in.txt with one integer per line. Write the sum of all the numbers to "
            "/root/out.txt as a single integer followed by a newline.")
OTHER_IDEA = ("A CSV file /data/sales.csv lists region,amount rows. Write one line per region with the total "
              "amount, sorted by region name, to /root/totals.csv using a comma separator.")
GOOD_SCORES = json.dumps({"complexity": 4, "clarity": 5, "resources": 5, "discovery": 4, "reason": "fine"})


# ---- protocol ---------------------------------------------------------------------------------------------

def test_parse_action_tolerates_fences_and_prose():
    reply = 'Sure, writing it now.\n```json\n{"tool": "run", "command": "ls /data"}\n```\nThen I will check.'
    assert parse_action(reply) == {"tool": "run", "command": "ls /data"}
    assert parse_action('ok {"tool": "done", "x": {"y": 1}} trailing')["x"] == {"y": 1}


@pytest.mark.parametrize("reply, message", [
    ("I am not sure what to do.", "no JSON object"),
    ('{"tool": "delete_everything"}', "unknown tool"),
    ('{"tool": "write_file", "path": "environment/x"}', "needs string fields"),
    ('{"tool": "run"}', "needs a string field"),
])
def test_parse_action_rejects_what_is_not_one_tool_call(reply, message):
    with pytest.raises(ActionError, match=message):
        parse_action(reply)


def test_write_rules_keep_the_draft_offline_and_in_bounds():
    d = Draft()
    assert "wrote environment/Dockerfile" in apply_write(d, "./environment/Dockerfile", "RUN true\n", ("environment/",))
    assert d.files["environment/Dockerfile"] == TOOLBOX_LAYER + "RUN true\n"  # the shared layer is always first
    assert "do not write FROM" in apply_write(d, "environment/Dockerfile", "FROM ubuntu:22.04\nRUN x\n", ("environment/",))
    assert d.files["environment/Dockerfile"] == TOOLBOX_LAYER + "RUN true\n"
    assert "fixed hardened runner" in apply_write(d, "tests/test.sh", "pip install pytest", ("tests/",))
    assert "only write under environment/" in apply_write(d, "solution/solve.sh", "x", ("environment/",))
    assert "stay inside it" in apply_write(d, "environment/../../etc/passwd", "x", ("environment/",))
    assert "stay inside it" in apply_write(d, "/etc/passwd", "x", ("environment/",))
    assert set(d.files) == {"environment/Dockerfile"}


def test_normalize_drops_volatile_text_so_resumed_requests_repeat():
    a = normalize("1 failed in 0.03s\nsha 0123456789abcdef0123 kept")
    b = normalize("1 failed in 1.27s\nsha 0123456789abcdef0123 kept")
    assert a == b and "0123456789abcdef0123" in a  # run output keeps hashes a task may be about
    log = "Step 2/3 : RUN x\n ---> Running in 3f2a9c0d1e2b\nerror\n ---> 9c8b7a6d5e4f\n"
    assert normalize(log, build_log=True) == "Step 2/3 : RUN x\nerror"
    assert normalize("x" * 5000, limit=100).endswith("x" * 100)


def test_mutations_embed_the_reference_and_break_each_output():
    solve = "#!/bin/bash\necho 'it''s' > /root/a.txt\n"
    scripts = mutation_scripts(solve, ["/root/a.txt", "/root/b dir/c.txt"])
    assert set(scripts) == {f"mutate-{k}-{i}" for k in ("delete", "truncate", "change") for i in (1, 2)}
    blob = re.search(r"echo '([A-Za-z0-9+/=]+)' \| base64 -d", scripts["mutate-change-2"]).group(1)
    assert base64.b64decode(blob).decode() == solve
    assert "OUT='/root/b dir/c.txt'" in scripts["mutate-delete-2"] and 'rm -rf "$OUT"' in scripts["mutate-delete-2"]
    # Inputs emptied before the reference runs; a file fixed in place (also an output) is left alone.
    emptied = mutation_scripts(solve, ["/root/a.txt", "/app/main.c"], ["/data/in.txt", "/app/main.c"])[
        "mutate-inputs-emptied"]
    assert ": > /data/in.txt" in emptied and "main.c" not in emptied
    assert emptied.index(": > /data/in.txt") < emptied.index("base64 -d")


# ---- ideas ------------------------------------------------------------------------------------------------

def _settings(srv, out, **kw) -> SynthSettings:
    llm = LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01, input_cost_per_token=1e-6,
                    output_cost_per_token=2e-6)
    return SynthSettings(domains=["data_science"], out=out, llm=llm, **kw)


def _index(messages) -> int:
    return int(re.search(r"Task (\d+):", messages[-1]["content"]).group(1))


def test_ideas_judged_and_deduplicated_against_run_and_output_dir(tmp_path):
    ideas = {1: SUM_IDEA, 2: "Train a CUDA model on the GPU and report the loss to /root/loss.txt please, quickly.",
             3: SUM_IDEA.replace("all the numbers", "all numbers"), 4: "Do something with files in some place ok.",
             5: OTHER_IDEA}
    with ScriptedLLMServer() as srv:
        srv.add("You are a user of a Linux terminal", lambda m: ideas[_index(m)], where="system")
        srv.add(r"Task:\n.*complexity.*vague|Do something with files",
                json.dumps({"complexity": 1, "clarity": 2, "resources": 5, "reason": "vague"}))
        srv.add("You review proposed terminal tasks", GOOD_SCORES)
        accepted, ledger = Pipeline(_settings(srv, tmp_path, count=2), load_specs(), None).ideas()
        judged = [m["messages"][-1]["content"] for m in srv.requests if "You review" in m["messages"][-1]["content"]]
    assert [r.text for r in accepted] == [SUM_IDEA, OTHER_IDEA]
    assert [(r["index"], r["status"]) for r in ledger] == [(0, "accepted"), (1, "rejected"), (2, "duplicate"),
                                                           (3, "rejected"), (4, "accepted")]
    assert "needs unavailable resources" in ledger[1]["reason"]
    assert not any("CUDA" in j for j in judged)  # red flags never reach the (paid) judge
    assert "judge (easy): complexity 1<2, clarity 2<3 (vague)" == ledger[3]["reason"]
    assert ledger[3]["axes"] == ["complexity", "clarity"] and ledger[1]["axes"] == ["resources"]
    assert [r["difficulty"] for r in ledger[:3]] == ["easy", "medium", "hard"]
    # A later run into the same out dir must not rebuild what its manifest already holds.
    out2 = tmp_path / "second"
    out2.mkdir()
    (out2 / "manifest.jsonl").write_text(json.dumps({"task_id": "synth-data-science-x", "idea": SUM_IDEA}) + "\n")
    with ScriptedLLMServer() as srv:
        srv.add("You are a user of a Linux terminal", lambda m: SUM_IDEA, where="system")
        srv.add("You review proposed terminal tasks", GOOD_SCORES)
        accepted, ledger = Pipeline(_settings(srv, out2, count=1, max_idea_attempts=2), load_specs(), None).ideas()
    assert accepted == [] and [r["status"] for r in ledger] == ["duplicate", "duplicate"]


# ---- budget and limits -------------------------------------------------------------------------------------

def _two_ideas(srv):
    srv.add("You are a user of a Linux terminal", lambda m: [SUM_IDEA, OTHER_IDEA][_index(m) % 2 - 1], where="system")
    srv.add("You review proposed terminal tasks", GOOD_SCORES)


def test_budget_stops_new_work_and_a_larger_budget_resumes(tmp_path):
    with ScriptedLLMServer() as srv:
        _two_ideas(srv)
        srv.add("Stage 1 of 5", "Let me think about this task carefully first. " * 20, where="system")
        rep = synthesize(_settings(srv, tmp_path, count=2, max_total_tokens=6000, max_turns=50), load_specs(), None)
        n_first = len(srv.requests)
        malformed_feedback = [r["messages"][-1]["content"] for r in srv.requests
                              if r["messages"][-1]["content"].startswith("error: no JSON object")]
    assert rep["budget_exhausted"] and rep["accepted"] == 0 and rep["dropped"] == 2
    first, second = rep["tasks"]
    assert first["stage"] == "refine" and first["reason"].startswith("budget: budget spent")
    assert second["reason"] == "budget: the run's budget was spent before this task started"
    assert malformed_feedback  # a reply that is no tool call got an error back as the next user turn
    drops = [json.loads(ln) for ln in (tmp_path / "drops.jsonl").read_text().splitlines()]
    assert [d["reason"][:7] for d in drops] == ["budget:", "budget:"]
    assert rep["usage_this_run"]["prompt_tokens"] + rep["usage_this_run"]["completion_tokens"] >= 6000
    # Resumed with room to spare: budget drops are picked up again; the paid turns come from the cache.
    with ScriptedLLMServer() as srv:
        _two_ideas(srv)
        srv.add("Stage 1 of 5", "Let me think about this task carefully first. " * 20, where="system")
        rep = synthesize(_settings(srv, tmp_path, count=2, max_turns=3, jobs=2), load_specs(), None)
        resent = [r for r in srv.requests if "You are a user" in r["messages"][0]["content"]
                  and r["messages"][-1]["content"] in ("Task 1:", "Task 2:")]
    assert not resent  # the ideas ledger was replayed, not redrawn
    assert rep["usage_this_run"]["cached_calls"] > 0 and not rep["budget_exhausted"]
    assert [t["reason"] for t in rep["tasks"]] == ["refine: no passing done within 3 turns"] * 2
    assert rep["yield"]["refine"] == {"in": 2, "out": 0, "drops": {"refine: no passing done within 3 turns": 2}}
    assert n_first > 0


def test_refine_check_feeds_back_until_the_instruction_names_its_outputs(tmp_path):
    bad = json.dumps({"tool": "done", "instruction": "Sum the numbers in /data/in.txt and write the result somewhere.",
                      "inputs": ["/data/in.txt"], "outputs": ["/root/out.txt"], "difficulty": "easy"})
    with ScriptedLLMServer() as srv:
        _two_ideas(srv)
        srv.add("Stage 1 of 5", bad, where="system")
        rep = synthesize(_settings(srv, tmp_path, count=1, max_repairs=2, max_idea_attempts=2), load_specs(), None)
        feedback = [r["messages"][-1]["content"] for r in srv.requests
                    if r["messages"][-1]["content"].startswith("The refine check FAILED")]
    assert "never names these outputs: ['/root/out.txt']" in feedback[0]
    # The dropped task was replaced by a fresh idea (--count wants accepted tasks), which failed the same way.
    assert len(rep["tasks"]) == 2 and len(feedback) == 4 and rep["accepted"] == 0
    for task in rep["tasks"]:
        assert task["reason"].startswith("refine check still failing after 2 repair rounds: the instruction never")


def test_cli_rejects_unknown_domain_before_any_work(tmp_path):
    res = CliRunner().invoke(app, ["synth", "--domain", "astrology", "--count", "1", "--model", "openai/x",
                                   "--out", str(tmp_path)])
    assert res.exit_code == 2 and "unknown domain 'astrology'" in res.output
    assert not list(tmp_path.iterdir())


def test_rate_limits_are_retried_inside_the_pipeline(tmp_path):
    with ScriptedLLMServer() as srv:
        srv.add("You are a user of a Linux terminal", Reply(status=429), Reply(status=503), SUM_IDEA, where="system")
        srv.add("You review proposed terminal tasks", GOOD_SCORES)
        accepted, ledger = Pipeline(_settings(srv, tmp_path, count=1), load_specs(), None).ideas()
    assert [r.text for r in accepted] == [SUM_IDEA] and len(ledger) == 1
    assert len(srv.requests) == 4  # 429, 503, the idea, the judge


def _ctx(tmp_path, draft: Draft):
    from litecoder_terminal.synth.llm.stages import StageContext, TaskState

    state = TaskState(task_id="t", domain="data_science", idea=SUM_IDEA, draft=draft)
    return StageContext(state, None, None, tmp_path, lambda s: None)  # these checks stop before any container


def test_environment_check_refuses_pasted_data_and_context_leaks(tmp_path):
    from litecoder_terminal.synth.llm.stages import check_environment

    d = Draft(instruction=SUM_IDEA, inputs=["/data/in.txt"], outputs=["/root/out.txt"])
    d.files["environment/Dockerfile"] = TOOLBOX_LAYER + "COPY in.txt /data/in.txt\n"
    d.files["environment/in.txt"] = "".join(f"{i}\n" for i in range(1000))
    res = check_environment(_ctx(tmp_path, d), {"tool": "done"})
    assert not res.ok and "pasted: ['environment/in.txt']" in res.feedback
    d.files["environment/in.txt"] = "1\n2\n"
    d.files["environment/Dockerfile"] = TOOLBOX_LAYER + "COPY data.csv /data/in.txt\n"
    res = check_environment(_ctx(tmp_path, d), {"tool": "done"})
    assert not res.ok and res.feedback.startswith("lint: LCT003") and "'data.csv' does not exist" in res.feedback


def test_verifier_check_refuses_test_scripts_that_download(tmp_path):
    from litecoder_terminal.synth.llm.stages import check_verifier

    d = Draft(instruction=SUM_IDEA, inputs=["/data/in.txt"], outputs=["/root/out.txt"])
    d.files.update({"environment/Dockerfile": TOOLBOX_LAYER, "solution/solve.sh": "#!/bin/bash\ntrue\n",
                    "tests/test_outputs.py": "def test_x():\n    assert False\n",
                    "tests/setup_deps.sh": "#!/bin/bash\npip install pytest==8.0\n"})
    res = check_verifier(_ctx(tmp_path, d), {"tool": "done"})
    assert not res.ok and "LCT005" in res.feedback and "tests/setup_deps.sh" in res.feedback
