"""The `gknlp` command line: thin typer commands over the Python API."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn, Optional

import typer

from gknlp.data import data_path

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
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
    resume: Annotated[bool, typer.Option("--resume", metavar="",
                                         help="Carry on after the records already in OUT (same path, same content).")] = False,
    overwrite: Annotated[bool, typer.Option("--overwrite", metavar="", help="Replace an existing OUT.")] = False,
    retry_errors: Annotated[bool, typer.Option("--retry-errors", metavar="",
                                               help="With --resume: run again the inputs whose record is an error.")] = False,
    timeout: Annotated[int, typer.Option("--timeout", help="Per-file time limit in seconds; the worker is killed past it (0: none).")] = 120,
    max_memory: Annotated[int, typer.Option("--max-memory", help="Memory (data segment) per worker process in MB (0: none).")] = 4096,
    engine: Annotated[str, typer.Option("--engine", help="local or dask.")] = "local",
    address: Annotated[Optional[str], typer.Option("--address", help="Dask scheduler address (tcp://…).")] = None,
    no_themes: Annotated[bool, typer.Option("--no-themes", metavar="", help="Skip theme tagging (the themes step disabled).")] = False,
    no_counts: Annotated[bool, typer.Option("--no-counts", metavar="", help="Skip quoted counts (the counts step disabled).")] = False,
    indent: Annotated[Optional[int], typer.Option("--indent", help="Indent a single JSON document.")] = 2,
    with_text: Annotated[bool, typer.Option("--with-text", metavar="", help="Add `text`, the normalised text all offsets index.")] = False,
) -> None:
    """Extract reports: one file prints one JSON document; several write JSON Lines.

    Exit status: 0 all reports, 1 some inputs gave error records, 2 bad arguments, 3 the output
    could not be written (disk full), 4 the output is locked by another batch, 5 the output has
    a corrupt line (--resume refuses)."""
    from gknlp.batch import BatchError, list_inputs

    opts = {"model": str(model) if model else None, "themes": not no_themes, "counts": not no_counts,
            "timeout": timeout, "memory_mb": max_memory,
            "with_text": with_text}
    missing = [p for p in paths if not any(ch in p for ch in "*?[") and not os.path.lexists(p)]
    if missing:
        typer.echo(f"error: no such file or directory: {', '.join(missing)}", err=True)
        raise typer.Exit(2)
    inputs, _ = list_inputs(paths)
    if not inputs:
        typer.echo("no input files", err=True)
        raise typer.Exit(2)
    single = len(inputs) == 1 and out is None and not Path(paths[0]).is_dir()
    lines: list[str] = []
    try:
        if single:
            from gknlp.batch import run_batch

            run_batch(paths, None, jobs=1, opts=opts, engine=engine, address=address, write=lines.append)
            record = json.loads(lines[0])
            typer.echo(json.dumps(record, ensure_ascii=False, indent=indent))
            if "error" in record:
                typer.echo(f"error: {paths[0]}: {record['error']['message']} ({record['error']['type']})", err=True)
            raise typer.Exit(1 if "error" in record else 0)
        summary = _run_with_progress(paths, len(inputs), out, jobs or _default_jobs(), opts, engine, address,
                                     resume=resume, overwrite=overwrite, retry_errors=retry_errors)
    except BatchError as exc:
        typer.echo(f"gknlp extract: {exc}", err=True)
        raise typer.Exit(exc.code) from None
    _print_summary(summary)
    raise typer.Exit(1 if summary.errors else 0)


def _run_with_progress(paths, total, out, jobs, opts, engine, address, **flags):
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
        task = bar.add_task("extract", total=total, rate=0.0)

        def progress(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-9)
            bar.update(task, completed=done, total=total, rate=rate)

        return run_batch(paths, out, jobs=jobs, opts=opts, engine=engine, address=address,
                         progress=progress, write=write, **flags)


def _print_summary(summary) -> None:
    from rich.console import Console

    from gknlp.batch import json_path
    from rich.table import Table

    table = Table(title="gknlp extract")
    for col in ("ok", "with warnings", "errors", "identity failures", "skipped (resume)"):
        table.add_column(col, justify="right")
    table.add_row(str(summary.ok), str(summary.warnings), str(summary.errors), str(summary.failed_checks),
                  str(summary.skipped))
    console = Console(stderr=True)
    console.print(table)
    for kind, n in sorted(summary.error_types.items()):
        console.print(f"  error {kind}: {n}")
    if summary.not_inputs:
        console.print(f"  not inputs ({len(summary.not_inputs)}):")
        for path, why in summary.not_inputs:
            console.print(f"    {json_path(path)}\t{why}", markup=False, highlight=False)


import gknlp.cli.themes as cli_themes  # noqa: E402  (light: typer only)

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
    from gknlp.pipeline import count_dicts

    _check_paragraphs_file(paragraphs)
    tag_cmd(paragraphs, out, model, extra_annotators=[lambda text: {"counts": count_dicts(text)}])


def _fail(message: str, code: int = 2) -> NoReturn:
    """A clear one-line error on stderr and the exit code (README: exit codes); never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _check_paragraphs_file(path: Path) -> None:
    """`gknlp tag` input: JSON Lines of objects with a `text` string; say what is wrong otherwise."""
    if not path.is_file():
        _fail(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    with path.open("rb") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                _fail(f"{path}: line {n} is not JSON; `gknlp tag` reads JSON Lines, one object a line with a "
                      f'"text" field, e.g. {{"text": "（五）平台建设情况：……"}} (for a whole report use `gknlp extract`)')
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                _fail(f'{path}: line {n} has no "text" string; each line must be an object with a "text" field')
            return
    _fail(f"{path}: empty file (no paragraphs)")


@app.command()
def schema() -> None:
    """Print the JSON Schema of `gknlp extract` output."""

    typer.echo(data_path("report.schema.json").read_text(encoding="utf-8"))


EXPORT_FORMATS = ("csv", "parquet", "xlsx")


@app.command()
def export(
    results: Annotated[Path, typer.Argument(help="Results written by `gknlp extract` (JSON Lines, or one JSON document).")],
    to: Annotated[str, typer.Option("--to", help="csv (UTF-8 with BOM), parquet or xlsx (one sheet per table).")] = "csv",
    out: Annotated[Path, typer.Option("-o", "--out", help="Directory for the reports/paragraphs/counts files "
                                      "(xlsx: a .xlsx path, or DIR/tables.xlsx).")] = Path("tidy"),
) -> None:
    """Flatten results into tidy reports, paragraphs and counts tables."""
    from gknlp.export import ResultsError, write_streaming, write_xlsx

    if to not in EXPORT_FORMATS:
        _fail(f"--to must be one of {', '.join(EXPORT_FORMATS)}, not {to!r}")
    try:
        with _progress("exporting") as progress:
            if to == "xlsx":
                target = out if out.suffix.lower() == ".xlsx" else out / "tables.xlsx"
                rows = write_xlsx(results, target, progress=progress)
                written = {name: f"{target}[{name}]" for name in rows}
            else:
                rows = write_streaming(results, out, to, progress=progress)
                written = {name: str(out / f"{name}.{to}") for name in rows}
    except ResultsError as exc:
        _fail(str(exc))
    for name, n in rows.items():
        typer.echo(f"{written[name]}\t{n} rows")


class _progress:
    """A rich progress bar on stderr (only on a terminal), used as ``progress(done, total)``."""

    def __init__(self, label: str) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(stderr=True)
        self.bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                            console=console, disable=not console.is_terminal)
        self.task: Any = None

    def __enter__(self):
        self.bar.__enter__()
        self.task = self.bar.add_task("", total=None)
        return self

    def __call__(self, done: int, total: int) -> None:
        self.bar.update(self.task, completed=done, total=total)

    def __exit__(self, *exc) -> None:
        self.bar.__exit__(*exc)


