"""Thin CLI shells over :mod:`gknlp.themes`: ``gknlp train``, ``gknlp evaluate``, ``gknlp tag``
and the ``gknlp annotate`` sub-app (export, import, suggest: :mod:`gknlp.themes.labelling`).

``gknlp/cli/app.py`` registers them; each function is a plain Python function too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["train_cmd", "evaluate_cmd", "tag_cmd", "split_cmd", "tag_file",
           "held_out_sources", "annotate_app", "export_cmd", "import_cmd", "suggest_cmd"]

SPLIT_FILE = "split.json"
TEST_FILE = "test.jsonl"


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=2)


def held_out_sources(annotations: Path) -> list[str]:
    """The held-out sources listed in ``annotations/split.json`` (empty if there is none)."""
    split = (annotations if annotations.is_dir() else annotations.parent) / SPLIT_FILE
    if not split.is_file():
        return []
    data = json.loads(split.read_text(encoding="utf-8"))
    return list(data["test"] if isinstance(data, dict) else data)


def _codebook_for(labels: Sequence[Path], codebook: Path | None, examples: Sequence) -> tuple:
    """The codebook to train with, and where it came from: ``--codebook``, else ``codebook.json``
    beside the first labels path, else the labels found in the data (sorted)."""
    from gknlp.themes import model as themes

    if codebook is not None:
        if not Path(codebook).is_file():
            _fail(f"no codebook at {codebook}")
        return themes.load_codebook(codebook), str(codebook)
    first = Path(labels[0])
    beside = (first if first.is_dir() else first.parent) / "codebook.json"
    if beside.is_file():
        return themes.load_codebook(beside), str(beside)
    found = sorted({lab for e in examples for lab in e.labels})
    if not found:
        _fail("no labels in the data and no codebook (pass --codebook FILE)")
    return themes.load_codebook({"version": "from-labels", "themes": found}), "the labels in the data"


def train_cmd(
    labels: Annotated[list[Path], typer.Argument(
        help="Labelled paragraphs: JSONL files or directories of them. A line is "
        '{"text", "labels"} (optionally "id", "section", "heading"), or points into a report by '
        '"source", "sha256", "start", "end" (see annotations/README.md).')],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")],
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", help="Codebook JSON: {\"themes\": [{\"label\", \"name_zh\", "
        "\"description\"}]} (default: codebook.json beside the labels, else the labels found).")] = None,
    corpus: Annotated[Optional[Path], typer.Option(
        "--corpus", help="Corpus directory the offsets point into "
        "(default: $GKNLP_CORPUS or ../shared/corpus).")] = None,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="Replace the model in an existing directory.")] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Train a theme model on your labels; reports listed in split.json beside them are held out."""
    from gknlp.themes import model as themes

    out = Path(out)
    if out.exists() and any(out.iterdir()) and not overwrite:
        _fail(f"{out} already holds files; pass --overwrite to replace them, or choose another -o")
    held_out = held_out_sources(Path(labels[0]))
    try:
        examples = themes.load_annotations(labels, corpus or themes.default_corpus_dir(),
                                           exclude_sources=held_out)
    except (themes.CorpusMissingError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    if not examples:
        _fail("no labelled paragraphs found")
    cb, cb_from = _codebook_for(labels, codebook, examples)
    try:
        model = themes.train(examples, cb, seed=seed)
    except ValueError as exc:
        _fail(str(exc))
    model.meta["name"] = out.name
    model.meta["held_out_sources"] = len(held_out)
    model.save(out)
    typer.echo(f"trained on {len(examples)} paragraphs ({len(held_out)} test reports held out); "
               f"codebook: {cb_from}; labels: {', '.join(model.labels)}"
               + (f"; skipped (too few examples): {', '.join(model.meta['skipped_labels'])}"
                  if model.meta["skipped_labels"] else ""))
    typer.echo(f"wrote {out}")


def evaluate_cmd(
    model: Annotated[Path, typer.Argument(help="Model directory.")],
    test_file: Annotated[list[Path], typer.Argument(
        help="Labelled JSONL file(s) or directory (e.g. annotations/test.jsonl).")],
    corpus: Annotated[Optional[Path], typer.Option(
        "--corpus", help="Corpus directory (default: $GKNLP_CORPUS or ../shared/corpus).")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Also write the metrics as JSON here (nothing is written without it).")] = None,
) -> dict:
    """Per-label precision/recall/F1 and macro-F1 of a model on labelled paragraphs (printed)."""
    from rich.console import Console
    from rich.table import Table

    from gknlp.themes import model as themes

    try:
        m = themes.load_model(model)
        examples = themes.load_annotations(test_file, corpus or themes.default_corpus_dir())
    except (themes.CorpusMissingError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    result = themes.evaluate(m, examples)
    result["model"] = str(model)
    result["test_file"] = ", ".join(map(str, test_file))
    names = ", ".join(Path(t).name for t in test_file)
    table = Table(title=f"{Path(model).name} on {names} "
                        f"({result['n_examples']} paragraphs, {result['n_sources']} reports)")
    for col in ("label", "precision", "recall", "F1", "support", "threshold"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for lab, r in result["labels"].items():
        table.add_row(lab, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                      str(r["support"]), f"{m.thresholds.get(lab, float('nan')):.3f}")
    table.add_row("macro", "", "", f"{result['macro_f1']:.3f}", "", "", style="bold")
    Console().print(table)
    if out is not None:
        Path(out).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n",
                             encoding="utf-8")
        typer.echo(f"wrote {out}")
    return result


def tag_file(paragraphs_jsonl: Path, out: Path, model: Path | None = None,
             extra_annotators: Sequence[Callable[[str], dict]] = ()) -> int:
    """Tag a JSONL of paragraphs (``-`` for stdin/stdout); returns the number of lines."""
    from gknlp.themes import model as themes

    m = themes.load_model(model)
    src = sys.stdin if str(paragraphs_jsonl) == "-" else open(paragraphs_jsonl, encoding="utf-8")
    dst = sys.stdout if str(out) == "-" else open(out, "w", encoding="utf-8")
    n = 0
    try:
        records = (json.loads(line) for line in src if line.strip())
        for rec in themes.tag_records(records, m, extra_annotators=extra_annotators):
            dst.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
    finally:
        if src is not sys.stdin:
            src.close()
        if dst is not sys.stdout:
            dst.close()
    return n


def tag_cmd(
    paragraphs_jsonl: Annotated[Path, typer.Argument(
        help="JSONL, one paragraph per line with 'text' (other fields kept); '-' = stdin.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output JSONL; '-' = stdout.")],
    model: Annotated[Optional[Path], typer.Option(
        "--model", "-m", help="Model directory (default: the shipped model).")] = None,
    extra_annotators: Sequence[Callable[[str], dict]] = (),
) -> int:
    """Add 'themes' and 'scores' (and 'kind' for problems paragraphs) to each paragraph.

    ``extra_annotators``: each ``Callable[[str], dict]`` is called on the paragraph text and
    its dict merged into the record (the hook for ``counts``).
    """
    from gknlp.themes import model as themes

    try:
        n = tag_file(paragraphs_jsonl, out, model, extra_annotators)
    except (FileNotFoundError, ValueError, themes.CorpusMissingError) as exc:
        _fail(str(exc))
    if str(out) != "-":
        typer.echo(f"tagged {n} paragraphs -> {out}", err=True)
    return n


def split_cmd(
    annotations: Annotated[Path, typer.Argument(help="Annotation directory.")],
    corpus: Annotated[Optional[Path], typer.Option("--corpus")] = None,
    fraction: Annotated[float, typer.Option(help="Share of reports held out.")] = 0.2,
    force: Annotated[bool, typer.Option(help="Rewrite an existing split.json.")] = False,
) -> None:
    """Write split.json (held-out reports, whole bodies by hash) and materialise test.jsonl.

    The split is drawn over all corpus reports plus the labelled sources, once; later runs
    keep the existing split.json (unless ``--force``) and only refresh test.jsonl.
    """
    from gknlp.themes import model as themes

    annotations = Path(annotations)
    split_path = annotations / SPLIT_FILE
    if split_path.exists() and not force:
        held_out = held_out_sources(annotations)
    else:
        sources = set()
        for path in sorted(annotations.glob("labels*.jsonl")):
            with path.open(encoding="utf-8") as fh:
                sources |= {json.loads(x)["source"] for x in fh if x.strip()}
        corpus_dir = corpus or themes.default_corpus_dir()
        if corpus_dir is not None and (Path(corpus_dir) / "raw").is_dir():
            # every corpus report takes part, labelled or not: the split does not move
            # as the annotators label more reports
            sources |= {f"raw/{p.name}" for p in (Path(corpus_dir) / "raw").glob("*.txt")}
        held_out = themes.make_split(sources, fraction)
        split_path.write_text(json.dumps(held_out, ensure_ascii=False, indent=1) + "\n",
                              encoding="utf-8")
    examples = themes.load_annotations(annotations, corpus or themes.default_corpus_dir(),
                                       only_sources=held_out)
    with (annotations / TEST_FILE).open("w", encoding="utf-8") as fh:
        for e in examples:
            rec = {"id": e.id, "source": e.source, "sha256": e.sha256, "start": e.start,
                   "end": e.end, "section": e.section, "heading": e.heading, "labels": list(e.labels),
                   "annotators": list(e.annotators)}
            if e.start is None or e.source.startswith("seeds/"):
                rec["text"] = e.text
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    typer.echo(f"{len(held_out)} test reports, {len(examples)} test paragraphs -> "
               f"{annotations / TEST_FILE}")


# --------------------------------------------------------------------------- gknlp annotate

annotate_app = typer.Typer(
    no_args_is_help=True, add_completion=False,
    help="Label paragraphs in Label Studio, doccano, Prodigy or spaCy and bring the labels back.")

_FORMAT_HELP = "label-studio, doccano, prodigy or spacy"


def _format(fmt: str) -> str:
    from gknlp.themes.labelling import FORMATS

    if fmt not in FORMATS:
        _fail(f"--format must be {_FORMAT_HELP}, not {fmt!r}")
    return fmt


@annotate_app.command("export")
def export_cmd(
    results: Annotated[Path, typer.Argument(
        help="`gknlp extract` results JSONL, or paragraph records (e.g. from `annotate suggest`).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=_FORMAT_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write (JSON, JSONL or .spacy).")],
    model: Annotated[Optional[Path], typer.Option(
        "--model", "-m", help="Model for pre-annotations of paragraphs without scores, and "
        "whose codebook sets the labels (default: the shipped model).")] = None,
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", help="Codebook JSON (default: the model's).")] = None,
) -> None:
    """Write paragraphs with the model's predictions as pre-annotations, plus the labelling
    configuration generated from the codebook (OUT's name + .config.xml/.labels.json/.labels.txt)."""
    from gknlp.themes import labelling
    from gknlp.themes import model as themes

    fmt = _format(fmt)
    try:
        paragraphs = labelling.read_paragraphs(results)
        m = themes.load_model(model)
        cb = themes.load_codebook(codebook) if codebook else m.codebook
        paragraphs = labelling.with_predictions(paragraphs, m)
        config = labelling.export_paragraphs(paragraphs, fmt, out, cb,
                                             model_version=str(m.meta.get("name", "")))
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    typer.echo(f"{len(paragraphs)} paragraphs -> {out}; labelling configuration -> {config}")


@annotate_app.command("import")
def import_cmd(
    export_file: Annotated[Path, typer.Argument(help="The tool's export file.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help=_FORMAT_HELP)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Label records JSONL for `gknlp train`.")],
    codebook: Annotated[Optional[Path], typer.Option(
        "--codebook", help="Refuse labels outside this codebook.")] = None,
    no_text: Annotated[bool, typer.Option(
        "--no-text", help="Leave the paragraph text out of records that point into a report.")] = False,
) -> None:
    """Read a tool's export back into label records keeping report, section, heading, offsets."""
    from gknlp.themes import labelling
    from gknlp.themes import model as themes

    fmt = _format(fmt)
    try:
        cb = themes.load_codebook(codebook) if codebook else None
        records, counts = labelling.import_labels(export_file, fmt, cb)
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    with Path(out).open("w", encoding="utf-8") as fh:
        for rec in records:
            if no_text and rec.get("source") and rec.get("start") is not None:
                rec = {k: v for k, v in rec.items() if k != "text"}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    typer.echo(f"{counts['labelled']} labelled paragraphs -> {out} "
               f"({counts['unlabelled']} not labelled yet, {counts['skipped']} rejected/ignored)")


@annotate_app.command("suggest")
def suggest_cmd(
    results: Annotated[Path, typer.Argument(help="`gknlp extract` results JSONL or paragraph records.")],
    n: Annotated[int, typer.Option("-n", help="How many paragraphs to pick.")] = 200,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Write the picked paragraphs as JSONL (for `annotate export`).")] = None,
    model: Annotated[Optional[Path], typer.Option(
        "--model", "-m", help="Model whose thresholds define uncertainty (default: shipped).")] = None,
    labelled: Annotated[Optional[list[Path]], typer.Option(
        "--labelled", help="Label files whose paragraphs are not suggested again.")] = None,
) -> None:
    """Pick the paragraphs worth labelling next: closest to a theme's threshold, spread over
    reports and themes."""
    from gknlp.themes import labelling
    from gknlp.themes import model as themes

    try:
        m = themes.load_model(model)
        paragraphs = labelling.with_predictions(labelling.read_paragraphs(results), m)
        done: set[str] = set()
        for path in labelled or []:
            done |= {str(r.get("id")) for r in labelling.read_jsonl(path)}
        paragraphs = [p for p in paragraphs if p.id not in done]
    except (FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    picked = labelling.suggest(paragraphs, m.thresholds, n)
    lines = []
    for p, theme, margin in picked:
        rec = {"id": p.id, "text": p.text, **{k: v for k, v in p.meta().items()
                                               if k != "gknlp_id" and v is not None},
               "themes": list(p.themes), "scores": p.scores,
               "suggested_for": theme, "margin": margin}
        lines.append(json.dumps(rec, ensure_ascii=False))
    if out is not None:
        Path(out).write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        typer.echo(f"{len(lines)} paragraphs from {len({p.source for p, _, _ in picked})} "
                   f"reports -> {out}")
    else:
        for x in lines:
            typer.echo(x)
