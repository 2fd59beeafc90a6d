"""Composition and the difficulty record, without Docker: stages namespaced and merged, collisions refused,
scripts inlined, wrong/skip variants per stage, the record's numbers, and generation with workers."""

from __future__ import annotations

import json
import random

import pytest

from litecoder_terminal.agents.replay import plan_replay
from litecoder_terminal.synth.procedural.base import TaskDraft, TaskFamily
from litecoder_terminal.synth.procedural.compose import CompositionError, compose, compose_tasks
from litecoder_terminal.synth.procedural.generate import generate, plan
from litecoder_terminal.synth.procedural.metrics import commands_in, task_metrics, touched_paths
from litecoder_terminal.synth.procedural.registry import families
from litecoder_terminal.task import write_task_dir
from litecoder_terminal.task.lint import Severity, lint_task


def _family(name: str, domain: str, root: str, *, solve: str | None = None, extra: dict | None = None,
            entrypoint: bool = False):
    """A small family writing under `root` (not registered: composition takes its pool explicitly)."""

    class Fam(TaskFamily):
        title = f"fix {name}"

        def build(self, rng: random.Random) -> TaskDraft:
            n = rng.randrange(1000)
            files = {
                f"environment/{name}/input.txt": f"{n}\n",
                "solution/solve.sh": solve or f"#!/bin/bash\nset -euo pipefail\n# read the input\ncat input.txt\n"
                                              f"# write the answer\necho {n + 1} > {root}/answer.txt\nexit 0\n",
                "solution/wrong/off-by-two.sh": f"#!/bin/bash\necho {n + 2} > {root}/answer.txt\n",
                "solution/wrong/nothing.sh": "#!/bin/bash\ntrue\n",
                "tests/test_outputs.py": f"def test_answer():\n    assert open('{root}/answer.txt').read() == '{n + 1}\\n'\n",
                **(extra or {}),
            }
            body = f"COPY {name}/ {root}/\nWORKDIR {root}\n" + ('ENTRYPOINT ["/bin/sleep"]\n' if entrypoint else "")
            return TaskDraft(instruction=f"Read {root}/input.txt and write {root}/answer.txt for {name} "
                                         f"({rng.random()}).", dockerfile_body=body, files=files)

    Fam.name, Fam.domain = name, domain
    return Fam


A = _family("alpha", "data_science", "/srv/alpha")
B = _family("beta", "security", "/opt/beta")
C = _family("gamma", "version_control", "/home/gamma")
CLASH = _family("clash", "games", "/srv/alpha/sub")


def test_compose_merges_stages_into_one_task():
    task = compose(A, "medium", 3, 5, [A, B, C])
    assert task == compose(A, "medium", 3, 5, [A, B, C]) or task.content_hash() == compose(
        A, "medium", 3, 5, [A, B, C]).content_hash()
    stages = task.config.metadata["stages"]
    # story order: version_control, then data_science, then security
    assert [s["family"] for s in stages] == ["gamma", "alpha", "beta"] and task.family == "composed"
    assert task.config.artifacts == ["/home/gamma", "/opt/beta", "/srv/alpha"]
    docker = task.files["environment/Dockerfile"]
    assert "COPY stage1/gamma/ /home/gamma/" in docker and "COPY stage3/beta/ /opt/beta/" in docker
    assert docker.rstrip().endswith("WORKDIR /home/gamma")
    assert "environment/stage2/alpha/input.txt" in task.files and "tests/stage3/test_outputs.py" in task.files
    assert "stage1 stage2 stage3" in task.files["tests/test.sh"]
    assert all(task.instruction.count(f"fix {n}") == 1 for n in ("alpha", "beta", "gamma"))  # one header each
    assert "/opt/beta/answer.txt" in task.instruction
    # the reference pastes each stage's script after a cd into its workdir; the final `exit 0` is dropped
    solve = task.files["solution/solve.sh"]
    assert solve.index("cd /home/gamma") < solve.index("cd /srv/alpha") < solve.index("cd /opt/beta")
    assert "exit 0" not in solve
    assert not [s for s in plan_replay(solve).steps if s.exit_code is not None]
    wrong = sorted(p for p in task.files if p.startswith("solution/wrong/"))
    assert len(wrong) == 6 and [p for p in wrong if "skip-stage" in p] == [
        f"solution/wrong/skip-stage{i}.sh" for i in (1, 2, 3)]
    skip2 = task.files["solution/wrong/skip-stage2.sh"]
    assert "cd /srv/alpha" not in skip2 and "cd /home/gamma" in skip2 and "cd /opt/beta" in skip2
    (w2,) = [p for p in wrong if p.startswith("solution/wrong/stage2-")]
    assert "cd /srv/alpha" in task.files[w2] and task.files[w2] != solve


