from pathlib import Path

import json

from litecoder_terminal.task.lint import RULES, Severity, lint_task, split_by_lint, totals_by_code
from tests.conftest import make_task

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tasks" / "log-error-summary"


def codes(findings):
    return sorted({f.code for f in findings})


def test_example_is_clean():
    assert lint_task(EXAMPLE) == []


def test_missing_required_files(tmp_path):
    (tmp_path / "t").mkdir()
    findings = lint_task(tmp_path / "t")
    assert codes(findings) == ["LCT001", "LCT014"]
    missing = {Path(f.file).name for f in findings if f.code == "LCT001"}
    assert missing == {"task.toml", "instruction.md", "Dockerfile", "test.sh"}
    # no reference solution is a warning: lint, build and no-op still judge the task (verdict `unverified`)
    (f,) = [f for f in findings if f.code == "LCT014"]
    assert f.severity is Severity.WARNING and f.file.endswith("solution/solve.sh")


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
    # a byte-identical copy of test code that the Dockerfile copies into the image is caught too
    code = {"tests/test_x.py": "def test_x():\n    assert 1\n", "environment/hidden.py": "def test_x():\n    assert 1\n"}
    t2 = make_task(tmp_path, "t2", dockerfile="FROM debian:bookworm-slim\nCOPY . /app/\n", extra_files=code)
    (f,) = lint_task(t2)
    assert f.code == "LCT004" and f.file.endswith("environment/hidden.py") and "tests/test_x.py" in f.message
    # ... but not when it stays in the build context, unused
    assert lint_task(make_task(tmp_path, "t3", extra_files=code)) == []
    # and a data fixture the tests share with the environment is fine (the agent sees that data anyway)
    fixture = {"tests/input.csv": "a,b\n1,2\n", "environment/input.csv": "a,b\n1,2\n"}
    assert lint_task(make_task(tmp_path, "t4", dockerfile="FROM debian:bookworm-slim\nCOPY input.csv /app/\n",
                               extra_files=fixture)) == []


def test_grading_time_downloads(tmp_path):
    for line in ["curl -LsSf https://astral.sh/uv/install.sh | sh", "pip install pytest", "uv run pytest",
                 "apt-get install -y python3", "python3 -m pip install x", "wget http://x/y"]:
        t = make_task(tmp_path, f"t{abs(hash(line))}", test_sh=f"#!/bin/bash\n{line}\necho 1 > /logs/verifier/reward.txt\n")
        (f,) = [f for f in lint_task(t) if f.code == "LCT005"]
        assert f.line == 2, line
        # Harbor's default gives the verifier network: a warning naming the ways out
        assert f.severity is Severity.WARNING and "lct offline" in f.message and "--allow-grading-network" in f.message
    ok = make_task(tmp_path, "ok", test_sh="#!/bin/bash\n# we do not curl here\npython3 -m pytest /tests\n")
    assert lint_task(ok) == []


def test_grading_download_without_verifier_network_is_an_error(tmp_path):
    sh = "#!/bin/bash\npip install pytest\n"
    for cfg in ({"environment": {"network_mode": "no-network"}}, {"verifier": {"network_mode": "no-network"}},
                {"environment": {"allow_internet": False}}):
        (f,) = [f for f in lint_task(make_task(tmp_path, f"t{len(str(cfg))}", test_sh=sh, config=cfg))
                if f.code == "LCT005"]
        assert f.severity is Severity.ERROR, cfg
    # the verifier's own override wins over the environment's
    t = make_task(tmp_path, "vpub", test_sh=sh, config={"environment": {"network_mode": "no-network"},
                                                        "verifier": {"network_mode": "public"}})
    assert [f.severity for f in lint_task(t) if f.code == "LCT005"] == [Severity.WARNING]


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
    (t / "task.toml").write_text((t / "task.toml").read_text() + "[agent.extra]\nx = 1\n")
    for f in lint_task(t):
        assert f.code in RULES and f.severity == RULES[f.code][0]


def test_split_by_lint_keeps_good_tasks_and_names_the_broken(tmp_path):
    good = make_task(tmp_path, "good")
    bad = make_task(tmp_path, "bad")
    (bad / "task.toml").write_text("this is [not toml\n")
    kept, problems = split_by_lint([good, bad])
    assert kept == [good]
    assert len(problems) == 1 and problems[0].startswith("LCT002 error") and str(bad / "task.toml") in problems[0]


def test_lint_crash_inputs_become_findings_and_the_batch_goes_on(tmp_path):
    quote = make_task(tmp_path, "quote", dockerfile='FROM debian:bookworm-slim\nCOPY "my file.txt /app/\nRUN true\n')
    (f,) = [f for f in lint_task(quote) if f.code == "LCT013"]
    assert f.file.endswith("environment/Dockerfile") and f.line == 2 and "No closing quotation" in f.message
    dirdf = make_task(tmp_path, "dirdf")
    (dirdf / "environment" / "Dockerfile").unlink()
    (dirdf / "environment" / "Dockerfile").mkdir()
    (f,) = lint_task(dirdf)
    assert (f.code, f.severity) == ("LCT001", Severity.ERROR) and "is a directory" in f.message
    kept, problems = split_by_lint([quote, dirdf, make_task(tmp_path, "fine")])
    assert [p.name for p in kept] == ["quote", "fine"] and "is a directory" in problems[0]


