"""The `lct` command: a thin layer over the runner, gates, trial and sandbox."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from litecoder_terminal.gates import TaskVerdict, Verdict
from litecoder_terminal.sandbox import DockerEngine, SandboxError
from litecoder_terminal.task import find_task_dirs

app = typer.Typer(help="LiteCoder-Terminal: build, verify and serve executable terminal environments.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console()
err = Console(stderr=True)


# Options several commands share: one definition each, so their names and help never drift apart.
_ImageMapOpt = Annotated[list[str], typer.Option("--image-map", help="FROM=TO base image substitution")]
_ApiKeyEnvOpt = Annotated[Optional[str], typer.Option(help="environment variable holding the API key")]
_TemperatureOpt = Annotated[float, typer.Option(help="sampling temperature")]
_MaxCostOpt = Annotated[Optional[float], typer.Option(help="hard budget in USD: no paid model call beyond it")]
_MaxTurnsOpt = Annotated[int, typer.Option(help="terminus: turns before the run is cut (truncated)")]
_ContextOpt = Annotated[int, typer.Option(help="terminus: summarise older turns beyond this estimate")]
_TrialJobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="trials at once")]
_ExecutorOpt = Annotated[str, typer.Option(help="local (threads on this machine's Docker engine) or ray (node-local "
                                                "actors on a Ray cluster, docs/cluster.md)")]
_RayAddressOpt = Annotated[Optional[str], typer.Option(help="--executor ray: the cluster to join (default: RAY_ADDRESS or a "
                                                            "`ray start` on this machine, else a local one)")]


def _executor(kind: str, engine: DockerEngine | None, jobs: int, ray_address: str | None):
    """The executor the runner uses: threads on `engine`, or actors on a Ray cluster (each node its own engine)."""
    from litecoder_terminal.runner.executors import EXECUTORS, ExecutorError, make_executor

    if kind not in EXECUTORS:
        raise typer.BadParameter(f"--executor {kind!r}: use {' or '.join(EXECUTORS)}")
    try:
        return make_executor(kind, engine=engine, jobs=jobs, ray_address=ray_address)
    except ExecutorError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e


def _on_lost(progress_print):
    def lost(event) -> None:
        progress_print(f"[yellow]node lost:[/yellow] {event.node} ({event.cause}); item "
                       f"{'resubmitted to another node' if event.retried else 'given up: infrastructure error'}")
    return lost


def _parse_image_map(items: list[str]) -> dict[str, str]:
    mapping = {}
    for item in items:
        if "=" not in item:
            raise typer.BadParameter(f"--image-map {item!r}: expected FROM=TO")
        src, dst = item.split("=", 1)
        mapping[src.strip()] = dst.strip()
    return mapping


def _engine(run_id: str | None = None) -> DockerEngine:
    try:
        return DockerEngine(run_id=run_id)
    except SandboxError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e


def _out() -> Console:
    """stdout for tables: as wide as the terminal, and never wrapped when piped (a file or grep reads whole rows)."""
    return console if console.is_terminal else Console(width=100_000, soft_wrap=True)


def _verdict_table(verdicts: list[TaskVerdict]) -> Table:
    table = Table(title="lct validate")
    for col in ("task", "verdict", "gate", "reason", "trials", "seconds"):
        table.add_column(col, overflow="fold")
    colors = {Verdict.ACCEPTED: "green", Verdict.REJECTED: "red", Verdict.ERROR: "yellow", Verdict.UNVERIFIED: "cyan"}
    for v in verdicts:
        reason = v.reasons[0] if v.reasons else None
        msg = reason.message.splitlines()[0][:300] if reason else ""
        table.add_row(v.name, f"[{colors.get(v.verdict, 'white')}]{v.verdict.value}[/]", reason.gate if reason else "",
                      msg, str(len(v.trials)), f"{v.seconds:.1f}")
    return table


def _totals_table(title: str, totals: dict[str, dict[str, int]]) -> Table:
    table = Table(title=title)
    for col in ("by", "what", "tasks"):
        table.add_column(col, overflow="fold")
    for by, counts in totals.items():
        for what, n in counts.items():
            table.add_row(by, what, str(n))
    return table


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    repeats: Annotated[int, typer.Option(help="oracle runs, each in a fresh container")] = 3,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="tasks validated at once")] = 2,
    report: Annotated[Optional[Path], typer.Option(help="write the verdicts as JSON")] = None,
    image_map: _ImageMapOpt = [],  # noqa: B006
    job_dir: Annotated[Optional[Path], typer.Option(help="the job dir, in Harbor's layout: trial records and "
                                                          "ledger (reuse it to resume)")] = None,
    lint_only: Annotated[bool, typer.Option(help="only the static gate")] = False,
    executor: _ExecutorOpt = "local",
    ray_address: _RayAddressOpt = None,
    no_oracle: Annotated[bool, typer.Option(help="lint, build and no-op only: verdict `unverified` (automatic for "
                                                 "tasks without a reference solution)")] = False,
    allow_grading_network: Annotated[bool, typer.Option(help="run tasks whose test.sh downloads at grading time "
                                                             "(LCT005 warning) as written, the verifier on the "
                                                             "network the task gives it")] = False,
    force_build: Annotated[bool, typer.Option(help="build environment/Dockerfile even when [environment] "
                                                   "docker_image names a prebuilt image")] = False,
) -> None:
    """Run the quality gates on tasks: lint, build, no-op=0, oracle=1 x repeats, wrong solutions=0."""
    mapping = _parse_image_map(image_map)
    from litecoder_terminal.runner import validate_many

    gate_options = {k: v for k, v in (("no_oracle", no_oracle), ("allow_grading_network", allow_grading_network),
                                      ("force_build", force_build)) if v}
    extra = _gate_options_arg(validate_many, gate_options)
    tasks = find_task_dirs(paths)
    if not tasks:
        err.print("[red]error:[/red] no task dirs found")
        raise typer.Exit(2)
    job_dir = job_dir or Path("jobs") / time.strftime("validate-%Y%m%d-%H%M%S")
    engine = None if lint_only or executor == "ray" else _engine()
    runner = _executor("local" if lint_only else executor, engine, jobs, ray_address)
    from litecoder_terminal.runner import validate_many

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        bar = progress.add_task("validating", total=len(tasks))

        def done(v: TaskVerdict, resumed: bool) -> None:
            progress.update(bar, advance=1, description=f"{v.name}: {v.verdict.value}{' (ledger)' if resumed else ''}")

        with runner:
            verdicts = validate_many(tasks, engine=engine, job_dir=job_dir, jobs=jobs, repeats=repeats,
                                     image_map=mapping, lint_only=lint_only, on_done=done, executor=runner,
                                     on_lost=_on_lost(progress.console.print), **extra)
    from litecoder_terminal.gates.validate import verdict_totals

    out = _out()
    out.print(_verdict_table(verdicts))
    totals = verdict_totals(verdicts)
    out.print(_totals_table("totals", totals))
    accepted = sum(v.verdict is Verdict.ACCEPTED for v in verdicts)
    unverified = sum(v.verdict is Verdict.UNVERIFIED for v in verdicts)
    out.print(f"{accepted}/{len(verdicts)} accepted" + (f", {unverified} unverified (no reference solution run)"
                                                        if unverified else "")
              + f"; trial records in {job_dir} (a Harbor job: `harbor view {job_dir.resolve().parent}`; "
              f"`lct report {job_dir}` draws it)")
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps({"tasks": [v.model_dump(mode="json") for v in verdicts], "totals": totals},
                                     indent=2))
    raise typer.Exit(0 if accepted + (unverified if no_oracle else 0) == len(verdicts) else 1)


def _gate_options_arg(validate_many, options: dict[str, bool]) -> dict:
    """The runner's keyword for the gate options (no_oracle, allow_grading_network, force_build), when it has one."""
    import inspect

    if not options:
        return {}
    if "gate_options" in inspect.signature(validate_many).parameters:
        return {"gate_options": options}
    err.print(f"[red]error:[/red] this runner cannot pass {', '.join('--' + k.replace('_', '-') for k in options)} "
              "to the gates yet (runner/jobs.py validate_many needs a gate_options argument)")
    raise typer.Exit(2)