def test_composed_task_lints_clean(tmp_path):
    task = compose(B, "hard", 2, 1, [A, B, C])
    write_task_dir(tmp_path / "t", task.instruction, task.config, task.files)
    errors = [f for f in lint_task(tmp_path / "t") if f.severity is Severity.ERROR]
    assert errors == []


def test_overlapping_paths_and_two_entrypoints_are_not_combined():
    a, clash = A({"difficulty": "easy"}).sample(1), CLASH({"difficulty": "easy"}).sample(1)
    with pytest.raises(CompositionError, match="/srv/alpha"):
        compose_tasks([a, clash], ["a", "clash"], difficulty="easy", seed=1)
    # the drawing skips the clashing family and takes one that fits
    task = compose(A, "easy", 2, 3, [A, CLASH, B])
    assert [s["family"] for s in task.config.metadata["stages"]] == ["alpha", "beta"]
    with pytest.raises(CompositionError, match="only 1 of 2"):
        compose(A, "easy", 2, 3, [A, CLASH])
    e1 = _family("e1", "games", "/srv/e1", entrypoint=True)({"difficulty": "easy"}).sample(1)
    e2 = _family("e2", "games", "/srv/e2", entrypoint=True)({"difficulty": "easy"}).sample(1)
    with pytest.raises(CompositionError, match="entrypoint"):
        compose_tasks([e1, e2], ["1", "2"], difficulty="easy", seed=1)


def test_scripts_that_cannot_be_pasted_and_solution_files_that_can():
    early_exit = _family("early", "coding", "/srv/early", solve="#!/bin/bash\nexit 3\necho never\n")
    with pytest.raises(CompositionError, match="exit 3"):
        compose(early_exit, "easy", 2, 1, [early_exit, B])
    helper = _family("helper", "coding", "/srv/helper",
                     solve="#!/bin/bash\npython3 /solution/fix.py /srv/helper\n",
                     extra={"solution/fix.py": "print('fixed')\n"})
    task = compose(helper, "easy", 2, 1, [helper, B])
    solve = task.files["solution/solve.sh"]
    assert "/solution/" not in solve and "python3 /tmp/lct-solution/stage1/fix.py /srv/helper" in solve
    assert "cat > /tmp/lct-solution/stage1/fix.py <<'LCT_SOLUTION_FILE'\nprint('fixed')\nLCT_SOLUTION_FILE" in solve
    assert "solution/fix.py" not in task.files  # wrong solutions run without /solution: everything is inline


def test_metrics_of_a_script():
    script = ("#!/bin/bash\nset -euo pipefail\ncd /app\n# look first\nls -la data/ | head\n"
              "python3 - <<'PY'\nimport os\nprint(open('/app/out/report.csv').read())\nPY\n"
              "for f in data/*.csv; do wc -l \"$f\"; done\nsudo -u app make -C /app/src build\n"
              "helper() { grep -c x \"$1\"; }\nhelper notes.txt\n")
    m = task_metrics("Fix the report in /app/out/report.csv.", {"solution/solve.sh": script})
    assert m["replay_turns"] == len(plan_replay(script).typed) == 7
    assert m["tools"] == ["grep", "head", "ls", "make", "python3", "sudo", "wc"]
    assert m["stages"] == 1 and m["files_touched"] == len(touched_paths(
        [s.command.text for s in plan_replay(script).typed]))
    assert "/app/out/report.csv" in touched_paths([s.command.text for s in plan_replay(script).typed])
    assert 0 < m["specificity"] < 1
    assert commands_in("X=1 timeout 5 nc -z localhost 80 && echo ok") == {"timeout", "nc"}


def test_plan_levels_and_compose_option():
    slots = plan("all", 6, None, None)
    assert [(s.level, s.stages, s.fallback) for s in slots[:3]] == [
        ("easy", (1, 1), True), ("medium", (2, 2), False), ("hard", (2, 4), False)]
    assert {s.stages for s in plan("all", 6, None, None, compose_k=3)} == {(3, 3)}
    assert {s.stages for s in plan("all", None, None, 1)} == {(1, 1)}  # --per-family: each family as it is
    with pytest.raises(ValueError, match="--compose 9: K is 1 to 5"):
        plan("networking", 3, None, None, compose_k=9)
    with pytest.raises(ValueError, match="--compose 7: K is 1 to 6"):
        plan("all", 3, None, None, compose_k=7)


