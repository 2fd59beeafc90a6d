"""`lct report` in a real browser: the page written for a small real run (a validation with an accepted, a rejected
and a tampered task, and a replayed rollout) opens from disk in headless Chromium (Debian's `chromium` and
`chromium-driver`, installed by scripts/setup.sh), shows the numbers the run's JSON holds, and its filters work."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litecoder_terminal.cli import app
from tests.conftest import make_task

pytestmark = pytest.mark.docker

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOT_COPY = Path("/tmp/lct-report-screenshot.png")


@pytest.fixture(scope="module")
def run(engine, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("report")
    tasks = root / "tasks"
    make_task(tasks, "hello", wrong={"typo.sh": "echo helo > /root/out.txt"},
              config={"metadata": {"category": "file_ops", "difficulty": "easy"}})
    make_task(tasks, "lenient", check="true", config={"metadata": {"category": "file_ops", "difficulty": "hard"}})
    # separate mode; the reference "solution" leaves a FIFO where the verifier reads: refused, graded 0 (tamper)
    make_task(tasks, "fifo", solve="mkfifo /root/out.txt", config={
        "verifier": {"environment_mode": "separate", "timeout_sec": 30}, "artifacts": ["/root/out.txt"],
        "metadata": {"category": "security", "difficulty": "medium"}})
    runner = CliRunner()
    val = runner.invoke(app, ["validate", str(tasks), "--repeats", "1", "--job-dir", str(root / "jobs" / "validate")],
                        env={"COLUMNS": "200"})
    assert val.exit_code == 1, val.output
    roll = runner.invoke(app, ["rollout", str(tasks / "hello"), "--agent", "replay", "--out",
                               str(root / "jobs" / "rollout")], env={"COLUMNS": "200"})
    assert roll.exit_code == 0, roll.output
    out = root / "report.html"
    rep = runner.invoke(app, ["report", str(tasks), str(root / "jobs" / "validate"), str(root / "jobs" / "rollout"),
                              "--out", str(out)])
    assert rep.exit_code == 0, rep.output
    assert f"report: {out.resolve()}" in rep.output
    return {"root": root, "report": out, "validate": root / "jobs" / "validate", "rollout": root / "jobs" / "rollout"}


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are required in CI (scripts/setup.sh installs them)")
        pytest.skip("no Debian chromium/chromium-driver (run scripts/setup.sh)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1400,2000"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _trials(job: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(job.glob("*__*/result.json"))]


def test_report_is_self_contained(run):
    page = run["report"].read_text()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?(https?:)?//", page)  # fetches nothing
    assert "Plotly" in page and len(page) > 1_000_000  # the charting library itself is inlined


@pytest.mark.timeout(600)
def test_report_in_a_browser_shows_the_runs_numbers_and_filters(run, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    verdicts = {v["name"]: v for v in json.loads((run["validate"] / "result.json").read_text())["tasks"]}
    assert {n: v["verdict"] for n, v in verdicts.items()} == {"hello": "accepted", "lenient": "rejected",
                                                              "fifo": "rejected"}
    assert verdicts["fifo"]["reasons"][0]["gate"] == "oracle" and verdicts["lenient"]["reasons"][0]["gate"] == "nop"
    vtrials, rtrials = _trials(run["validate"]), _trials(run["rollout"])
    summary = json.loads((run["rollout"] / "summary.json").read_text())

    browser.get(run["report"].resolve().as_uri())
    WebDriverWait(browser, 60).until(lambda d: d.execute_script(
        "return document.querySelectorAll('.chart').length === "
        "document.querySelectorAll('.chart.js-plotly-plot, .chart[data-empty]').length"))
    text = lambda css: browser.find_element(By.CSS_SELECTOR, css).text  # noqa: E731

    # the summary cards and the verdict table hold the run's numbers
    assert text("#n-tasks") == "3" and text("#n-task-accepted") == "1" and text("#n-task-rejected") == "2"
    assert int(text("#n-trials")) == len(vtrials) + len(rtrials)
    tampered = [t for t in vtrials + rtrials if t.get("tamper")]
    assert len(tampered) == 1 and int(text("#n-trial-tampered")) == 1
    rows = browser.find_elements(By.CSS_SELECTOR, "#verdicts-by-gate tbody tr")
    cells = [[c.text for c in r.find_elements(By.TAG_NAME, "td")] for r in rows]
    assert sorted((c[0], c[1]) for c in cells) == [("accepted", ""), ("rejected", "nop"), ("rejected", "oracle")]
    assert sum(int(c[3]) for c in cells) == 3

    # the charts' data are the JSON's
    chart = lambda cid: browser.execute_script(  # noqa: E731
        f"return document.getElementById('{cid}').data.map(t => [t.name, t.x, t.y]);")
    by_domain = {name: dict(zip(x, y)) for name, x, y in chart("chart-verdicts-domain")}
    assert by_domain == {"accepted": {"file_ops": 1, "security": 0}, "rejected": {"file_ops": 1, "security": 1}}
    hello = next(r for r in summary["tasks"] if r["task"] == "hello")
    pass_k = {name: dict(zip(x, y)) for name, x, y in chart("chart-pass-at-k")}
    assert pass_k["pass@1"]["hello"] == hello["pass_at_k"]["1"] == 1.0
    traj = json.loads((run["rollout"] / "hello__1" / "agent" / "trajectory.json").read_text())
    turns = sum(1 for s in traj["steps"] if s["source"] == "agent")
    (turn_trace,) = chart("chart-turns")
    assert turn_trace[1] == ["rollout/hello__1"] and turn_trace[2] == [turns] and turns >= 1
    phases = {name: dict(zip(x, y)) for name, x, y in chart("chart-phases")}
    nops = [t for t in vtrials if t["metadata"]["gate"] == "nop"]
    mean_verifier = sum(t["timings"]["verifier"]["seconds"] for t in nops) / len(nops)
    assert phases["verifier"]["nop"] == pytest.approx(mean_verifier, abs=1e-3)

    # every trial is there; the replayed one turn by turn, keystrokes and screens
    assert len(browser.find_elements(By.CSS_SELECTOR, "details.trial")) == len(vtrials) + len(rtrials)
    replay = browser.find_element(By.ID, "trial-rollout/hello__1")
    browser.execute_script("arguments[0].open = true", replay)
    keys = [k.text for k in replay.find_elements(By.CSS_SELECTOR, "pre.keys")]
    assert any("echo hello > /root/out.txt" in k for k in keys)
    assert len(replay.find_elements(By.CSS_SELECTOR, "li.turn.agent")) == turns

    # filters: a tamper cause, then an outcome
    Select(browser.find_element(By.ID, "tamper-filter")).select_by_value("__any__")
    visible = [e for e in browser.find_elements(By.CSS_SELECTOR, "details.trial") if e.is_displayed()]
    assert text("#shown-count") == "1" and len(visible) == 1
    assert visible[0].get_attribute("data-outcome") == "tampered" and "fifo" in visible[0].get_attribute("id")
    browser.execute_script("arguments[0].open = true", visible[0])
    assert "FIFO" in visible[0].find_element(By.CSS_SELECTOR, ".tamper").text.upper()
    Select(browser.find_element(By.ID, "tamper-filter")).select_by_value("all")
    Select(browser.find_element(By.ID, "outcome-filter")).select_by_value("passed")
    passed = [t for t in vtrials + rtrials if t["status"] == "graded" and not t.get("tamper") and t["reward"] >= 1]
    assert int(text("#shown-count")) == len(passed) == sum(
        1 for e in browser.find_elements(By.CSS_SELECTOR, "details.trial") if e.is_displayed())

    Select(browser.find_element(By.ID, "outcome-filter")).select_by_value("all")
    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "lct-report.png"
    assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    shutil.copyfile(shot, SCREENSHOT_COPY)