@app.command()
def report(
    paths: Annotated[list[Path], typer.Argument(help="lct job dirs (validate, rollout) and/or trees of task dirs "
                                                     "(a corpus; validate jobs inside it are read too)")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the HTML page to write")] = Path("report.html"),
    title: Annotated[Optional[str], typer.Option(help="page title")] = None,
) -> None:
    """One static, self-contained HTML page: verdicts by gate and reason, charts, every trial turn by turn."""
    from litecoder_terminal.export.report import write_report

    try:
        data = write_report(paths, out, title)
    except ValueError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    console.print(f"{len(data.tasks)} task(s), {len(data.trials)} trial(s) from "
                  f"{', '.join(s['kind'] + ' ' + s['path'] for s in data.sources)}")
    print(f"report: {out.resolve()}")


@app.command()
def lint(
    paths: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    as_json: Annotated[bool, typer.Option("--json", help="one JSON document: findings per task and totals by code")]
    = False,
) -> None:
    """Static checks only; prints every finding as CODE severity file:line: message, then totals by code."""
    from litecoder_terminal.task.lint import RULES, has_errors, lint_task, totals_by_code

    bad = 0
    every = []
    per_task = []
    tasks = find_task_dirs(paths)
    for task in tasks:
        findings = lint_task(task)
        every += findings
        per_task.append({"task": str(task), "errors": has_errors(findings),
                         "findings": [f.model_dump(mode="json") for f in findings]})
        if not as_json:
            for f in findings:
                console.print(str(f), markup=False, highlight=False, soft_wrap=True)
        bad += has_errors(findings)
    totals = totals_by_code(every)
    if as_json:
        print(json.dumps({"tasks": per_task, "totals": totals, "tasks_total": len(tasks), "tasks_with_errors": bad},
                         indent=2))
    else:
        table = Table(title="lct lint totals")
        for col in ("code", "rule", "errors", "warnings"):
            table.add_column(col, overflow="fold")
        for code, counts in totals.items():
            table.add_row(code, RULES.get(code, ("", ""))[1], str(counts.get("error", 0)), str(counts.get("warning", 0)))
        out = _out()
        out.print(table)
        out.print(f"{len(tasks) - bad}/{len(tasks)} task(s) without lint errors")
    raise typer.Exit(1 if bad else 0)


@app.command()
def offline(
    paths: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    out: Annotated[Path, typer.Option("--out", "-o", help="where the converted task dirs and offline-report.json go")],
    resolve_pins: Annotated[bool, typer.Option(help="pin packages test.sh installs unpinned to the version pip "
                                                    "resolves now (else they are reported)")] = True,
) -> None:
    """Rewrite Harbor tasks so grading needs no network: the verifier's tools baked into tests/Dockerfile (separate
    verifier), test.sh without installers, artifacts declared; a report of what changed and what could not be."""
    from litecoder_terminal.task.offline import convert_tasks

    entries = convert_tasks(paths, out, resolve_pins=resolve_pins)
    if not entries:
        err.print("[red]error:[/red] no task dirs found")
        raise typer.Exit(2)
    table = Table(title="lct offline")
    for col in ("task", "status", "changes", "not converted"):
        table.add_column(col, overflow="fold")
    colors = {"converted": "green", "copied": "white", "partial": "yellow", "failed": "red"}
    for e in entries:
        table.add_row(e.task, f"[{colors.get(e.status, 'white')}]{e.status}[/]", str(len(e.changes)),
                      "; ".join(e.not_converted)[:400])
    o = _out()
    o.print(table)
    from collections import Counter

    counts = Counter(e.status for e in entries)
    o.print(", ".join(f"{n} {k}" for k, n in counts.most_common()) + f"; report: {out / 'offline-report.json'}")
    raise typer.Exit(1 if counts.get("failed") else 0)


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="a task dir")],
    agent: Annotated[str, typer.Option(help="oracle, nop, replay or script:PATH (an LLM agent: lct rollout)")] = "oracle",
    image_map: _ImageMapOpt = [],  # noqa: B006
    trials_dir: Annotated[Path, typer.Option(help="where the trial record goes")] = Path("jobs/trials"),
) -> None:
    """One trial of one task with one agent; prints the result record."""
    if agent == "terminus":
        raise typer.BadParameter("the terminus agent needs a model: run `lct rollout TASK --agent terminus --model M "
                                 "[--api-base URL] --attempts 1`")
    from litecoder_terminal.agents import agent_from_spec
    from litecoder_terminal.sandbox import BuildError
    from litecoder_terminal.task import TaskDir
    from litecoder_terminal.trial import build_task_images, run_trial

    task = TaskDir(path)
    try:
        the_agent = agent_from_spec(agent)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    engine = _engine()
    config = task.config()
    try:
        images = build_task_images(engine, task, config, image_map=_parse_image_map(image_map))
    except BuildError as e:
        err.print(f"[red]build failed:[/red] {e}\n{e.log[-3000:]}")
        raise typer.Exit(1) from e
    result = run_trial(task, the_agent, engine, image=images,
                       trial_dir=trials_dir / f"{task.name}.{the_agent.name.replace(':', '-')}.{int(time.time())}",
                       config=config)
    print(result.model_dump_json(indent=2))
    raise typer.Exit(0 if result.status.value == "graded" else 1)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", "-o", help="where task dirs and manifest.jsonl go")],
    domain: Annotated[str, typer.Option(help="a domain name, or all")] = "all",
    count: Annotated[Optional[int], typer.Option(help="tasks in all, spread round-robin over the families")] = None,
    seed: Annotated[int, typer.Option(help="same arguments + same seed = byte-identical output")] = 0,
    difficulty: Annotated[list[str], typer.Option(help="easy/medium/hard (repeatable; default: cycle all)")] = [],  # noqa: B006
    per_family: Annotated[Optional[int], typer.Option(help="instead of --count: this many tasks of every family")] = None,
    spec: Annotated[list[Path], typer.Option(help="extra domain specification YAML (repeatable)")] = [],  # noqa: B006
    compose: Annotated[Optional[int], typer.Option(
        "--compose", help="stages per task: K families of the domain(s) in one environment (1: no composition; "
                          "default: easy 1, medium 2, hard 2-4)")] = None,
    workers: Annotated[Optional[int], typer.Option(
        help="sampling processes (default: one per CPU for 64+ slots); the output does not depend on it")] = None,
) -> None:
    """Write procedurally generated task dirs (no LLM) and a manifest."""
    from litecoder_terminal.spec import SpecError, load_specs
    from litecoder_terminal.synth.procedural.generate import generate as run_generate

    try:
        specs = load_specs(spec)
    except SpecError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    if domain != "all" and domain not in specs:
        raise typer.BadParameter(f"unknown domain {domain!r}; known: {', '.join(specs)}")
    bad = [d for d in difficulty if d not in ("easy", "medium", "hard")]
    if bad:
        raise typer.BadParameter(f"--difficulty {bad[0]!r}: use easy, medium or hard")
    if (count is None) == (per_family is None):
        raise typer.BadParameter("give exactly one of --count or --per-family")
    t0 = time.monotonic()
    try:
        rep = run_generate(out, domain=domain, count=count, seed=seed, difficulties=difficulty or None,
                           per_family=per_family, compose_k=compose, workers=workers)
    except ValueError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    if rep.resumed:
        console.print(f"resumed an interrupted run: {rep.resumed} of {rep.requested} slots were already done")
    console.print(f"wrote {rep.written} task dirs to {out} in {time.monotonic() - t0:.2f}s "
              f"({rep.near_duplicates} near-duplicate samples rejected, {len(rep.failures)} failed samples "
              f"resampled); diversity {rep.diversity:.3f} (1 - mean pairwise 3-gram Jaccard); manifest {rep.manifest}")
    if any(k > 1 for k in rep.stages):
        console.print("tasks by stages: " + ", ".join(f"{k}: {n}" for k, n in sorted(rep.stages.items())))
    if rep.failures:
        by_family: dict[str, int] = {}
        for f in rep.failures:
            by_family[f.family] = by_family.get(f.family, 0) + 1
        err.print(f"[yellow]warning:[/yellow] {len(rep.failures)} sample(s) failed (raised) and were replaced from "
                  f"other seeds: {', '.join(f'{k} {v}' for k, v in sorted(by_family.items()))}; family, level, seed "
                  f"and traceback of each in {rep.report}")
    if rep.exhausted:
        err.print(f"[red]error:[/red] {len(rep.exhausted)} of {rep.requested} slot(s) dropped (every sample raised "
                  f"or was a near-duplicate): {', '.join(rep.exhausted[:10])}; see {rep.report}")
        raise typer.Exit(1)


