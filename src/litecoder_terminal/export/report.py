"""`lct report`: one static, self-contained HTML page for a validation job, a rollout job or a corpus.

What goes in: lct job dirs (Harbor's layout, runner/layout.py: `validate` or `rollout` kind) and task trees (a
corpus: every task dir found, with its verdict from any validate job given or found inside the tree). What comes
out: the verdict table by gate and reason, charts (plotly, its JS inlined: the page fetches nothing and opens from
disk) of verdicts by domain and difficulty, trial time by phase, pass@k per task and trajectory turn counts, and
every trial rendered turn by turn (keystrokes, screen, the grader's result), with filters for outcome and tamper
cause. Numbers are read from the jobs' JSON, never re-derived from logs.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from litecoder_terminal.export.rl import task_meta
from litecoder_terminal.runner.layout import job_kind, trial_dirs
from litecoder_terminal.runner.rollout import pass_at_k

PHASES = ["environment_setup", "agent_execution", "artifact_collection", "verifier_setup", "verifier", "teardown"]
OUTCOMES = ["passed", "failed", "tampered", "error"]
VERDICTS = ["accepted", "unverified", "rejected", "error", "not validated"]
MAX_TEXT = 6000  # characters of one screen, output or log shown per block
OUTCOME_COLORS = {"passed": "#2e7d32", "failed": "#c62828", "tampered": "#6a1b9a", "error": "#ef6c00",
                  "accepted": "#2e7d32", "rejected": "#c62828", "not validated": "#90a4ae",
                  "unverified": "#0288d1"}


@dataclass
class ReportData:
    sources: list[dict[str, str]] = field(default_factory=list)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # by resolved task path
    trials: list[dict[str, Any]] = field(default_factory=list)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _clip(text: str | None, limit: int = MAX_TEXT) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit // 2] + f"\n… [{len(text) - limit} characters cut] …\n" + text[-limit // 2:]


def _key(path: str | Path) -> str:
    return str(Path(path).resolve())


def _task_row(data: ReportData, path: str, name: str) -> dict[str, Any]:
    key = _key(path)
    if key not in data.tasks:
        meta = task_meta(Path(path))
        data.tasks[key] = {"name": name, "path": key, "domain": meta["domain"],
                           "difficulty": meta.get("difficulty") or "unknown", "verdict": "not validated",
                           "gate": "", "reason": "", "n_trials": 0, "pass_at_k": {}, "rewards": []}
    return data.tasks[key]


def _outcome(result: dict[str, Any], threshold: float = 1.0) -> str:
    if result.get("status") != "graded":
        return "error"
    if result.get("tamper"):
        return "tampered"
    return "passed" if (result.get("reward") or 0.0) >= threshold else "failed"


def _steps(trajectory: dict[str, Any] | None) -> list[dict[str, Any]]:
    """An ATIF trajectory as turns: who, the message, the keystrokes sent and the screen that came back."""
    out = []
    for step in (trajectory or {}).get("steps") or []:
        calls = step.get("tool_calls") or []
        keys = "".join(str((c.get("arguments") or {}).get("keystrokes", "")) for c in calls
                       if c.get("function_name") == "bash_command")
        done = any(c.get("function_name") == "mark_task_complete" for c in calls)
        screen = "\n".join(str(r.get("content") or "") for r in (step.get("observation") or {}).get("results") or [])
        if step.get("source") == "user":
            screen = str((step.get("extra") or {}).get("terminal_state") or "")
        out.append({"source": step.get("source", ""), "message": _clip(str(step.get("message") or ""), 3000),
                    "reasoning": _clip(str(step.get("reasoning_content") or ""), 3000), "keystrokes": keys,
                    "screen": _clip(screen), "task_complete": done})
    return out


def _trial(trial_dir: Path, job: str, kind: str, threshold: float = 1.0) -> dict[str, Any] | None:
    result = _read_json(trial_dir / "result.json")
    if not isinstance(result, dict):
        return None
    meta = result.get("metadata") or {}
    trajectory = _read_json(trial_dir / "agent" / "trajectory.json")
    steps = _steps(trajectory if isinstance(trajectory, dict) else None)
    verifier = trial_dir / "verifier"
    test_out = (verifier / "test-stdout.txt").read_text(errors="replace") if (verifier / "test-stdout.txt").is_file() else ""
    output = (trial_dir / "agent" / "output.txt").read_text(errors="replace") if (trial_dir / "agent" / "output.txt").is_file() else ""
    label = (f"{meta['gate']}-{meta.get('n', 1)}" if meta.get("gate") else
             f"attempt {meta['attempt']}" if meta.get("attempt") else trial_dir.name)
    timings = {p: float((result.get("timings") or {}).get(p, {}).get("seconds") or 0.0) for p in PHASES}
    return {
        "id": f"{job}/{trial_dir.name}", "name": trial_dir.name, "job": job, "kind": kind,
        "task": meta.get("task") or result.get("task_name", ""), "task_path": result.get("task_path", ""),
        "group": meta.get("gate") or result.get("agent", ""), "label": label, "agent": result.get("agent", ""),
        "model": result.get("model"), "status": result.get("status"), "reward": result.get("reward"),
        "rewards": result.get("rewards"), "outcome": _outcome(result, threshold), "tamper": result.get("tamper") or [],
        "error": (result.get("error") or {}).get("cause"), "error_kind": (result.get("error") or {}).get("kind"),
        "seconds": float(result.get("seconds") or 0.0), "timings": timings, "started_at": result.get("started_at"),
        "verifier_mode": result.get("verifier_mode"), "turns": sum(1 for s in steps if s["source"] == "agent"),
        "has_trajectory": bool(steps), "steps": steps, "output": _clip(output), "test_stdout": _clip(test_out),
        "reward_json": _read_json(verifier / "reward.json"),
    }


def _load_validate(job_dir: Path, data: ReportData) -> None:
    result = _read_json(job_dir / "result.json") or {}
    for v in result.get("tasks") or []:
        row = _task_row(data, v["path"], v["name"])
        reason = (v.get("reasons") or [{}])[0]
        row.update(verdict=v["verdict"], gate=reason.get("gate", ""), reason=reason.get("message", ""),
                   n_trials=row["n_trials"] + len(v.get("trials") or []), job=job_dir.name)
    names = set((result.get("lct") or {}).get("trials") or [])
    for d in trial_dirs(job_dir):
        if names and d.name not in names:
            continue  # a trial of an earlier run of the job (the task has changed since)
        t = _trial(d, job_dir.name, "validate")
        if t:
            data.trials.append(t)
    by_task: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in data.trials:
        if t["job"] == job_dir.name and t["group"] == "oracle" and t["status"] == "graded":
            by_task[_key(t["task_path"])].append(t)
    for key, ts in by_task.items():  # the reference solution's pass@k over its repeats
        if key in data.tasks:
            n, c = len(ts), sum(t["outcome"] == "passed" for t in ts)
            data.tasks[key]["pass_at_k"] = {str(k): pass_at_k(n, c, k) for k in range(1, n + 1)}
            data.tasks[key]["rewards"] = [t["reward"] for t in ts]


def _load_rollout(job_dir: Path, data: ReportData) -> None:
    summary = _read_json(job_dir / "summary.json") or {}
    threshold = float(summary.get("success_threshold") or 1.0)
    for r in summary.get("tasks") or []:
        row = _task_row(data, r["path"], r["task"])
        row.update(domain=r.get("domain") or row["domain"], difficulty=r.get("difficulty") or row["difficulty"],
                   pass_at_k=r.get("pass_at_k") or {}, rewards=r.get("rewards") or [],
                   n_trials=row["n_trials"] + int(r.get("attempts") or 0), job=job_dir.name)
        if row["verdict"] == "not validated" and r.get("graded", 0) == 0 and r.get("errors"):
            row.update(gate="rollout", reason=str(r["errors"][0].get("cause") or ""))
    for d in trial_dirs(job_dir):
        t = _trial(d, job_dir.name, "rollout", threshold)
        if t:
            data.trials.append(t)


def collect(paths: list[Path]) -> ReportData:
    """Read job dirs and task trees into one report's data."""
    from litecoder_terminal.task import find_task_dirs

    data = ReportData()
    jobs: list[Path] = []
    corpora: list[Path] = []
    for p in map(Path, paths):
        if job_kind(p):
            jobs.append(p)
        elif p.is_dir():
            corpora.append(p)
            jobs.extend(sorted(c.parent for c in p.glob("*/config.json") if job_kind(c.parent)))
            jobs.extend(sorted(c.parent for c in p.glob("*/*/config.json") if job_kind(c.parent)))
        else:
            raise ValueError(f"{p}: neither an lct job dir nor a directory of tasks")
    for corpus in corpora:
        data.sources.append({"path": str(corpus), "kind": "corpus"})
        for task in find_task_dirs([corpus]):
            _task_row(data, task, task.name)
    for job in dict.fromkeys(j.resolve() for j in jobs):
        kind = job_kind(job)
        data.sources.append({"path": str(job), "kind": kind or "?"})
        (_load_validate if kind == "validate" else _load_rollout)(job, data)
    return data


