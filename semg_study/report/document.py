"""The dissertation as a list of blocks (headings, paragraphs, figures, tables, ...): the one model
that :mod:`semg_study.chapters.dissertation.write` builds and each renderer (Markdown, HTML, Typst) reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Heading:
    level: int
    text: str
    main: bool = False  # the first chapter: the main matter (arabic page numbers) starts here


@dataclass
class Para:
    text: str
    emphasis: bool = False
    quote: bool = False  # quoted from a document (the seed's appendices): indented, as written


@dataclass
class Equation:
    """A displayed equation: Typst math for the PDF, LaTeX for the Markdown and HTML."""

    typst: str
    latex: str
    label: str | None = None


@dataclass
class ListOf:
    """The list of figures or of tables (``kind``): (label, short caption) in document order."""

    kind: str
    entries: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Banner:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Code:
    text: str
    source: str | None = None  # what printed it (the check accepts its numbers as that source's)


@dataclass
class Figure:
    label: str  # "Figure 3.1"
    caption: str
    src: str  # PNG, relative to the report
    pdf: str | None = None
    aspect: float | None = None  # width / height of the PNG
    data: list[Any] = field(default_factory=list)  # the values it plots (the check compares the caption's labels)
    width: float = 1.0  # share of the text width


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    note: str | None = None
    label: str | None = None  # "Table 3.1"
    # relative column widths (None: by content); in the PDF a column is never narrower than its longest word
    widths: list[float] | None = None
    mixed: bool = False  # cells of several settings, each naming its own (the caption need not name them all)


@dataclass
class PageBreak:
    pass


@dataclass
class Document:
    blocks: list[Any] = field(default_factory=list)
    figures: int = 0
    tables: int = 0
    cited_manifests: list[str] = field(default_factory=list)
    synthetic: bool = False
    sections: list[str] = field(default_factory=list)
    _counters: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, block: Any) -> None:
        self.blocks.append(block)
        if isinstance(block, Heading) and block.level == 2:
            self.sections.append(block.text)

    def label(self, kind: str, chapter: int | str) -> str:
        key = (kind, chapter)
        self._counters[key] = self._counters.get(key, 0) + 1
        if kind == "Figure":
            self.figures += 1
        else:
            self.tables += 1
        return f"{kind} {chapter}.{self._counters[key]}"