@app.command()
def domains(spec: Annotated[list[Path], typer.Option(help="extra domain specification YAML")] = []) -> None:  # noqa: B006
    """List the domain specifications and their task families."""
    from litecoder_terminal.spec import SpecError, load_specs
    from litecoder_terminal.synth.procedural.registry import families

    try:
        specs = load_specs(spec)
    except SpecError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    table = Table(title="domains")
    for col in ("domain", "title", "families"):
        table.add_column(col, overflow="fold")
    for name, s in specs.items():
        fams = families(name)
        table.add_row(name, s.title, ", ".join(f.name + (" (multi-stage)" if f.multi_stage else "")
                                               + (" (interactive)" if f.interactive else "") for f in fams) or "-")
    console.print(table)


@app.command()
def gc(
    all_owners: Annotated[bool, typer.Option("--all", help="also containers of lct processes still running")] = False,
    images: Annotated[bool, typer.Option(help="also remove task images (lct-env:*)")] = False,
) -> None:
    """Remove containers (and optionally images) that killed lct runs left behind."""
    removed, removed_images = _engine().gc(all_owners=all_owners, images=images)
    console.print(f"removed {removed} container(s)" + (f", {removed_images} image(s)" if images else ""))


# ---------------------------------------------------------------------------------------------------------
# rollouts, calibration and datasets (agents → trials → SFT / RL)
# ---------------------------------------------------------------------------------------------------------

