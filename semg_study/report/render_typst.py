"""Renders the dissertation's blocks (:mod:`semg_study.report.document`) to Typst and compiles it to
``reports/dissertation.pdf`` with the ``typst`` package (no TeX), the figures as vector PDFs."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from semg_study.io import atomic_path, write_text
from semg_study.report.dissertation_text import AUTHOR, TITLE
from semg_study.report.document import Banner, Bullets, Code, Document, Figure, Heading, PageBreak, Para, Table


TEXT_WIDTH_CM = 16.0
FIGURE_MAX_HEIGHT_CM = 10.5


WIDE_TABLE_COLUMNS = 10


def breakable(text: str) -> str:
    """Long identifiers (run names, config names, paths) may break after ``_``, ``-`` and ``/``."""
    text = re.sub(r"([_/\-])(?=\w)", "\\1\u200b", str(text))
    return re.sub(r"(?<=[a-z])(?=[A-Z][a-z])", "\u200b", text)  # and inside CamelCase names


def typst_string(text: str) -> str:
    """A Typst string literal: inserted as plain text, so no character is read as markup."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_TYPST_PREAMBLE = """#set document(title: {title}, author: {author}, date: none)
#set page(paper: "a4", margin: (x: 2.5cm, y: 2.4cm), numbering: "1")
#set text(font: "Libertinus Serif", size: 10.5pt, lang: "en")
#set par(justify: true)
#show heading: set block(above: 1.3em, below: 0.7em)
#show heading.where(level: 1): it => [#pagebreak(weak: true)#it]
#show figure.where(kind: table): set figure.caption(position: top)
#show figure: set block(breakable: true)
#set table(stroke: 0.4pt + rgb("#999999"), inset: 3.5pt)
#show raw: set text(size: 7pt)
"""


def to_typst(doc: Document) -> str:
    s = typst_string
    parts = [_TYPST_PREAMBLE.format(title=s(TITLE), author=s(AUTHOR))]
    outline_done = False
    for b in doc.blocks:
        if isinstance(b, Heading):
            if b.level == 1:
                parts.append(f"#align(center)[#v(3cm)#text(size: 20pt, weight: \"bold\")[#{s(b.text)}]]")
                continue
            if b.level == 2 and not outline_done and b.text == "1 Introduction":
                parts.append("#outline(title: \"Contents\", depth: 2)\n#pagebreak()")
                outline_done = True
            # the numbers are part of the text (chapter 3, section 3.1): no automatic numbering
            parts.append("=" * (b.level - 1) + f" #{s(b.text)}")
        elif isinstance(b, Para):
            parts.append(f"#align(center)[#emph({s(b.text)})]" if b.emphasis else f"#{s(b.text)}")
        elif isinstance(b, Banner):
            parts.append(f'#block(fill: rgb("#fff3f3"), stroke: (left: 3pt + rgb("#b00020")), inset: 8pt, '
                         f"width: 100%)[#strong({s(b.text)})]")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- #{s(item)}" for item in b.items))
        elif isinstance(b, Code):
            parts.append(f"#raw({s(b.text)}, block: true)")
        elif isinstance(b, PageBreak):
            parts.append("#pagebreak(weak: true)")
        elif isinstance(b, Figure):
            src = b.pdf or b.src
            width = TEXT_WIDTH_CM if not b.aspect else min(TEXT_WIDTH_CM, FIGURE_MAX_HEIGHT_CM * b.aspect)
            parts.append(f"#figure(image({s(src)}, width: {width:.2f}cm), numbering: none, "
                         f"caption: [#strong({s(b.label + ':')}) #{s(b.caption)}])")
        elif isinstance(b, Table):
            n = max(len(b.columns), 1)
            wide = n > WIDE_TABLE_COLUMNS  # on a landscape page of its own
            size = "8.5pt" if n <= 5 else "7pt" if n <= 9 or wide else "5.8pt"
            cells = ", ".join(f"[#strong({s(breakable(c))})]" for c in b.columns)
            body = ", ".join(s(breakable(v)) for row in b.rows for v in (row + [""] * (n - len(row)))[:n])
            note = f"\n#text(size: 7.5pt, fill: rgb(\"#555555\"))[#{s(b.note)}]" if b.note else ""
            caption = f"[#strong({s((b.label or 'Table') + ':')}) #{s(b.caption)}]"
            # more than a few columns: shares of the text width, so long cells wrap inside the page
            # (auto-width columns let a wide table run past the right margin and be cut off)
            columns = n if n <= 5 else "(" + ", ".join(["1fr"] * n) + ")"
            table = (f"#figure(kind: table, numbering: none, caption: {caption})[#set text(size: {size})\n#set par(justify: false)\n"
                     f"#table(columns: {columns}, align: left, table.header({cells}), {body})]{note}")
            parts.append(f"#page(flipped: true)[{table}]" if wide else table)
    parts.append("#context [#metadata(counter(page).final().first()) <page-count>]")
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
