"""Reward integrity under a hostile policy, through the RL path (TerminalEnv, keystrokes into tmux, submit).

Each attack is typed by a scripted policy and must get reward 0 while the honest policy on the same task gets 1.
test_trials.py and test_verifier_hardening.py cover a reward daemon and planted hooks for `run_trial` with a script
agent; these add what they do not: attacks from the terminal an RL policy drives, the test framework or the
interpreter patched in place (caught on the host by the toolchain check), a `sh` shim on PATH, fake tests, a
search for the solution, and the proof that the patched framework would fool the grader without the check.
"""

from __future__ import annotations

import pytest

from litecoder_terminal.agents import OracleAgent
from litecoder_terminal.rl import TerminalEnv
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import TrialStatus, run_trial
from tests.conftest import make_task
from tests.docker.test_rl_env import SOLUTION_MARKER, SOLVE, make_rl_task

pytestmark = pytest.mark.docker

WRITE_REWARD = ("mkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt; "
                "echo '{\"reward\": 1}' > /logs/verifier/reward.json")
HOOK = "import os; os.makedirs('/logs/verifier', exist_ok=True); open('/logs/verifier/reward.txt', 'w').write('1')"
# A pytest that reports one passing test and exits 0 without running anything (junit written as the runner reads it)
FAKE_PYTEST = (
    "cat >> /usr/lib/python3/dist-packages/pytest/__init__.py <<'EOF'\n"
    "def main(args=None, plugins=None):\n"
    "    import sys\n"
    "    argv = sys.argv[1:] if args is None else list(args)\n"
    "    path = next(a.split('=', 1)[1] for a in argv if a.startswith('--junitxml='))\n"
    "    open(path, 'w').write('<testsuite><testcase name=\"test_sum\"/></testsuite>')\n"
    "    return 0\n"
    "EOF"
)

# name -> (commands typed at the prompt, whether the host-side toolchain check must be what stops it)
ATTACKS: dict[str, tuple[list[str], bool]] = {
    "reward-file": ([WRITE_REWARD, "chmod 444 /logs/verifier/reward.*"], False),
    "reward-daemons": ([
        f"nohup sh -c 'while :; do {WRITE_REWARD}; sleep 0.01; done' >/dev/null 2>&1 &",
        f"setsid sh -c 'while :; do {WRITE_REWARD}; sleep 0.01; done' >/dev/null 2>&1 < /dev/null &",
        f"( ( trap '' HUP TERM; while :; do {WRITE_REWARD}; sleep 0.01; done ) >/dev/null 2>&1 & ) ; disown -a",
        "sleep 0.3; ps -e | wc -l",
    ], False),
    "conftest-sitecustomize-pth": ([
        "mkdir -p /tests /root /app && for d in / /tests /root /app; do printf 'import pytest\\n"
        "@pytest.hookimpl(tryfirst=True)\\ndef pytest_runtest_call(item):\\n    return True\\n' > $d/conftest.py; done",
        # every site dir python would read, were site enabled (the verifier's interpreter runs with -I -S)
        f"for d in /usr/lib/python3/dist-packages /usr/local/lib/python3.11/dist-packages "
        f"$(python3 -m site --user-site); do mkdir -p $d; echo \"{HOOK}\" > $d/sitecustomize.py; "
        f"cp $d/sitecustomize.py $d/usercustomize.py; echo \"{HOOK}\" > $d/zz_cheat.pth; done",
        "echo 'export PYTHONPATH=/root PYTHONSTARTUP=/root/conftest.py' >> /etc/environment",
    ], True),  # start-up files on the interpreter's path: the allow-list stops it before anything runs
    "sitecustomize-in-stdlib": ([f"echo \"{HOOK}\" > /usr/lib/python3.11/sitecustomize.py"], True),
    "path-shims": ([
        "printf '#!/bin/sh\\nmkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt\\n' > /tmp/shim",
        "for c in python3 pytest bash sh chmod mkdir; do install -m 755 /tmp/shim /usr/local/bin/$c; done",
    ], True),
    "patched-pytest": ([FAKE_PYTEST], True),
    # breaks the harness's own clean-up (which runs mkdir): graded 0 for tampering, not an infra error to retry
    "broken-coreutils": (["printf '#!/bin/sh\\nexit 1\\n' > /tmp/f && chmod 755 /tmp/f && cp /tmp/f /usr/bin/mkdir"],
                         True),
    "replaced-python": ([
        "printf '#!/bin/sh\\nmkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt; "
        "echo 1 > /logs/verifier/reward.json\\n' > /tmp/py && chmod 755 /tmp/py",
        "ln -sf /tmp/py /usr/bin/python3",
    ], True),
    "fake-tests": ([
        "mkdir -p /tests && printf 'def test_sum():\\n    assert True\\n' > /tests/test_outputs.py",
        "printf '#!/bin/sh\\nmkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt\\n' > /tests/test.sh",
        "chmod 755 /tests/test.sh; chattr +i /tests/test.sh 2>/dev/null; true",
    ], False),
}


