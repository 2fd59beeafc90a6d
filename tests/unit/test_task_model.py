import pytest

from litecoder_terminal.task import NetworkMode, TaskConfig, TaskDir, TaskLoadError, find_task_dirs, write_task_dir


def test_schema_1_0_version_key_and_legacy_fields():
    cfg = TaskConfig.from_toml(
        'version = "1.0"\n[environment]\nallow_internet = false\nmemory = "2G"\nstorage = "512M"\n')
    assert cfg.schema_version == "1.0"
    assert cfg.environment.network_mode is NetworkMode.NO_NETWORK
    assert cfg.environment.memory_mb == 2048 and cfg.environment.storage_mb == 512
    # allow_internet = true maps to public; an explicit network_mode wins over it
    assert TaskConfig.from_toml("[environment]\nallow_internet = true\n").environment.network_mode is NetworkMode.PUBLIC
    cfg = TaskConfig.from_toml('[environment]\nallow_internet = true\nnetwork_mode = "no-network"\n')
    assert cfg.environment.network_mode is NetworkMode.NO_NETWORK


def test_conflicting_legacy_memory_is_an_error():
    with pytest.raises(ValueError):
        TaskConfig.from_toml('[environment]\nmemory = "1G"\nmemory_mb = 512\n')


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2", "1.3", "1.4"])
def test_accepts_every_schema_version(version):
    assert TaskConfig.from_toml(f'schema_version = "{version}"\n').schema_version == version


def test_round_trip_keeps_unknown_fields():
    text = ('schema_version = "1.4"\nsource = "x"\nfuture_root = 3\n[metadata]\ndifficulty = "hard"\n'
            'custom = {a = 1}\n[verifier]\ntimeout_sec = 30.0\nfuture_flag = true\n'
            '[environment]\ncpus = 2\nweird = ["a", "b"]\n[brand_new_table]\nx = "y"\n')
    cfg = TaskConfig.from_toml(text)
    again = TaskConfig.from_toml(cfg.to_toml())
    dumped = again.model_dump(exclude_none=True)
    assert dumped["future_root"] == 3
    assert dumped["brand_new_table"] == {"x": "y"}
    assert dumped["verifier"]["future_flag"] is True
    assert dumped["environment"]["weird"] == ["a", "b"]
    assert dumped["metadata"]["custom"] == {"a": 1}
    assert again.verifier.timeout_sec == 30.0 and again.environment.cpus == 2


def test_phase_network_override():
    cfg = TaskConfig.from_toml('[environment]\nnetwork_mode = "no-network"\n[verifier]\nnetwork_mode = "public"\n')
    assert cfg.phase_network("agent") is NetworkMode.NO_NETWORK
    assert cfg.phase_network("verifier") is NetworkMode.PUBLIC


def test_invalid_toml_names_file_and_line(tmp_path):
    (tmp_path / "task.toml").write_text('schema_version = "1.4"\n[verifier\ntimeout_sec = 1\n')
    with pytest.raises(TaskLoadError) as e:
        TaskDir(tmp_path).config()
    assert e.value.file == tmp_path / "task.toml" and e.value.line == 2
    assert "task.toml:2" in str(e.value)


def test_schema_error_names_the_field(tmp_path):
    (tmp_path / "task.toml").write_text('[verifier]\ntimeout_sec = "soon"\n')
    with pytest.raises(TaskLoadError, match="verifier.timeout_sec"):
        TaskDir(tmp_path).config()


def test_write_and_find_task_dirs(tmp_path):
    write_task_dir(tmp_path / "a" / "t1", "do it", TaskConfig(), {"tests/test.sh": "#!/bin/bash\n", "x/data.txt": "1"})
    write_task_dir(tmp_path / "b", "do it", TaskConfig(), {})
    found = find_task_dirs([tmp_path])
    assert found == [tmp_path / "a" / "t1", tmp_path / "b"]
    t = TaskDir(tmp_path / "a" / "t1")
    assert t.test_path.stat().st_mode & 0o111 and not (t.root / "x/data.txt").stat().st_mode & 0o111
    assert t.instruction() == "do it\n"
    h = t.content_hash()
    (t.root / "x/data.txt").write_text("2")
    assert t.content_hash() != h


