"""What a notebook's results show, in sentences made from its tables: the machinery.

Every notebook ends with its chapter's ``show_findings(study)``: the sentences are built
by the chapter's ``findings.py`` (``semg_study/chapters/<chapter>/findings.py``, a
:class:`ChapterFindings`) from the typed records the dissertation reads
(:mod:`semg_study.report.thesis.records`, each table read by its one reader), so no number is
typed by hand and the notebooks and the document say the same. This module holds what every
chapter shares: the number formats, the comparison-table sentences and the notebook's last cell.

A comparison table (``experiments.comparisons``) has rows with ``comparison``, ``metric``,
``difference (points)``, ``difference CI low``, ``difference CI high`` and ``verdict``
(``better``, ``worse`` or ``no significant difference``); its interval is given when the
table carries one and significance is said to be unknown when it does not.

The text says when a result is noise (a word error rate at or above 100 %, a
difference inside the seeds' spread or an interval that includes zero) and
when a target is missed.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from semg_study.report.tables import read_tables

VERDICTS = ("better", "worse", "no significant difference")
# a word error rate at or above this is no transcription at all (every reference word wrong or missing)
NO_TRANSCRIPTION_WER = 100.0
# at or above this, nine words in ten are wrong: said so beside any comparison
NEAR_NOISE_WER = 90.0


@dataclass
class Finding:
    text: str
    headline: bool = False  # also goes into the abstract
    caveat: bool = False  # a limitation: goes into the discussion


# ----------------------------------------------------------------------------- numbers
def num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)) and not (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
        return float(value)
    return None


def pct(value: float) -> str:
    return f"{value:.1f}%"


def points(value: float) -> str:
    return f"{value:+.1f} points"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def rows_of(table: dict[str, Any] | None) -> list[dict[str, Any]]:
    return [r["values"] for r in (table or {}).get("rows", [])]


def join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# ----------------------------------------------------------------------------- comparisons (any notebook)
def comparison_findings(table: dict[str, Any]) -> list[Finding]:
    """One sentence per row of a comparison table (columns of the module doc)."""
    out = []
    for row in rows_of(table):
        diff = num(row.get("difference (points)"))
        if diff is None or not row.get("comparison"):
            continue
        metric = str(row.get("metric", "WER %"))
        low, high = num(row.get("difference CI low")), num(row.get("difference CI high"))
        ci = f" (95% CI {points(low)} to {points(high)})" if low is not None and high is not None else ""
        verdict = str(row.get("verdict") or "")
        if verdict == "no significant difference":
            tail = "no significant difference: the interval includes zero"
        elif verdict in ("better", "worse"):
            tail = f"{verdict}, and the interval excludes zero"
        else:
            tail = "no interval was computed, so significance is not known"
        src = f" [{row['source']}]" if row.get("source") else ""
        out.append(Finding(f"{row['comparison']}, {metric.replace(' %', '')}: difference {points(diff)}{ci}; "
                           f"{tail}{src}.", headline=verdict in ("better", "worse"),
                           caveat=verdict == "no significant difference"))
    return out


def is_comparison(table: dict[str, Any]) -> bool:
    return {"comparison", "difference (points)"} <= set(table.get("columns", []))


def noise_caveat(values: list[float], what: str) -> Finding | None:
    if not values:
        return None
    if min(values) >= NO_TRANSCRIPTION_WER:
        return Finding(f"Every {what} has a WER of {pct(min(values))} or more: no model gets more words right than "
                       "it gets wrong, so these runs show that the pipeline trains and decodes, not that a model "
                       "transcribes; differences between them are noise.", caveat=True)
    if min(values) >= NEAR_NOISE_WER:
        return Finding(f"Every {what} has a WER of at least {pct(min(values))}: nine words in ten or more are wrong, "
                       "too close to no transcription for differences between them to mean much.", caveat=True)
    return None


def tables_by_name(out: str | os.PathLike) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in read_tables(Path(out) / "tables")}


def synthetic(tables: dict[str, dict[str, Any]], slot: str | None = None) -> bool:
    return any(t.get("synthetic") for n, t in tables.items() if slot is None or n.startswith(f"{slot}_"))


SYNTHETIC_NOTE = ("These numbers come from the synthetic corpus: they show what the pipeline computes, "
                  "not how well silent speech can be recognised.")


def value_of(q) -> float | None:
    """A record's number (records.Q), or None."""
    return None if q is None else num(q.value)


