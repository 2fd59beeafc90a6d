"""One trial on a real container: isolation, limits, timeouts, cheats, and what is left behind."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from litecoder_terminal.agents import NopAgent, OracleAgent, ScriptAgent
from litecoder_terminal.sandbox.docker import LABEL_OWNER, LABEL_RUN
from litecoder_terminal.task import TaskDir
from litecoder_terminal.trial import TrialStatus, run_trial
from tests.conftest import make_task

pytestmark = pytest.mark.docker


def trial(engine, task, agent, tmp_path, name="t"):
    td = TaskDir(task)
    image = engine.build(td.environment_dir).tag
    return run_trial(td, agent, engine, image=image, trial_dir=tmp_path / "trials" / name)


def script(tmp_path, body, name="agent.sh"):
    p = tmp_path / name
    p.write_text("#!/bin/bash\n" + body + "\n")
    return ScriptAgent(p)


def test_trial_record_follows_harbor_layout(engine, tmp_path):
    r = trial(engine, make_task(tmp_path, "t"), OracleAgent(), tmp_path)
    assert r.status is TrialStatus.GRADED and r.reward == 1
    d = tmp_path / "trials" / "t"
    assert (d / "result.json").exists() and (d / "verifier" / "reward.txt").read_text().strip() == "1"
    assert (d / "agent" / "output.txt").exists() and (d / "verifier" / "test-stdout.txt").exists()
    assert set(r.timings) == {"environment_setup", "agent_execution", "verifier_setup", "verifier", "teardown"}


def test_reward_file_daemon_cheat_scores_zero(engine, tmp_path):
    task = make_task(tmp_path, "t")
    cheat = script(tmp_path, """
mkdir -p /logs/verifier
echo 1 > /logs/verifier/reward.txt; echo '{"reward": 1}' > /logs/verifier/reward.json
setsid nohup sh -c 'while :; do mkdir -p /logs/verifier; echo 1 > /logs/verifier/reward.txt;
  echo "{\\"reward\\": 1}" > /logs/verifier/reward.json; sleep 0.01; done' >/dev/null 2>&1 &