_AgentOpt = Annotated[str, typer.Option(help="oracle, nop, replay, terminus or script:PATH")]
_ModelOpt = Annotated[Optional[str], typer.Option(help="LiteLLM model for terminus, e.g. openai/gpt-4.1, "
                                                       "hosted_vllm/Qwen/Qwen3-32B")]
_ApiBaseOpt = Annotated[Optional[str], typer.Option(help="OpenAI-compatible server URL (vLLM, SGLang, Ollama...)")]


# Per-call limits (each model call) versus the run's budget (all calls together): named so they cannot be confused.
_TimeoutOpt = Annotated[float, typer.Option("--timeout", help="seconds one model call may take (per call)")]
_MaxOutputOpt = Annotated[int, typer.Option("--max-output-tokens", help="longest reply of one model call (per call); "
                                            "a reply cut there is reported to the model as cut")]
_MaxTotalTokensOpt = Annotated[Optional[int], typer.Option(
    "--max-total-tokens", "--max-tokens",
    help="hard budget in tokens (prompt + completion) for the whole run; --max-tokens is a deprecated alias")]
_DeadlineOpt = Annotated[str, typer.Option(help="terminus: what the task's agent timeout counts: wall (everything) or "
                                                "env (model latency excluded)")]


def _rollout(tasks: list[Path], agent: str, model: str | None, api_base: str | None, api_key_env: str | None,
             temperature: float, max_turns: int, context_tokens: int, attempts: int, jobs: int, out: Path,
             image_map: list[str], max_cost: float | None, timeout: float = 300.0, max_output_tokens: int = 4096,
             max_total_tokens: int | None = None, deadline: str = "wall", executor: str = "local",
             ray_address: str | None = None) -> dict:
    from litecoder_terminal.agents import agent_from_spec
    from litecoder_terminal.runner.rollout import AgentFactory, run_rollout

    paths = find_task_dirs(tasks)
    if not paths:
        err.print("[red]error:[/red] no task dirs found")
        raise typer.Exit(2)
    llm, key = None, agent
    if agent == "terminus":
        if not model:
            raise typer.BadParameter("--agent terminus needs --model")
        from litecoder_terminal.llm import Budget, LLMCache, LLMClient, LLMConfig

        llm = LLMClient(LLMConfig(model=model, api_base=api_base, api_key_env=api_key_env, temperature=temperature,
                                  concurrency=max(1, jobs), timeout_sec=timeout, max_tokens=max_output_tokens),
                        cache=LLMCache(out / "llm-cache.sqlite"),
                        budget=Budget(max_cost=max_cost, max_tokens=max_total_tokens))
        key = f"terminus|{model}|t={temperature}|turns={max_turns}|ctx={context_tokens}"
        if deadline != "wall":
            key += f"|deadline={deadline}"
        if max_output_tokens != 4096:
            key += f"|out={max_output_tokens}"

    def make(attempt: int):
        if llm is None:
            return agent_from_spec(agent)
        return agent_from_spec(agent, llm=llm, max_turns=max_turns, context_tokens=context_tokens,
                               salt=f"attempt-{attempt}", deadline=deadline)

    try:
        make(1)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    if executor == "ray":  # trials run on other nodes: the agent travels as a picklable factory
        make = AgentFactory(agent) if llm is None else AgentFactory(
            agent, llm=llm.config.model_dump(), cache=str((out / "llm-cache.sqlite").resolve()), max_cost=max_cost,
            max_total_tokens=max_total_tokens,
            settings={"max_turns": max_turns, "context_tokens": context_tokens, "deadline": deadline})
    engine = _engine() if executor == "local" else None
    runner = _executor(executor, engine, jobs, ray_address)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        bar = progress.add_task("rollout", total=len(paths) * attempts)

        def done(rec, resumed: bool) -> None:
            what = f"reward {rec.reward}" if rec.status == "graded" else f"error ({rec.error_kind})"
            progress.update(bar, advance=1,
                            description=f"{rec.task}#{rec.attempt}: {what}{' (ledger)' if resumed else ''}")

        with runner:
            summary = run_rollout(paths, make, agent_key=key, engine=engine, out_dir=out, attempts=attempts,
                                  jobs=jobs, image_map=_parse_image_map(image_map), on_done=done, executor=runner,
                                  on_lost=_on_lost(progress.console.print))
    table = Table(title=f"lct rollout: {agent}{' ' + model if model else ''}")
    ks = [k for k in ("1", "2", "5", "10", str(attempts)) if int(k) <= attempts]
    ks = list(dict.fromkeys(ks))
    for col in ("task", "domain", "rewards", "errors", *[f"pass@{k}" for k in ks], "tokens", "cost $"):
        table.add_column(col, overflow="fold")
    fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
    for r in summary["tasks"]:
        table.add_row(r["task"], r["domain"], " ".join("E" if x is None else f"{x:g}" for x in r["rewards"]),
                      str(len(r["errors"])), *[fmt(r["pass_at_k"][k]) for k in ks],
                      str(r["prompt_tokens"] + r["completion_tokens"]), f"{r['cost_usd']:.4f}")
    o = summary["overall"]
    table.add_row("[b]all[/b]", "", f"{o['graded']}/{o['trials']} graded", str(o["errors"]),
                  *[fmt(o["pass_at_k"][k]) for k in ks], str(o["prompt_tokens"] + o["completion_tokens"]),
                  f"{o['cost_usd']:.4f}")
    console.print(table)
    for r in summary["tasks"]:  # each distinct cause once per task, so a broken task is named with its problem
        for kind, cause in dict.fromkeys((e["kind"], e["cause"]) for e in r["errors"]):
            err.print(f"[yellow]{r['task']}[/yellow] ({kind} error): {cause}")
    console.print(f"trials in {out}; summary in {out / 'summary.json'}"
                  + (f"; {o['errors']} error(s) (task, infra or verifier), not counted in pass@k" if o["errors"] else ""))
    return summary


