"""`lct offline` without Docker: what test.sh loses and keeps, what gets pinned, what the verifier image and task.toml
become, and what is reported as not converted."""

import json
import tomllib
from pathlib import Path

from litecoder_terminal.task.lint import lint_task
from litecoder_terminal.task.offline import (
    VENV,
    convert_task,
    convert_tasks,
    guess_artifacts,
    pin_packages,
    rewrite_test_script,
)
from litecoder_terminal.task.model import TaskConfig, TaskDir
from tests.conftest import make_task

TB2 = """#!/bin/bash

apt-get update
apt-get install -y curl

curl -LsSf https://astral.sh/uv/0.9.5/install.sh | sh

source $HOME/.local/bin/env

uvx \\
  -p 3.13 \\
  -w pytest==8.4.1 \\
  -w pytest-json-ctrf==0.3.5 \\
  pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA

if [ $? -eq 0 ]; then
  echo 1 > /logs/verifier/reward.txt
else
  echo 0 > /logs/verifier/reward.txt
fi
"""
UV_PROJECT = """#!/bin/bash
apt-get update && apt-get install -y curl jq
curl -LsSf https://astral.sh/uv/0.7.13/install.sh | sh
source $HOME/.local/bin/env
uv init
uv add pytest==8.4.1 requests==2.32.3
uv run pytest /tests/test_outputs.py -rA
"""


def test_tb2_template():
    rw = rewrite_test_script(TB2)
    assert sorted(rw.packages) == ["pytest-json-ctrf==0.3.5", "pytest==8.4.1"] and rw.python == "3.13"
    assert not rw.unconverted and rw.apt == []
    assert "astral.sh" not in rw.text and "apt-get" not in rw.text and "uvx" not in rw.text
    assert f"{VENV}/bin/pytest --ctrf /logs/verifier/ctrf.json /tests/test_outputs.py -rA" in rw.text
    assert rw.text.splitlines()[1].startswith(f'export PATH="{VENV}/bin:$PATH"')
    assert "if [ $? -eq 0 ]; then" in rw.text  # the reward logic is kept as written


def test_uv_project_template_and_apt_tools():
    rw = rewrite_test_script(UV_PROJECT)
    assert rw.packages == ["pytest==8.4.1", "requests==2.32.3"] and rw.apt == ["jq"]
    assert rw.text.rstrip().splitlines()[-1] == "pytest /tests/test_outputs.py -rA"
    assert not rw.unconverted


def test_pip_install_and_what_cannot_be_converted():
    rw = rewrite_test_script("#!/bin/bash\npip3 install --break-system-packages -q numpy==1.26.4 pytest\n"
                             "git clone https://github.com/x/y /tmp/y\ncurl -fsSL https://x.example/setup.sh | bash\n"
                             "python3 -m pytest /tests\n")
    assert rw.packages == ["numpy==1.26.4", "pytest"]
    assert [u.split(":")[1] for u in rw.unconverted] == ["3", "4"]
    assert "git clone" in rw.text and "setup.sh" in rw.text  # left in place, and reported


def test_pins():
    reqs, problems = pin_packages(["pytest", "pytest_json_ctrf", "numpy==1.26.4", "rich[jupyter]"], resolve=False)
    assert reqs == ["numpy==1.26.4", "pytest-json-ctrf==0.3.5", "pytest==8.4.1", "rich[jupyter]"]
    assert problems == ["rich[jupyter]: not pinned"]


def _tb2_task(tmp_path, name="t", **kw):
    return make_task(tmp_path, name, test_sh=TB2,
                     dockerfile="FROM debian:bookworm-slim\n# the app\nWORKDIR /app\nCOPY --chown=1000 data.csv "
                                "conf/ /app/\nCOPY --from=builder /x /y\nCOPY start.sh /usr/local/bin/\nUSER app\n",
                     extra_files={"environment/data.csv": "a\n", "environment/conf/x.ini": "k=v\n",
                                  "environment/start.sh": "#!/bin/bash\nuv run server.py\n",
                                  "tests/test_outputs.py": "import json\n\ndef test_x():\n"
                                  "    assert open('/app/out.json').read()\n    assert open('/srv/report/r.txt')\n",
                                  **kw})


