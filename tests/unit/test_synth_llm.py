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
    assert set(scripts) == {f"mutate-{k}-{i}" for k in ("delete", "empty", "shape", "change") for i in (1, 2)}
    blob = re.search(r"echo '([A-Za-z0-9+/=]+)' \| base64 -d", scripts["mutate-change-2"]).group(1)
    assert base64.b64decode(blob).decode() == solve
    assert "rm -rf '/root/b dir/c.txt'" in scripts["mutate-delete-2"]
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


# ---- issue 15: judging by level, feedback to refine, cut replies, honest tools ----------------------------------
# (Hand-written scripted replies; they prove the mechanics, not any model's judgement.)

def test_judge_bars_follow_the_target_level_and_drops_are_grouped_by_axis(tmp_path):
    # index 0 easy, 1 medium, 2 hard, 3 easy: the same honest scores mean different things per level.
    ideas = {1: SUM_IDEA, 2: OTHER_IDEA, 3: OTHER_IDEA.replace("region", "store"), 4: ("List the files, please. " * 3).strip()}
    scores = {1: (2, 2), 2: (3, 2), 3: (4, 1), 4: (1, 1)}  # (complexity, discovery)

    def judge(m):
        text = m[-1]["content"]
        i = next(k for k, v in ideas.items() if v in text)
        c, d = scores[i]
        return json.dumps({"complexity": c, "clarity": 5, "resources": 5, "discovery": d, "reason": f"idea {i}"})

    with ScriptedLLMServer() as srv:
        srv.add("You are a user of a Linux terminal", lambda m: ideas[_index(m)], where="system")
        srv.add("You review proposed terminal tasks", judge)
        pipe = Pipeline(_settings(srv, tmp_path, count=4, max_idea_attempts=4), load_specs(), None)
        accepted, ledger = pipe.ideas()
        judged = [r["messages"][-1]["content"] for r in srv.requests if "You review" in r["messages"][-1]["content"]]
        systems = [r["messages"][0]["content"] for r in srv.requests if "You are a user" in r["messages"][0]["content"]]
    assert "TARGET difficulty: easy (one aggregation" in judged[0] and "TARGET difficulty: hard" in judged[2]
    assert "the SYMPTOM and the GOAL only" in systems[2]  # hard ideas are asked for as symptom + goal
    assert [r["status"] for r in ledger] == ["accepted", "accepted", "rejected", "rejected"]
    assert ledger[0]["notes"].startswith("target easy; scores complexity 2/5 (needs 2)")  # easy passes at its bar
    assert ledger[2]["reason"] == "judge (hard): discovery 1<3 (idea 3)" and ledger[2]["axes"] == ["discovery"]
    assert ledger[3]["axes"] == ["complexity"]
    rep = pipe.report(ledger, [], 0.0)
    assert rep["yield"]["idea"]["drops_by_axis"] == {
        "discovery": {"count": 1, "reasons": {"judge (hard): discovery 1<3 (idea 3)": 1}},
        "complexity": {"count": 1, "reasons": {"judge (easy): complexity 1<2 (idea 4)": 1}}}
    assert rep["redteam"]["independent"] is False and "not independent" in rep["redteam"]["note"]


