"""The family kit (templates, levels, solver knobs, folder registration), the verifier helper's kit parts, and the
battery's logic (alt discovery, declared outputs, the mutations applied to real files)."""

import importlib.util
import json
import random
import subprocess
import sys

import pytest

from litecoder_terminal.gates import battery
from litecoder_terminal.synth.procedural import kit
from litecoder_terminal.synth.procedural.base import TaskFamily, verifier_helper
from litecoder_terminal.synth.procedural.registry import LOAD_ERRORS, families, get_family
from litecoder_terminal.task import TaskConfig, TaskDir, write_task_dir

# ---- templates -----------------------------------------------------------------------------------------------


def test_render_is_strict_both_ways_and_names_the_template():
    assert kit.render("cd @@base@@ && ls @@n@@", {"base": "/app", "n": 3}) == "cd /app && ls 3"
    with pytest.raises(kit.TemplateError, match=r"solve.sh: no value for @@base@@"):
        kit.render("cd @@base@@", {}, where="solve.sh")
    with pytest.raises(kit.TemplateError, match=r"value 'extra' has no @@extra@@"):
        kit.render("x", {"extra": "1"})
    assert kit.render("x", {"extra": "1"}, allow_unused=True) == "x"
    with pytest.raises(kit.TemplateError, match="tests/expected.json"):
        kit.render("@@data@@", {"data": {"a": 1}})
    # shell and Python syntax pass through untouched: only @@identifier@@ is a placeholder
    text = 'echo "$@" "${a[@]}" user@host\n@pytest.fixture\n'
    assert kit.render(text, {}) == text


def test_levels_are_named_knobs_with_single_overrides():
    levels = kit.Levels(maps=(1, 2, 3), doors=(0, 2, 3))
    assert vars(levels.at("medium")) == {"maps": 2, "doors": 2}
    assert vars(levels.at("hard", {"doors": 1})) == {"maps": 3, "doors": 1}
    with pytest.raises(ValueError, match=r"unknown knob\(s\) \['door'\]"):
        levels.at("easy", {"door": 1})
    with pytest.raises(ValueError, match="knob 'maps'"):
        kit.Levels(maps=(1, 2))


def test_each_wrong_solution_is_the_reference_with_one_knob_flipped():
    knobs = {"op": kit.Knob("popleft()", "pop()", "depth-first"), "cut": kit.Knob("", "[:-1]", "drops a step")}
    solver = kit.Solver("#!/bin/bash\nq.@@op@@ @@base@@ x@@cut@@\n", knobs)
    files = solver.files({"base": "/app"}, {"dfs": "op", "short": "cut"})
    assert files["solution/solve.sh"] == "#!/bin/bash\nq.popleft() /app x\n"
    assert files["solution/wrong/dfs.sh"] == "#!/bin/bash\n# Known wrong: depth-first\nq.pop() /app x\n"
    assert files["solution/wrong/short.sh"].endswith("q.popleft() /app x[:-1]\n")
    with pytest.raises(kit.TemplateError, match="value 'unused' has no @@unused@@"):  # a knob that is no choice
        kit.Solver("#!/bin/bash\necho\n", {"unused": kit.Knob("a", "b", "")}).files({}, {"w": "unused"})


def test_digests_and_expected_data():
    files = {"environment/maps/a.map": "##\n", "environment/other.txt": "x", "tests/t.py": ""}
    d = kit.digests(files, "maps", "/srv/game/maps")
    assert d == {"/srv/game/maps/a.map": kit.sha256("##\n")}
    assert json.loads(kit.expected_file({"untouched": d})[kit.EXPECTED]) == {"untouched": d}
    with pytest.raises(ValueError, match="no files under environment/nothing/"):
        kit.digests(files, "nothing", "/x")
    assert kit.choose(random.Random(1), "one\n\ntwo\n") in ("one", "two")


# ---- folder families -------------------------------------------------------------------------------------------


def test_a_folder_family_is_named_by_its_folder():
    assert LOAD_ERRORS == {}
    fam = get_family("keys_doors_maze_routes")
    assert (fam.name, fam.domain, fam.folder) == (
        "keys_doors_maze_routes", "games", "litecoder_terminal.synth.procedural.games.keys_doors_maze_routes")
    kit_families = [f for f in families() if f.folder is not None]
    assert all(f.__module__ == f"{f.folder}.family" and f.folder.endswith(f".{f.domain}.{f.name}")
               for f in kit_families)


