"""The generated dissertation: ``reports/dissertation.md``, ``.html``, ``.typ`` and ``.pdf``.

Its chapters are authored text with computed values (the machinery: :mod:`semg_study.report.thesis`): each
study chapter's text is ``text.py`` in that chapter's folder (``semg_study/chapters/<chapter>/``), the front
and back matter are the other modules of this folder. Each holds the prose a person wrote, with named values
read from the study's tables, benchmark and run manifests through typed records, and the words that depend
on a result chosen from that result's verdict. Before anything is written, the built document passes the consistency check
(:mod:`semg_study.report.thesis.check`): every number traced to its source at the same rounding, one
value per quantity, labels that match the data. A failing check raises
:class:`~semg_study.report.thesis.check.ConsistencyError`, so notebook 09 and the study fail with it.

The blocks (:mod:`semg_study.report.document`) are rendered by :mod:`semg_study.report.render_markdown`,
``render_html`` and ``render_typst`` (the PDF, through the ``typst`` package: no TeX).
"""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from semg_study.io import write_text
from semg_study.report.dissertation_text import ABSTRACT_WORDS
from semg_study.report.document import Document, Heading, Para
from semg_study.report.render_html import to_html
from semg_study.report.render_markdown import to_markdown
from semg_study.report.render_typst import to_typst, write_pdf
from semg_study.chapters.ablations import text as ablations
from semg_study.chapters.audio_baselines import text as audio_baselines
from semg_study.chapters.dataset import text as data
from semg_study.chapters.dissertation import (abstract, acknowledgements, appendix_deepspeech2, appendix_environment,
                                              appendix_ethics, appendix_hyperparameters, appendix_initiation,
                                              appendix_provenance, conclusion, contents, ctc, discussion, future_work,
                                              introduction, literature, models, protocol, references, scorecard, title)
from semg_study.chapters.emg_baselines import text as emg_baselines
from semg_study.chapters.features import text as features
from semg_study.chapters.latency import text as latency
from semg_study.chapters.myostream import text as myostream
from semg_study.chapters.participants import release_text as release
from semg_study.chapters.participants import text as participants
from semg_study.report.thesis.build import build
from semg_study.report.thesis.check import ConsistencyError, check_document
from semg_study.report.thesis.values import strip_marks


# The document in order: front matter, the chapters (each study chapter's text from its own folder), appendices.
CHAPTERS = (
    title, abstract, acknowledgements, contents,
    introduction, literature, ctc, data, features, models, protocol,
    audio_baselines, emg_baselines, myostream, ablations, latency, participants, release,
    discussion, scorecard, future_work, conclusion,
    appendix_initiation, appendix_ethics, appendix_deepspeech2, appendix_hyperparameters,
    appendix_provenance, appendix_environment, references,
)


def abstract_words(doc: Document) -> int:
    """Words of the abstract (the paragraphs under the heading "Abstract")."""
    words, inside = 0, False
    for b in doc.blocks:
        if isinstance(b, Heading):
            if inside:
                break
            inside = strip_marks(b.text) == "Abstract"
        elif inside and isinstance(b, Para):
            words += len(strip_marks(b.text).split())
    return words


def checked_document(out: str | os.PathLike) -> tuple[Document, list[str]]:
    """The dissertation of ``out`` (text still marked) and the problems the check found."""
    doc, ledger, results = build(out, list(CHAPTERS))
    problems = check_document(doc, ledger, results.registry, out)
    n = abstract_words(doc)
    if n > ABSTRACT_WORDS:
        problems.append(f"the abstract has {n} words, more than {ABSTRACT_WORDS}")
    return doc, problems


def plain(doc: Document) -> Document:
    """A copy of ``doc`` with every mark removed (what the renderers print)."""
    blocks = []
    for b in doc.blocks:
        if not dataclasses.is_dataclass(b):
            blocks.append(b)
            continue
        changes = {}
        for f in dataclasses.fields(b):
            value = getattr(b, f.name)
            if isinstance(value, str):
                changes[f.name] = strip_marks(value)
            elif isinstance(value, list) and value and isinstance(value[0], str):
                changes[f.name] = [strip_marks(v) for v in value]
            elif isinstance(value, list) and value and isinstance(value[0], list):
                changes[f.name] = [[strip_marks(c) if isinstance(c, str) else c for c in row] for row in value]
            elif isinstance(value, list) and value and isinstance(value[0], tuple):
                changes[f.name] = [tuple(strip_marks(c) if isinstance(c, str) else c for c in t) for t in value]
        blocks.append(dataclasses.replace(b, **changes))
    copy = dataclasses.replace(doc, blocks=blocks)
    for attr in ("chapters", "cited"):
        if hasattr(doc, attr):
            setattr(copy, attr, getattr(doc, attr))
    return copy


def build_document(out: str | os.PathLike) -> Document:
    """The dissertation of the results folder ``out`` as plain blocks; raises
    :class:`ConsistencyError` when it fails the check."""
    doc, problems = checked_document(out)
    if problems:
        raise ConsistencyError(problems)
    return plain(doc)


def write_report(out: str | os.PathLike = "reports", pdf: bool = True) -> dict[str, Any]:
    """Write ``<out>/dissertation.md``, ``.html`` and (``pdf``) ``.typ`` + ``.pdf``; return what went in.
    Nothing is written when the document fails its consistency check."""
    out = Path(out)
    doc = build_document(out)
    write_text(out / "dissertation.md", to_markdown(doc))
    write_text(out / "dissertation.html", to_html(doc))
    info = {"markdown": out / "dissertation.md", "html": out / "dissertation.html", "figures": doc.figures,
            "tables": doc.tables, "manifests": doc.cited_manifests, "synthetic": doc.synthetic,
            "sections": doc.sections, "abstract_words": abstract_words(doc)}
    if pdf:
        info.update(write_pdf(out, to_typst(doc)))
    return info
