"""The replay agent on real containers: solve.sh typed into tmux solves tasks, and its trajectory is valid ATIF."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from litecoder_terminal.agents import OracleAgent, ReplayAgent, TmuxError, TmuxSession, agent_from_spec
from litecoder_terminal.agents.replay import plan_replay
from litecoder_terminal.agents.terminal import ensure_tmux
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import TrialStatus, run_trial
from tests.conftest import BASE, make_task

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "tasks" / "log-error-summary"
HARBOR_PY = Path(os.environ.get("LCT_HARBOR_VENV") or REPO / ".cache" / "harbor-venv") / "bin" / "python"
VALIDATE = """
import json, sys
from harbor.models.trajectories.trajectory import Trajectory
t = Trajectory.model_validate(json.load(open(sys.argv[1])))
print(t.schema_version, len(t.steps))
"""


def harbor_validate(path: Path) -> str:
    """Validate an ATIF file with Harbor 0.25's own pydantic Trajectory model (in Harbor's venv)."""
    if not HARBOR_PY.exists():
        pytest.skip(f"Harbor venv absent ({HARBOR_PY}; scripts/harbor-venv.sh makes it): "
                    "trajectory not validated against Harbor's Trajectory model")
    res = subprocess.run([str(HARBOR_PY), "-c", VALIDATE, str(path)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"Harbor rejects {path}:\n{res.stderr[-3000:]}"
    return res.stdout


def trial(engine, task_path: Path, agent, out: Path):
    td = TaskDir(task_path)
    image = engine.build(td.environment_dir, timeout_sec=1800).tag
    return run_trial(td, agent, engine, image=image, trial_dir=out)


def agent_steps(traj: dict) -> list[dict]:
    return [s for s in traj["steps"] if s["source"] == "agent"]


@pytest.fixture(scope="module")
def example_trial(engine, tmp_path_factory):
    out = tmp_path_factory.mktemp("replay-example") / "trial"
    result = trial(engine, EXAMPLE, agent_from_spec("replay"), out)
    return result, out


def test_replay_solves_example_task_with_one_step_per_command(example_trial):
    result, out = example_trial
    assert result.status is TrialStatus.GRADED and result.reward == 1, result
    assert result.agent == "replay" and result.agent_exit_code == 0 and not result.agent_timed_out
    traj = json.loads((out / "agent" / "trajectory.json").read_text())
    plan = plan_replay((EXAMPLE / "solution" / "solve.sh").read_text())
    typed = [s.command for s in plan.typed]
    steps = agent_steps(traj)
    assert len(steps) == len(typed) == 2  # `cd /app` and the `{ ...; } > errors.csv` group; `set -e...` applied
    assert plan.shell_options == ["set -u -o pipefail"]
    assert traj["steps"][0]["source"] == "user" and "errors.csv" in traj["steps"][0]["message"]
    for step, cmd in zip(steps, typed):
        assert step["tool_calls"][0]["arguments"]["keystrokes"] == cmd.text + "\n"
        assert step["message"] == cmd.rationale
        screen = step["observation"]["results"][0]["content"]
        # the real screen: the prompt, the command as typed (every line of it) and the prompt after it
        assert all(line in screen for line in cmd.text.splitlines()), screen
        assert screen.rstrip().endswith(":/app#"), screen
        assert step["extra"]["exit_code"] == 0
    assert steps[0]["message"].startswith("Count 5xx statuses")  # the script's header comment
    output = (out / "agent" / "output.txt").read_text()
    assert "errors.csv" in output and "set -e" not in output


def test_replay_trajectory_is_valid_harbor_atif(example_trial):
    _, out = example_trial
    assert harbor_validate(out / "agent" / "trajectory.json").split() == ["ATIF-v1.8", "3"]


def test_replay_matches_oracle_on_generated_multi_stage_family(engine, tmp_path):
    from litecoder_terminal.synth.procedural.generate import generate
    from litecoder_terminal.synth.procedural.registry import get_family

    generate(tmp_path / "g", per_family=1, seed=3, domain="version_control")
    records = [json.loads(line) for line in (tmp_path / "g" / "manifest.jsonl").read_text().splitlines()]
    multi = [r for r in records if get_family(r["family"]).multi_stage]
    assert multi, f"no multi-stage family in version_control: {[r['family'] for r in records]}"
    for rec in multi:
        task = tmp_path / "g" / rec["path"]
        plan = plan_replay((task / "solution" / "solve.sh").read_text())
        assert any("\n" in s.command.text for s in plan.typed) or len(plan.typed) >= 10, rec["family"]
        oracle = trial(engine, task, OracleAgent(), tmp_path / "t" / rec["family"] / "oracle")
        replay = trial(engine, task, ReplayAgent(), tmp_path / "t" / rec["family"] / "replay")
        assert oracle.status is TrialStatus.GRADED and replay.status is TrialStatus.GRADED, (oracle, replay)
        assert replay.reward == oracle.reward == 1, (rec["family"], oracle.reward, replay.reward)
        traj_path = tmp_path / "t" / rec["family"] / "replay" / "agent" / "trajectory.json"
        steps = agent_steps(json.loads(traj_path.read_text()))
        assert len(steps) == len(plan.typed)
        # some commands print: their real output is in the observation, after the typed command
        outputs = [s["observation"]["results"][0]["content"].split("\n")[1:-1] for s in steps]
        assert sum(1 for o in outputs if any(line.strip() for line in o)) >= 3, outputs
        harbor_validate(traj_path)


@pytest.fixture
def bare_box(engine):
    box = engine.start(BASE, network=False, setup="true")
    yield box
    box.close()


def test_tmux_missing_from_image_is_a_clear_error(bare_box):
    with pytest.raises(TmuxError, match="tmux is not installed in the image"):
        TmuxSession(bare_box).start()


def test_terminal_keeps_shell_state_and_types_exactly(bare_box):
    session = TmuxSession(bare_box, tmux=ensure_tmux(bare_box), workdir="/root", shell_options=["set -o pipefail"])
    session.start(width=120, height=30)
    assert session.capture().rstrip().endswith(":~#")
    run = session.execute
    assert run("mkdir -p /root/w && cd /root/w", 60).exit_code == 0
    assert run("greeting='hi there'; shout() { echo \"${1^^}!\"; }", 60).exit_code == 0
    r = run('shout "$greeting"; pwd', 60)
    assert "HI THERE!\n/root/w" in r.screen and r.screen.rstrip().endswith(":~/w#"), r.screen
    # a here-document with a tab (Makefile), UTF-8, `#` lines, `$` kept literal, written byte for byte
    body = "all:\n\techo \"d\u00e9j\u00e0 vu \u2192 ok\" # not a comment\n# neither\n$HOME \\n `x`"
    r = run(f"cat > Makefile <<'EOF'\n{body}\nEOF", 60)
    assert r.exit_code == 0 and not r.timed_out
    check = bare_box.exec(["cat", "/root/w/Makefile"])
    assert check.output == body + "\n"
    # exit status, a trailing `;` (tmux would eat it), a long line, and pipefail from the shell options
    assert run("false; ", 60).exit_code == 1
    assert run("echo semi;", 60).exit_code == 0 and "semi" in session.capture()
    long = "echo " + "x" * 5000 + " | wc -c"
    assert "5001" in run(long, 60).screen
    assert run("false | true", 60).exit_code == 1
    # `exit 3` inside a compound command ends the "script", not the terminal
    r = run("if true; then echo before; exit 3; echo after; fi", 60)
    assert r.exit_requested == 3 and "before" in r.screen and "after\n" not in r.screen
    assert run("echo still here", 60).exit_code == 0
    # a timeout sends C-c and the shell is usable again
    r = run("sleep 30", 2)
    assert r.timed_out and r.interrupted and not r.shell_gone
    assert run("echo alive", 60).screen.count("alive") == 2
    session.close()


def test_replay_stops_where_set_e_would_and_honours_exit(engine, tmp_path):
    failing = make_task(tmp_path, "errexit", solve="""\
        set -e
        echo hello > /root/out.txt
        false
        echo changed > /root/out.txt
    """)
    for agent in (OracleAgent(), ReplayAgent()):
        r = trial(engine, failing, agent, tmp_path / "t" / f"errexit-{agent.name}")
        assert r.reward == 1 and r.agent_exit_code == 1, (agent.name, r)
    exiting = make_task(tmp_path, "exit", solve="""\
        echo hello > /root/out.txt
        if [ -s /root/out.txt ]; then exit 0; fi
        echo changed > /root/out.txt
    """)
    r = trial(engine, exiting, ReplayAgent(), tmp_path / "t" / "exit")
    assert r.reward == 1 and r.agent_exit_code == 0, r
    steps = agent_steps(json.loads((tmp_path / "t" / "exit" / "agent" / "trajectory.json").read_text()))
    assert len(steps) == 2 and steps[0]["message"] == "Run: echo hello > /root/out.txt"


def test_replay_as_a_non_root_agent_user(engine, tmp_path):
    task = make_task(tmp_path, "user", solve="cd /tmp\necho hello > out.txt\nwhoami > who.txt",
                     check="grep -qx hello /tmp/out.txt && grep -qx nobody /tmp/who.txt",
                     config={"agent": {"user": "nobody"}})
    r = trial(engine, task, ReplayAgent(), tmp_path / "t")
    assert r.status is TrialStatus.GRADED and r.reward == 1, r
