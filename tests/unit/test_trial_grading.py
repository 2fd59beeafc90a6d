"""The trial's phases and grading rules on the in-memory sandbox: separate and shared mode, artifacts, rewards."""

from __future__ import annotations

import io
import tarfile

import pytest

from litecoder_terminal.agents.basic import AgentOutcome
from litecoder_terminal.sandbox import ExecResult, SandboxError
from litecoder_terminal.sandbox.fake import FakeEngine, FakeSandbox, Node
from litecoder_terminal.task import TaskConfig, write_task_dir
from litecoder_terminal.trial import ErrorKind, TaskImages, TrialStatus, run_trial
from litecoder_terminal.trial.artifacts import ArtifactRefused, sanitize
from litecoder_terminal.trial.tamper import AllowList, shared_mode_tampering

IMAGE = {
    "/usr": Node(kind="dir", mode=0o755), "/usr/bin": Node(kind="dir", mode=0o755),
    "/usr/bin/python3": Node(data=b"ELF", mode=0o755), "/usr/bin/git": Node(data=b"ELF", mode=0o755),
    "/usr/local": Node(kind="dir", mode=0o755), "/usr/local/bin": Node(kind="dir", mode=0o755),
    "/app": Node(kind="dir", mode=0o755), "/app/input.txt": Node(data=b"3 4\n"),
    "/app/stale.txt": Node(data=b"old\n"),
}


def _verifier(box: FakeSandbox, cmd: list[str], env: dict) -> ExecResult | None:
    """test.sh of the fake tasks: reward 1 when /app/answer.txt holds 7 (what the verifier's box holds)."""
    if "/tests/test.sh" not in cmd[-1]:
        return None
    behaviour = (box.read("/tests/behaviour") or b"").decode().strip()
    if behaviour == "hang":
        return ExecResult(None, "", True, 1.0)
    if behaviour == "signal":
        return ExecResult(137, "Killed", False, 1.0)
    if behaviour.startswith("reward="):
        box.write("/logs/verifier/reward.txt", behaviour.split("=", 1)[1])
        return ExecResult(0, "", False, 1.0)
    ok = box.read("/app/answer.txt") == b"7\n" and box.read("/app/stale.txt") is None
    box.write("/logs/verifier/reward.txt", "1" if ok else "0")
    return ExecResult(0, "1 passed" if ok else "1 failed", False, 1.0)


class FnAgent:
    def __init__(self, fn, name="fn"):
        self.fn, self.name = fn, name

    def run(self, box, task, config, timeout_sec):
        self.fn(box)
        return AgentOutcome(0, False, "done")

    def cleanup_paths(self):
        return []


def solve(box):
    box.write("/app/answer.txt", "7\n")
    box.remove("/app/stale.txt")


def _task(tmp_path, *, mode="separate", artifacts=("/app",), behaviour=None, agent_network="no-network"):
    files = {"tests/test.sh": "#!/bin/sh\n", "environment/Dockerfile": "FROM scratch\n"}
    if behaviour:
        files["tests/behaviour"] = behaviour
    config = TaskConfig.model_validate({
        "verifier": {"timeout_sec": 30, **({"environment_mode": mode} if mode else {})},
        "environment": {"network_mode": agent_network, "workdir": "/app"},
        "artifacts": list(artifacts)})
    return write_task_dir(tmp_path / "task", "add the numbers", config, files)


def _run(tmp_path, agent_fn, **task_kwargs):
    engine = FakeEngine({"img": IMAGE}, [_verifier])
    task = _task(tmp_path, **task_kwargs)
    result = run_trial(task, FnAgent(agent_fn), engine, image=TaskImages("img", "img"), trial_dir=tmp_path / "t")
    return result, engine


def _roles(engine):
    """(agent box, verifier boxes): the verifier's container may start beside the agent's, in any order."""
    agent = [b for b in engine.boxes if b.execs and b.execs[0][-1] == "mkdir -p /logs/agent /logs/verifier"]
    assert len(agent) == 1, [b.execs[:1] for b in engine.boxes]
    return agent[0], [b for b in engine.boxes if b is not agent[0]]


def _tests_ran(boxes) -> bool:
    return any("test.sh" in " ".join(cmd) for b in boxes for cmd in b.execs)


def test_separate_verifier_is_a_fresh_container_that_sees_only_the_artifacts(tmp_path):
    def agent(box):
        solve(box)
        box.write("/usr/local/bin/python3", "#!/bin/sh\necho fake")  # outside the artifacts: never seen
    result, engine = _run(tmp_path, agent)
    assert result.status is TrialStatus.GRADED and result.reward == 1.0, result
    agent_box, (verifier_box,) = _roles(engine)
    assert verifier_box is not agent_box and verifier_box.image == "img"
    assert "/usr/local/bin/python3" not in verifier_box.fs
    assert not agent_box.running  # stopped before anything crossed
    assert verifier_box.closed and not verifier_box.running
    assert (tmp_path / "t" / "artifacts" / "app" / "answer.txt").read_text() == "7\n"
    assert result.verifier_mode == "separate"
    assert list(result.timings) == ["environment_setup", "agent_execution", "artifact_collection", "verifier_setup",
                                    "verifier", "teardown"]


