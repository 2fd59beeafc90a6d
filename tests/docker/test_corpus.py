"""`lct corpus build` end to end on real containers: a source whose first round has a broken candidate makes the
build refill until the count is accepted; the dataset (tasks/, data/tasks.jsonl, dataset.toml, RL manifest, card)
loads with `datasets.load_dataset`; a rerun resumes from the ledger without validating again; `lct corpus verify`
catches a changed task and re-validates a sample. The CLI builds a small procedural corpus and removes its images."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecoder_terminal.cli import app
from litecoder_terminal.export.dataset import check_digests, task_digest
from litecoder_terminal.runner import corpus as corpus_mod
from litecoder_terminal.runner.corpus import Candidate, CorpusEvents, CorpusSettings, build_corpus, verify_corpus
from litecoder_terminal.runner.executors import LocalExecutor
from tests.conftest import make_task

pytestmark = pytest.mark.docker
REPO = Path(__file__).resolve().parents[2]


def _tiny_source(settings: CorpusSettings, r: int, count: int, engine) -> list[Candidate]:
    """Round 0: two good tasks and one whose reference solution fails; later rounds: good tasks."""
    root = settings.out / "src" / f"round-{r}"
    out = []
    for n in range(count):
        bad = r == 0 and n == 1
        tid = f"r{r}-t{n}"
        path = root / tid
        if not path.exists():
            make_task(root, tid, solve="echo bye > /root/out.txt" if bad else "echo hello > /root/out.txt",
                      instruction=f"Round {r}, task {n}: write the word hello to /root/out.txt.",
                      config={"metadata": {"category": "tiny", "difficulty": ["easy", "medium"][n % 2]}})
        out.append(Candidate(tid, "tiny", "hello", ["easy", "medium"][n % 2], n, path, r))
    return out


@pytest.fixture(scope="module")
def built(engine, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus") / "tiny"
    settings = CorpusSettings(out=out, count=3, seed=1, repeats=1, name="lct/tiny")
    done = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(corpus_mod, "_generate_round", _tiny_source)
        stats = build_corpus(settings, executor=LocalExecutor(engine, 2), engine=engine,
                             events=CorpusEvents(verdict=done.append))
    return out, stats, done, settings


def test_build_refills_until_count_accepted(built):
    out, stats, done, _ = built
    assert stats["count"] == 3 and stats["rounds"] == 2
    assert stats["gates"]["rejected_at"] == {"oracle": 1}
    assert sorted(p.name for p in (out / "tasks").iterdir()) == ["r0-t0", "r0-t2", "r1-t0"]
    rows = [json.loads(x) for x in (out / "data" / "tasks.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["r0-t0", "r0-t2", "r1-t0"]
    for r in rows:
        assert r["name"] == f"lct/{r['id']}" and r["digest"] == task_digest(out / r["path"])
        assert r["verdict"]["verdict"] == "accepted" and r["verdict"]["gates_passed"] == ["lint", "build", "nop", "oracle"]
        assert [t["gate"] for t in r["verdict"]["trials"]] == ["nop", "oracle"]
    manifest = tomllib.loads((out / "dataset.toml").read_text())
    assert manifest["dataset"]["name"] == "lct/tiny"
    assert [(t["name"], t["digest"]) for t in manifest["tasks"]] == [(r["name"], r["digest"]) for r in rows]
    assert tomllib.loads((out / "tasks" / "r0-t0" / "task.toml").read_text())["task"]["name"] == "lct/r0-t0"
    rl = [json.loads(x) for x in (out / "rl" / "manifest.jsonl").read_text().splitlines()]
    assert [r["path"] for r in rl] == [f"tasks/{x['id']}" for x in rows]
    card = (out / "README.md").read_text()
    assert "| tiny | 3 |" in card and "harbor run --path" in card


def test_dataset_loads_with_hf_datasets(built):
    datasets = pytest.importorskip("datasets")
    out = built[0]
    ds = datasets.load_dataset(str(out), split="train")
    assert ds.num_rows == 3 and set(ds["domain"]) == {"tiny"}
    assert ds[0]["verdict"]["trials"][1]["reward"] == 1.0
    rl = datasets.load_dataset(str(out), "rl", split="train")
    assert rl.num_rows == 3


def test_rerun_resumes_from_the_ledger(built, engine, monkeypatch):
    out = built[0]
    monkeypatch.setattr(corpus_mod, "_generate_round", _tiny_source)
    again = []
    stats = build_corpus(CorpusSettings(out=out, count=3, seed=1, repeats=1, name="lct/tiny"),
                         executor=LocalExecutor(engine, 2), engine=engine, events=CorpusEvents(verdict=again.append))
    assert stats["count"] == 3 and again and all(o.resumed for o in again)


def test_verify_catches_a_changed_task_and_revalidates_a_sample(built, engine, tmp_path):
    out = built[0]
    assert check_digests(out) == (3, [])
    rep = verify_corpus(out, sample=1, seed=0, executor=LocalExecutor(engine, 1), engine=engine,
                        job_dir=tmp_path / "verify")
    assert rep["digest_problems"] == [] and rep["revalidated"] == 1 and rep["not_accepted"] == []
    victim = out / "tasks" / "r0-t2" / "instruction.md"
    original = victim.read_text()
    victim.write_text(original + "\nchanged\n")
    try:
        n, problems = check_digests(out)
        assert n == 3 and len(problems) == 1 and "r0-t2" in problems[0] and "digest" in problems[0]
    finally:
        victim.write_text(original)


@pytest.mark.harbor
def test_harbor_reads_the_manifest_and_agrees_on_digests(built):
    python = REPO / ".cache" / "harbor-venv-0.26" / "bin" / "python"
    if not python.exists():
        pytest.skip("Harbor 0.26 venv missing (scripts/harbor-venv.sh)")
    out = built[0]
    code = ("import sys, json; from pathlib import Path\n"
            "from harbor.models.dataset.manifest import DatasetManifest\n"
            "from harbor.publisher.packager import Packager\n"
            "m = DatasetManifest.from_toml_file(Path(sys.argv[1]) / 'dataset.toml')\n"
            "print(json.dumps({'hash': m.compute_content_hash(), 'ok': [('sha256:' + Packager.compute_content_hash("
            "Path(sys.argv[1]) / 'tasks' / t.short_name)[0]) == t.digest for t in m.tasks]}))")
    res = subprocess.run([str(python), "-c", code, str(out)], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    got = json.loads(res.stdout)
    assert got["ok"] == [True, True, True]
    assert got["hash"] == built[1]["dataset_hash"]


@pytest.mark.timeout(1800)
def test_cli_builds_a_procedural_corpus_and_removes_images(engine, tmp_path):
    out = tmp_path / "proc"
    res = CliRunner().invoke(app, ["corpus", "build", "--count", "2", "--seed", "7", "--out", str(out),
                                   "--repeats", "1", "--jobs", "2"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "data" / "tasks.jsonl").read_text().splitlines()]
    assert len(rows) == 2 and all(r["family"] and r["difficulty"] for r in rows)
    stats = json.loads((out / ".lct-corpus" / "stats.json").read_text())
    # every task image but the engine's first (kept: it holds the shared layers) was removed after its verdict
    assert stats["disk"]["measured"] >= 1 and stats["disk"]["images_removed"] == stats["gates"]["validated"] - 1
    assert stats["disk"]["extra_max"] < 5 * 2**20  # the goal: at most 5 MB per task over the shared layers
    res = CliRunner().invoke(app, ["corpus", "verify", str(out), "--sample", "0"])
    assert res.exit_code == 0 and "2 task digest(s) checked, 0 problem(s)" in res.output, res.output


@pytest.mark.timeout(1800)
def test_cli_corpus_from_the_llm_pipeline(engine, tmp_path):
    """`--source synth` runs `lct synth`'s pipeline (here against the scripted server of tests/docker/test_synth_llm.py)
    and re-validates what it accepted before it enters the corpus."""
    from litecoder_terminal.llm.scripted import ScriptedLLMServer
    from tests.docker.test_synth_llm import scripted_model

    out = tmp_path / "synth"
    with ScriptedLLMServer() as srv:
        scripted_model(srv)
        res = CliRunner().invoke(app, ["corpus", "build", "--count", "1", "--out", str(out), "--source", "synth",
                                       "--domain", "data_science", "--model", "openai/scripted", "--api-base", srv.url,
                                       "--repeats", "1"])
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "data" / "tasks.jsonl").read_text().splitlines()]
    assert len(rows) == 1 and rows[0]["domain"] == "data_science" and rows[0]["verdict"]["verdict"] == "accepted"
    assert json.loads((out / ".lct-corpus" / "stats.json").read_text())["source"] == "synth"
    assert check_digests(out) == (1, [])