def test_unknown_fields_are_warnings_with_their_line(tmp_path):
    t = make_task(tmp_path, "t")
    (t / "task.toml").write_text('schema_version = "1.4"\ntimeout = 3\n[verifier]\ntimout_sec = 5\n'
                                 '[environment]\nos = "linux"\n[task]\nname = "org/x"\n')
    found = [(f.code, f.severity, f.line, f.message.split("'")[1]) for f in lint_task(t)]
    assert found == [("LCT012", Severity.WARNING, 2, "timeout"), ("LCT012", Severity.WARNING, 4, "verifier.timout_sec")]


def test_prebuilt_image_only_task(tmp_path):
    t = make_task(tmp_path, "t", config={"environment": {"docker_image": "example.org/prebuilt:1"}})
    (t / "environment" / "Dockerfile").unlink()
    assert lint_task(t) == []
    t2 = make_task(tmp_path, "t2", config={"environment": {"docker_image": "example.org/prebuilt"}})
    (t2 / "environment" / "Dockerfile").unlink()
    (f,) = lint_task(t2)
    assert f.code == "LCT006" and f.file.endswith("task.toml")


def _multi_step(tmp_path, name, *, steps=("one", "two"), shared_test=True, solutions=True):
    t = make_task(tmp_path, name)
    (t / "instruction.md").unlink()
    cfg = (t / "task.toml").read_text()
    (t / "task.toml").write_text(cfg + "".join(f'\n[[steps]]\nname = "{s}"\nmin_reward = 1.0\n' for s in steps))
    if not shared_test:
        (t / "tests" / "test.sh").unlink()
    for s in steps:
        d = t / "steps" / s
        (d / "tests").mkdir(parents=True)
        (d / "instruction.md").write_text(f"do {s}\n")
        (d / "tests" / "test.sh").write_text("#!/bin/bash\necho 1 > /logs/verifier/reward.txt\n")
        if solutions:
            (d / "solution").mkdir()
            (d / "solution" / "solve.sh").write_text("#!/bin/bash\ntrue\n")
    if not solutions:
        import shutil
        shutil.rmtree(t / "solution")
    return t


def test_multi_step_task_is_understood(tmp_path):
    assert lint_task(_multi_step(tmp_path, "ok")) == []
    assert lint_task(_multi_step(tmp_path, "own-tests-only", shared_test=False)) == []
    t = _multi_step(tmp_path, "broken")
    (t / "steps" / "two" / "instruction.md").unlink()
    (t / "steps" / "one" / "tests" / "test.sh").write_text("#!/bin/bash\nuvx pytest\n")
    found = sorted((f.code, Path(f.file).relative_to(t).as_posix()) for f in lint_task(t))
    assert found == [("LCT001", "steps/two/instruction.md"), ("LCT005", "steps/one/tests/test.sh")]
    nosol = _multi_step(tmp_path, "nosol", solutions=False)
    assert sorted((f.code, f.severity.value) for f in lint_task(nosol)) == [("LCT014", "warning")] * 2
    gone = _multi_step(tmp_path, "gone")
    import shutil
    shutil.rmtree(gone / "steps" / "two")
    assert [f.code for f in lint_task(gone)] == ["LCT001"]


def test_totals_by_code(tmp_path):
    bad = make_task(tmp_path, "bad", dockerfile="FROM x\nCOPY nope /\n", instruction=" ")
    findings = lint_task(bad) + lint_task(make_task(tmp_path, "b2", dockerfile="FROM debian\n"))
    totals = totals_by_code(findings)
    assert totals == {"LCT003": {"error": 1}, "LCT006": {"error": 2}, "LCT007": {"error": 1}}
    json.dumps(totals)


def test_harbor_features_lct_does_not_run_are_named(tmp_path):
    t = make_task(tmp_path, "t", config={"environment": {"os": "windows", "healthcheck": {"command": "true"}},
                                         "verifier": {"collect": [{"command": "true"}]}},
                  extra_files={"environment/docker-compose.yaml": "services: {}\n"})
    found = sorted(f.message.split(" (")[0].removeprefix("lct does not run ") for f in lint_task(t))
    assert found == ["[[verifier.collect]] hooks", "[environment] os = 'windows'", "environment/docker-compose.yaml",
                     "healthcheck"]
    assert {f.code for f in lint_task(t)} == {"LCT015"} and not any(f.severity is Severity.ERROR for f in lint_task(t))
