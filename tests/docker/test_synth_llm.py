"""`lct synth` end to end: a scripted OpenAI-compatible server (good and bad model behaviour) through the real
LiteLLM client, real image builds and real trials. The replies are scripted: they prove the pipeline's
mechanics (repair from logs, attacks, drops, resume), never the quality of any model's generation."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from litecoder_terminal.gates import Verdict, validate_task
from litecoder_terminal.llm import LLMConfig, ScriptedLLMServer
from litecoder_terminal.spec import load_specs
from litecoder_terminal.synth.llm import SynthSettings, synthesize
from litecoder_terminal.task import TaskDir

pytestmark = pytest.mark.docker

IDEA = ("There is a file /data/in.txt with one integer per line. Write the sum of all the numbers to "
        "/root/out.txt as a single integer followed by a newline.")
INSTRUCTION = ("The file /data/in.txt holds one integer per line. Compute the sum of all of them and write it to "
               "/root/out.txt: just the integer in decimal, followed by a single newline.")
GEN = ("import random\nrng = random.Random(7)\nimport os\nos.makedirs('/data', exist_ok=True)\n"
       "open('/data/in.txt', 'w').write(''.join(f'{rng.randint(-500, 500)}\\n' for _ in range(40)))\n"
       # binary and compressed inputs (hand-written fixture): the model must see them described, never raw
       "import gzip\nopen('/data/raw.csv.gz', 'wb').write(gzip.compress(''.join(f'{i},{i * i}\\n' for i in "
       "range(300)).encode(), mtime=0))\nopen('/data/blob.bin', 'wb').write(bytes(range(256)))\n")
INPUTS = ["/data/in.txt", "/data/raw.csv.gz", "/data/blob.bin"]
GOOD_DOCKERFILE = "COPY gen.py /tmp/gen.py\nRUN python3 /tmp/gen.py && rm /tmp/gen.py\n"
BAD_DOCKERFILE = "RUN python3 /tmp/gen.py\n"  # forgot the COPY: fails to build
GOOD_SOLVE = "#!/bin/bash\nawk '{s += $1} END {print s + 0}' /data/in.txt > /root/out.txt\n"
BAD_SOLVE = "#!/bin/bash\nawkk '{s += $1} END {print s}' /data/in.txt > /root/out.txt\n"
TEST_NOTHING = "def test_runs():\n    assert True\n"
TEST_EXISTS = "from pathlib import Path\n\n\ndef test_output_exists():\n    assert Path('/root/out.txt').exists()\n"
TEST_EXACT = ("from pathlib import Path\n\n\ndef test_sum_exact():\n"
              "    nums = [int(x) for x in Path('/data/in.txt').read_text().split()]\n"
              "    assert Path('/root/out.txt').read_text() == f'{sum(nums)}\\n'\n")
_rng = random.Random(7)  # the same draws as gen.py makes inside the image
EXPECTED = sum(_rng.randint(-500, 500) for _ in range(40))
TEST_PINNED = ("from pathlib import Path\n\n\ndef test_sum_exact():\n"
               f"    assert Path('/root/out.txt').read_text() == '{EXPECTED}\\n'\n")
ATTACKS = {"wrong": [
    {"name": "constant", "why": "writes 0 without reading the input", "script": "#!/bin/bash\necho 0 > /root/out.txt\n"},
    {"name": "no-newline", "why": "right number, no trailing newline",
     "script": "#!/bin/bash\nprintf '%s' \"$(awk '{s += $1} END {print s}' /data/in.txt)\" > /root/out.txt\n"},
]}
PACKAGE = {"tool": "done", "difficulty": "easy", "expert_time_estimate_min": 2, "junior_time_estimate_min": 5,
           "tags": ["awk"], "cpus": 1, "memory_mb": 512, "agent_timeout_sec": 300, "verifier_timeout_sec": 60}


def _j(obj: dict) -> str:
    return json.dumps(obj)


def _write(path: str, content: str) -> str:
    return _j({"tool": "write_file", "path": path, "content": content})


DONE = _j({"tool": "done"})


def _turn(messages: list[dict]) -> int:
    return sum(m["role"] == "assistant" for m in messages)


def _last(messages: list[dict]) -> str:
    return messages[-1]["content"] if messages else ""


def scripted_model(srv: ScriptedLLMServer, *, bad_build: bool = False, bad_solve: bool = False,
                   weak_verifier: bool = False, never_builds: bool = False) -> None:
    """Replies depend only on the conversation (not on server state), as a resumed run needs."""
    srv.add("You are a user of a Linux terminal", lambda m: IDEA, where="system")
    srv.add("You review proposed terminal tasks", lambda m: _j({"complexity": 3, "clarity": 5, "resources": 5,
                                                                "reason": "small, exact, offline"}))
    srv.add("You are red-teaming", lambda m: "Here you go:\n```json\n" + _j(ATTACKS) + "\n```")
    srv.add("Stage 1 of 5", lambda m: _j({"tool": "done", "instruction": INSTRUCTION, "inputs": INPUTS,
                                          "outputs": ["/root/out.txt"], "difficulty": "easy"}), where="system")

    def environment(m: list[dict]) -> str:
        if never_builds:  # keeps calling done without ever reading the build log
            return [_write("environment/gen.py", GEN), _write("environment/Dockerfile", BAD_DOCKERFILE), DONE][
                min(_turn(m), 2)]
        steps = [_write("environment/gen.py", GEN),
                 _write("environment/Dockerfile", BAD_DOCKERFILE if bad_build else GOOD_DOCKERFILE), DONE]
        t = _turn(m)
        if t < len(steps):
            return steps[t]
        # Repair from the build log: only a log naming the missing script leads to the fix.
        if "can't open file '/tmp/gen.py'" in _last(m):
            return _write("environment/Dockerfile", GOOD_DOCKERFILE)
        return DONE

    def solution(m: list[dict]) -> str:
        t = _turn(m)
        if t == 0:
            return "I'll write the solution.\n" + _write("solution/solve.sh", BAD_SOLVE if bad_solve else GOOD_SOLVE)
        if "awkk: command not found" in _last(m):
            return _write("solution/solve.sh", GOOD_SOLVE)
        return DONE

    def verifier(m: list[dict]) -> str:
        last = _last(m)
        if _turn(m) == 0:
            return _write("tests/test_outputs.py", TEST_NOTHING if weak_verifier else TEST_PINNED)
        if "the no-op agent) scored 1" in last:
            return _write("tests/test_outputs.py", TEST_EXISTS)
        if "attack mutate-empty-1 scored 1" in last:
            return _write("tests/test_outputs.py", TEST_EXACT)  # recomputes from the inputs: still fooled
        if "attack mutate-inputs-emptied scored 1" in last:
            return _write("tests/test_outputs.py", TEST_PINNED)
        return DONE

    srv.add("Stage 2 of 5", environment, where="system")
    srv.add("Stage 3 of 5", solution, where="system")
    srv.add("Stage 4 of 5", verifier, where="system")
    srv.add("Stage 5 of 5", lambda m: _j(PACKAGE), where="system")


def _settings(srv: ScriptedLLMServer, out: Path, **kw) -> SynthSettings:
    llm = LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01,
                    input_cost_per_token=1e-6, output_cost_per_token=4e-6)
    return SynthSettings(domains=["data_science"], count=1, out=out, llm=llm, repeats=1, **kw)


def _conversations(srv: ScriptedLLMServer, stage_marker: str) -> list[list[dict]]:
    return [r["messages"] for r in srv.requests
            if any(stage_marker in (m.get("content") or "") for m in r["messages"] if m["role"] == "system")]


@pytest.fixture(scope="module")
def repaired_run(engine, tmp_path_factory):
    """One task whose model breaks the build, the solution and the verifier before repairing each."""
    out = tmp_path_factory.mktemp("synth-repair")
    with ScriptedLLMServer() as srv:
        scripted_model(srv, bad_build=True, bad_solve=True, weak_verifier=True)
        report = synthesize(_settings(srv, out, redteam_model="openai/redteam-scripted"), load_specs(), engine)
        yield out, report, list(srv.requests), srv


def test_broken_dockerfile_is_repaired_from_the_build_log(repaired_run):
    out, report, _, srv = repaired_run
    env_turns = _conversations(srv, "Stage 2 of 5")
    fed_back = [c[-1]["content"] for c in env_turns if "The environment check FAILED" in c[-1]["content"]]
    assert fed_back and "the image does not build" in fed_back[0]
    assert "can't open file '/tmp/gen.py'" in fed_back[0]  # the build log itself reached the model
    assert report["accepted"] == 1 and report["yield"]["environment"] == {"in": 1, "out": 1, "drops": {}}
    task = TaskDir(out / report["tasks"][0]["task_id"])
    assert "COPY gen.py /tmp/gen.py" in task.dockerfile_path.read_text()


def test_failing_reference_solution_is_fixed(repaired_run):
    out, report, _, srv = repaired_run
    fed_back = [c[-1]["content"] for c in _conversations(srv, "Stage 3 of 5")
                if "The solution check FAILED" in c[-1]["content"]]
    assert fed_back and "solve.sh exited 127 in a fresh container" in fed_back[0]
    assert "awkk: command not found" in fed_back[0]
    task = TaskDir(out / report["tasks"][0]["task_id"])
    assert "awkk" not in task.solve_path.read_text()


def test_weak_verifier_is_strengthened_by_the_attack_round(repaired_run, engine, tmp_path):
    out, report, requests, srv = repaired_run
    feedback = [c[-1]["content"] for c in _conversations(srv, "Stage 4 of 5")
                if "The verifier check FAILED" in c[-1]["content"]]
    assert any("doing nothing (the no-op agent) scored 1" in f for f in feedback)
    # The existence-only test let the mutated and the model's wrong solutions through; they were sent back.
    assert any("attack mutate-empty-1 scored 1" in f for f in feedback)
    assert any("attack mutate-shape-1 scored 1" in f for f in feedback)
    assert any("attack wrong-constant scored 1" in f for f in feedback)
    # Grading is separate-mode: the verifier's container is fresh from the image and receives only the declared
    # outputs, so emptying the inputs in the agent's container cannot fool tests that recompute from the inputs.
    assert not any("mutate-inputs-emptied scored 1" in f and "mutate-empty" not in f for f in feedback)
    assert len(feedback) == 2
    task = TaskDir(out / report["tasks"][0]["task_id"])
    assert (task.tests_dir / "test_outputs.py").read_text() == TEST_EXACT
    wrong = {p.name for p in task.wrong_solutions}
    assert wrong == {"wrong-constant.sh", "wrong-no-newline.sh", "mutate-delete-1.sh", "mutate-empty-1.sh",
                     "mutate-shape-1.sh", "mutate-change-1.sh", "mutate-inputs-emptied.sh"}
    # The final task passes the same gates as every task (the wrong-solution gate re-checks the attacks).
    v = validate_task(task.root, engine, repeats=1, job_dir=tmp_path)
    assert v.verdict is Verdict.ACCEPTED, v.reasons
    assert sum(t.gate == "wrong" for t in v.trials) == len(wrong)
    # Accounting: every stage that called the model has calls, tokens and cost recorded.
    manifest = [json.loads(ln) for ln in (out / "manifest.jsonl").read_text().splitlines()]
    assert manifest[0]["task_id"] == task.name and manifest[0]["wrong_solutions"] == len(wrong)
    for stage in ("idea", "refine", "environment", "solution", "verifier", "package"):
        u = report["usage_by_stage"][stage]
        assert u["calls"] > 0 and u["prompt_tokens"] > 0 and u["cost_usd"] > 0, stage
    assert report["usage_by_stage"]["verifier"]["sandbox_sec"] > 0
    assert report["usage_this_run"]["calls"] == len(requests)


def test_stage_that_never_succeeds_drops_the_task_with_its_reason(engine, tmp_path):
    with ScriptedLLMServer() as srv:
        scripted_model(srv, never_builds=True)
        report = synthesize(_settings(srv, tmp_path, max_repairs=1, max_idea_attempts=1), load_specs(), engine)
    assert report["accepted"] == 0 and report["dropped"] == 1
    task = report["tasks"][0]
    assert task["stage"] == "environment"
    assert "environment check still failing after 1 repair rounds: the image does not build" in task["reason"]
    drops = [json.loads(ln) for ln in (tmp_path / "drops.jsonl").read_text().splitlines()]
    assert [(d["stage"], d["reason"]) for d in drops] == [("environment", task["reason"])]
    assert report["yield"]["environment"]["out"] == 0 and report["yield"]["solution"]["in"] == 0
    assert not (tmp_path / "manifest.jsonl").exists()
    assert not _conversations(srv, "Stage 3 of 5")  # nothing after the dropping stage was paid for


def _key(request: dict) -> str:
    return json.dumps(request, sort_keys=True)


def _remove_containers_of(engine, pid: int) -> None:
    owner = f"{socket.gethostname()}:{pid}"
    for c in engine.client.containers.list(all=True, filters={"label": f"lct.owner={owner}"}):
        c.remove(force=True)


def test_killed_run_resumes_without_repeating_a_call(engine, tmp_path):
    out = tmp_path / "out"
    with ScriptedLLMServer() as srv:
        scripted_model(srv)
        cmd = [sys.executable, "-m", "litecoder_terminal.cli", "synth", "--domain", "data_science", "--count", "1",
               "--model", "openai/scripted", "--api-base", srv.url, "--out", str(out), "--repeats", "1",
               "--input-cost-per-token", "1e-6", "--output-cost-per-token", "4e-6"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 180
            killed_at = None
            while time.monotonic() < deadline and proc.poll() is None:
                for state in out.glob(".lct-synth/tasks/*/state.json"):
                    try:
                        st = json.loads(state.read_text())
                    except (OSError, json.JSONDecodeError):
                        continue
                    # Killed while the verifier's attack trials run: three stages finished, one half done.
                    if st.get("current") == "verifier" and st.get("step") == "attacking":
                        killed_at = st
                if killed_at:
                    proc.send_signal(signal.SIGKILL)
                    break
                time.sleep(0.05)
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
            _remove_containers_of(engine, proc.pid)
        assert killed_at is not None, proc.stdout.read().decode()[-3000:]
        assert killed_at["stages_done"] == ["refine", "environment", "solution"]
        before = {_key(r) for r in srv.requests}
        n_before = len(srv.requests)

        resumed = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300, check=False)
        assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
        after = [_key(r) for r in srv.requests[n_before:]]
        assert after, "the resumed run had work left that needs the model (the package stage)"
        assert not before & set(after), "a request the server already answered was sent again"
        # Finished stages were not re-run; the interrupted verifier stage replayed its calls from the cache.
        resumed_systems = " ".join(m["content"] for r in srv.requests[n_before:] for m in r["messages"]
                                   if m["role"] == "system")
        for marker in ("You are a user of a Linux terminal", "Stage 1 of 5", "Stage 2 of 5", "Stage 3 of 5"):
            assert marker not in resumed_systems
    report = json.loads((out / "report.json").read_text())
    assert report["accepted"] == 1
    assert report["usage_this_run"]["cached_calls"] >= 2  # the verifier stage replayed its two turns from the cache
    manifest = (out / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == 1


def test_protocol_shows_inputs_and_reference_outputs_honestly_and_red_team_is_independent(repaired_run):
    """Binary and gzip inputs reach the next stage as `file` output + a decoded head (never raw bytes); the
    verifier stage sees the reference output in full; the red team (its own model) never sees the solution."""
    out, report, requests, srv = repaired_run
    solution_ctx = _conversations(srv, "Stage 3 of 5")[0][1]["content"]
    assert "== /data/raw.csv.gz" in solution_ctx and "file: gzip compressed data" in solution_ctx
    assert "decoded head (gzip" in solution_ctx and "\n0,0\n1,1\n2,4\n" in solution_ctx
    assert "== /data/blob.bin (256 bytes)" in solution_ctx and "00000000: 00 01 02 03" in solution_ctx
    assert "text (first 10 of 40 lines)" in solution_ctx
    assert not any(ch in solution_ctx for ch in "\x00\x01\x1f\x8b")
    verifier_ctx = _conversations(srv, "Stage 4 of 5")[0][1]["content"]
    assert f"== /root/out.txt" in verifier_ctx and f"text (all 1 lines):\n{EXPECTED}" in verifier_ctx
    env_answers = [c[-1]["content"] for c in _conversations(srv, "Stage 2 of 5")]
    assert any(a.startswith("wrote environment/Dockerfile: ") and "after the fixed tool layer" in a for a in env_answers)
    red = [r for r in requests if "You are red-teaming" in r["messages"][-1]["content"]]
    assert red and all(r["model"] == "redteam-scripted" for r in red)
    assert all("awk" not in r["messages"][-1]["content"] and "Reference solution" not in r["messages"][-1]["content"]
               for r in red)
    assert report["redteam"]["model"] == "openai/redteam-scripted" and report["redteam"]["independent"]
    manifest = [json.loads(ln) for ln in (out / "manifest.jsonl").read_text().splitlines()]
    assert manifest[0]["redteam_model"] == "openai/redteam-scripted"


def test_blind_solver_relabels_a_hard_task_the_model_always_solves(engine, tmp_path):
    """`lct synth --blind-attempts K` runs this check: K Terminus attempts (scripted replies) as `lct calibrate`."""
    from litecoder_terminal.llm import LLMClient
    from litecoder_terminal.synth.llm.blind import blind_check, relabelled
    from tests.conftest import make_task

    task = make_task(tmp_path / "tasks", "hard-hello", config={"metadata": {"difficulty": "hard"}})

    def solve(messages: list[dict]) -> str:
        turn = sum(m["role"] == "assistant" for m in messages)
        cmds = [{"keystrokes": "echo hello > /root/out.txt\n", "duration": 0.3}] if turn == 0 else []
        return _j({"analysis": "a", "plan": "p", "commands": cmds, "task_complete": turn > 0})

    with ScriptedLLMServer() as srv:
        srv.add(".", solve, where="any")
        client = LLMClient(LLMConfig(model="openai/scripted", api_base=srv.url, backoff_sec=0.01))
        result = blind_check(task, client, engine, 2, tmp_path / "blind", max_turns=5)
        salts = {r["messages"][0]["content"] for r in srv.requests}
    assert result == {"model": "openai/scripted", "attempts": 2, "graded": 2, "successes": 2, "pass_rate": 1.0}
    assert relabelled("hard", result) == "medium"
    assert all("Write the word hello" in s for s in salts)  # the task's instruction only: a blind attempt