def test_a_file_the_agent_deleted_is_absent_for_the_verifier(tmp_path):
    result, _ = _run(tmp_path, lambda box: box.write("/app/answer.txt", "7\n"))  # stale.txt left in place
    assert result.reward == 0.0


def test_nothing_done_scores_zero(tmp_path):
    result, _ = _run(tmp_path, lambda box: None)
    assert result.status is TrialStatus.GRADED and result.reward == 0.0


@pytest.mark.parametrize("attack,cause", [
    (lambda box: box.write("/app/answer.txt", kind="fifo"), "FIFO"),
    (lambda box: box.write("/app/answer.txt", kind="symlink", link="/tests/expected"), "leaves its tree"),
    (lambda box: box.write("/app/answer.txt", kind="symlink", link="../../etc/shadow"), "leaves its tree"),
    (lambda box: (box.remove("/app"), box.write("/app", kind="symlink", link="/tmp/x")), "itself a symlink"),
])
def test_outputs_that_must_not_cross_score_zero_with_the_cause(tmp_path, attack, cause):
    result, engine = _run(tmp_path, attack)
    assert result.status is TrialStatus.GRADED and result.reward == 0.0
    assert any(cause in c for c in result.tamper), result.tamper
    _, verifiers = _roles(engine)  # a verifier container may have started beside the agent's: it ran nothing
    assert not _tests_ran(verifiers) and all(b.closed for b in verifiers)


def test_symlinks_inside_their_tree_cross_as_links(tmp_path):
    def agent(box):
        solve(box)
        box.write("/app/latest", kind="symlink", link="answer.txt")
    result, engine = _run(tmp_path, agent)
    assert result.reward == 1.0
    assert _roles(engine)[1][0].fs["/app/latest"].kind == "symlink"


def test_oversized_artifacts_are_refused(tmp_path):
    engine = FakeEngine({"img": IMAGE}, [_verifier])
    task = _task(tmp_path)
    from litecoder_terminal.trial import Grader, TrialPaths, TrialResult
    result = TrialResult(trial_name="t", task_name="t", task_path=".", agent="a", status=TrialStatus.ERROR)
    box = engine.start("img")
    box.write("/app/big.bin", b"x" * 5000)
    Grader(engine, task, task.config(), TaskImages("img", "img"), result, TrialPaths(tmp_path / "t"),
           max_artifact_bytes=1000).grade(box, [])
    assert result.reward == 0.0 and "1000 byte" in result.tamper[0]


def test_verifier_that_hangs_scores_zero_and_says_why(tmp_path):
    result, _ = _run(tmp_path, solve, behaviour="hang")
    assert result.status is TrialStatus.GRADED and result.reward == 0.0
    assert "did not finish" in result.tamper[0]


def test_test_sh_killed_by_a_signal_gives_no_reward(tmp_path):
    result, _ = _run(tmp_path, solve, behaviour="signal")
    assert result.status is TrialStatus.ERROR and result.error.kind is ErrorKind.VERIFIER
    assert "signal 9" in result.error.cause


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "inf"])
def test_a_reward_outside_0_1_is_a_verifier_error(tmp_path, value):
    result, _ = _run(tmp_path, solve, behaviour=f"reward={value}")
    assert result.status is TrialStatus.ERROR and result.error.kind is ErrorKind.VERIFIER


def test_an_engine_failure_is_an_infra_error_never_a_reward(tmp_path):
    engine = FakeEngine({"img": IMAGE}, [_verifier])
    engine.fail_start = True
    result = run_trial(_task(tmp_path), FnAgent(solve), engine, image="img", trial_dir=tmp_path / "t")
    assert result.status is TrialStatus.ERROR and result.error.kind is ErrorKind.INFRA and result.reward is None


def test_an_agent_that_stops_its_container_is_still_graded(tmp_path):
    class Stopper(FnAgent):
        def run(self, box, task, config, timeout_sec):
            solve(box)
            box.running = False
            raise SandboxError("exec stream failed: container stopped")
    engine = FakeEngine({"img": IMAGE}, [_verifier])
    result = run_trial(_task(tmp_path), Stopper(None), engine, image="img", trial_dir=tmp_path / "t")
    assert result.status is TrialStatus.GRADED and result.reward == 1.0