def test_judge_reasons_reach_refine_and_a_cut_reply_is_called_cut(tmp_path):
    """Refine sees the judge's notes; a reply cut at --max-output-tokens is reported as cut (not 'no JSON'); the
    report shows yield by stage and the independent red-team model."""
    done = json.dumps({"tool": "done", "instruction": SUM_IDEA, "inputs": ["/data/in.txt"],
                       "outputs": ["/root/out.txt"], "difficulty": "easy"})
    long_write = json.dumps({"tool": "write_file", "path": "environment/gen.py", "content": "x = 1\n" * 200})

    def refine(m):
        return long_write if sum(x["role"] == "assistant" for x in m) == 0 else done

    with ScriptedLLMServer() as srv:
        srv.add("You are a user of a Linux terminal", lambda m: SUM_IDEA, where="system")
        srv.add("You review proposed terminal tasks", json.dumps(
            {"complexity": 2, "clarity": 4, "resources": 5, "discovery": 2, "reason": "say whether the sum may be negative"}))
        srv.add("Stage 1 of 5", refine, where="system")
        srv.add("Stage 2 of 5", "thinking...", where="system")
        llm = LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01, max_tokens=300)
        settings = SynthSettings(domains=["data_science"], out=tmp_path, llm=llm, count=1, max_idea_attempts=1,
                                 max_turns=2, redteam_model="openai/other-scripted")
        rep = synthesize(settings, load_specs(), None)
        refine_reqs = [r for r in srv.requests if "Stage 1 of 5" in r["messages"][0]["content"]]
    context = refine_reqs[0]["messages"][1]["content"]
    assert "# Reviewer's notes on the idea" in context and "say whether the sum may be negative" in context
    assert "# Difficulty target: easy" in context
    cut = refine_reqs[1]["messages"][-1]["content"]
    assert "CUT at the per-call output limit (300 tokens" in cut and '"append": true' in cut
    assert "no JSON object" not in cut
    assert rep["yield"]["refine"] == {"in": 1, "out": 1, "drops": {}}
    assert rep["yield"]["environment"]["out"] == 0 and rep["tasks"][0]["stage"] == "environment"
    assert rep["redteam"] == {"model": "openai/other-scripted", "independent": True,
                              "note": "a different model from --model writes the wrong solutions"}
    assert rep["limits"]["max_output_tokens_per_call"] == 300
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert set(on_disk["yield"]) >= {"idea", "refine", "environment", "solution", "verifier", "package"}
    assert on_disk["yield"]["idea"]["drops_by_axis"] == {}


def test_write_file_appends_and_reports_honest_sizes():
    d = Draft()
    msg = apply_write(d, "environment/Dockerfile", "RUN true\n", ("environment/",))
    assert msg == (f"wrote environment/Dockerfile: 9 bytes from you; your instructions are now 9 bytes, after the "
                   f"fixed tool layer ({len(TOOLBOX_LAYER.encode())} bytes)")
    apply_write(d, "environment/Dockerfile", "RUN echo é\n", ("environment/",), append=True)
    assert d.files["environment/Dockerfile"] == TOOLBOX_LAYER + "RUN true\nRUN echo é\n"
    assert "cannot append" in apply_write(d, "environment/gen.py", "x", ("environment/",), append=True)
    apply_write(d, "environment/gen.py", "a = 1\n", ("environment/",))
    assert apply_write(d, "environment/gen.py", "b = 2\n", ("environment/",), append=True) == \
        "appended 6 bytes to environment/gen.py (now 12 bytes)"
    assert parse_action('{"tool": "write_file", "path": "a", "content": "b", "append": true}')["append"] is True
    with pytest.raises(ActionError, match="append"):
        parse_action('{"tool": "write_file", "path": "a", "content": "b", "append": "yes"}')


def test_binary_and_compressed_inputs_are_described_never_pasted(tmp_path):
    """The describer the environment and solution checks run in the container (run here on the host)."""
    import gzip
    import shutil
    import subprocess

    from litecoder_terminal.synth.llm.tools import describe_command

    if not shutil.which("file"):
        pytest.skip("no `file` on this host (the task image always has it)")
    (tmp_path / "in.csv.gz").write_bytes(gzip.compress("".join(f"{i},{i * i}\n" for i in range(500)).encode()))
    (tmp_path / "blob.bin").write_bytes(b"\x00\x01\x02ELF\xff\xfe" * 20)
    (tmp_path / "long.txt").write_text("".join(f"line {i}\n" for i in range(1000)))
    out = subprocess.run(describe_command([str(tmp_path / n) for n in ("in.csv.gz", "blob.bin", "long.txt", "nope")],
                                          lines=5, chars=500), capture_output=True, text=True, check=True).stdout
    text = normalize(out, limit=10000)
    assert "file: gzip compressed data" in text and "decoded head (gzip" in text and "\n0,0\n1,1\n" in text
    assert "binary: first 128 bytes as hex" in text and "00000000: 00 01 02 45 4c 46 ff fe" in text
    assert "text (first 5 of 1000 lines):\nline 0\n" in text and "line 4\n" in text and "line 5\n" not in text
    assert f"MISSING {tmp_path / 'nope'}" in text
    assert "\x00" not in text and "\x1f\x8b" not in text
    # whatever a command prints, the model sees escapes, and long output is cut at a line boundary
    shown = normalize("a\x00b\x1b[31m\n" + "".join(f"row {i}\n" for i in range(2000)), limit=100)
    assert "\x00" not in shown and shown.splitlines()[1] == "row 1989" and shown.startswith("[... ")
    assert "\\x00" in normalize("a\x00b")