SUMMARY_FORMATS = ("table", "json", "csv")


@app.command()
def summary(
    results: Annotated[Path, typer.Argument(help="Results written by `gknlp extract` (JSON Lines, or one JSON document).")],
    top: Annotated[int, typer.Option("--top", help="How many count categories to show.")] = 20,
    fmt: Annotated[str, typer.Option("--format", help="table (readable, any width), json, or csv "
                                     "(long form: table,row,column,value).")] = "table",
) -> None:
    """Theme prevalence by year and level, identity failure rates and top count categories."""
    from gknlp.export import ResultsError, read_records, summary_long, summary_records
    from gknlp.export import summary as corpus_summary

    if fmt not in SUMMARY_FORMATS:
        _fail(f"--format must be one of {', '.join(SUMMARY_FORMATS)}, not {fmt!r}")
    try:
        tables = corpus_summary(read_records(results), top=top)
    except ResultsError as exc:
        _fail(str(exc))
    if fmt == "json":
        typer.echo(json.dumps(summary_records(tables), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        sys.stdout.write(summary_long(tables).to_csv(index=False, lineterminator="\n"))
    else:
        from rich.console import Console

        console = Console()
        for name, df in tables.items():
            _print_frame(console, name, df)


def _print_frame(console, name: str, df) -> None:
    """A frame as rich tables that fit the console width (80 when piped) without cutting a value:
    columns that do not fit go to a further table, which repeats the first (key) column."""
    from pandas.api.types import is_numeric_dtype
    from rich.cells import cell_len
    from rich.table import Table

    from gknlp.export import plain_value

    def shown(v) -> str:
        v = plain_value(v)
        return "(none)" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)

    cells = {c: [shown(v) for v in df[c]] for c in df.columns}
    width = {c: max([cell_len(str(c)), *map(cell_len, cells[c])]) + 3 for c in df.columns}
    cols = list(df.columns)
    key, rest = cols[0], cols[1:]
    groups: list[list] = []
    for c in rest:
        if groups and sum(width[x] for x in [key, *groups[-1], c]) + 1 <= console.width:
            groups[-1].append(c)
        else:
            groups.append([c])
    for i, group in enumerate(groups or [[]]):
        title = name if len(groups) <= 1 else f"{name} ({i + 1}/{len(groups)})"
        table = Table(title=title)
        for c in [key, *group]:
            table.add_column(str(c), justify="right" if is_numeric_dtype(df[c]) else "left", no_wrap=True,
                             min_width=width[c] - 3)
        for r in range(len(df)):
            table.add_row(*(cells[c][r] for c in [key, *group]))
        console.print(table)


@app.command()
def render(
    report: Annotated[Path, typer.Argument(help="A report file to extract, or a results JSON/JSONL record "
                                           "(extracted with --with-text; see --index).")],
    out: Annotated[Path, typer.Option("-o", "--out", help="The HTML page to write.")] = Path("report.html"),
    index: Annotated[int, typer.Option("--index", help="Which record of a JSONL results file (0 = first).")] = 0,
    no_themes: Annotated[bool, typer.Option("--no-themes", help="Extract without theme tagging.")] = False,
) -> None:
    """One self-contained HTML page showing what was extracted from one report, and why."""
    from gknlp.render import RenderError, render_file

    try:
        html = render_file(report, index=index, themes=not no_themes)
    except RenderError as exc:
        _fail(str(exc))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {out}")


@app.command()
def panel(
    results: Annotated[Path, typer.Argument(help="Results JSONL written by `gknlp extract -o`.")],
    out: Annotated[Path, typer.Option("-o", "--out", help="panel.csv, panel.parquet or panel.xlsx.")] = Path("panel.csv"),
    mapping: Annotated[Optional[Path], typer.Option("--mapping", help="CSV `issuer,key[,place]` linking renamed "
                                                   "bodies (and giving a place to resolve).")] = None,
) -> None:
    """One row per (body, year): linked bodies, cross-year checks, indicators and places.

    Beside panel.csv/.parquet go panel_checks and panel_warnings; panel.xlsx holds them as sheets."""
    from gknlp.export import ResultsError, read_records
    from gknlp.panel import PanelError, build_panel, write_panel

    if out.suffix.lower() not in (".csv", ".parquet", ".xlsx"):
        _fail(f"-o must end in .csv, .parquet or .xlsx, not {out.name!r}")
    try:
        result = build_panel(read_records(results), mapping=mapping)
    except (ResultsError, PanelError) as exc:
        _fail(str(exc))
    write_panel(result, out)
    n_fail = sum(1 for c in result.checks if c["status"] == "fail")
    typer.echo(f"wrote {out}: {len(result.rows)} rows, {result.n_bodies} bodies; cross-year checks "
               f"{len(result.checks)} ({n_fail} failed); {len(result.warnings)} warnings")
    for w in result.warnings[:20]:
        typer.echo(f"  warning {w.code}: {w.message}", err=True)


if __name__ == "__main__":  # pragma: no cover
    app()
