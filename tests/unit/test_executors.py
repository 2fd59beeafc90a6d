"""Executors without Docker: the local pool and Ray's node actors (a fake 2-node `ray.cluster_utils.Cluster` whose
nodes hold an in-memory engine) give every item exactly one result; a node removed mid-run costs only its in-flight
items, which are retried on another node and reported as losses; a node that does not share the job dir gets its
inputs shipped in and sends its outputs back. Also: the dataset digest is Harbor's."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from litecoder_terminal.runner.executors import LocalExecutor, NodeContext, RayExecutor, tar_paths, untar_paths


def _engine(run_id: str):
    from litecoder_terminal.sandbox.fake import FakeEngine

    return FakeEngine()


def _square(node: NodeContext, item: tuple[int, float]) -> tuple[int, str]:
    n, pause = item
    if n < 0:
        raise RuntimeError(f"bad item {n}")
    time.sleep(pause)
    return n * n, node.node


def _write(node: NodeContext, item: tuple[str, str]) -> str:
    """Reads its input dir, writes a 'trial dir' into the job dir."""
    src, job = Path(item[0]), Path(item[1])
    out = job / f"{src.name}__trial"
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text((src / "task.toml").read_text().upper())
    return str(out)


def test_local_executor_yields_each_item_once_and_a_raising_item_as_lost_result():
    ex = LocalExecutor(engine=None, jobs=3)
    ex.node = NodeContext(_engine("x"), "local")
    items = [(n, 0.01) for n in range(8)] + [(-1, 0.0)]
    got = dict(ex.run(_square, items, lost_result=lambda item, cause: ("lost", cause)))
    assert sorted(got) == list(range(9))
    assert [got[i][0] for i in range(8)] == [n * n for n in range(8)]
    assert got[8][0] == "lost" and "bad item -1" in got[8][1]


def test_node_context_holds_and_once():
    node = NodeContext(_engine("x"), "n")
    node.hold("img")
    node.hold("img")
    assert node.release("img") is False and node.release("img") is True
    calls = []

    def make():
        calls.append(1)
        time.sleep(0.05)
        return "built"

    threads = [threading.Thread(target=lambda: node.once("k", make)) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert calls == [1] and node.once("k", make) == "built"
    assert node.register_layers(["a", "b"]) == (set(), True)
    assert node.register_layers(["a", "c"]) == ({"a"}, False)


def test_tar_round_trip_keeps_absolute_paths(tmp_path):
    (tmp_path / "t" / "sub").mkdir(parents=True)
    (tmp_path / "t" / "sub" / "f.txt").write_text("x")
    data = tar_paths([tmp_path / "t", tmp_path / "missing"])
    dest = tmp_path / "root"
    untar_paths(data, dest)
    assert (dest / str(tmp_path).lstrip("/") / "t" / "sub" / "f.txt").read_text() == "x"


@pytest.fixture(scope="module")
def fake_cluster():
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * 2**20})
    nodes = [cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20, resources={"docker": 2}) for _ in range(2)]
    ray.init(address=cluster.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield cluster, nodes
    ray.shutdown()
    cluster.shutdown()


@pytest.mark.timeout(300)
def test_ray_executor_spreads_items_over_nodes(fake_cluster):
    with RayExecutor(engine_factory=_engine) as ex:
        assert len([n for n in ex.describe()["nodes"] if n["alive"]]) >= 2
        items = [(n, 0.2) for n in range(10)] + [(-1, 0.0)]
        got = dict(ex.run(_square, items, lost_result=lambda item, cause: ("lost", cause)))
    assert sorted(got) == list(range(11))
    assert [got[i][0] for i in range(10)] == [n * n for n in range(10)]
    assert len({got[i][1] for i in range(10)}) == 2  # both nodes worked
    assert got[10][0] == "lost" and "bad item -1" in got[10][1]  # a raising function is a result, not a verdict


@pytest.mark.timeout(300)
def test_ray_node_removed_mid_run_every_item_once(fake_cluster):
    cluster, _ = fake_cluster
    extra = cluster.add_node(num_cpus=1, object_store_memory=80 * 2**20, resources={"docker": 2})
    cluster.wait_for_nodes()
    lost = []
    with RayExecutor(engine_factory=_engine) as ex:
        victim = next(a for a in ex._actors.values() if a.node_id == extra.node_id)
        items = [(n, 1.5) for n in range(12)]
        results: dict[int, object] = {}
        killer = None
        for i, r in ex.run(_square, items, lost_result=lambda item, cause: ("lost", cause), on_lost=lost.append):
            assert i not in results, f"item {i} answered twice"
            results[i] = r
            if killer is None and victim.inflight > 0:
                killer = threading.Thread(target=cluster.remove_node, args=(extra,))
                killer.start()
        killer.join()
    assert sorted(results) == list(range(12))
    assert all(results[i][0] == i * i for i in range(12)), results  # retried elsewhere, none given up
    assert lost and all(e.retried and victim.name == e.node for e in lost)
    assert all(results[e.index][1] != victim.name for e in lost)


@pytest.mark.timeout(300)
def test_ray_ships_inputs_and_outputs_when_the_job_dir_is_not_shared(fake_cluster, tmp_path):
    tasks = []
    for n in range(3):
        d = tmp_path / "tasks" / f"t{n}"
        d.mkdir(parents=True)
        (d / "task.toml").write_text(f"name = 't{n}'\n")
        tasks.append(d)
    job = tmp_path / "job"
    with RayExecutor(engine_factory=_engine, shared_fs=False) as ex:
        out = dict(ex.run(_write, [(str(t), str(job)) for t in tasks], lost_result=lambda i, c: c, job_dir=job,
                          ship_paths=lambda item: [Path(item[0])],
                          result_paths=lambda item, res: [Path(res)]))
    for n in range(3):  # back in the job dir, from the node's tar
        assert (job / f"t{n}__trial" / "result.json").read_text() == f"NAME = 'T{n}'\n"
        assert out[n] == str(job / f"t{n}__trial")
    # on one machine "the node" and the driver share paths: the node cleaned up its copy of each input
    assert not any(t.exists() for t in tasks)


def test_task_digest_matches_harbor_packager_rules(tmp_path):
    """Harbor 0.26's Packager: task.toml, instruction.md and the environment/tests/solution trees, minus the default
    ignores and .harborignore'd files in tests/ and solution/; sha256 over `rel\\0sha256(file)\\n`."""
    import hashlib

    from litecoder_terminal.export.dataset import package_files, task_digest

    t = tmp_path / "task"
    for rel, text in {"task.toml": "x", "instruction.md": "do it", "environment/Dockerfile": "FROM x",
                      "tests/test.sh": "t", "tests/.harborignore": "secret.txt\n", "tests/secret.txt": "s",
                      "solution/solve.sh": "s", "solution/__pycache__/a.pyc": "c", "notes.txt": "not packaged"}.items():
        (t / rel).parent.mkdir(parents=True, exist_ok=True)
        (t / rel).write_text(text)
    rels = [p.relative_to(t).as_posix() for p in package_files(t)]
    assert rels == ["environment/Dockerfile", "instruction.md", "solution/solve.sh", "task.toml", "tests/test.sh"]
    outer = hashlib.sha256()
    for rel in rels:
        outer.update(f"{rel}\0{hashlib.sha256((t / rel).read_bytes()).hexdigest()}\n".encode())
    assert task_digest(t) == "sha256:" + outer.hexdigest()


