"""The `gknlp` command line: thin typer commands over the Python API."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from gknlp.data import data_path

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Chinese government information disclosure annual reports → tagged, validated JSON.")

_DEFAULT_CORPUS = Path("../shared/corpus")


def _default_jobs() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Report files, directories or glob patterns.")],
    out: Annotated[Optional[Path], typer.Option("-o", "--out", help="Write JSON Lines here (one report per line).")] = None,
    model: Annotated[Optional[Path], typer.Option("--model", help="Theme model directory (default: the bundled one).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (default: all cores).")] = 0,
    resume: Annotated[bool, typer.Option("--resume", help="Skip files whose sha256 is already in OUT.")] = False,
    timeout: Annotated[int, typer.Option("--timeout", help="Per-file time limit in seconds (0: none).")] = 120,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    address: Annotated[Optional[str], typer.Option("--address", help="Dask scheduler address (tcp://…).")] = None,
    no_themes: Annotated[bool, typer.Option("--no-themes", help="Skip theme tagging.")] = False,
    no_counts: Annotated[bool, typer.Option("--no-counts", help="Skip quoted counts.")] = False,
    indent: Annotated[Optional[int], typer.Option("--indent", help="Indent a single JSON document.")] = 2,
) -> None:
    """Extract reports: one file prints one JSON document; several write JSON Lines."""
    from gknlp.batch import iter_inputs

    opts = {"model": str(model) if model else None, "themes": not no_themes, "counts": not no_counts,
            "timeout": timeout}
    files = list(iter_inputs(paths))
    if not files:
        typer.echo("no input files", err=True)
        raise typer.Exit(2)
    single = len(files) == 1 and out is None and not Path(paths[0]).is_dir()
    if single:
        from gknlp.batch import process_one

        record = json.loads(process_one(str(files[0]), opts))
        typer.echo(json.dumps(record, ensure_ascii=False, indent=indent))
        raise typer.Exit(1 if "error" in record else 0)
    summary = _run_with_progress(files, out, jobs or _default_jobs(), resume, opts, engine, address)
    _print_summary(summary)
    raise typer.Exit(1 if summary.errors else 0)


def _run_with_progress(files, out, jobs, resume, opts, engine, address):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from gknlp.batch import run_batch

    console = Console(stderr=True)
    started = time.perf_counter()
    write = None if out is not None else (lambda line: sys.stdout.write(line + "\n"))
    with Progress(TextColumn("extracting"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]:.1f} files/s"), TimeElapsedColumn(), TextColumn("ETA"),
                  TimeRemainingColumn(), console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("extract", total=len(files), rate=0.0)

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, total=total, rate=rate)

        return run_batch(files, out, jobs=jobs, resume=resume, opts=opts, engine=engine, address=address,
                         progress=progress, write=write)


def _print_summary(summary) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="gknlp extract")
    for col in ("ok", "with warnings", "errors", "identity failures", "skipped (resume)"):
        table.add_column(col, justify="right")
    table.add_row(str(summary.ok), str(summary.warnings), str(summary.errors), str(summary.failed_checks),
                  str(summary.skipped))
    Console(stderr=True).print(table)
    for kind, n in sorted(summary.error_types.items()):
        Console(stderr=True).print(f"  error {kind}: {n}")


from gknlp.cli import themes as cli_themes  # noqa: E402  (light: typer only)

app.command("train")(cli_themes.train_cmd)
app.command("evaluate")(cli_themes.evaluate_cmd)
app.add_typer(cli_themes.annotate_app, name="annotate")


@app.command()
def tag(
    paragraphs: Annotated[Path, typer.Argument(help="JSONL, one paragraph a line with `text`.")],
    out: Annotated[Path, typer.Option("-o", "--out")] = Path("tagged.jsonl"),
    model: Annotated[Optional[Path], typer.Option("--model")] = None,
) -> None:
    """Tag paragraphs from elsewhere with themes, scores and counts."""
    from gknlp.cli.themes import tag_cmd
    from gknlp.tagging import count_dicts

    tag_cmd(paragraphs, out, model, extra_annotators=[lambda text: {"counts": count_dicts(text)}])


@app.command()
def schema() -> None:
    """Print the JSON Schema of `gknlp extract` output."""

    typer.echo(data_path("report.schema.json").read_text(encoding="utf-8"))


@app.command()
def export(
    results: Annotated[Path, typer.Argument(help="Results JSONL written by `gknlp extract -o`.")],
    to: Annotated[str, typer.Option("--to", help="csv (UTF-8 with BOM) or parquet.")] = "csv",
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory for reports/paragraphs/counts files.")] = Path("tidy"),
) -> None:
    """Flatten results into tidy reports, paragraphs and counts tables."""
    from gknlp.export import read_records, tidy_tables, write_tables

    if to not in ("csv", "parquet"):
        typer.echo(f"--to must be csv or parquet, not {to!r}", err=True)
        raise typer.Exit(2)
    tables = tidy_tables(read_records(results))
    for path in write_tables(tables, out, to):
        typer.echo(f"{path}\t{len(tables[path.stem])} rows")


@app.command()
def summary(
    results: Annotated[Path, typer.Argument(help="Results JSONL written by `gknlp extract -o`.")],
    top: Annotated[int, typer.Option("--top", help="How many count categories to show.")] = 20,
) -> None:
    """Print theme prevalence by year and level, identity failure rates and top count categories."""
    from pandas.api.types import is_numeric_dtype
    from rich.console import Console
    from rich.table import Table

    from gknlp.export import read_records
    from gknlp.export import summary as corpus_summary

    console = Console()
    for name, df in corpus_summary(read_records(results), top=top).items():
        table = Table(title=name)
        for col in df.columns:
            table.add_column(str(col), justify="right" if is_numeric_dtype(df[col]) else "left")
        for row in df.itertuples(index=False):
            table.add_row(*("" if v is None or v != v else f"{v:.3f}" if isinstance(v, float) else str(v)
                            for v in row))
        console.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