# ---- rendering ---------------------------------------------------------------------------------------------


def _figures(data: ReportData) -> dict[str, dict[str, Any]]:
    import plotly.graph_objects as go

    figs: dict[str, Any] = {}
    tasks = list(data.tasks.values())
    layout = {"barmode": "stack", "margin": {"l": 60, "r": 20, "t": 40, "b": 80}, "height": 340,
              "legend": {"orientation": "h"}}
    validated = [t for t in tasks if t["verdict"] != "not validated"] or tasks
    for by in ("domain", "difficulty"):
        cats = sorted({str(t[by]) for t in validated})
        fig = go.Figure(layout={**layout, "title": f"verdicts by {by}", "xaxis": {"type": "category"},
                                "yaxis": {"title": "tasks"}})
        for verdict in VERDICTS:
            counts = [sum(1 for t in validated if str(t[by]) == c and t["verdict"] == verdict) for c in cats]
            if any(counts):
                fig.add_bar(name=verdict, x=cats, y=counts, marker_color=OUTCOME_COLORS.get(verdict, "#ef6c00"))
        figs[f"chart-verdicts-{by}"] = fig
    groups = sorted({t["group"] for t in data.trials})
    fig = go.Figure(layout={**layout, "title": "mean trial time by phase (s)", "xaxis": {"type": "category"},
                            "yaxis": {"title": "seconds"}})
    for phase in PHASES:
        ys = []
        for g in groups:
            ts = [t for t in data.trials if t["group"] == g]
            ys.append(round(sum(t["timings"][phase] for t in ts) / len(ts), 3) if ts else 0.0)
        fig.add_bar(name=phase, x=groups, y=ys)
    figs["chart-phases"] = fig
    fig = go.Figure(layout={**layout, "barmode": "group", "title": "pass@k per task", "xaxis": {"type": "category"},
                            "yaxis": {"title": "pass@k", "range": [0, 1.05]}})
    with_k = [t for t in tasks if t["pass_at_k"]]
    ks = sorted({int(k) for t in with_k for k in t["pass_at_k"]})
    for k in ks:
        fig.add_bar(name=f"pass@{k}", x=[t["name"] for t in with_k],
                    y=[t["pass_at_k"].get(str(k)) for t in with_k])
    figs["chart-pass-at-k"] = fig
    traj = [t for t in data.trials if t["has_trajectory"]]
    fig = go.Figure(layout={**layout, "title": "trajectory turns per trial", "xaxis": {"type": "category"},
                            "yaxis": {"title": "agent turns"}})
    for outcome in OUTCOMES:
        ts = [t for t in traj if t["outcome"] == outcome]
        if ts:
            fig.add_bar(name=outcome, x=[t["id"] for t in ts], y=[t["turns"] for t in ts],
                        marker_color=OUTCOME_COLORS[outcome])
    figs["chart-turns"] = fig
    return {k: json.loads(v.to_json()) for k, v in figs.items()}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _first_line(text: str, n: int = 160) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:n]


