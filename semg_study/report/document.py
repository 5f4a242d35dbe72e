"""The dissertation as a list of blocks (headings, paragraphs, figures, tables, ...): the one model
that :mod:`semg_study.report.dissertation` builds and each renderer (Markdown, HTML, Typst) reads."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    emphasis: bool = False


@dataclass
class Banner:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Code:
    text: str


@dataclass
class Figure:
    label: str  # "Figure 3.1"
    caption: str
    src: str  # PNG, relative to the report
    pdf: str | None = None
    aspect: float | None = None  # width / height of the PNG


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    note: str | None = None
    label: str | None = None  # "Table 3.1"


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