def test_a_name_that_contradicts_the_folder_is_refused():
    with pytest.raises(TypeError, match="differs from its folder"):
        type("Bad", (TaskFamily,), {"__module__": "pkg.games.real_name.family", "name": "other_name"})


@pytest.mark.parametrize("family", [f for f in families() if f.folder is not None], ids=lambda f: f.name)
def test_kit_families_declare_outputs_alt_solutions_and_specificity(family, tmp_path):
    for level, telling in (("easy", "full"), ("medium", "partial"), ("hard", "symptom")):
        task = family({"difficulty": level}).sample(5)
        lct = task.config.metadata["lct"]
        assert lct["specificity"] == telling
        assert lct["outputs"] and all(any(o == a or o.startswith(a + "/") for a in task.config.artifacts)
                                      for o in lct["outputs"])
        assert any(p.startswith("solution/alt/") for p in task.files)
        assert "@@" not in task.instruction and not any(
            "@@" in v for p, v in task.files.items() if isinstance(v, str) and p != "tests/lct_verify.py")
        d = write_task_dir(tmp_path / f"{level}", task.instruction, task.config, task.files)
        assert battery.declared_outputs(TaskDir(d.root).config()) == lct["outputs"]
        assert [n for n, _ in battery.alt_agents(TaskDir(d.root))]
    hard = family({"difficulty": "hard", "specificity": "full"}).sample(5)
    assert hard.config.metadata["lct"]["specificity"] == "full"


def test_kit_family_without_alt_or_outputs_is_refused(monkeypatch):
    fam = get_family("keys_doors_maze_routes")({"difficulty": "easy"})
    monkeypatch.setattr(type(fam), "alt_solutions", lambda self, **v: {})
    with pytest.raises(ValueError, match="at least one solution/alt"):
        fam.sample(1)


def test_knob_override_reaches_the_task():
    fam = get_family("keys_doors_maze_routes")
    task = fam({"difficulty": "easy", "knobs": {"maps": 2}}).sample(1)
    assert sum(p.startswith("environment/maps/") for p in task.files) == 2
    with pytest.raises(ValueError, match="keys_doors_maze_routes: unknown knob"):
        fam({"difficulty": "easy", "knobs": {"mapz": 2}}).sample(1)


# ---- lct_verify: expected data, untouched inputs, git refusals ---------------------------------------------------