( trap "" TERM HUP; while :; do echo 1 > /logs/verifier/reward.txt 2>/dev/null; sleep 0.01; done ) >/dev/null 2>&1 &
disown -a
sleep 0.3
""")
    r = trial(engine, task, cheat, tmp_path)
    assert r.status is TrialStatus.GRADED and r.reward == 0, r


def test_solution_never_visible_to_other_agents_nor_verifier(engine, tmp_path):
    task = make_task(tmp_path, "t", solve="echo hello > /root/out.txt",
                     check="grep -qx hello /root/out.txt && [ ! -e /solution ] && [ ! -e /tmp/.lct-agent ]")
    assert trial(engine, task, OracleAgent(), tmp_path, "oracle").reward == 1
    peek = script(tmp_path, "if [ -e /solution ] || [ -e /tests ]; then echo hello > /root/out.txt; fi")
    assert trial(engine, task, peek, tmp_path, "peek").reward == 0


def test_no_internet_in_agent_phase_when_disallowed(engine, tmp_path):
    probe = "grep -qE eth[0-9] /proc/net/dev && echo online > /root/net || echo offline > /root/net"
    check = "grep -qx {} /root/net"
    offline = make_task(tmp_path, "offline", solve=probe, check=check.format("offline"),
                        config={"environment": {"network_mode": "no-network"}})
    assert trial(engine, offline, OracleAgent(), tmp_path, "a").reward == 1
    legacy = make_task(tmp_path, "legacy", solve=probe, check=check.format("offline"),
                       config={"environment": {"allow_internet": False}})
    assert trial(engine, legacy, OracleAgent(), tmp_path, "b").reward == 1
    # control: a public task does have a network interface, and a verifier-only override keeps the agent offline
    online = make_task(tmp_path, "online", solve=probe, check=check.format("online"))
    assert trial(engine, online, OracleAgent(), tmp_path, "c").reward == 1
    split = make_task(tmp_path, "split", solve=probe,
                      check=check.format("offline") + " && grep -qE eth[0-9] /proc/net/dev",
                      config={"environment": {"network_mode": "no-network"}, "verifier": {"network_mode": "public"}})
    assert trial(engine, split, OracleAgent(), tmp_path, "d").reward == 1


def test_memory_hog_is_stopped_by_memory_mb(engine, tmp_path):
    hog = "head -c 600M /dev/zero | tail -n 1 > /dev/null && echo done > /root/hog"
    small = make_task(tmp_path, "small", solve=hog, check="test -e /root/hog", config={"environment": {"memory_mb": 128}})
    r = trial(engine, small, OracleAgent(), tmp_path, "small")
    assert r.status is TrialStatus.GRADED and r.reward == 0 and r.agent_exit_code != 0
    big = make_task(tmp_path, "big", solve=hog, check="test -e /root/hog", config={"environment": {"memory_mb": 2048}})
    assert trial(engine, big, OracleAgent(), tmp_path, "big").reward == 1  # control: the hog itself works


def test_cpu_and_pids_limits_applied(engine, tmp_path):
    check = ('[ "$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max)" = 50000 ] '
             '&& [ "$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)" = 64 ]')
    task = make_task(tmp_path, "t", solve="true", check=check,
                     config={"environment": {"cpus": 0.5, "pids_limit": 64}})
    assert trial(engine, task, NopAgent(), tmp_path).reward == 1
    # 200 background sleeps under a limit of 64 pids: forks fail, the count stays within the limit (counted with
    # shell builtins only, which need no fork), and the trial still grades.
    bomb = script(tmp_path, "sh -c 'for i in $(seq 200); do sleep 30 & done' 2>/dev/null\n"
                            "n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo $n > /root/n")
    capped = make_task(tmp_path, "bomb", check='n=$(cat /root/n) && [ "$n" -gt 30 ] && [ "$n" -le 64 ]',
                       config={"environment": {"pids_limit": 64}})
    r = trial(engine, capped, bomb, tmp_path, "bomb")
    assert r.status is TrialStatus.GRADED and r.reward == 1, r


def test_agent_timeout_cuts_off_and_still_grades(engine, tmp_path):
    task = make_task(tmp_path, "t", check="test -e /root/started && test ! -e /root/late",
                     config={"agent": {"timeout_sec": 3}})
    slow = script(tmp_path, "touch /root/started; sleep 60; touch /root/late")
    t0 = time.monotonic()
    r = trial(engine, task, slow, tmp_path)
    assert r.agent_timed_out and r.status is TrialStatus.GRADED and r.reward == 1
    assert time.monotonic() - t0 < 30


def test_an_agent_that_stops_its_container_is_graded_not_an_error(engine, tmp_path):
    # Killing the keepalive stops the container. That is the agent's doing, not the infrastructure's: what it left is
    # graded (an RL trainer must see the 0, not drop an errored trial). An engine failure stays an infra error
    # (tests/unit/test_trial_grading.py).
    task = make_task(tmp_path, "t")
    killer = script(tmp_path, 'for d in /proc/[0-9]*; do p=${d#/proc/}; '
                              '[ "$(cat $d/comm 2>/dev/null)" = sleep ] && kill -9 $p; done; sleep 5')
    r = trial(engine, task, killer, tmp_path)
    assert r.status is TrialStatus.GRADED and r.reward == 0.0, r.error
    solver = script(tmp_path, 'echo hello > /root/out.txt; kill -TERM 1; sleep 5')
    r = trial(engine, task, solver, tmp_path, name="t2")
    assert r.status is TrialStatus.GRADED and r.reward == 1.0, r.error


def _containers(engine, label):
    return engine.client.containers.list(all=True, filters={"label": label}, ignore_removed=True)


def test_no_container_left_after_run_nor_after_sigkill_and_gc(engine, tmp_path):
    task = make_task(tmp_path, "slow", solve="sleep 120; echo hello > /root/out.txt")
    proc = subprocess.Popen([sys.executable, "-m", "litecoder_terminal.cli", "validate", str(task), "--repeats", "1",
                             "--job-dir", str(tmp_path / "j")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    owned = f"{LABEL_OWNER}={socket.gethostname()}:{proc.pid}"  # only this run's containers, not other jobs'
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _containers(engine, owned):
            time.sleep(0.2)
        assert _containers(engine, owned), "the run never started a container"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _containers(engine, owned), "a SIGKILLed run cannot clean up; gc must find its containers"
    subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "gc"], check=True, capture_output=True, timeout=120)
    assert not _containers(engine, owned)


def test_no_container_left_after_normal_run(engine, tmp_path):
    # validate_task itself (not the runner's end-of-job sweep): every trial removes its own container,
    # whether the task is accepted, rejected, or the agent timed out.
    from litecoder_terminal.gates import validate_task

    ours = f"{LABEL_RUN}={engine.run_id}"
    for name, kw in [("rejected", {"check": "false"}), ("accepted", {}),
                     ("timeout", {"solve": "sleep 30", "config": {"agent": {"timeout_sec": 1}}})]:
        validate_task(make_task(tmp_path, name, **kw), engine, repeats=2, job_dir=tmp_path / "j")
        assert not _containers(engine, ours), name