MULTI = '''
multi_step_reward_strategy = "final"
[verifier]
timeout_sec = 30
env = {A = "1"}
[[steps]]
name = "one"
min_reward = 1.0
[steps.verifier]
env = {B = "2"}
[[steps]]
name = "two"
artifacts = ["/app/out"]
min_reward = {reward = 0.5, style = 1.0}
[steps.agent]
timeout_sec = 5
'''


def test_multi_step_config_as_harbor_reads_it():
    cfg = TaskConfig.from_toml(MULTI)
    one, two = cfg.steps
    assert cfg.is_multi_step and [s.name for s in cfg.steps] == ["one", "two"]
    s1 = cfg.step_config(one)
    assert s1.verifier.env == {"A": "1", "B": "2"} and s1.verifier.timeout_sec == 30 and s1.steps is None
    s2 = cfg.step_config(two)
    assert s2.agent.timeout_sec == 5 and s2.agent_timeout_sec == 5 and s2.artifacts == ["/app/out"]
    # min_reward: a float gates `reward`, a dict each key; a missing key is -inf (Harbor's rule)
    assert one.min_reward_failure({"reward": 1.0}) is None and "below min_reward" in one.min_reward_failure({"reward": 0})
    assert "style" in two.min_reward_failure({"reward": 1.0})
    # rewards combine: final = the last step's; mean (default) = per-key mean, a missing key counts 0
    assert cfg.combine_step_rewards([{"reward": 1.0}, {"reward": 0.0}]) == {"reward": 0.0}
    mean = TaskConfig.from_toml(MULTI.replace('"final"', '"mean"'))
    assert mean.combine_step_rewards([{"reward": 1.0, "x": 1.0}, None, {"reward": 0.0}]) == {"reward": 0.5, "x": 0.5}
    assert mean.combine_step_rewards([None]) is None
    again = TaskConfig.from_toml(cfg.to_toml())
    assert [s.name for s in again.steps] == ["one", "two"] and again.steps[1].min_reward == {"reward": 0.5, "style": 1.0}


@pytest.mark.parametrize("bad", ["a/b", "..", "CON", "x.", ""])
def test_step_names_must_be_portable(bad):
    with pytest.raises(ValueError):
        TaskConfig.from_toml(f'[[steps]]\nname = "{bad}"\n')


def test_step_names_unique_ignoring_case():
    with pytest.raises(ValueError, match="unique"):
        TaskConfig.from_toml('[[steps]]\nname = "Build"\n[[steps]]\nname = "build"\n')


def test_unknown_fields_named_harbor_ones_not(tmp_path):
    cfg = TaskConfig.from_toml('typo_root = 1\n[task]\nname = "o/t"\n[environment]\nos = "linux"\nmcp_servers = []\n'
                               'cpu = 2\n[verifier]\ncollect = []\n[[steps]]\nname = "s"\nbogus = 1\n')
    assert cfg.unknown_fields() == ["typo_root", "environment.cpu", "steps[0].bogus"]


def test_step_dir_views(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.sh").write_text("shared\n")
    (tmp_path / "tests" / "test.sh").write_text("shared test\n")
    (tmp_path / "solution").mkdir()
    (tmp_path / "solution" / "solve.sh").write_text("task-level\n")
    step = TaskDir(tmp_path).step("one")
    (step.dir / "tests").mkdir(parents=True)
    (step.dir / "tests" / "test.sh").write_text("step test\n")
    assert step.name == f"{tmp_path.name}/one" and step.instruction_path == tmp_path / "steps/one/instruction.md"
    assert step.solve_path == tmp_path / "solution" / "solve.sh"  # no step solution: the task's, as Harbor's oracle
    (step.dir / "solution").mkdir()
    assert step.solution_dir == step.dir / "solution"
    merged = step.merged_tests(tmp_path / "merged")
    assert (merged.tests_dir / "helpers.sh").read_text() == "shared\n"
    assert (merged.tests_dir / "test.sh").read_text() == "step test\n"  # the step's own wins
