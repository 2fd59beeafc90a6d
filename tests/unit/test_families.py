"""Every procedural family: complete, deterministic, seed-dependent, lint-clean; the generator's contract."""

import hashlib
import re
import subprocess
import sys

import pytest

from litecoder_terminal.spec import SpecError, builtin_specs, load_spec
from litecoder_terminal.synth.procedural.dedup import NearDuplicateFilter, diversity
from litecoder_terminal.synth.procedural.generate import generate
from litecoder_terminal.synth.procedural.registry import LOAD_ERRORS, families
from litecoder_terminal.task import write_task_dir
from litecoder_terminal.task.lint import lint_task

ALL = families()
LEVELS = ["easy", "medium", "hard"]


def test_no_family_module_failed_to_load():
    assert LOAD_ERRORS == {}


def test_every_domain_has_four_families_and_a_multi_stage_one():
    specs = builtin_specs()
    assert len(specs) == 10
    for domain in specs:
        fams = [f for f in ALL if f.domain == domain]
        assert len(fams) >= 4, (domain, [f.name for f in fams])
        assert any(f.multi_stage for f in fams), domain
    for domain in ("games", "networking"):
        assert any(f.interactive for f in ALL if f.domain == domain), domain


def _files(task):
    return {k: (v.encode() if isinstance(v, str) else v) for k, v in task.files.items()}


@pytest.mark.parametrize("family", ALL, ids=lambda f: f.name)
def test_same_seed_same_bytes_and_seeds_differ(family):
    for level in LEVELS:
        fam = family({"difficulty": level})
        a, b, c = fam.sample(11), fam.sample(11), fam.sample(12)
        assert _files(a) == _files(b) and a.instruction == b.instruction and a.config == b.config
        fa, fc = _files(a), _files(c)
        data_a = {k: v for k, v in fa.items() if k.startswith("environment/") and k != "environment/Dockerfile"}
        data_c = {k: v for k, v in fc.items() if k.startswith("environment/") and k != "environment/Dockerfile"}
        tests_a = {k: v for k, v in fa.items() if k.startswith("tests/")}
        tests_c = {k: v for k, v in fc.items() if k.startswith("tests/")}
        assert data_a != data_c or fa["environment/Dockerfile"] != fc["environment/Dockerfile"], \
            f"{family.name}/{level}: different seeds gave the same inputs"
        assert tests_a != tests_c or a.instruction != c.instruction, \
            f"{family.name}/{level}: different seeds gave the same expected answers"


@pytest.mark.parametrize("family", ALL, ids=lambda f: f.name)
def test_wrong_solutions_differ_from_reference_and_tasks_lint_clean(family, tmp_path):
    for level in LEVELS:
        task = family({"difficulty": level}).sample(3)
        wrong = {k: v for k, v in task.files.items() if k.startswith("solution/wrong/")}
        assert len(wrong) >= 2
        ref = task.files["solution/solve.sh"]
        assert all(v != ref for v in wrong.values())
        assert len({hashlib.sha256(v.encode() if isinstance(v, str) else v).hexdigest() for v in wrong.values()}) == len(wrong)
        d = write_task_dir(tmp_path / f"{family.name}-{level}", task.instruction, task.config, task.files)
        errors = [str(f) for f in lint_task(d.root) if f.severity.value == "error"]
        assert errors == []
        assert task.config.environment.network_mode.value == "no-network"


def _commands(script: str) -> int:
    n = 0
    for line in script.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and line not in ("{", "}", "fi", "done", "then", "else", "esac", ")"):
            n += 1
    return n


@pytest.mark.parametrize("family", [f for f in ALL if f.multi_stage], ids=lambda f: f.name)
def test_multi_stage_reference_is_long(family):
    task = family({"difficulty": "hard"}).sample(5)
    assert _commands(task.files["solution/solve.sh"]) >= 15


def test_difficulty_changes_the_work():
    changed = 0
    for family in ALL:
        easy, hard = family({"difficulty": "easy"}).sample(1), family({"difficulty": "hard"}).sample(1)
        if _commands(easy.files["solution/solve.sh"]) != _commands(hard.files["solution/solve.sh"]) or \
                sum(map(len, _files(easy).values())) != sum(map(len, _files(hard).values())):
            changed += 1
    assert changed == len(ALL)


def test_generate_is_byte_identical_and_seed_sensitive(tmp_path):
    generate(tmp_path / "a", count=12, seed=5)
    generate(tmp_path / "b", count=12, seed=5)
    generate(tmp_path / "c", count=12, seed=6)

    def tree(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert tree(tmp_path / "a") != tree(tmp_path / "c")
    manifest = (tmp_path / "a" / "manifest.jsonl").read_text().splitlines()
    assert len(manifest) == 12
    assert len({line.split('"domain": "')[1].split('"')[0] for line in manifest}) == 10  # one per domain first


def test_generate_cli_per_family_and_bad_spec(tmp_path):
    out = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "generate", "--per-family", "1", "--out",
                          str(tmp_path / "g")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert len((tmp_path / "g" / "manifest.jsonl").read_text().splitlines()) == len(ALL)
    assert re.search(r"diversity \d\.\d+", out.stdout.replace("\n", " "))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: My Domain\ntitle: x\n")
    out = subprocess.run([sys.executable, "-m", "litecoder_terminal.cli", "domains", "--spec", str(bad)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and "bad.yaml" in out.stderr and "name" in out.stderr


def test_user_spec_loads(tmp_path):
    p = tmp_path / "robotics.yaml"
    p.write_text("name: robotics\ntitle: Robotics\ndescription: d\nsubtopics: [ros]\nskills: [s]\ntools: [python3]\n"
                 "difficulty: {easy: a, medium: b, hard: c}\n")
    assert load_spec(p).name == "robotics"
    p.write_text("name: robotics\ntitle: R\ndescription: d\nsubtopics: [a]\nskills: [s]\ntools: [t]\ndifficulty: {easy: a}\n")
    with pytest.raises(SpecError, match="robotics.yaml.*difficulty"):
        load_spec(p)


def test_near_duplicates_are_rejected_and_diversity_measured():
    f = NearDuplicateFilter(0.85)
    base = "Count the 5xx requests in /var/log/app.log and write /app/out.csv with header status,count sorted by count."
    assert f.admit("a", base)
    assert not f.admit("b", base + " Thanks.")
    assert f.admit("c", "Train a logistic regression on /data/train.csv and write predictions for /data/test.csv.")
    assert diversity([base, base]) == 0.0
    assert 0.9 < diversity([base, "Resolve the merge conflict in config.yaml keeping the release branch values."]) <= 1.0