@app.command()
def rollout(
    tasks: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    agent: _AgentOpt = "terminus",
    model: _ModelOpt = None,
    api_base: _ApiBaseOpt = None,
    api_key_env: _ApiKeyEnvOpt = None,
    temperature: _TemperatureOpt = 0.7,
    max_turns: _MaxTurnsOpt = 50,
    context_tokens: _ContextOpt = 32000,
    attempts: Annotated[int, typer.Option("--attempts", "-k", help="independent attempts per task")] = 1,
    jobs: _TrialJobsOpt = 2,
    out: Annotated[Path, typer.Option("--out", "-o", help="the job dir, in Harbor's layout (reuse it to resume)")] = Path("jobs/rollout"),
    image_map: _ImageMapOpt = [],  # noqa: B006
    max_cost: _MaxCostOpt = None,
    max_total_tokens: _MaxTotalTokensOpt = None,
    timeout: _TimeoutOpt = 300.0,
    max_output_tokens: _MaxOutputOpt = 4096,
    deadline: _DeadlineOpt = "wall",
    executor: _ExecutorOpt = "local",
    ray_address: _RayAddressOpt = None,
) -> None:
    """K attempts of an agent on tasks: trials with ATIF trajectories, rewards, pass@k, tokens; resumable."""
    summary = _rollout(tasks, agent, model, api_base, api_key_env, temperature, max_turns, context_tokens, attempts,
                       jobs, out, image_map, max_cost, timeout, max_output_tokens, max_total_tokens, deadline,
                       executor, ray_address)
    raise typer.Exit(0 if summary["overall"]["errors"] == 0 else 1)