def test_corpus_refuses_other_arguments_and_synth_without_model(tmp_path):
    from typer.testing import CliRunner

    from litecoder_terminal.cli import app
    from litecoder_terminal.runner.corpus import CorpusError, CorpusSettings, _save_state, _state

    a = CorpusSettings(out=tmp_path / "c", count=5, seed=1)
    _save_state(a, _state(a))
    with pytest.raises(CorpusError, match=r"count=5 there, 6 now"):
        _state(CorpusSettings(out=tmp_path / "c", count=6, seed=1))
    res = CliRunner().invoke(app, ["corpus", "build", "--count", "1", "--out", str(tmp_path / "s"), "--source", "synth"])
    assert res.exit_code == 2 and "--source synth needs --model" in res.output


def test_task_name_and_digest_checks(tmp_path):
    import tomllib

    from litecoder_terminal.export.dataset import check_digests, set_task_name, task_digest, write_dataset_toml

    t = tmp_path / "ds" / "tasks" / "a"
    (t / "environment").mkdir(parents=True)
    (t / "task.toml").write_text('schema_version = "1.4"\n\n[metadata]\ndifficulty = "easy"\n')
    (t / "instruction.md").write_text("x\n")
    (t / "environment" / "Dockerfile").write_text("FROM x\n")
    set_task_name(t, "lct/a")
    set_task_name(t, "lct/a")  # idempotent
    raw = tomllib.loads((t / "task.toml").read_text())
    assert raw["task"] == {"name": "lct/a"} and raw["metadata"] == {"difficulty": "easy"}
    with pytest.raises(ValueError, match="org/name"):
        set_task_name(t, "no-slash")
    rows = [{"name": "lct/a", "digest": task_digest(t)}]
    write_dataset_toml(tmp_path / "ds", "lct/ds", rows, "d", {"k": 1})
    (tmp_path / "ds" / "data").mkdir()
    (tmp_path / "ds" / "data" / "tasks.jsonl").write_text('{"name": "lct/a", "digest": "%s"}\n' % rows[0]["digest"])
    assert check_digests(tmp_path / "ds") == (1, [])
    u = tmp_path / "ds" / "tasks" / "b"
    u.mkdir()
    (u / "task.toml").write_text('[task]\nname = "lct/b"\n')
    n, problems = check_digests(tmp_path / "ds")
    assert n == 1 and len(problems) == 1 and "'lct/b' is not in dataset.toml" in problems[0]