def test_red_team_sees_the_task_not_the_reference_solution():
    from litecoder_terminal.synth.llm.stages import TaskState, attack_messages

    d = Draft(instruction=SUM_IDEA, inputs=["/data/in.txt"], outputs=["/root/out.txt"],
              files={"solution/solve.sh": "#!/bin/bash\nawk '{s += $1} END {print s}' /data/in.txt > /root/out.txt\n"})
    st = TaskState(task_id="t", domain="data_science", idea=SUM_IDEA, draft=d,
                   stage_logs={"environment": "== /data/in.txt (12 bytes)", "solution": "== /root/out.txt\n42"})
    text = attack_messages(st)[0]["content"]
    assert SUM_IDEA in text and "/data/in.txt (12 bytes)" in text and "Declared outputs: /root/out.txt" in text
    assert "awk" not in text and "42" not in text and "Reference solution" not in text


def test_blind_solver_relabels_a_hard_task_it_always_solves(tmp_path, monkeypatch):
    """The relabel step's wiring (the rollout itself is covered with real containers in tests/docker)."""
    from litecoder_terminal.synth.llm import blind
    from litecoder_terminal.synth.llm.stages import TaskState
    from litecoder_terminal.task import TaskDir

    calls = []
    monkeypatch.setattr(blind, "blind_check", lambda task_dir, client, engine, k, out, max_turns: calls.append(
        (task_dir, k)) or {"model": client.config.model, "attempts": k, "graded": k, "successes": k, "pass_rate": 1.0})
    d = Draft(instruction=SUM_IDEA, inputs=["/data/in.txt"], outputs=["/root/out.txt"], difficulty="hard",
              files={"solution/solve.sh": "#!/bin/bash\ntrue\n", "tests/test_outputs.py": "def test_x():\n    pass\n"})
    package = {"difficulty": "hard", "expert_time_estimate_min": 20, "junior_time_estimate_min": 60}
    llm = LLMConfig(model="openai/scripted", api_base="http://127.0.0.1:9/v1")
    pipe = Pipeline(SynthSettings(domains=["data_science"], out=tmp_path, llm=llm, count=1, blind_attempts=3),
                    load_specs(), None)
    st = TaskState(task_id="synth-x", domain="data_science", idea=SUM_IDEA, difficulty="hard", draft=d,
                   package=package, stages_done=["refine", "environment", "solution", "verifier", "package"])
    pipe._finish(st)
    pipe._finish(st)  # a resumed finish does not check again
    assert len(calls) == 1 and calls[0][1] == 3
    meta = TaskDir(tmp_path / "synth-x").config().metadata
    assert meta["difficulty"] == "medium" and meta["relabelled_from"] == "hard" and meta["blind_pass_rate"] == 1.0
    row = json.loads((tmp_path / "manifest.jsonl").read_text())
    assert row["difficulty"] == "medium" and row["target_difficulty"] == "hard" and row["blind"]["relabelled"]
    rep = pipe.report([], [st], 0.0)
    assert rep["yield"]["blind"]["relabelled"] == 1 and rep["yield"]["blind"]["in"] == 1
    assert blind.relabelled("hard", {"attempts": 3, "graded": 3, "pass_rate": 2 / 3}) is None
    assert blind.relabelled("medium", {"attempts": 3, "graded": 3, "pass_rate": 1.0}) is None
