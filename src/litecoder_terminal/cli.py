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


def _verdict_table(verdicts: list[TaskVerdict]) -> Table:
    table = Table(title="lct validate")
    for col in ("task", "verdict", "gate", "reason", "trials", "seconds"):
        table.add_column(col, overflow="fold")
    colors = {Verdict.ACCEPTED: "green", Verdict.REJECTED: "red", Verdict.ERROR: "yellow"}
    for v in verdicts:
        reason = v.reasons[0] if v.reasons else None
        msg = reason.message.splitlines()[0][:160] if reason else ""
        table.add_row(v.name, f"[{colors[v.verdict]}]{v.verdict.value}[/]", reason.gate if reason else "",
                      msg, str(len(v.trials)), f"{v.seconds:.1f}")
    return table


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")],
    repeats: Annotated[int, typer.Option(help="oracle runs, each in a fresh container")] = 3,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="tasks validated at once")] = 2,
    report: Annotated[Optional[Path], typer.Option(help="write the verdicts as JSON")] = None,
    image_map: Annotated[list[str], typer.Option("--image-map", help="FROM=TO base image substitution")] = [],  # noqa: B006
    job_dir: Annotated[Optional[Path], typer.Option(help="trial records and ledger (reuse it to resume)")] = None,
    lint_only: Annotated[bool, typer.Option(help="only the static gate")] = False,
) -> None:
    """Run the quality gates on tasks: lint, build, no-op=0, oracle=1 x repeats, wrong solutions=0."""
    mapping = _parse_image_map(image_map)
    tasks = find_task_dirs(paths)
    if not tasks:
        err.print("[red]error:[/red] no task dirs found")
        raise typer.Exit(2)
    job_dir = job_dir or Path("jobs") / time.strftime("validate-%Y%m%d-%H%M%S")
    engine = None if lint_only else _engine()
    from litecoder_terminal.runner import validate_many

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        bar = progress.add_task("validating", total=len(tasks))

        def done(v: TaskVerdict, resumed: bool) -> None:
            progress.update(bar, advance=1, description=f"{v.name}: {v.verdict.value}{' (ledger)' if resumed else ''}")

        verdicts = validate_many(tasks, engine=engine, job_dir=job_dir, jobs=jobs, repeats=repeats,
                                 image_map=mapping, lint_only=lint_only, on_done=done)
    console.print(_verdict_table(verdicts))
    accepted = sum(v.verdict is Verdict.ACCEPTED for v in verdicts)
    console.print(f"{accepted}/{len(verdicts)} accepted; trial records in {job_dir}")
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps({"tasks": [v.model_dump(mode="json") for v in verdicts]}, indent=2))
    raise typer.Exit(0 if accepted == len(verdicts) else 1)


@app.command()
def lint(paths: Annotated[list[Path], typer.Argument(help="task dirs or trees of task dirs")]) -> None:
    """Static checks only; prints every finding as CODE severity file:line: message."""
    from litecoder_terminal.task.lint import has_errors, lint_task

    bad = 0
    for task in find_task_dirs(paths):
        findings = lint_task(task)
        for f in findings:
            console.print(str(f), markup=False, highlight=False)
        bad += has_errors(findings)
    raise typer.Exit(1 if bad else 0)


@app.command()
def run(
    path: Annotated[Path, typer.Argument(help="a task dir")],
    agent: Annotated[str, typer.Option(help="oracle, nop, replay or script:PATH")] = "oracle",
    image_map: Annotated[list[str], typer.Option("--image-map", help="FROM=TO base image substitution")] = [],  # noqa: B006
    trials_dir: Annotated[Path, typer.Option(help="where the trial record goes")] = Path("jobs/trials"),
) -> None:
    """One trial of one task with one agent; prints the result record."""
    from litecoder_terminal.agents import agent_from_spec
    from litecoder_terminal.sandbox import BuildError
    from litecoder_terminal.task import TaskDir
    from litecoder_terminal.trial import run_trial

    task = TaskDir(path)
    try:
        the_agent = agent_from_spec(agent)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    engine = _engine()
    config = task.config()
    try:
        build = engine.build(task.environment_dir, image_map=_parse_image_map(image_map),
                             timeout_sec=config.environment.build_timeout_sec)
    except BuildError as e:
        err.print(f"[red]build failed:[/red] {e}\n{e.log[-3000:]}")
        raise typer.Exit(1) from e
    result = run_trial(task, the_agent, engine, image=build.tag,
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
                           per_family=per_family)
    except ValueError as e:
        err.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    console.print(f"wrote {rep.written} task dirs to {out} in {time.monotonic() - t0:.2f}s "
              f"({rep.near_duplicates} near-duplicate samples rejected); diversity {rep.diversity:.3f} "
              f"(1 - mean pairwise 3-gram Jaccard); manifest {rep.manifest}")
    if rep.exhausted:
        err.print(f"[yellow]warning:[/yellow] {len(rep.exhausted)} slot(s) dropped, their families produced only "
                  f"near-duplicates: {', '.join(rep.exhausted[:10])}")


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


def main() -> None:  # pragma: no cover
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