def test_generate_records_difficulty_and_is_the_same_with_workers(tmp_path):
    one = generate(tmp_path / "one", count=12, seed=4, workers=1)
    two = generate(tmp_path / "two", count=12, seed=4, workers=2)
    a, b = one.manifest.read_text(), two.manifest.read_text()
    assert a == b and one.diversity == two.diversity
    for rec in (json.loads(line) for line in a.splitlines()):
        m = rec["metrics"]
        assert m["stages"] == len(rec["stages"]) == {"easy": 1, "medium": 2}.get(rec["difficulty"], m["stages"])
        assert 2 <= m["stages"] <= 4 if rec["difficulty"] == "hard" else True
        assert m["replay_turns"] > 0 and isinstance(m["tools"], list)
        task_dir = tmp_path / "one" / rec["path"]
        solve = (task_dir / "solution" / "solve.sh").read_text()
        assert m["replay_turns"] == len(plan_replay(solve).typed)
        assert (rec["family"] == "composed") == (m["stages"] > 1)
    for f in sorted((tmp_path / "one").rglob("*")):
        if f.is_file():
            assert f.read_bytes() == (tmp_path / "two" / f.relative_to(tmp_path / "one")).read_bytes(), f


def test_compose_draws_from_real_families():
    pool = families()
    task = compose(pool[0], "hard", 4, 2, pool)
    stages = task.config.metadata["stages"]
    assert len({s["family"] for s in stages}) == 4
    assert sum(p.startswith("solution/wrong/skip-stage") for p in task.files) == 4


def test_a_handoff_seals_the_next_stages_inputs():
    """Stage 1's result (its Handoff value) seals stage 2's declared inputs: the image keeps them only encrypted,
    the instruction says how to open them, every variant that does part 2 opens them first with what part 1
    wrote, and the verifier opens the pristine archive with a key only tests/ holds."""
    from litecoder_terminal.synth.procedural.base import GeneratedTask, Handoff

    a = _family("alpha", "version_control", "/srv/alpha")({"difficulty": "easy"}).sample(1)
    b = _family("beta", "coding", "/srv/beta")({"difficulty": "easy"}).sample(2)
    data_dir = "/srv/beta-data"
    b.files["environment/Dockerfile"] += f"COPY beta/ {data_dir}/\n"
    a = GeneratedTask(**{**a.__dict__, "handoff": Handoff("1234", "cat /srv/alpha/answer.txt",
                                                          "the number in `/srv/alpha/answer.txt`")})
    b = GeneratedTask(**{**b.__dict__, "sealable": [data_dir]})
    t = compose_tasks([a, b], ["fix alpha", "fix beta"], difficulty="medium", seed=3)
    docker = t.files["environment/Dockerfile"]
    assert f"pass:'1234'" in docker and f"rm -rf /tmp/lct-seal-part2.tar {data_dir}" in docker
    assert docker.index("part2.tar.enc") > docker.index(f"COPY stage2/beta/ {data_dir}/")
    assert t.files["tests/seal-part2.key"] == "1234\n"
    assert "-pass file:/tests/seal-part2.key" in t.files["tests/test.sh"] and "@UNSEAL@" not in t.files["tests/test.sh"]
    assert "part2.tar.enc" in t.instruction and "1234" not in t.instruction
    assert t.config.metadata["lct"]["handoffs"] == [{"from": "stage1", "to": "stage2", "sealed": [data_dir]}]
    solve = t.files["solution/solve.sh"]
    assert solve.index('part1_result="$(cat /srv/alpha/answer.txt)"') < solve.index("cd /srv/beta\n")
    assert "part1_result" not in t.files["solution/wrong/skip-stage2.sh"]
    assert "part1_result" in t.files["solution/wrong/skip-stage1.sh"]  # it cannot open part 2's inputs: 0 twice
    # without a handoff before it, nothing is sealed
    plain = compose_tasks([GeneratedTask(**{**a.__dict__, "handoff": None}), b], ["a", "b"], difficulty="medium",
                          seed=3)
    assert "seal" not in plain.files["environment/Dockerfile"] and "tests/seal-part2.key" not in plain.files
    # a sealable path the stage does not copy in, or one holding a working directory, is refused
    for bad in ("/srv/elsewhere", "/srv/beta"):
        with pytest.raises(CompositionError, match="sealable path"):
            compose_tasks([a, GeneratedTask(**{**b.__dict__, "sealable": [bad]})], ["a", "b"], difficulty="medium",
                          seed=3)


def test_handoff_values_are_checked():
    from litecoder_terminal.synth.procedural.base import Handoff

    Handoff("best_model-2", "cat x", "y").check("here")
    for bad in (Handoff("", "cat x", "y"), Handoff("a b", "cat x", "y"), Handoff("it's", "cat x", "y"),
                Handoff("1", "cat x\ncat y", "y"), Handoff("1", "cat x", " ")):
        with pytest.raises(ValueError, match="here"):
            bad.check("here")