def _reason_class(reason: str) -> str:
    """A reason without the task's own numbers, so like reasons count together."""
    return re.sub(r"\d+(\.\d+)?", "N", _first_line(reason, 120))


def _tamper_kind(cause: str) -> str:
    return _first_line(re.sub(r"'[^']*'|\"[^\"]*\"|/\S+", "…", cause), 90)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _verdict_tables(data: ReportData) -> tuple[str, str]:
    tasks = sorted(data.tasks.values(), key=lambda t: (VERDICTS.index(t["verdict"]), t["gate"], t["name"]))
    groups: Counter[tuple[str, str, str]] = Counter((t["verdict"], t["gate"], _reason_class(t["reason"]))
                                                    for t in tasks)
    rows = "".join(
        f'<tr class="v-{_e(v).replace(" ", "-")}"><td>{_e(v)}</td><td>{_e(g)}</td><td>{_e(r)}</td>'
        f'<td class="num" data-count="{n}">{n}</td></tr>'
        for (v, g, r), n in sorted(groups.items(), key=lambda x: (VERDICTS.index(x[0][0]), -x[1], x[0])))
    by_gate = f'<table id="verdicts-by-gate"><thead><tr><th>verdict</th><th>gate</th><th>reason</th><th>tasks</th>' \
              f'</tr></thead><tbody>{rows}</tbody></table>'
    ks = sorted({int(k) for t in tasks for k in t["pass_at_k"]})
    kcols = [k for k in ks if k in (1, max(ks, default=1))]
    head = "".join(f"<th>pass@{k}</th>" for k in kcols)
    body = []
    for t in tasks:
        pk = "".join(f'<td class="num">{_fmt(t["pass_at_k"].get(str(k)))}</td>' for k in kcols)
        body.append(
            f'<tr class="task-row" data-verdict="{_e(t["verdict"])}" data-task="{_e(t["name"])}">'
            f'<td>{_e(t["name"])}</td><td>{_e(t["domain"])}</td><td>{_e(t["difficulty"])}</td>'
            f'<td class="verdict {_e(t["verdict"]).replace(" ", "-")}">{_e(t["verdict"])}</td><td>{_e(t["gate"])}</td>'
            f'<td class="reason" title="{_e(t["reason"])}">{_e(_first_line(t["reason"]))}</td>'
            f'<td class="num">{t["n_trials"]}</td>{pk}</tr>')
    per_task = (f'<table id="tasks-table"><thead><tr><th>task</th><th>domain</th><th>difficulty</th><th>verdict</th>'
                f'<th>gate</th><th>reason</th><th>trials</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>')
    return by_gate, per_task


