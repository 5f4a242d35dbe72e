"""The dissertation assembled from its chapters' text modules, in the order the caller gives them
(:mod:`semg_study.chapters.dissertation`: each study chapter's ``text.py`` and the front and back matter).

Each chapter module has ``CHAPTER_NAME`` (optional: the chapter's name in labels such as ``{ref.chapter_data}``,
else the module's own name), ``KIND`` (``front``: unnumbered, before chapter 1; ``chapter``; ``appendix``;
``back``), ``TEXT`` (its template, :mod:`.template`), ``values(ctx)`` (its named values, from the
records) and optionally ``blocks(ctx, ns)`` (its tables, figures and equations by name). The document
is built twice: the first pass finds the number of every table and figure, so that the text can refer
to one before it appears.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from semg_study.report.dissertation_inputs import png_aspect
from semg_study.report.document import (Banner, Bullets, Document, Figure, Heading, ListOf, PageBreak, Para,
                                        Table)
from semg_study.report.thesis.records import Results, load_results
from semg_study.report.thesis.template import Renderer, parse
from semg_study.report.thesis.values import DERIVED, Ledger, Q, Rate, Source, Structure, Word, derived, strip_marks



def chapter_name(module: Any) -> str:
    """A chapter's name in labels: its ``CHAPTER_NAME``, else the last part of its module name."""
    return getattr(module, "CHAPTER_NAME", None) or module.__name__.rsplit(".", 1)[-1]



class Refs:
    """``{ref.<block name>}``: the label of a table or figure (its number found by the first pass)."""

    def __init__(self, ctx: "Context"):
        self._ctx = ctx

    def __getattr__(self, name: str) -> Structure:
        if name.startswith("_"):
            raise AttributeError(name)
        labels = self._ctx.labels
        return Structure(labels.get(f"{self._ctx.module}:{name}", labels.get(name, f"?{name}")))


class Cites:
    """``{cite.<key>}``: an in-text citation, from :mod:`semg_study.report.literature` ("Gaddy and Klein,
    2020", for parentheses the author writes); ``{citen.<key>}`` the narrative form ("Gaddy and Klein
    (2020)")."""

    def __init__(self, ctx: "Context", narrative: bool = False):
        self._ctx = ctx
        self._narrative = narrative

    def __getattr__(self, key: str) -> Q:
        from semg_study.report import literature as lit

        if key.startswith("_"):
            raise AttributeError(key)
        if key not in lit.REFERENCES:
            raise AttributeError(key)
        self._ctx.cited.setdefault(key, None)
        src = Source("code:semg_study.report.literature", ("REFERENCES", key, 0))
        if self._narrative:
            return Q(narrative_citation(lit.REFERENCES[key][0]), "text", derived("narrative_citation", src))
        return Q(lit.REFERENCES[key][0], "text", src)


def narrative_citation(text: str) -> str:
    """``Gaddy and Klein, 2020`` -> ``Gaddy and Klein (2020)``."""
    head, sep, year = text.rpartition(", ")
    return f"{head} ({year})" if sep else text


DERIVED["narrative_citation"] = narrative_citation


