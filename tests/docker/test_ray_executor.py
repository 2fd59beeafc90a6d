"""The Ray executor on a fake cluster (`ray.cluster_utils.Cluster`: a head without Docker slots and nodes offering
`docker` slots, all on this machine's engine): the same verdicts as the local executor on a mixed batch, and a node
removed mid-run costs only its in-flight tasks, retried on another node: every task still gets exactly one verdict
and one set of trial records."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from litecoder_terminal.gates import Verdict
from litecoder_terminal.runner.executors import RayExecutor
from litecoder_terminal.runner.jobs import validate_outcomes
from tests.conftest import make_task

pytestmark = pytest.mark.docker
MB = 2**20


@pytest.fixture(scope="module")
def cluster(engine):
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "object_store_memory": 80 * MB})
    for _ in range(2):
        c.add_node(num_cpus=1, object_store_memory=80 * MB, resources={"docker": 1})
    c.wait_for_nodes()
    ray.init(address=c.address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield c
    ray.shutdown()
    c.shutdown()


def _mixed(root: Path) -> list[Path]:
    return [
        make_task(root, "accepted-a"),
        make_task(root, "accepted-b", solve="printf 'hello\\n' > /root/out.txt"),
        make_task(root, "nop-passes", check="true"),
        make_task(root, "oracle-fails", solve="echo bye > /root/out.txt"),
        make_task(root, "wrong-passes", wrong={"same.sh": "echo hello > /root/out.txt"}),
    ]


def _summary(outcomes) -> dict[str, tuple[str, str | None, list[str]]]:
    return {o.verdict.name: (o.verdict.verdict.value, o.verdict.reasons[0].gate if o.verdict.reasons else None,
                             [t.gate for t in o.verdict.trials]) for o in outcomes}


@pytest.mark.timeout(900)
def test_ray_gives_the_same_verdicts_as_local(cluster, engine, tmp_path):
    tasks = _mixed(tmp_path / "tasks")
    local = validate_outcomes(tasks, engine=engine, job_dir=tmp_path / "local", jobs=2, repeats=1)
    with RayExecutor() as ex:
        remote = validate_outcomes(tasks, job_dir=tmp_path / "ray", repeats=1, executor=ex)
        nodes = {o.node for o in remote}
    assert _summary(remote) == _summary(local)
    assert _summary(local) == {
        "accepted-a": ("accepted", None, ["nop", "oracle"]), "accepted-b": ("accepted", None, ["nop", "oracle"]),
        "nop-passes": ("rejected", "nop", ["nop"]), "oracle-fails": ("rejected", "oracle", ["nop", "oracle"]),
        "wrong-passes": ("rejected", "wrong", ["nop", "oracle", "wrong"])}
    assert len(nodes) == 2  # both nodes took tasks
    result = json.loads((tmp_path / "ray" / "result.json").read_text())
    assert [t["verdict"] for t in result["tasks"]] == [o.verdict.verdict.value for o in local]
    assert result["executor"]["executor"] == "ray"


@pytest.mark.timeout(900)
def test_node_removed_mid_run_every_task_gets_one_verdict(cluster, tmp_path):
    extra = cluster.add_node(num_cpus=1, object_store_memory=80 * MB, resources={"docker": 1})
    cluster.wait_for_nodes()
    tasks = [make_task(tmp_path / "tasks", f"slow-{n}", solve="sleep 4; echo hello > /root/out.txt",
                       instruction=f"Task {n}: write the word hello to /root/out.txt.") for n in range(5)]
    lost, seen, killer = [], [], []
    with RayExecutor() as ex:
        victim = next(a for a in ex._actors.values() if a.node_id == extra.node_id)

        def kill_when_busy() -> None:
            for _ in range(600):
                if victim.inflight:
                    cluster.remove_node(extra)
                    return
                threading.Event().wait(0.1)

        killer.append(threading.Thread(target=kill_when_busy))
        killer[0].start()
        outcomes = validate_outcomes(tasks, job_dir=tmp_path / "job", repeats=1, executor=ex,
                                     on_done=lambda o: seen.append(o.verdict.name), on_lost=lost.append)
        killer[0].join()
    assert sorted(seen) == sorted(t.name for t in tasks)  # exactly one verdict each
    assert [o.verdict.verdict for o in outcomes] == [Verdict.ACCEPTED] * 5, [o.verdict.reasons for o in outcomes]
    assert lost and all(e.retried and e.node == victim.name for e in lost)
    assert all(outcomes[e.index].node != victim.name for e in lost)  # retried on another node
    for t in tasks:  # one set of trial records per task: nothing duplicated by the retry
        assert sorted(p.name.split("__")[1] for p in (tmp_path / "job").glob(f"{t.name}__*")) == ["nop-1", "oracle-1"]
    with sqlite3.connect(tmp_path / "job" / "ledger.sqlite") as db:
        assert db.execute("SELECT count(*) FROM verdicts").fetchone()[0] == 5


@pytest.mark.timeout(900)
def test_rollout_on_ray_matches_local(cluster, engine, tmp_path):
    from litecoder_terminal.runner.rollout import AgentFactory, run_rollout

    tasks = [make_task(tmp_path / "tasks", "good"), make_task(tmp_path / "tasks", "bad", solve="true")]
    local = run_rollout(tasks, AgentFactory("oracle"), agent_key="oracle", engine=engine, out_dir=tmp_path / "local",
                        attempts=2, jobs=2)
    with RayExecutor() as ex:
        remote = run_rollout(tasks, AgentFactory("oracle"), agent_key="oracle", engine=None,
                             out_dir=tmp_path / "ray", attempts=2, executor=ex)
    assert [(r["task"], r["rewards"]) for r in remote["tasks"]] == [(r["task"], r["rewards"]) for r in local["tasks"]]
    assert [(r["task"], r["rewards"]) for r in local["tasks"]] == [("good", [1.0, 1.0]), ("bad", [0.0, 0.0])]
    assert sorted(p.name for p in (tmp_path / "ray").glob("*__*")) == ["bad__1", "bad__2", "good__1", "good__2"]