def test_an_infra_failure_in_the_agent_phase_leaves_no_container_behind(tmp_path):
    class Broken(FnAgent):
        def run(self, box, task, config, timeout_sec):
            raise SandboxError("docker daemon went away")
    engine = FakeEngine({"img": IMAGE}, [_verifier])
    result = run_trial(_task(tmp_path), Broken(None), engine, image="img", trial_dir=tmp_path / "t")
    assert result.status is TrialStatus.ERROR and result.error.kind is ErrorKind.INFRA
    assert engine.boxes and all(b.closed for b in engine.boxes)  # the pre-started verifier too
    assert not _tests_ran(engine.boxes)


# ---- shared mode -----------------------------------------------------------------------------------------------
def test_shared_mode_grades_the_agents_filesystem_in_a_fresh_container(tmp_path):
    result, engine = _run(tmp_path, solve, mode=None, artifacts=())
    assert result.verifier_mode == "shared" and result.reward == 1.0
    agent_box, (verifier_box,) = _roles(engine)
    assert verifier_box.image.startswith("fake-commit-") and not agent_box.running
    assert verifier_box.image not in engine.images  # the committed image is removed again


@pytest.mark.parametrize("attack,line", [
    (lambda box: box.write("/usr/bin/python3", "#!/bin/sh\n", mode=0o755), "C /usr/bin/python3"),
    (lambda box: box.write("/usr/local/bin/git", "#!/bin/sh\n", mode=0o755), "A /usr/local/bin/git"),
    (lambda box: box.remove("/usr/bin/git"), "D /usr/bin/git"),
])
def test_shared_mode_tampering_scores_zero(tmp_path, attack, line):
    def agent(box):
        solve(box)
        attack(box)
    result, engine = _run(tmp_path, agent, mode=None, artifacts=())
    assert result.reward == 0.0 and line in result.tamper, result.tamper
    assert len(engine.boxes) == 1  # shared mode: no verifier container before the allow-list passed


def test_allow_list_rules():
    allow = AllowList.for_task(workdir="/app", artifacts=["/etc/ssh/sshd_config"], installs=False)
    changes = [("C", "/app/x"), ("D", "/app/y"), ("C", "/etc/ssh/sshd_config"), ("C", "/root/.bashrc"),
               ("A", "/opt/new/tool"), ("A", "/tmp/x"), ("C", "/etc/ssh"),
               ("C", "/etc/passwd"), ("A", "/usr/local/bin/jq"), ("A", "/usr/lib/python3/dist-packages/numpy.pth"),
               ("A", "/etc/ld.so.preload"), ("A", "/usr/lib/x86_64-linux-gnu/libevil.so"),
               ("A", "/usr/lib/python3.11/__pycache__/os.cpython-311.opt-1.pyc"),
               ("A", "/usr/lib/python3.11/json/evil.py"), ("C", "/lib")]
    found = shared_mode_tampering(changes, allow)
    assert found == sorted(["C /etc/passwd", "A /usr/local/bin/jq", "A /usr/lib/python3/dist-packages/numpy.pth",
                            "A /etc/ld.so.preload", "A /usr/lib/x86_64-linux-gnu/libevil.so",
                            "A /usr/lib/python3.11/json/evil.py", "C /lib"])
    # with installs allowed, a new command is an install; a name that exists later on PATH is a shim
    allow = AllowList.for_task(workdir="/app", artifacts=[], installs=True)
    image = {"/usr/bin/git"}
    assert shared_mode_tampering([("A", "/usr/local/bin/git"), ("A", "/usr/local/bin/newtool"),
                                  ("C", "/var/lib/dpkg/status")], allow, image.__contains__) == ["A /usr/local/bin/git"]


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if data else None)
    return buf.getvalue()


def _info(name, kind=tarfile.REGTYPE, size=0, mode=0o644, link=""):
    i = tarfile.TarInfo(name)
    i.type, i.size, i.mode, i.linkname = kind, size, mode, link
    return i


def test_sanitize_drops_setuid_keeps_owners_and_honours_excludes():
    raw = _tar([(_info("app", tarfile.DIRTYPE, mode=0o755), None),
                (_info("app/run", size=2, mode=0o4755), b"hi"),
                (_info("app/cache.tmp", size=1), b"x")])
    art = sanitize(raw, "/app", exclude=["*.tmp"])
    with tarfile.open(fileobj=io.BytesIO(art.tar)) as tar:
        names = {m.name: m for m in tar.getmembers()}
    assert set(names) == {"app", "app/run"} and names["app/run"].mode == 0o755
    assert art.skipped == ["cache.tmp"] and art.files == 1 and art.bytes == 2


def test_sanitize_refuses_hard_links_out_of_the_tree_and_foreign_members():
    with pytest.raises(ArtifactRefused):
        sanitize(_tar([(_info("app", tarfile.DIRTYPE), None),
                       (_info("app/h", tarfile.LNKTYPE, link="etc/shadow"), None)]), "/app")
    with pytest.raises(ArtifactRefused):
        sanitize(_tar([(_info("other/x", size=1), b"x")]), "/app")