def _trial_html(t: dict[str, Any]) -> str:
    tamper_kinds = sorted({_tamper_kind(c) for c in t["tamper"]})
    phases = " · ".join(f"{p} {t['timings'][p]:.2f}s" for p in PHASES if t["timings"][p])
    reward = "-" if t["reward"] is None else f"{t['reward']:g}"
    parts = [f'<details class="trial" id="trial-{_e(t["id"])}" data-outcome="{t["outcome"]}" '
             f'data-tamper="{_e(json.dumps(tamper_kinds))}" data-task="{_e(t["task"])}">'
             f'<summary><span class="badge {t["outcome"]}">{t["outcome"]}</span> <b>{_e(t["task"])}</b> '
             f'{_e(t["label"])} · {_e(t["agent"])}{" (" + _e(t["model"]) + ")" if t["model"] else ""} · reward '
             f'<span class="reward">{reward}</span> · {t["seconds"]:.1f}s'
             f'{" · " + str(t["turns"]) + " turns" if t["has_trajectory"] else ""}</summary>',
             f'<div class="meta">job {_e(t["job"])} · trial {_e(t["name"])} · verifier '
             f'{_e(t["verifier_mode"] or "-")} · {_e(phases)}</div>']
    if t["tamper"]:
        parts.append('<div class="tamper"><b>graded 0 by the harness:</b><ul>'
                     + "".join(f"<li>{_e(c)}</li>" for c in t["tamper"]) + "</ul></div>")
    if t["error"]:
        parts.append(f'<div class="error"><b>{_e(t["error_kind"])} error:</b> {_e(t["error"])}</div>')
    if t["steps"]:
        parts.append('<ol class="turns">')
        for i, s in enumerate(t["steps"]):
            parts.append(f'<li class="turn {_e(s["source"])}"><div class="who">{_e(s["source"])} · turn {i}'
                         f'{" · marked complete" if s["task_complete"] else ""}</div>')
            if s["message"]:
                parts.append(f'<div class="msg">{_e(s["message"])}</div>')
            if s["reasoning"]:
                parts.append(f'<details class="reasoning"><summary>reasoning</summary><pre>{_e(s["reasoning"])}'
                             f'</pre></details>')
            if s["keystrokes"]:
                parts.append(f'<div class="label">keystrokes</div><pre class="keys">{_e(s["keystrokes"])}</pre>')
            if s["screen"]:
                parts.append(f'<div class="label">screen</div><pre class="screen">{_e(s["screen"])}</pre>')
            parts.append("</li>")
        parts.append("</ol>")
    elif t["output"]:
        parts.append(f'<div class="label">agent output</div><pre class="screen">{_e(t["output"])}</pre>')
    grade = json.dumps(t["reward_json"]) if t["reward_json"] is not None else json.dumps(t["rewards"])
    parts.append(f'<div class="grader"><div class="label">grader: rewards {_e(grade)}</div>'
                 f'<pre class="verifier">{_e(t["test_stdout"]) or "(no verifier output)"}</pre></div></details>')
    return "".join(parts)


