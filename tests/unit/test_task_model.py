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
