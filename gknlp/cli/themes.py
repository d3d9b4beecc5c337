"""Thin CLI shells over :mod:`gknlp.themes.model`: ``gknlp train``, ``gknlp evaluate``, ``gknlp tag``.

The lead registers them in ``gknlp/cli.py``::

    from gknlp.cli import themes as cli_themes
    app.command("train")(cli_themes.train_cmd)
    app.command("evaluate")(cli_themes.evaluate_cmd)
    # tag: wrap tag_cmd(paragraphs, out, model, extra_annotators=[...]) in a typer command

Each function is a plain Python function too.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["train_cmd", "evaluate_cmd", "tag_cmd", "split_cmd", "tag_file",
           "held_out_sources"]

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


def train_cmd(
    annotations: Annotated[Path, typer.Argument(
        help="Annotation directory (codebook.json, labels*.jsonl, split.json) or one JSONL file.")],
    corpus: Annotated[Optional[Path], typer.Option(
        "--corpus", help="Corpus directory the labelled offsets point into "
        "(default: $GKNLP_CORPUS or ../shared/corpus).")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model directory to write.")] = Path(
        "models/themes-new"),
    codebook: Annotated[Optional[Path], typer.Option(
        help="Codebook JSON (default: codebook.json beside the annotations).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Train a theme model; the reports listed in split.json are held out."""
    from gknlp.themes import model as themes

    annotations = Path(annotations)
    base = annotations if annotations.is_dir() else annotations.parent
    codebook_path = Path(codebook) if codebook else base / "codebook.json"
    if not codebook_path.is_file():
        _fail(f"no codebook at {codebook_path} (pass --codebook)")
    held_out = held_out_sources(annotations)
    try:
        examples = themes.load_annotations(annotations, corpus or themes.default_corpus_dir(),
                                           exclude_sources=held_out)
    except (themes.CorpusMissingError, FileNotFoundError, ValueError) as exc:
        _fail(str(exc))
    model = themes.train(examples, themes.load_codebook(codebook_path), seed=seed)
    model.meta["name"] = Path(out).name
    model.meta["held_out_sources"] = len(held_out)
    model.save(out)
    typer.echo(f"trained on {len(examples)} paragraphs from {model.meta['n_sources']} reports "
               f"({len(held_out)} test reports held out); labels: {', '.join(model.labels)}"
               + (f"; skipped (too few examples): {', '.join(model.meta['skipped_labels'])}"
                  if model.meta["skipped_labels"] else ""))
    typer.echo(f"wrote {out}")


def evaluate_cmd(
    model: Annotated[Path, typer.Argument(help="Model directory.")],
    test_file: Annotated[Path, typer.Argument(help="Labelled JSONL (e.g. annotations/test.jsonl).")],
    corpus: Annotated[Optional[Path], typer.Option(
        "--corpus", help="Corpus directory (default: $GKNLP_CORPUS or ../shared/corpus).")] = None,
    out: Annotated[Optional[Path], typer.Option(
        "--out", "-o", help="Metrics JSON (default: <model>/evaluation.json).")] = None,
) -> dict:
    """Per-label precision/recall/F1 and macro-F1 of a model on labelled paragraphs."""
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
    result["test_file"] = str(test_file)
    table = Table(title=f"{Path(model).name} on {Path(test_file).name} "
                        f"({result['n_examples']} paragraphs, {result['n_sources']} reports)")
    for col in ("label", "precision", "recall", "F1", "support", "threshold"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for lab, r in result["labels"].items():
        table.add_row(lab, f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}",
                      str(r["support"]), f"{m.thresholds.get(lab, float('nan')):.3f}")
    table.add_row("macro", "", "", f"{result['macro_f1']:.3f}", "", "", style="bold")
    Console().print(table)
    out = Path(out) if out else Path(model) / "evaluation.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
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
        "--model", "-m", help="Model directory (default: the shipped themes-v1).")] = None,
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