def rate_text(r) -> str:
    """``"26.7% (95% CI 22.1% to 31.4%)"`` from a records.Rate of percentages."""
    value, low, high = value_of(r.value), value_of(r.low), value_of(r.high)
    return pct(value) if low is None or high is None else f"{pct(value)} (95% CI {pct(low)} to {pct(high)})"


def difference_text(r) -> str:
    value, low, high = value_of(r.value), value_of(r.low), value_of(r.high)
    return points(value) if low is None or high is None else f"{points(value)} (95% CI {low:+.1f} to {high:+.1f})"


# ----------------------------------------------------------------------------- a chapter's findings
@dataclass(frozen=True)
class ChapterFindings:
    """What a chapter's notebook ends with: sentences from its tables (``from_tables``, given every table by
    name so that a chapter can refer to another's) and from the typed records of the comparison over seeds
    (``from_records``, read only when one of ``record_tables`` exists). Each chapter folder's ``findings.py``
    has one, ``FINDINGS``."""

    slot: str
    from_tables: Callable[[dict[str, dict]], list[Finding]] | None = None
    record_tables: tuple[str, ...] = ()
    from_records: Callable[[Any], list[Finding]] | None = None
    leading_from_records: Callable[[Any], list[Finding]] | None = None  # said first (a chapter read from records)


def findings(tables: dict[str, dict[str, Any]], chapter: ChapterFindings) -> list[Finding]:
    """What a chapter's tables show (``tables``: :func:`tables_by_name`), its comparison tables included."""
    slot = chapter.slot
    mine = {name: table for name, table in tables.items() if name.startswith(f"{slot}_")}
    found: list[Finding] = []
    if chapter.from_tables:
        try:
            # the other notebooks' tables are there for cross-references (05 against 04)
            found.extend(chapter.from_tables({**tables, **mine}))
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:  # a table of another shape
            found.append(Finding(f"(The findings of notebook {slot} could not be read from its tables: "
                                 f"{type(exc).__name__}: {exc}.)", caveat=True))
    for name in sorted(mine):
        if is_comparison(mine[name]):
            found.extend(comparison_findings(mine[name]))
    return found


def record_findings(out: str | os.PathLike, chapter: ChapterFindings) -> tuple[list[Finding], list[Finding]]:
    """What a chapter says from the typed records of the results folder: (said first, said last)."""
    from semg_study.report.thesis.records import SchemaError, load_results

    if (chapter.from_records is None and chapter.leading_from_records is None) or not any(
            (Path(out) / "tables" / f"{name}.json").is_file() for name in chapter.record_tables):
        return [], []
    try:
        r = load_results(out, only=chapter.record_tables)
    except SchemaError as exc:  # a table of another shape: said, not hidden
        return [Finding(f"(The records of notebook {chapter.slot} could not be read: {exc}.)", caveat=True)], []
    return ((chapter.leading_from_records(r) if chapter.leading_from_records else []),
            (chapter.from_records(r) if chapter.from_records else []))


def what_this_shows(out: str | os.PathLike, chapter: ChapterFindings) -> str:
    """The Markdown of a notebook's last cell."""
    tables = tables_by_name(out)
    first, last = record_findings(out, chapter)
    found = first + findings(tables, chapter) + last
    lines = ["### What this shows", ""]
    if not found:
        lines.append(f"No table of notebook {chapter.slot} is in {Path(out).name}/tables yet, so there is nothing "
                     "to report.")
    else:
        lines.extend(f"- {'**Limitation:** ' if f.caveat else ''}{f.text}" for f in found)
    if synthetic(tables, chapter.slot):
        lines += ["", f"*{SYNTHETIC_NOTE}*"]
    return "\n".join(lines) + "\n"


def show_findings(study, chapter: ChapterFindings) -> Any:
    """A notebook's last cell: its chapter's findings as Markdown (``study``: ``start_notebook``'s result)."""
    from IPython.display import Markdown

    return Markdown(what_this_shows(study.paths.out, chapter))