def test_convert_task(tmp_path):
    src = _tb2_task(tmp_path / "src")
    (src / "task.toml").write_text("# keep me\n" + (src / "task.toml").read_text())
    entry = convert_task(src, tmp_path / "out", resolve_pins=False)
    assert entry.status == "converted", entry
    out = TaskDir(tmp_path / "out" / "t")
    text = out.config_path.read_text()
    assert text.startswith("# keep me\n")  # edited in place, not rewritten
    cfg = TaskConfig.from_toml(text)
    assert cfg.verifier.environment_mode.value == "separate" and cfg.phase_network("verifier").value == "no-network"
    assert cfg.artifacts == ["/app", "/srv/report/r.txt"] == entry.artifacts
    df = out.verifier_dockerfile_path.read_text()
    assert "COPY --chown=1000 .lct-env/data.csv .lct-env/conf/ /app/" in df
    assert "COPY --from=builder /x /y" in df  # another stage's files are not the context's
    assert "pytest==8.4.1" in df and "pytest-json-ctrf==0.3.5" in df and df.rstrip().endswith("USER app")
    assert 'COPY ["test.sh", "test_outputs.py", "/tests/"]' in df
    assert (out.tests_dir / ".lct-env" / "conf" / "x.ini").read_text() == "k=v\n"
    # the rest is byte for byte the same
    for rel in ("instruction.md", "environment/Dockerfile", "solution/solve.sh", "tests/test_outputs.py"):
        assert (out.root / rel).read_bytes() == (src / rel).read_bytes(), rel
    # the environment's copy in tests/.lct-env is environment code: neither a grading-time download nor leaked tests
    assert [f.code for f in lint_task(out.root)] == []
    assert [f.code for f in lint_task(src)] == ["LCT005"] * 4


def test_convert_batch_report_and_shapes_left_alone(tmp_path):
    good = _tb2_task(tmp_path / "src", "good")
    plain = make_task(tmp_path / "src", "plain")  # test.sh installs nothing
    has_image = _tb2_task(tmp_path / "src", "own-verifier-image", **{"tests/Dockerfile": "FROM debian:bookworm-slim\n"})
    broken = make_task(tmp_path / "src", "broken")
    (broken / "task.toml").write_text("[verifier\n")
    multi = make_task(tmp_path / "src", "multi")
    (multi / "task.toml").write_text((multi / "task.toml").read_text() + '\n[[steps]]\nname = "a"\n')
    entries = {e.task: e for e in convert_tasks([tmp_path / "src"], tmp_path / "out", resolve_pins=False)}
    assert {k: e.status for k, e in entries.items()} == {"good": "converted", "plain": "copied", "broken": "failed",
                                                          "multi": "copied", "own-verifier-image": "copied"}
    assert "task.toml" in entries["broken"].not_converted[0] and "multi-step" in entries["multi"].not_converted[0]
    report = json.loads((tmp_path / "out" / "offline-report.json").read_text())
    assert [t["task"] for t in report["tasks"]] == list(entries)
    assert (tmp_path / "out" / "plain" / "tests" / "test.sh").read_bytes() == (plain / "tests" / "test.sh").read_bytes()
    assert good.exists() and has_image.exists()


def test_artifacts_from_workdir_and_paths_the_tests_name(tmp_path):
    t = make_task(tmp_path, "t", config={"environment": {"workdir": "/work"}},
                  extra_files={"tests/test_x.py": "P = '/work/a/b'\nQ = '/etc/nginx/nginx.conf'\nR = '/usr/bin/x'\n"
                               "S = 'https://example.com/a/b'\nT = '/logs/verifier/x'\n"
                               "subprocess.run(['curl', 'localhost:8080'])\n"})
    arts, notes = guess_artifacts(TaskDir(t), TaskDir(t).config(), [t / "tests"])
    # the workdir, then what the tests name outside it (make_task's test.sh checks /root/out.txt)
    assert arts == ["/work", "/root/out.txt", "/etc/nginx/nginx.conf"]
    assert any("live process" in n for n in notes)
    assert tomllib.loads(Path(t / "task.toml").read_text())["environment"]["workdir"] == "/work"