@pytest.fixture
def lv(tmp_path, monkeypatch):
    path = tmp_path / "lct_verify.py"
    path.write_text(verifier_helper())
    spec = importlib.util.spec_from_file_location("lct_verify_kit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setattr(mod, "_is_root", lambda: False)
    return mod


def test_expected_and_untouched(lv, tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    a.write_text("A")
    b.write_text("B")
    c.symlink_to(a)
    digests = {str(a): kit.sha256("A"), str(b): kit.sha256("not B"), str(c): kit.sha256("A"),
               str(tmp_path / "gone"): kit.sha256("")}
    (tmp_path / "expected.json").write_text(json.dumps({"untouched": digests}))
    assert lv.expected()["untouched"] == digests
    assert lv.untouched() == sorted([str(b), str(c), str(tmp_path / "gone")])


def test_git_refuses_borrowed_objects_and_shallow_history(lv, tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert lv.git(str(repo), "status", "--porcelain").returncode == 0
    (repo / ".git" / "objects" / "info").mkdir(parents=True, exist_ok=True)
    (repo / ".git" / "objects" / "info" / "alternates").write_text("/elsewhere/objects\n")
    res = lv.git(str(repo), "log")
    assert res.returncode == 128 and "alternates" in res.stderr
    (repo / ".git" / "objects" / "info" / "alternates").unlink()
    (repo / ".git" / "shallow").write_text("0" * 40 + "\n")
    assert "shallow" in lv.git(str(repo), "log").stderr


def test_run_as_agent_refuses_root(lv):
    with pytest.raises(ValueError, match="never run as root"):
        lv.run_as_agent(["true"], user="root")


# ---- battery ---------------------------------------------------------------------------------------------------


def _mutate(kind, path):
    prog = battery.mutation_program()
    return subprocess.run([sys.executable, "-c", prog, kind, str(path)], capture_output=True, text=True)


def test_shape_keeps_structure_and_blanks_values(tmp_path):
    j = tmp_path / "r.json"
    j.write_text(json.dumps({"total": 12, "rows": [{"name": "a", "ok": True}]}))
    assert _mutate("shape", j).returncode == 0
    assert json.loads(j.read_text()) == {"total": 0, "rows": [{"name": "", "ok": False}]}
    csv = tmp_path / "t.csv"
    csv.write_text("id,score\n1,9.5\n")
    _mutate("shape", csv)
    assert csv.read_text() == "id,score\n0,0.0\n"
    route = tmp_path / "routes"
    route.mkdir()
    (route / "m.txt").write_text("UDLR\n")
    _mutate("shape", route)
    assert (route / "m.txt").read_text() == "xxxx\n"


def test_change_alters_exactly_one_value(tmp_path):
    j = tmp_path / "r.json"
    j.write_text(json.dumps({"name": "x", "n": 4}))
    _mutate("change", j)
    assert json.loads(j.read_text()) == {"name": "x", "n": 5}
    t = tmp_path / "t.txt"
    t.write_text("a 19\nb 29\n")
    _mutate("change", t)
    assert t.read_text() == "a 19\nb 20\n"
    m = tmp_path / "moves.txt"
    m.write_text("UUDR\n")
    _mutate("change", m)
    assert m.read_text() == "UUDU\n"
    empty = tmp_path / "e.txt"
    empty.write_text("")
    assert _mutate("change", empty).returncode == battery.NOTHING_TO_MUTATE
    assert _mutate("change", tmp_path / "missing").returncode == battery.NOTHING_TO_MUTATE


def test_delete_and_empty_commands(tmp_path):
    d = tmp_path / "out dir"
    d.mkdir()
    (d / "a").write_text("1")
    subprocess.run(["sh", "-c", battery.mutation_command("empty", str(d))], check=True)
    assert d.is_dir() and list(d.iterdir()) == []
    subprocess.run(["sh", "-c", battery.mutation_command("delete", str(d))], check=True)
    assert not d.exists()
    assert subprocess.run(["sh", "-c", battery.mutation_command("delete", str(d))]).returncode == 3


def test_mutation_agents_cover_every_output_and_kind(tmp_path):
    cfg = TaskConfig.model_validate({"metadata": {"lct": {"outputs": ["/app/a.json", "/app/out/"]}}})
    d = write_task_dir(tmp_path / "t", "x", cfg, {"environment/Dockerfile": "FROM debian:bookworm-slim\n",
                                                   "solution/solve.sh": "#!/bin/bash\n",
                                                   "solution/alt/b.sh": "#!/bin/bash\n",
                                                   "solution/alt/a.sh": "#!/bin/bash\n",
                                                   "tests/test.sh": "#!/bin/bash\n"})
    task = TaskDir(d.root)
    assert [p.name for p in battery.alt_solutions(task)] == ["a.sh", "b.sh"]
    agents = battery.mutation_agents(task, full=True)
    assert [n for n, _ in agents] == [f"mutate-{k}-{i}" for i in (1, 2) for k in battery.MUTATIONS]
    assert agents[-1][1].output == "/app/out"
    # the default: every output mutated, every kind used, max(outputs, kinds) trials
    agents = battery.mutation_agents(task)
    assert [(a.kind, a.output) for _, a in agents] == [("delete", "/app/a.json"), ("empty", "/app/out"),
                                                       ("shape", "/app/a.json"), ("change", "/app/out")]
    many = TaskConfig.model_validate({"metadata": {"lct": {"outputs": [f"/app/o{i}" for i in range(6)]}}})
    agents = battery.mutation_agents(task, many)
    assert len(agents) == 6 and {a.output for _, a in agents} == {f"/app/o{i}" for i in range(6)}
    assert {a.kind for _, a in agents} == set(battery.MUTATIONS)
    bad = TaskConfig.model_validate({"metadata": {"lct": {"outputs": ["relative.txt"]}}})
    with pytest.raises(ValueError, match="task.toml: .*absolute paths"):
        battery.declared_outputs(bad)
