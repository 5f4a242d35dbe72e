"""Renders the dissertation's blocks (:mod:`semg_study.report.document`) to Typst and compiles it to
``reports/dissertation.pdf`` with the ``typst`` package (no TeX), the figures as vector PDFs.

Layout rules (each checked by a test or by :mod:`semg_study.report.thesis.layout`):

* body paragraphs are justified; captions, tables, lists of figures/tables and centred lines are not; a
  paragraph of at most :data:`KEEP_LINES` lines is kept on one page (no two-line widow or orphan);
* a number and its unit (``10 %``, ``5 s``, ``7.1 points``), a reference and its number (``Table 16.2``) and
  the two ends of an interval (``[−3.1, +2.0]``) are joined by no-break spaces (:func:`tie`);
* every table is set in one text size with one header style; each column is at least as wide as its longest
  word, so no cell runs into its neighbour, and the rest of the text width is shared by the table's column
  weights (:attr:`Table.widths`), or else in proportion to each column's widest cell below the header;
* a table that fits on a page is kept whole with its caption (moved to the next page when it does not fit
  where it stands); a longer one runs over pages, starts where at least :data:`TABLE_NEED_CM` of the page
  is left, and repeats its header on each page.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path, write_text
from semg_study.report.dissertation_text import AUTHOR, TITLE
from semg_study.report.document import (Banner, Bullets, Code, Document, Equation, Figure, Heading, ListOf, PageBreak,
                                        Para, Table)


# the A4 page's text area (the margins of the preamble: 2.5 cm left and right, 2.4 cm top and bottom)
TEXT_WIDTH_CM = 16.0
TEXT_HEIGHT_CM = 24.9
# the same on a landscape (flipped) page
WIDE_TEXT_WIDTH_CM = 24.7
WIDE_TEXT_HEIGHT_CM = 16.2
FIGURE_MAX_HEIGHT_CM = 10.5


WIDE_TABLE_COLUMNS = 10
# every table's text size, and its note's
TABLE_TEXT_PT = 8
TABLE_NOTE_PT = 7.5
# a table too long for one page starts only where at least this much of the page is left (its caption and
# header are never left at the foot of a page with a row or two)
TABLE_NEED_CM = 7.0

# a paragraph of at most this many lines is kept on one page
KEEP_LINES = 5

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

# The tables' layout, in Typst (it measures the text): the column widths, and whether a table is kept whole.
_TYPST_TABLES = """// every table: one text size, a shaded bold header repeated on each page, no justification
#let table-size = {size}pt
#let table-pad = 7.5pt
#let table-width(c, bold) = measure(text(size: table-size, weight: if bold {{ "bold" }} else {{ "regular" }}, c)).width
// Each column is at least as wide as its longest word (no cell runs into the next one); the rest of the
// width is shared in proportion to the weights (or to each column's widest cell below the header: a long
// header wraps before a cell does), a column whose share is below its longest word getting exactly that.
#let column-widths(header, rows, weights, avail) = {{
  let n = header.len()
  let mins = ()
  let nats = ()
  for i in range(n) {{
    let lo = 0pt
    let hi = 0pt
    for (j, c) in ((header.at(i),) + rows.map(r => r.at(i))).enumerate() {{
      for w in c.split(regex("[ \\u{{200B}}]+")) {{ lo = calc.max(lo, table-width(w, j == 0)) }}
      if j > 0 {{ hi = calc.max(hi, table-width(c, false)) }}
    }}
    mins.push(lo + table-pad)
    nats.push(calc.max(lo, hi) + table-pad)
  }}
  let shares = if weights == none {{ nats.map(w => w / 1pt) }} else {{ weights }}
  let fixed = range(n).map(_ => false)
  let done = false
  while not done {{
    done = true
    let free = avail - range(n).filter(i => fixed.at(i)).map(i => mins.at(i)).sum(default: 0pt)
    let total = range(n).filter(i => not fixed.at(i)).map(i => shares.at(i)).sum(default: 0)
    for i in range(n) {{
      if not fixed.at(i) and (total == 0 or free * shares.at(i) / total < mins.at(i)) {{
        fixed.at(i) = true
        done = false
      }}
    }}
  }}
  let free = avail - range(n).filter(i => fixed.at(i)).map(i => mins.at(i)).sum(default: 0pt)
  let total = range(n).filter(i => not fixed.at(i)).map(i => shares.at(i)).sum(default: 0)
  range(n).map(i => if fixed.at(i) {{ mins.at(i) }} else {{ free * shares.at(i) / total }})
}}
#let fit-table(header, rows, weights: none, note: none, width: {width}cm) = context {{
  let widths = column-widths(header, rows, weights, width)
  // the longest words of its columns do not fit side by side: the table runs into the margin (a test finds it)
  if widths.sum() > width + 0.5pt [#metadata(header) <overfull-table>]
  set text(size: table-size)
  set par(justify: false)
  let t = table(columns: widths, align: left, fill: (_, y) => if y == 0 {{ rgb("#eeeeee") }},
                table.header(..header.map(h => strong(h))), ..rows.flatten())
  if note == none {{ t }} else {{ stack(spacing: 0.5em, t, text(size: {note_size}pt, fill: rgb("#555555"), note)) }}
}}
// a table (with its caption) that fits on a page is one unbreakable block; a longer one starts only where
// `need` is left on the page and runs over pages
#let keep-table(body, width: {width}cm, height: {height}cm, need: {need}cm) = context {{
  if measure(block(width: width, body)).height <= height {{ block(breakable: false, width: 100%, body) }} else {{
    if page.height - 2.4cm - here().position().y < need {{ pagebreak(weak: true) }}
    block(breakable: true, width: 100%, body)
  }}
}}
// a body paragraph of at most `keep-lines` lines is never split over two pages, so no page starts or ends
// with two lines of it (Typst itself never leaves a single line of a paragraph alone)
#let keep-lines = {keep}
#let para(body) = context {{
  let most = measure(block(width: {width}cm, range(keep-lines).map(_ => [x]).join(linebreak()))).height
  if measure(block(width: {width}cm, body)).height <= most + 0.5pt {{ block(breakable: false, body) }} else {{ body }}
}}
"""


def _tables_preamble() -> str:
    # no blank line inside: the preamble is the Typst source's first part
    return _TYPST_TABLES.format(size=f"{TABLE_TEXT_PT:g}", note_size=f"{TABLE_NOTE_PT:g}", keep=KEEP_LINES,
                                width=f"{TEXT_WIDTH_CM:g}", height=f"{TEXT_HEIGHT_CM:g}", need=f"{TABLE_NEED_CM:g}")


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


def _array(items: list[str]) -> str:
    """A Typst array literal of the (already quoted) items; one item keeps its trailing comma."""
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


def _table(b: Table, s) -> str:
    n = max(len(b.columns), 1)
    wide = n > WIDE_TABLE_COLUMNS  # on a landscape page of its own
    header = _array([s(breakable(c)) for c in b.columns] + [s("")] * (n - len(b.columns)))
    rows = _array([_array([s(breakable(v)) for v in (row + [""] * (n - len(row)))[:n]]) for row in b.rows])
    args = [header, rows]
    if b.widths and len(b.widths) == n:
        args.append("weights: " + _array([f"{w:g}" for w in b.widths]))
    if b.note:
        args.append(f"note: {s(b.note)}")
    if wide:
        args.append(f"width: {WIDE_TEXT_WIDTH_CM:g}cm")
    table = f"#fit-table({', '.join(args)})"
    if b.label or b.caption:
        caption = f"[#strong({s((b.label or 'Table') + ':')}) #{s(b.caption)}]"
        label = f" <{anchor(b.label)}>" if b.label else ""
        body = f"[#figure(kind: table, numbering: none, caption: {caption})[{table}]{label}]"
    else:  # a table quoted inside a document: no caption of its own
        body = f"[{table}]"
    size = f", width: {WIDE_TEXT_WIDTH_CM:g}cm, height: {WIDE_TEXT_HEIGHT_CM:g}cm" if wide else ""
    kept = f"#keep-table({body}{size})"
    return f"#page(flipped: true)[{kept}]" if wide else kept


def to_typst(doc: Document) -> str:
    s = typst_text
    parts = [(_TYPST_PREAMBLE.format(title=typst_string(TITLE), author=typst_string(AUTHOR))
              + _tables_preamble()).rstrip("\n")]
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
                parts.append(f"#para({s(b.text)})")
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
            parts.append(_table(b, s))
    parts.append("#context [#metadata(counter(page).final().first()) <page-count>]")
    parts.append("#context [#metadata(query(heading.where(level: 1)).map(h => (h.body.text, h.location().page()))) "
                 "<chapter-pages>]")
    parts.append("#context [#metadata(query(<overfull-table>).map(m => m.value)) <overfull-tables>]")
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
