"""Renders the dissertation's blocks (:mod:`semg_study.report.document`) to Typst and compiles it to
``reports/dissertation.pdf`` with the ``typst`` package (no TeX), the figures as vector PDFs."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path, write_text
from semg_study.report.dissertation_text import AUTHOR, TITLE
from semg_study.report.document import (Banner, Bullets, Code, Document, Equation, Figure, Heading, ListOf, PageBreak,
                                        Para, Table)


TEXT_WIDTH_CM = 16.0
FIGURE_MAX_HEIGHT_CM = 10.5


WIDE_TABLE_COLUMNS = 10

NBSP = "\u00a0"
# units written after a number: joined to it by a no-break space
UNITS = ("%", "ms", "s", "min", "h", "MB", "GB", "kB", "Hz", "kHz", "points", "dB", "µV", "mV", "cm", "mm")
_UNIT = re.compile(r"(?<=\d) +(?=(?:" + "|".join(re.escape(u) for u in UNITS) + r")(?![\w]))")
# the two ends of an interval, "[55.1, 71.3]" or "[−3.1, +2.0]"
_INTERVAL = re.compile(r"(\[[−+\-]?\d[\d.,]*,) +(?=[−+\-]?\d[\d.,]*\])")
# a reference and its number or letter: "Table 16.2", "Chapters 8 and 9", "Appendix D"
_REFERENCE = re.compile(r"\b((?:Table|Figure|Chapter|Appendix|Section|Equation)s?|Appendices) +(?=\d|[A-Z]\b)")


def tie(text: str) -> str:
    """``text`` with no-break spaces where a line must not break: between a number and its unit, between the two
    ends of an interval and between a reference (Table, Figure, Chapter, ...) and its number."""
    text = _UNIT.sub(NBSP, str(text))
    text = _INTERVAL.sub(lambda m: m.group(1) + NBSP, text)
    return _REFERENCE.sub(lambda m: m.group(1) + NBSP, text)


def breakable(text: str) -> str:
    """Long identifiers (run names, config names, paths) may break after ``_``, ``-`` and ``/``."""
    text = re.sub(r"([_/\-])(?=\w)", "\\1\u200b", str(text))
    # and inside long CamelCase names (a short name such as MyoStream stays whole)
    return re.sub(r"\b[A-Za-z]{16,}\b", lambda m: re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "\u200b", m.group(0)), text)


def typst_string(text: str) -> str:
    """A Typst string literal: inserted as plain text, so no character is read as markup."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def typst_text(text: str) -> str:
    """Running text (a paragraph, caption, cell, list entry) as a Typst string literal, its no-break spaces tied."""
    return typst_string(tie(text))


_TYPST_PREAMBLE = """#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", margin: (x: 2.5cm, y: 2.4cm), numbering: "i")
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en")
#set par(justify: true)
#show heading: set block(above: 1.3em, below: 0.7em)
#show heading.where(level: 1): it => [#pagebreak(weak: true)#v(1.5cm)#text(size: 18pt)[#it]#v(0.4cm)]
#show heading.where(level: 2): set block(sticky: true)
#show heading.where(level: 3): set block(sticky: true)
#show figure.where(kind: table): set figure.caption(position: top)
#show figure.where(kind: table): set block(breakable: true)
#show figure.caption: set par(justify: false)
#show figure.caption: set text(size: 9pt)
#set table(stroke: 0.4pt + rgb("#999999"), inset: 3.5pt)
#show raw: set text(size: 7pt)
#show quote: set text(size: 9.5pt)
"""

# a table with at most this many rows is kept whole on one page with its caption; a longer one may run
# over pages, its caption and header on the first
SHORT_TABLE_ROWS = 16