@dataclass
class Context:
    r: Results
    ledger: Ledger
    labels: dict[str, str]
    out: Path
    doc: Document = field(default_factory=Document)
    number: str = ""
    module: str = ""
    real_data_tables: set[tuple[str, str]] = field(default_factory=set)  # see build()
    kind: str = "front"
    chapter_count: int = 0
    appendix_count: int = 0
    section_count: int = 0
    counters: dict[tuple[str, str], int] = field(default_factory=dict)
    found_labels: dict[str, str] = field(default_factory=dict)
    cited: dict[str, None] = field(default_factory=dict)
    chapters: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, number, title)

    # ------------------------------------------------------------------ text
    def render(self, template: str, ns: Any) -> str:
        return Renderer(ns, self.ledger).text(template)

    def cell(self, obj: Any, variant: str = "") -> str:
        """A table cell: a value marked like the text's, a name as it is, nothing as empty."""
        if obj is None:
            return ""
        if isinstance(obj, Rate):
            value = self.ledger.value(obj.value, "bare" if variant != "unit" else "")
            if obj.low is not None and obj.high is not None:
                value += f" [{self.ledger.value(obj.low, 'bare')},\u00a0{self.ledger.value(obj.high, 'bare')}]"
            return value
        if isinstance(obj, Q):
            return self.ledger.value(obj, variant)
        if isinstance(obj, Word):
            return self.ledger.mark(obj, "", obj.state)
        if isinstance(obj, Structure):
            return self.ledger.mark(obj, "", obj.text)
        return str(obj)

    def common(self) -> dict[str, Any]:
        return {"ref": Refs(self), "cite": Cites(self), "citen": Cites(self, True), "synthetic": self.r.synthetic, "chapter": self.number}

    # ------------------------------------------------------------------ labels
    def _label(self, kind: str, name: str) -> str:
        key = (kind, self.number)
        self.counters[key] = self.counters.get(key, 0) + 1
        label = f"{kind} {self.number}.{self.counters[key]}" if self.number else f"{kind} {self.counters[key]}"
        self.found_labels[name] = label
        self.found_labels[f"{self.module}:{name}"] = label
        return self.ledger.structure(label)

    def equation(self, name: str, typst: str, latex: str):
        from semg_study.report.document import Equation

        number = strip_marks(self._label("Equation", name)).split()[-1]
        return Equation(typst, latex, label=number)

    def _labelled(self, caption: str, values, name: str = "") -> str:
        """The caption, marked "(Synthetic data.)" when the block shows a measurement of the study on the
        synthetic corpus (a value read from its tables or benchmark reports) and does not say so already: the
        literature's real-data numbers (code constants) are never so marked."""
        if (self.module, name) in self.real_data_tables:
            return caption
        if self.r.synthetic and "synthetic" not in caption.lower() and any(_measured(v) for v in values):
            return caption + " (Synthetic data.)"
        return caption

    def table(self, name: str, caption: str, ns: Any, columns: list[str], rows: list[list[Any]],
              note: str | None = None, widths: list[float] | None = None) -> Table:
        label = self._label("Table", name)
        rendered = [[self.cell(c) for c in row] for row in rows]
        return Table(self._labelled(self.render(caption, ns), [c for row in rows for c in row], name), columns, rendered,
                     note=None if note is None else self.render(note, ns), label=label, widths=widths)

    def figure(self, name: str, caption: str, ns: Any, png: str, pdf: str | None, data: list[Any] | None = None,
               width: float = 1.0) -> Figure:
        label = self._label("Figure", name)
        return Figure(label, self._labelled(self.render(caption, ns), list(data or [])), f"figures/{png}",
                      None if pdf is None else f"figures/{pdf}",
                      png_aspect(self.out / "figures" / png), data=list(data or []), width=width)

    def notebook_figure(self, name: str, width: float = 1.0) -> list:
        """A figure a notebook made, with the notebook's caption (quoted; its numbers are the caption's)."""
        entry = captions(self.out).get(name)
        if not entry or not (self.out / "figures" / entry.get("files", {}).get("png", f"{name}.png")).is_file():
            return []
        files = entry.get("files", {})
        label = self._label("Figure", name)
        caption = Q(entry.get("caption", ""), "text", Source("figures/captions.json", (name, "caption")))
        return [Figure(label, self.ledger.value(caption), f"figures/{files.get('png', name + '.png')}",
                       f"figures/{files['pdf']}" if "pdf" in files else None,
                       png_aspect(self.out / "figures" / files.get("png", name + ".png")), width=width)]