@pytest.fixture(scope="module")
def env(engine, tmp_path_factory):
    task = make_rl_task(tmp_path_factory.mktemp("integrity"))
    with TerminalEnv(task, engine, step_timeout=120) as e:
        yield e


def episode(env, commands: list[str]) -> tuple[float | None, dict, list[str]]:
    env.reset()
    screens = []
    for cmd in commands:
        obs, reward, term, trunc, info = env.step(cmd)
        screens.append(obs)
        if term or trunc:  # the policy broke its own terminal: graded as it left the container
            assert info["reason"] == "terminal_error", info
            break
    else:
        obs, reward, term, trunc, info = env.step({"submit": True})
        assert term
    assert info["status"] == "graded", info
    return reward, info, screens


def test_honest_policy_gets_1(env):
    reward, info, _ = episode(env, [SOLVE])
    assert reward == 1.0 and info["tamper"] is None


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_gets_0(env, name):
    commands, caught_by_toolchain_check = ATTACKS[name]
    reward, info, _ = episode(env, commands)
    assert reward == 0.0, (name, info["rewards"], info["tamper"])
    if caught_by_toolchain_check:
        assert info["rewards"] == {"reward": 0.0, "tampered": 1.0} and info["tamper"], info
        if name == "broken-coreutils":  # judged on the host before the harness runs a single command
            assert "C /usr/bin/mkdir" in info["tamper"], info["tamper"]
    else:  # the verifier itself ran on a clean toolchain and failed the (unsolved) task
        assert info["tamper"] is None and info["rewards"] == {"reward": 0.0, "test_sum": 0.0}, info


def test_toolchain_check_is_what_stops_a_patched_pytest(engine, tmp_path):
    """With the check turned off (the task.toml opt-out) the patched framework fools the grader: the check matters."""
    task = make_rl_task(tmp_path, config={"verifier": {"lct_tamper_check": False}})
    with TerminalEnv(task, engine) as unchecked:
        reward, info, _ = episode(unchecked, [FAKE_PYTEST])
    assert reward == 1.0 and info["tamper"] is None


def test_attack_on_solution_and_tests_finds_nothing(env):
    """The policy searches the whole filesystem for the solution and the tests: none is in its container."""
    reward, info, screens = episode(env, [
        f"grep -rlsIF {SOLUTION_MARKER} / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev > /tmp/hits; "
        "find / -xdev \\( -name solve.sh -o -name test_outputs.py -o -path /solution -o -path /tests \\) "
        ">> /tmp/hits 2>/dev/null; echo \"hits=$(wc -l < /tmp/hits)\"",
    ])
    assert "hits=0" in screens[0], screens[0]
    assert reward == 0.0


def test_entrypoint_children_are_no_survivors(engine, tmp_path):
    """An image ENTRYPOINT that starts a child and then execs the keepalive: the host-side survivor count must
    still come out clean after the agent phase (an honest oracle gets 1, not a tamper 0)."""
    task = make_task(tmp_path, "entry", dockerfile="FROM debian:bookworm-slim\nCOPY entry.sh /entry.sh\n"
                                                    'ENTRYPOINT ["/bin/sh", "/entry.sh"]\n',
                     extra_files={"environment/entry.sh": '(sleep 0.2) &\nexec "$@"\n'})
    image = engine.build(TaskDir(task).environment_dir).tag
    r = run_trial(TaskDir(task), OracleAgent(), engine, image=image, trial_dir=tmp_path / "t")
    assert r.status is TrialStatus.GRADED and r.reward == 1 and r.tamper is None, (r.tamper, r.error)
