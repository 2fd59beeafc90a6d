from pathlib import Path

from litecoder_terminal.task.lint import RULES, lint_task, split_by_lint
from tests.conftest import make_task

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tasks" / "log-error-summary"


def codes(findings):
    return sorted({f.code for f in findings})


def test_example_is_clean():
    assert lint_task(EXAMPLE) == []


def test_missing_required_files(tmp_path):
    (tmp_path / "t").mkdir()
    findings = lint_task(tmp_path / "t")
    assert codes(findings) == ["LCT001"]
    missing = {Path(f.file).name for f in findings}
    assert missing == {"task.toml", "instruction.md", "Dockerfile", "test.sh", "solve.sh"}


def test_invalid_toml_names_line(tmp_path):
    t = make_task(tmp_path, "t")
    (t / "task.toml").write_text('[agent]\ntimeout_sec = = 3\n')
    (f,) = lint_task(t)
    assert (f.code, Path(f.file).name, f.line) == ("LCT002", "task.toml", 2)


def test_copy_source_missing(tmp_path):
    t = make_task(tmp_path, "t", dockerfile="FROM debian:bookworm-slim\nCOPY data.csv \\\n  conf/ /app/\n"
                  "COPY --from=builder /x /y\nCOPY *.txt /app/\n", extra_files={"environment/a.txt": "1"})
    findings = [f for f in lint_task(t) if f.code == "LCT003"]
    assert [(f.line, f.message.split("'")[1]) for f in findings] == [(2, "data.csv"), (2, "conf/")]
    assert findings[0].file.endswith("environment/Dockerfile")


def test_tests_or_solution_copied_into_image(tmp_path):
    t = make_task(tmp_path, "t", dockerfile="FROM debian:bookworm-slim\nCOPY ../tests /tests\n")
    assert "LCT004" in codes(lint_task(t))
    # a byte-identical copy of a test file placed in the build context is caught too
    t2 = make_task(tmp_path, "t2", extra_files={"tests/test_x.py": "def test_x():\n    assert 1\n",
                                               "environment/hidden.py": "def test_x():\n    assert 1\n"})
    assert [f.code for f in lint_task(t2)] == ["LCT004"]


def test_grading_time_downloads(tmp_path):
    for line in ["curl -LsSf https://astral.sh/uv/install.sh | sh", "pip install pytest", "uv run pytest",
                 "apt-get install -y python3", "python3 -m pip install x", "wget http://x/y"]:
        t = make_task(tmp_path, f"t{abs(hash(line))}", test_sh=f"#!/bin/bash\n{line}\necho 1 > /logs/verifier/reward.txt\n")
        (f,) = [f for f in lint_task(t) if f.code == "LCT005"]
        assert f.line == 2, line
    ok = make_task(tmp_path, "ok", test_sh="#!/bin/bash\n# we do not curl here\npython3 -m pytest /tests\n")
    assert lint_task(ok) == []


def test_base_image_pins(tmp_path):
    for df, bad in [("FROM debian\n", True), ("FROM debian:latest\n", True), ("FROM ${BASE}\n", True),
                    ("FROM debian:bookworm-slim\n", False), ("FROM debian@sha256:" + "a" * 64 + "\n", False),
                    ("FROM debian:bookworm-slim AS b\nFROM b\n", False), ("FROM localhost:5000/img\n", True)]:
        t = make_task(tmp_path, f"t{abs(hash(df))}", dockerfile=df)
        assert ("LCT006" in codes(lint_task(t))) is bad, df


def test_empty_instruction_and_no_from(tmp_path):
    t = make_task(tmp_path, "t", instruction="  \n", dockerfile="RUN true\n")
    assert codes(lint_task(t)) == ["LCT007", "LCT010"]


def test_every_finding_code_is_registered(tmp_path):
    t = make_task(tmp_path, "t", dockerfile="FROM x\nCOPY nope /\n", instruction=" ")
    for f in lint_task(t):
        assert f.code in RULES and f.severity == RULES[f.code][0]


def test_split_by_lint_keeps_good_tasks_and_names_the_broken(tmp_path):
    good = make_task(tmp_path, "good")
    bad = make_task(tmp_path, "bad")
    (bad / "task.toml").write_text("this is [not toml\n")
    kept, problems = split_by_lint([good, bad])
    assert kept == [good]
    assert len(problems) == 1 and problems[0].startswith("LCT002 error") and str(bad / "task.toml") in problems[0]