def captions(out: Path) -> dict[str, dict]:
    try:
        data = json.loads((out / "figures" / "captions.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _assemble(ctx: Context, module: Any) -> None:
    kind = getattr(module, "KIND", "chapter")
    ctx.kind = kind
    ctx.module = chapter_name(module)
    values: dict[str, Any] = dict(module.values(ctx)) if hasattr(module, "values") else {}
    ns = {**ctx.common(), **values}
    makers: dict[str, Callable[[], list]] = module.blocks(ctx, ns) if hasattr(module, "blocks") else {}
    bullets: list[str] = []

    def flush() -> None:
        if bullets:
            ctx.doc.add(Bullets(list(bullets)))
            bullets.clear()

    for line in parse(module.TEXT, ns):
        if line.kind != "bullet":
            flush()
        if line.kind == "heading1":
            title = ctx.render(line.text, ns)
            if kind == "chapter":
                ctx.chapter_count += 1
                ctx.number, ctx.section_count = str(ctx.chapter_count), 0
                ns["chapter"] = ctx.number
                ctx.found_labels["chapter_" + ctx.module] = ctx.number
                ctx.doc.add(Heading(2, f"{ctx.ledger.structure(ctx.number)} {title}", main=ctx.chapter_count == 1))
            elif kind == "appendix":
                ctx.number, ctx.section_count = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[ctx.appendix_count], 0
                ctx.appendix_count += 1
                ns["chapter"] = ctx.number
                ctx.found_labels["chapter_" + ctx.module] = ctx.number
                ctx.doc.add(Heading(2, f"Appendix {ctx.ledger.structure(ctx.number)}: {title}"))
            else:
                ctx.number = ""
                ctx.doc.add(Heading(2, title))
            ctx.chapters.append((kind, ctx.number, strip_marks(title)))
        elif line.kind == "heading2":
            title = ctx.render(line.text, ns)
            if ctx.number:
                ctx.section_count += 1
                ctx.doc.add(Heading(3, f"{ctx.ledger.structure(f'{ctx.number}.{ctx.section_count}')} {title}"))
            else:
                ctx.doc.add(Heading(3, title))
        elif line.kind == "heading3":
            ctx.doc.add(Heading(4, ctx.render(line.text, ns)))
        elif line.kind == "block":
            if line.text not in makers:
                raise KeyError(f"chapter {module.__name__}: no block named {line.text!r}")
            for block in makers[line.text]():
                ctx.doc.add(block)
        elif line.kind == "bullet":
            bullets.append(ctx.render(line.text, ns))
        else:
            ctx.doc.add(Para(ctx.render(line.text, ns)))
    flush()


def build(out: str | Path, modules: list[Any], results: Results | None = None) -> tuple[Document, Ledger, Results]:
    """The dissertation of the results folder ``out`` from the chapter ``modules`` in order: its blocks (text
    still marked), the ledger of every value printed, and the records it was built from. A module's
    ``REAL_DATA_TABLES`` (``(chapter, block)`` pairs) names the tables of the literature's real-data numbers,
    which are never marked synthetic."""
    out = Path(out)
    results = results or load_results(out)
    labels: dict[str, str] = {}
    ctx = None
    for _ in range(2):
        ctx = Context(results, Ledger(), labels, out)
        ctx.doc.synthetic = results.synthetic
        ctx.real_data_tables = {pair for m in modules for pair in getattr(m, "REAL_DATA_TABLES", ())}
        for module in modules:
            _assemble(ctx, module)
        labels = dict(ctx.found_labels)
    doc = ctx.doc
    for block in doc.blocks:
        if isinstance(block, ListOf):
            kind = Figure if block.kind == "figures" else Table
            block.entries = [(b.label, short_caption(b.caption)) for b in doc.blocks if isinstance(b, kind) and b.label]
    doc.figures = sum(1 for b in doc.blocks if isinstance(b, Figure))
    doc.tables = sum(1 for b in doc.blocks if isinstance(b, Table) and b.label)
    doc.cited_manifests = sorted({r.manifest for r in results.runs.values()})
    doc.chapters = ctx.chapters  # type: ignore[attr-defined]
    doc.cited = list(ctx.cited)  # type: ignore[attr-defined]
    return doc, ctx.ledger, results


def _measured(value: Any) -> bool:
    """Whether a block's value was read from the study's results (its tables or benchmark reports)."""
    if isinstance(value, Rate):
        value = value.value
    source = getattr(value, "source", None)
    if source is None:
        return False

    def measured(src) -> bool:
        return src.file.startswith(("tables/", "benchmarks/")) or any(measured(i) for i in src.inputs)
    return measured(source)


def short_caption(caption: str) -> str:
    """The caption's first clause (marks kept), for the lists of figures and tables: up to the first full stop,
    semicolon or colon outside marks and parentheses; a colon after fewer than five words ("The EMG baselines:")
    keeps the clause after it, so that no entry is a bare label."""
    depth, parens, i = 0, 0, 0
    colon = None  # where a short head ended, waiting for its clause
    while i < len(caption):
        ch = caption[i]
        if ch == "\ue000":
            depth += 1
        elif ch == "\ue002":
            depth -= 1
        elif depth == 0 and ch == "(":
            parens += 1
        elif depth == 0 and ch == ")":
            parens = max(0, parens - 1)
        elif depth == 0 and parens == 0 and ch in ".:;," and (i + 1 == len(caption) or caption[i + 1] == " "):
            if ch == "," and (colon is None or len(caption[colon:i].split()) < 4):
                i += 1  # a comma ends only a clause after a short head, and only a clause of some words
                continue
            if ch == ":" and colon is None and len(caption[:i].split()) < 5:
                colon = i
            else:
                return caption[:i] + "."
        i += 1
    return caption
