"""A second reading of labelled paragraphs: agreement per theme, and adjudicated decisions applied.

Why: a label set is trusted when a second reader, who saw neither the labels nor the model,
reads the same paragraphs and agrees; where they differ, an adjudicator decides by the written
rules, and the decision is applied to the label files with a record of every change.

- :func:`kappa_per_theme`: Cohen's kappa (scikit-learn's ``cohen_kappa_score``) per theme between
  the first labels (``labels_*.jsonl``) and the second reading (``{id, labels}`` lines).
- :func:`apply_decisions`: an adjudicated TSV (``id, theme, first, second, decision, rule,
  reason``) applied to ``labels_*.jsonl`` and ``test.jsonl`` (ids, offsets and everything else
  kept; a ``doubt`` note on each changed ``labels_*`` line), and the same change to the
  near-identical paragraphs of the same body listed in ``near_duplicates_v2.tsv`` so pairs keep
  equal labels.

Run ``python -m gknlp.themes.agreement kappa annotations/ SECOND.jsonl`` and
``python -m gknlp.themes.agreement apply annotations/ ADJUDICATED.tsv -o CHANGES.tsv``.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Decision", "Change", "first_labels", "read_second", "kappa_per_theme",
           "disagreements", "read_decisions", "apply_decisions", "REQUIRED"]

REQUIRED = ("platform", "training", "interpretation", "assessment")
TEST_FILE = "test.jsonl"
NEAR_DUPLICATES = "near_duplicates_v2.tsv"
_YES = {"yes": True, "no": False, "1": True, "0": False, "true": True, "false": False}


@dataclass(frozen=True)
class Decision:
    """One adjudicated (paragraph, theme): the first label, the second reading, the decision."""

    id: str
    theme: str
    first: bool
    second: bool
    decision: bool
    rule: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Change:
    """A label changed in a file: ``added`` True for +theme, False for -theme."""

    file: str
    id: str
    theme: str
    added: bool
    why: str


def _label_files(annotations: Path) -> list[Path]:
    return sorted(annotations.glob("labels*.jsonl"))  # as gknlp.themes.annotations finds them


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def first_labels(annotations: str | Path) -> dict[str, set[str]]:
    """id -> labels of every line of ``labels_*.jsonl`` (the first labels)."""
    out: dict[str, set[str]] = {}
    for path in _label_files(Path(annotations)):
        for rec in _read_jsonl(path):
            if rec["id"] in out:
                raise ValueError(f"{path.name}: id {rec['id']} labelled twice")
            out[rec["id"]] = set(rec["labels"])
    return out


def read_second(path: str | Path) -> dict[str, set[str]]:
    """id -> labels of a second reading (``{id, labels, ...}`` JSONL lines)."""
    out: dict[str, set[str]] = {}
    for rec in _read_jsonl(Path(path)):
        if rec["id"] in out:
            raise ValueError(f"{path}: id {rec['id']} read twice")
        out[rec["id"]] = set(rec["labels"])
    return out


def kappa_per_theme(first: Mapping[str, set[str]], second: Mapping[str, set[str]],
                    themes: Sequence[str] = REQUIRED) -> dict[str, dict[str, float | int]]:
    """Per theme over the ids of ``second``: Cohen's kappa, share agreeing, positives of each
    reading. An id of the second reading without first labels is an error."""
    from sklearn.metrics import cohen_kappa_score

    missing = sorted(set(second) - set(first))
    if missing:
        raise KeyError(f"{len(missing)} ids of the second reading have no first labels: "
                       f"{missing[:3]}")
    ids = sorted(second)
    out: dict[str, dict[str, float | int]] = {}
    for theme in themes:
        a = [theme in first[i] for i in ids]
        b = [theme in second[i] for i in ids]
        agree = sum(x == y for x, y in zip(a, b)) / len(ids) if ids else 0.0
        kappa = float(cohen_kappa_score(a, b)) if len(set(a) | set(b)) > 1 else 1.0
        out[theme] = {"n": len(ids), "kappa": round(kappa, 3), "agreement": round(agree, 3),
                      "first": sum(a), "second": sum(b)}
    return out


def disagreements(first: Mapping[str, set[str]], second: Mapping[str, set[str]],
                  themes: Sequence[str] = REQUIRED) -> list[tuple[str, str, bool, bool]]:
    """(id, theme, first, second) where the readings differ, in id then theme order."""
    return [(i, t, t in first[i], t in second[i]) for i in sorted(second) for t in themes
            if (t in first[i]) != (t in second[i])]


def _yes(value: str, where: str) -> bool:
    try:
        return _YES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"{where}: expected yes/no, got {value!r}") from None


def read_decisions(path: str | Path) -> list[Decision]:
    """The adjudicated TSV: a header with id, theme, first, second, decision (rule, reason)."""
    rows = list(csv.DictReader(Path(path).read_text(encoding="utf-8").splitlines(),
                               delimiter="\t"))
    out = []
    for n, row in enumerate(rows, start=2):
        where = f"{path}:{n}"
        out.append(Decision(row["id"].strip(), row["theme"].strip(),
                            _yes(row["first"], where), _yes(row["second"], where),
                            _yes(row["decision"], where), (row.get("rule") or "").strip(),
                            (row.get("reason") or "").strip()))
    seen = [(d.id, d.theme) for d in out]
    if len(seen) != len(set(seen)):
        raise ValueError(f"{path}: an (id, theme) is decided twice")
    return out


def _near_pairs(annotations: Path) -> dict[str, set[str]]:
    path = annotations / NEAR_DUPLICATES
    pairs: dict[str, set[str]] = {}
    if path.is_file():
        for row in csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t"):
            a, b = row["paragraph_a"], row["paragraph_b"]
            pairs.setdefault(a, set()).add(b)
            pairs.setdefault(b, set()).add(a)
    return pairs


def _set_label(labels: Sequence[str], theme: str, value: bool, order: Sequence[str]) -> list[str]:
    new = set(labels) | {theme} if value else set(labels) - {theme}
    return sorted(new, key=lambda lab: (order.index(lab) if lab in order else len(order), lab))


def apply_decisions(annotations: str | Path, decisions: Sequence[Decision], *,
                    note: str = "issue 18 second reading, adjudicated",
                    write: bool = True) -> list[Change]:
    """Apply the decisions to ``labels_*.jsonl`` and ``test.jsonl`` in place.

    A decision whose ``first`` is not the current label is an error (the TSV was made from
    other labels). Only the ``labels`` (and, in ``labels_*``, the ``doubt`` note) of a changed
    line change; ``labels_*`` keep codebook order, ``test.jsonl`` its sorted order. A paragraph
    listed as near-identical to a changed one (same body, another year) gets the same label.
    """
    from gknlp.themes.codebook import load_codebook

    ann = Path(annotations)
    order = list(load_codebook(ann).labels)
    current = first_labels(ann)
    targets: dict[tuple[str, str], tuple[bool, str]] = {}
    for d in decisions:
        if d.id not in current:
            raise KeyError(f"decision for an id not in the labels: {d.id}")
        if (d.theme in current[d.id]) != d.first:
            raise ValueError(f"{d.id} {d.theme}: the decision says first={d.first}, "
                             f"the labels say {d.theme in current[d.id]}")
        if d.decision != d.first:
            targets[(d.id, d.theme)] = (d.decision, f"{note}: {'+' if d.decision else '-'}"
                                        f"{d.theme} ({d.rule})" if d.rule else note)
    near = _near_pairs(ann)
    for (pid, theme), (value, _) in list(targets.items()):
        for other in sorted(near.get(pid, ())):
            if other in current and (theme in current[other]) != value \
                    and (other, theme) not in targets:
                targets[(other, theme)] = (value, f"{note}: {'+' if value else '-'}{theme} "
                                           f"(near-identical to {pid})")
    changes: list[Change] = []
    for path in [*_label_files(ann), ann / TEST_FILE]:
        if not path.is_file():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        out_lines = []
        for line in lines:
            if not line.strip():
                out_lines.append(line)
                continue
            rec = json.loads(line)
            hits = [(theme, *targets[(rec["id"], theme)]) for theme in order
                    if (rec["id"], theme) in targets]
            for theme, value, why in hits:
                if (theme in rec["labels"]) == value:
                    continue
                in_test = path.name == TEST_FILE
                rec["labels"] = (sorted(set(rec["labels"]) ^ {theme}) if in_test
                                 else _set_label(rec["labels"], theme, value, order))
                if not in_test:
                    rec["doubt"] = f"{rec['doubt']}; {why}" if rec.get("doubt") else why
                changes.append(Change(path.name, rec["id"], theme, value, why))
            out_lines.append(json.dumps(rec, ensure_ascii=False) if hits else line)
        if write and out_lines != lines:
            path.write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    return changes


def _write_changes(path: Path, changes: Sequence[Change]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["file", "id", "theme", "change", "why"])
        for c in changes:
            w.writerow([c.file, c.id, c.theme, "+" if c.added else "-", c.why])


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("kappa", help="Cohen's kappa per theme, first labels vs a second reading")
    k.add_argument("annotations")
    k.add_argument("second")
    k.add_argument("--themes", default=",".join(REQUIRED))
    a = sub.add_parser("apply", help="apply an adjudicated TSV to the label files")
    a.add_argument("annotations")
    a.add_argument("decisions")
    a.add_argument("-o", "--out", help="write the changes as TSV")
    a.add_argument("--dry-run", action="store_true")
    args = ap.parse_args(argv)
    if args.cmd == "kappa":
        first, second = first_labels(args.annotations), read_second(args.second)
        themes = [t for t in args.themes.split(",") if t]
        print(json.dumps({"kappa": kappa_per_theme(first, second, themes),
                          "disagreements": [list(d) for d in disagreements(first, second, themes)]},
                         ensure_ascii=False, indent=1))
    else:
        changes = apply_decisions(args.annotations, read_decisions(args.decisions),
                                  write=not args.dry_run)
        if args.out:
            _write_changes(Path(args.out), changes)
        for c in changes:
            print(c.file, c.id, ("+" if c.added else "-") + c.theme, c.why, sep="\t")


if __name__ == "__main__":
    main()