def render(data: ReportData, title: str = "lct report") -> str:
    from plotly.offline import get_plotlyjs

    template = resources.files("litecoder_terminal.export").joinpath("templates/report.html").read_text()
    trials = sorted(data.trials, key=lambda t: (t["task"], t["job"], t["name"]))
    tasks = list(data.tasks.values())
    verdicts = Counter(t["verdict"] for t in tasks)
    outcomes = Counter(t["outcome"] for t in trials)
    tamper_kinds = Counter(k for t in trials for k in {_tamper_kind(c) for c in t["tamper"]})
    by_gate, per_task = _verdict_tables(data)
    cards = [("n-tasks", "tasks", len(tasks)),
             *[(f"n-task-{v.replace(' ', '-')}", v, verdicts.get(v, 0)) for v in VERDICTS],
             ("n-trials", "trials", len(trials)),
             *[(f"n-trial-{o}", f"{o} trials", outcomes.get(o, 0)) for o in OUTCOMES]]
    cards_html = "".join(f'<div class="card"><div class="n" id="{i}">{n}</div><div class="k">{_e(k)}</div></div>'
                         for i, k, n in cards)
    outcome_opts = "".join(f'<option value="{o}">{o} ({outcomes.get(o, 0)})</option>' for o in OUTCOMES)
    tamper_opts = (f'<option value="__any__">any tamper cause ({sum(1 for t in trials if t["tamper"])})</option>'
                   + "".join(f'<option value="{_e(k)}">{_e(k)} ({n})</option>' for k, n in tamper_kinds.most_common()))
    sources = "".join(f"<li>{_e(s['kind'])}: <code>{_e(s['path'])}</code></li>" for s in data.sources)
    figures = json.dumps(_figures(data)).replace("</", "<\\/")
    summary = json.dumps({"tasks": len(tasks), "verdicts": dict(verdicts), "trials": len(trials),
                          "outcomes": dict(outcomes)}).replace("</", "<\\/")
    subs = {
        "__FIGURES_JSON__": figures, "__SUMMARY_JSON__": summary,
        "__PLOTLY_JS__": get_plotlyjs().replace("</script", "<\\/script"),
        "__TITLE__": _e(title), "__GENERATED__": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "__SOURCES__": sources, "__CARDS__": cards_html, "__BY_GATE__": by_gate, "__PER_TASK__": per_task,
        "__OUTCOME_OPTIONS__": outcome_opts, "__TAMPER_OPTIONS__": tamper_opts,
        "__TRIALS__": "".join(_trial_html(t) for t in trials), "__N_TRIALS__": str(len(trials)),
    }
    # one pass over the template: text put in (screens, logs, the chart library) is never searched again
    return re.sub(r"__[A-Z_]+__", lambda m: subs.get(m.group(0), m.group(0)), template)


def write_report(paths: list[Path], out: Path, title: str | None = None) -> ReportData:
    data = collect(paths)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data, title or "lct report: " + ", ".join(Path(p).name for p in paths)), encoding="utf-8")
    return data


__all__ = ["ReportData", "collect", "render", "write_report"]