def anchor(label: str) -> str:
    """``Figure 5.1`` -> ``figure-5-1`` (a Typst label)."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _list_of(b: ListOf, s) -> str:
    if b.kind == "contents":
        return "#outline(title: none, depth: 2, indent: auto)"
    rows = []
    for label, caption in b.entries:
        page = f"#context counter(page).at(<{anchor(label)}>).first()"
        rows.append(f"[#{s(label)}], [#{s(caption)}], [{page}]")
    if not rows:
        return "#emph(\"(none)\")"
    # ragged right inside the list only: the body text after it stays justified
    return ("#block(width: 100%)[#set par(justify: false)\n#grid(columns: (auto, 1fr, auto), column-gutter: 1em, "
            "row-gutter: 0.6em, " + ", ".join(rows) + ")]")


def to_typst(doc: Document) -> str:
    s = typst_text
    parts = [_TYPST_PREAMBLE.format(title=typst_string(TITLE), author=typst_string(AUTHOR)).rstrip("\n")]
    main_started = False
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.level == 1:
                parts.append(f"#align(center)[#set par(justify: false)\n"
                             f"#v(3cm)#text(size: 22pt, weight: \"bold\")[#{s(b.text)}]]")
                continue
            if b.level == 2 and getattr(b, "main", False) and not main_started:
                # page numbers: roman in the front matter, arabic from chapter 1
                parts.append("#pagebreak(weak: true)\n#set page(numbering: \"1\")\n#counter(page).update(1)")
                main_started = True
            # the numbers are part of the text (chapter 3, section 3.1): no automatic numbering
            parts.append("=" * (b.level - 1) + f" #{s(b.text)}")
        elif isinstance(b, Para):
            if b.quote:
                parts.append(f"#quote(block: true)[#{s(b.text)}]")
            elif b.emphasis:  # a centred line (the title page's): not stretched by justification
                parts.append(f"#align(center)[#set par(justify: false)\n#emph({s(b.text)})]")
            else:
                parts.append(f"#{s(b.text)}")
        elif isinstance(b, Banner):
            parts.append(f'#block(fill: rgb("#fff3f3"), stroke: (left: 3pt + rgb("#b00020")), inset: 8pt, '
                         f"width: 100%)[#set par(justify: false)\n#strong({s(b.text)})]")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- #{s(item)}" for item in b.items))
        elif isinstance(b, Code):
            parts.append(f"#raw({typst_string(b.text)}, block: true)")
        elif isinstance(b, PageBreak):
            parts.append("#pagebreak(weak: true)")
        elif isinstance(b, Equation):
            number = f"[#{s('(' + b.label + ')')}]" if b.label else "[]"
            parts.append(f"#grid(columns: (1fr, auto), align: horizon, [$ {b.typst} $], {number})")
        elif isinstance(b, ListOf):
            parts.append(_list_of(b, s))
        elif isinstance(b, Figure):
            src = b.pdf or b.src
            width = TEXT_WIDTH_CM * b.width
            if b.aspect:
                width = min(width, FIGURE_MAX_HEIGHT_CM * b.aspect)
            # inline, never floating: a float can land above its chapter's heading; the figure and its
            # caption are one unbreakable block, so the caption stays on the figure's page
            parts.append(f"#figure(image({typst_string(src)}, width: {width:.2f}cm), numbering: none, "
                         f"caption: [#strong({s(b.label + ':')}) #{s(b.caption)}]) <{anchor(b.label)}>")
        elif isinstance(b, Table):
            n = max(len(b.columns), 1)
            wide = n > WIDE_TABLE_COLUMNS  # on a landscape page of its own
            size = "8.5pt" if n <= 5 else "7.5pt" if n <= 8 else "6.5pt" if n <= 10 or wide else "5.8pt"
            cells = ", ".join(f"[#strong({s(breakable(c))})]" for c in b.columns)
            body = ", ".join(s(breakable(v)) for row in b.rows for v in (row + [""] * (n - len(row)))[:n])
            note = (f", [#text(size: 7.5pt, fill: rgb(\"#555555\"))[#{s(b.note)}]]") if b.note else ""
            caption = f"[#strong({s((b.label or 'Table') + ':')}) #{s(b.caption)}]"
            if b.widths:
                columns = "(" + ", ".join(f"{w:g}fr" for w in b.widths) + ")"
            else:
                # more than a few columns: shares of the text width, so long cells wrap inside the page
                columns = n if n <= 5 else "(" + ", ".join(["1fr"] * n) + ")"
            # a short table is one unbreakable block with its caption; a long one runs over pages, its caption
            # and header on each part's first page
            may_break = "true" if len(b.rows) > SHORT_TABLE_ROWS or wide else "false"
            label = f" <{anchor(b.label)}>" if b.label else ""
            table = (f"#block(breakable: {may_break}, width: 100%)[#figure(kind: table, numbering: none, caption: {caption})"
                     f"[#set text(size: {size})\n"
                     f"#set par(justify: false)\n#stack(spacing: 0.5em, table(columns: {columns}, align: left, "
                     f"table.header({cells}), {body}){note})]{label}]")
            if not b.label and not b.caption:  # a table quoted inside a document: no caption of its own
                table = (f"#block(breakable: {may_break}, width: 100%)[#set text(size: {size})\n#set par(justify: false)\n"
                         f"#table(columns: {columns}, align: left, table.header({cells}), {body})]")
            parts.append(f"#page(flipped: true)[{table}]" if wide else table)
    parts.append("#context [#metadata(counter(page).final().first()) <page-count>]")
    parts.append("#context [#metadata(query(heading.where(level: 1)).map(h => (h.body.text, h.location().page()))) "
                 "<chapter-pages>]")
    return "\n\n".join(parts) + "\n"


def write_pdf(out: Path, source: str) -> dict[str, Any]:
    """Compile the Typst source into ``<out>/dissertation.pdf`` (the figures are read from ``out``)."""
    import typst

    typ = out / "dissertation.typ"
    write_text(typ, source)
    # only the fonts shipped inside the typst package, and no date: the same PDF on every machine
    options = {"root": str(out), "ignore_system_fonts": True}
    with atomic_path(out / "dissertation.pdf", suffix=".pdf") as tmp:
        typst.compile(str(typ), output=str(tmp), **options)
    pages = typst.query(str(typ), "<page-count>", field="value", one=True, **options)
    pages = json.loads(pages) if isinstance(pages, (str, bytes)) else pages
    return {"pdf": out / "dissertation.pdf", "typst": typ, "pages": int(pages)}