@app.command()
def calibrate(
    tasks: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    agent: _AgentOpt = "terminus",
    model: _ModelOpt = None,
    api_base: _ApiBaseOpt = None,
    api_key_env: _ApiKeyEnvOpt = None,
    temperature: _TemperatureOpt = 0.7,
    max_turns: _MaxTurnsOpt = 50,
    context_tokens: _ContextOpt = 32000,
    attempts: Annotated[int, typer.Option("--attempts", "-k", help="attempts per task")] = 8,
    jobs: _TrialJobsOpt = 2,
    out: Annotated[Path, typer.Option("--out", "-o", help="rollout dir; calibration.jsonl goes here")] = Path("jobs/calibrate"),
    image_map: _ImageMapOpt = [],  # noqa: B006
    max_cost: _MaxCostOpt = None,
    max_total_tokens: _MaxTotalTokensOpt = None,
    timeout: _TimeoutOpt = 300.0,
    max_output_tokens: _MaxOutputOpt = 4096,
    deadline: _DeadlineOpt = "wall",
    executor: _ExecutorOpt = "local",
    ray_address: _RayAddressOpt = None,
) -> None:
    """Pass rate per task (K attempts), written to OUT/calibration.jsonl for `lct export rl --calibration`."""
    from litecoder_terminal.runner.rollout import calibration_rows

    summary = _rollout(tasks, agent, model, api_base, api_key_env, temperature, max_turns, context_tokens, attempts,
                       jobs, out, image_map, max_cost, timeout, max_output_tokens, max_total_tokens, deadline,
                       executor, ray_address)
    rows = calibration_rows(summary)
    (out / "calibration.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    console.print(f"pass rates of {len(rows)} task(s) in {out / 'calibration.jsonl'}")


export_app = typer.Typer(help="Datasets from rollouts (SFT) and tasks (RL manifest).", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("sft")
def export_sft(
    runs: Annotated[list[Path], typer.Argument(help="rollout dirs or trial dirs")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output file (.jsonl or .parquet)")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="sharegpt, openai or parquet")] = "sharegpt",
    min_reward: Annotated[float, typer.Option(help="keep trials with reward >= this (rejection sampling)")] = 1.0,
    loop_repeats: Annotated[int, typer.Option(help="drop runs repeating keystrokes/screens this many times")] = 4,
    keep_truncated: Annotated[bool, typer.Option(help="also keep runs that did not finish on their own")] = False,
) -> None:
    """SFT conversations from rollout trials: filtered by reward, truncation and loops, de-duplicated."""
    from litecoder_terminal.export.sft import FORMATS, collect_sft, write_sft

    if fmt not in FORMATS:
        raise typer.BadParameter(f"--format {fmt!r}: use {', '.join(FORMATS)}")
    records, stats = collect_sft(runs, min_reward=min_reward, loop_repeats=loop_repeats, keep_truncated=keep_truncated)
    for problem in stats.errors:
        err.print(f"[yellow]skipped:[/yellow] {problem}")
    write_sft(records, out, fmt)
    s = stats.as_dict()
    table = Table(title=f"lct export sft → {out}")
    table.add_column("statistic")
    table.add_column("value", overflow="fold")
    for k in ("trials", "records", "turns_mean", "turns_max", "tokens_estimate"):
        table.add_row(k, str(s[k]))
    table.add_row("dropped", ", ".join(f"{k}: {v}" for k, v in sorted(s["dropped"].items())) or "-")
    table.add_row("domains", ", ".join(f"{k}: {v}" for k, v in s["domains"].items()) or "-")
    console.print(table)
    print(json.dumps(s))


@export_app.command("rl")
def export_rl(
    tasks: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    out: Annotated[Path, typer.Option("--out", "-o", help="manifest file (.jsonl or .parquet)")],
    calibration: Annotated[Optional[Path], typer.Option(help="calibration.jsonl from lct calibrate")] = None,
    min_pass: Annotated[float, typer.Option(help="with --calibration: drop tasks solved less often")] = 0.1,
    max_pass: Annotated[float, typer.Option(help="with --calibration: drop tasks solved more often")] = 0.9,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or parquet")] = "jsonl",
) -> None:
    """The RL environment manifest: task, domain, difficulty, pass rate, content hash."""
    from litecoder_terminal.export.rl import rl_manifest, write_manifest

    if fmt not in ("jsonl", "parquet"):
        raise typer.BadParameter(f"--format {fmt!r}: use jsonl or parquet")
    paths = find_task_dirs(tasks)
    problems: list[str] = []
    try:
        rows, dropped = rl_manifest(paths, calibration=calibration, min_pass=min_pass, max_pass=max_pass,
                                    problems=problems)
    except (OSError, ValueError) as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    for problem in problems:
        err.print(f"[yellow]not an environment:[/yellow] {problem}")
    write_manifest(rows, out, fmt)
    console.print(f"{len(rows)} environment(s) of {len(paths)} task(s) → {out}"
                  + (f" (dropped: {', '.join(f'{k} {v}' for k, v in dropped.items() if v)})"
                     if any(dropped.values()) else ""))


@app.command()
def synth(
    domain: Annotated[str, typer.Option(help="a domain name, or all (round-robin)")],
    count: Annotated[int, typer.Option(help="accepted tasks wanted")],
    model: Annotated[str, typer.Option(help="LiteLLM model, e.g. hosted_vllm/Qwen/Qwen3-Coder-480B-A35B-Instruct")],
    out: Annotated[Path, typer.Option("--out", "-o", help="task dirs, manifest.jsonl, drops.jsonl, report.json")] = Path("synth-out"),
    api_base: Annotated[Optional[str], typer.Option(help="OpenAI-compatible endpoint (vLLM, SGLang, Ollama)")] = None,
    api_key_env: _ApiKeyEnvOpt = None,
    jobs: Annotated[int, typer.Option(help="tasks built at once")] = 1,
    concurrency: Annotated[int, typer.Option(help="LLM calls in flight at once")] = 4,
    max_cost: _MaxCostOpt = None,
    max_total_tokens: _MaxTotalTokensOpt = None,
    timeout: _TimeoutOpt = 300.0,
    max_output_tokens: _MaxOutputOpt = 4096,
    redteam_model: Annotated[Optional[str], typer.Option(
        help="LiteLLM model that writes the wrong solutions (default: --model, reported as not independent)")] = None,
    blind_attempts: Annotated[int, typer.Option(
        help="after packaging, K blind Terminus attempts by --model per task; a hard task solved K/K is relabelled "
             "medium (0: off)")] = 0,
    max_repairs: Annotated[int, typer.Option(help="failed checks a stage may repair before the task is dropped")] = 3,
    max_turns: Annotated[int, typer.Option(help="tool calls per stage before the task is dropped")] = 16,
    repeats: Annotated[int, typer.Option(help="reference runs in fresh containers (verifier round and gate)")] = 2,
    seed: Annotated[int, typer.Option(help="varies the idea samples")] = 0,
    temperature: _TemperatureOpt = 0.7,
    input_cost_per_token: Annotated[Optional[float], typer.Option(help="USD; overrides LiteLLM's price table")] = None,
    output_cost_per_token: Annotated[Optional[float], typer.Option(help="USD; overrides LiteLLM's price table")] = None,
    spec: Annotated[list[Path], typer.Option(help="extra domain specification YAML (repeatable)")] = [],  # noqa: B006
) -> None:
    """Generate tasks with an LLM in five checked stages; resumes from OUT/.lct-synth after a kill."""
    from litecoder_terminal.llm import LLMConfig
    from litecoder_terminal.spec import SpecError, load_specs
    from litecoder_terminal.synth.llm import RunStatus, SynthSettings, synthesize

    try:
        specs = load_specs(spec)
    except SpecError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    if domain != "all" and domain not in specs:
        raise typer.BadParameter(f"unknown domain {domain!r}; known: {', '.join(specs)}")
    llm = LLMConfig(model=model, api_base=api_base, api_key_env=api_key_env, temperature=temperature,
                    concurrency=concurrency, input_cost_per_token=input_cost_per_token,
                    output_cost_per_token=output_cost_per_token, timeout_sec=timeout, max_tokens=max_output_tokens)
    settings = SynthSettings(domains=list(specs) if domain == "all" else [domain], count=count, out=out, llm=llm,
                             jobs=jobs, max_repairs=max_repairs, max_turns=max_turns, repeats=repeats, seed=seed,
                             max_cost=max_cost, max_total_tokens=max_total_tokens, redteam_model=redteam_model,
                             blind_attempts=blind_attempts)
    engine = _engine(run_id=f"synth-{int(time.time())}")
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err) as progress:
        bar = progress.add_task("ideas", total=count)

        def show(s: RunStatus) -> None:
            stages = " ".join(f"{k}:{v}" for k, v in s.in_stage.items() if v) or "-"
            progress.update(bar, completed=s.accepted + s.dropped, description=(
                f"ideas {s.ideas_accepted}/{s.ideas_drawn} | stages {stages} | accepted {s.accepted} "
                f"dropped {s.dropped} | ${s.cost:.4f}" + (" | BUDGET SPENT" if s.budget_exhausted else "")))

        try:
            rep = synthesize(settings, specs, engine, on_event=show)
        finally:
            engine.remove_run_containers()
    table = Table(title=f"lct synth ({model})")
    for col in ("stage", "in", "out", "drops", "calls", "cached", "tokens", "cost $", "llm s", "sandbox s"):
        table.add_column(col, overflow="fold")
    for stage, y in rep["yield"].items():
        u = rep["usage_by_stage"][stage]
        drops = "; ".join(f"{n}x {r}" for r, n in y["drops"].items())[:200]
        table.add_row(stage, str(y["in"]), str(y["out"]), drops, str(u["calls"]), str(u["cached_calls"]),
                      str(u["prompt_tokens"] + u["completion_tokens"]), f"{u['cost_usd']:.4f}",
                      f"{u['llm_wall_sec']:.1f}", f"{u['sandbox_sec']:.1f}")
    console.print(table)
    console.print(f"accepted {rep['accepted']} of {count} requested into {out} (manifest.jsonl); dropped "
                  f"{rep['dropped']} (drops.jsonl); report {out / 'report.json'}; this run paid "
                  f"${rep['usage_this_run']['cost_usd']:.4f} for {rep['usage_this_run']['calls'] - rep['usage_this_run']['cached_calls']} calls")
    if rep["budget_exhausted"]:
        err.print("[yellow]budget spent:[/yellow] new work stopped; run again with a larger budget to resume")


@app.command()
def serve(
    tasks: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs to serve")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    max_envs: Annotated[int, typer.Option(help="envs alive at once (POST /envs answers 429 beyond)")] = 8,
    idle_timeout: Annotated[float, typer.Option(help="seconds without a call before an env is closed")] = 600.0,
    max_steps: Annotated[int, typer.Option(help="steps per episode before it is truncated")] = 50,
    step_timeout: Annotated[float, typer.Option(help="seconds one command may run before C-c")] = 180.0,
    max_observation_chars: Annotated[int, typer.Option(help="observation size bound")] = 10_000,
    image_map: _ImageMapOpt = [],  # noqa: B006
    trials_dir: Annotated[Optional[Path], typer.Option(help="record every episode (result.json, trajectory)")] = None,
) -> None:
    """Serve tasks as RL environments over HTTP (reset/step/reward) for remote trainers."""
    import uvicorn

    from litecoder_terminal.rl.server import create_app, tasks_by_name

    from litecoder_terminal.task.lint import split_by_lint

    dirs, problems = split_by_lint(find_task_dirs(tasks))
    for problem in problems:  # a broken task is not served; the others are
        err.print(f"[yellow]not served:[/yellow] {problem}")
    if not dirs:
        err.print(f"[red]error:[/red] no servable task dir in {', '.join(map(str, tasks))}")
        raise typer.Exit(2)
    try:
        by_name = tasks_by_name(dirs)
    except ValueError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    engine = _engine(run_id=f"serve-{int(time.time())}")
    api = create_app(by_name, engine, max_envs=max_envs, idle_timeout_sec=idle_timeout, remove_run_containers=True,
                     env_kwargs={"max_steps": max_steps, "step_timeout": step_timeout, "trials_dir": trials_dir,
                                 "max_observation_chars": max_observation_chars,
                                 "image_map": _parse_image_map(image_map)})
    err.print(f"serving {len(by_name)} task(s) on http://{host}:{port} (max {max_envs} envs)")
    uvicorn.run(api, host=host, port=port, log_level="warning")


corpus_app = typer.Typer(help="Datasets of verified tasks: build (generate, validate, refill) and verify.",
                         no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("build")
def corpus_build(
    count: Annotated[int, typer.Option(help="accepted tasks wanted")],
    out: Annotated[Path, typer.Option("--out", "-o", help="the dataset dir (rerun with the same arguments to resume)")],
    seed: Annotated[int, typer.Option(help="same arguments + same seed = the same corpus")] = 0,
    repeats: Annotated[int, typer.Option(help="oracle runs per task, each in a fresh container")] = 3,
    source: Annotated[str, typer.Option(help="procedural (lct generate) or synth (lct synth; needs --model)")] = "procedural",
    domain: Annotated[str, typer.Option(help="a domain name, or all")] = "all",
    name: Annotated[Optional[str], typer.Option(help="Harbor dataset name org/name (default lct/<out dir name>)")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="tasks validated at once (local; a local Ray node's slots)")] = 2,
    executor: _ExecutorOpt = "local",
    ray_address: _RayAddressOpt = None,
    keep_images: Annotated[bool, typer.Option(help="keep each task's image after its verdict (default: removed)")] = False,
    image_map: _ImageMapOpt = [],  # noqa: B006
    model: _ModelOpt = None,
    api_base: _ApiBaseOpt = None,
    api_key_env: _ApiKeyEnvOpt = None,
    max_cost: _MaxCostOpt = None,
) -> None:
    """Generate -> validate -> keep the accepted -> refill until COUNT are accepted; then tasks/, data/tasks.jsonl,
    dataset.toml (Harbor digests), rl/manifest.jsonl and a README.md dataset card."""
    from litecoder_terminal.runner.corpus import CorpusError, CorpusEvents, CorpusSettings, build_corpus

    if count < 1:
        raise typer.BadParameter("--count must be at least 1")
    if source not in ("procedural", "synth"):
        raise typer.BadParameter(f"--source {source!r}: use procedural or synth")
    if source == "synth" and not model:
        raise typer.BadParameter("--source synth needs --model (a LiteLLM model, e.g. hosted_vllm/Qwen/Qwen3-Coder-"
                                 "480B-A35B-Instruct, with --api-base for your server); see docs/synth.md")
    synth = {"model": model, "api_base": api_base, "api_key_env": api_key_env, "max_cost": max_cost} \
        if source == "synth" else None
    settings = CorpusSettings(out=out, count=count, seed=seed, repeats=repeats, source=source, domain=domain,
                              name=name, keep_images=keep_images, image_map=_parse_image_map(image_map), synth=synth)
    engine = _engine() if executor == "local" or source == "synth" else None
    runner = _executor(executor, engine, jobs, ray_address)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        bar = progress.add_task("corpus", total=count)
        seen = {"accepted": 0, "done": 0}

        def on_round(r: int, n: int, need: int) -> None:
            progress.console.print(f"round {r}: {n} candidate(s) for {need} still needed")

        def on_verdict(o) -> None:
            seen["done"] += 1
            seen["accepted"] += o.verdict.verdict is Verdict.ACCEPTED
            progress.update(bar, completed=min(count, seen["accepted"]), description=(
                f"{o.verdict.name[:60]}: {o.verdict.verdict.value}{' (ledger)' if o.resumed else ''} | "
                f"accepted {seen['accepted']} of {seen['done']} validated"))

        try:
            with runner:
                stats = build_corpus(settings, executor=runner, engine=engine, events=CorpusEvents(
                    round=on_round, verdict=on_verdict, lost=_on_lost(progress.console.print)))
        except CorpusError as e:
            err.print(f"[red]error:[/red] {e}")
            raise typer.Exit(1) from e
    g, d = stats["gates"], stats["disk"]
    table = Table(title=f"lct corpus build → {out}")
    table.add_column("statistic")
    table.add_column("value", overflow="fold")
    for k, v in (("accepted (kept)", stats["count"]), ("rounds", stats["rounds"]), ("generated", g["generated"]),
                 ("validated", g["validated"]), ("accepted", g["accepted"]), ("rejected", g["rejected"]),
                 ("errors (infra)", g["errors"]), ("rejected at", ", ".join(f"{a} {b}" for a, b in
                                                                          sorted(g["rejected_at"].items())) or "-"),
                 ("extra disk per image (median/max)",
                  f"{(d['extra_median'] or 0) / 2**20:.2f} MB / {(d['extra_max'] or 0) / 2**20:.2f} MB "
                  f"({d['measured']} measured, {d['images_removed']} removed)"),
                 ("this run", f"{stats['wall_seconds_this_run']:.0f} s")):
        table.add_row(k, str(v))
    console.print(table)
    console.print(f"dataset in {out}: tasks/, data/tasks.jsonl, dataset.toml, rl/manifest.jsonl, README.md")


@corpus_app.command("verify")
def corpus_verify(
    path: Annotated[Path, typer.Argument(help="a dataset dir written by lct corpus build")],
    sample: Annotated[int, typer.Option(help="tasks re-validated (0: digests only)")] = 3,
    seed: Annotated[int, typer.Option(help="picks the sample")] = 0,
    repeats: Annotated[int, typer.Option(help="oracle runs per sampled task")] = 1,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="tasks validated at once")] = 2,
    executor: _ExecutorOpt = "local",
    ray_address: _RayAddressOpt = None,
) -> None:
    """Re-check every task's digest against dataset.toml (as Harbor computes it) and re-validate a sample."""
    from litecoder_terminal.runner.corpus import verify_corpus

    if not (path / "dataset.toml").is_file():
        err.print(f"[red]error:[/red] {path / 'dataset.toml'}: missing (not a dataset from lct corpus build)")
        raise typer.Exit(2)
    engine = _engine() if sample and executor == "local" else None
    runner = _executor(executor, engine, jobs, ray_address) if sample else None
    try:
        rep = verify_corpus(path, sample=sample, seed=seed, executor=runner, engine=engine, repeats=repeats)
    finally:
        if runner is not None:
            runner.close()
    for p in rep["digest_problems"]:
        err.print(f"[red]digest:[/red] {p}")
    for p in rep["not_accepted"]:
        err.print(f"[red]re-validation:[/red] {p}")
    console.print(f"{rep['tasks']} task digest(s) checked, {len(rep['digest_problems'])} problem(s); "
                  f"{rep['revalidated']} re-validated ({', '.join(rep['sampled']) or '-'}), "
                  f"{len(rep['not_accepted'])} not accepted" + (f"; job {rep['job_dir']}" if rep["job_dir"] else ""))
    raise typer.Exit(0 if not rep["digest_problems"] and not rep["not_accepted"] else 1)


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
