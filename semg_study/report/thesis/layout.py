"""The PDF's layout, measured: how full each page is, and which pages are nearly empty without a reason.

:func:`page_fill` renders the compiled Typst source to PNG pages (Typst's own renderer: no other tool) and
measures the share of each page's text area that holds ink, from the top of the text area to the lowest inked
row. :func:`sparse_pages` lists the pages filled less than :data:`MIN_FILL` that do not come right before a page
that starts a chapter (front matter sections, chapters and appendices all start on a new page, so the page
before one may end early). :func:`overfull_tables` lists the tables too wide for the page even with every
column at its narrowest (each column at least as wide as its longest word).
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

MIN_FILL = 1 / 3
# the text area of the A4 page (render_typst: 2.4 cm top and bottom margins of 29.7 cm), less the footer
TOP, BOTTOM = 0.08, 0.92


def page_fill(typ: str | Path, root: str | Path, ppi: int = 20) -> list[float]:
    import matplotlib.image as mpimg
    import numpy as np
    import typst

    with tempfile.TemporaryDirectory() as tmp:
        typst.compile(str(typ), output=str(Path(tmp) / "p{0p}.png"), format="png", ppi=ppi, root=str(root),
                      ignore_system_fonts=True)
        fills = []
        for path in sorted(Path(tmp).glob("p*.png")):
            a = mpimg.imread(path)
            grey = a[..., :3].mean(axis=2)
            if a.shape[2] == 4:
                grey = np.where(a[..., 3] < 0.5, 1.0, grey)
            h = grey.shape[0]
            top, bottom = int(TOP * h), int(BOTTOM * h)
            rows = np.where((grey[top:bottom] < 0.85).any(axis=1))[0]
            fills.append(0.0 if len(rows) == 0 else float(rows.max() + 1) / (bottom - top))
    return fills


def chapter_pages(typ: str | Path, root: str | Path) -> dict[int, str]:
    """Physical page -> the heading that starts there (every level-one heading of the document)."""
    import typst

    found = typst.query(str(typ), "<chapter-pages>", field="value", one=True, root=str(root), ignore_system_fonts=True)
    found = json.loads(found) if isinstance(found, (str, bytes)) else found
    return {int(page): str(title) for title, page in found}


def overfull_tables(typ: str | Path, root: str | Path) -> list[list[str]]:
    """The header of every table whose columns' longest words do not fit side by side in the text width (the
    table then runs into the margin rather than one cell over the next; render_typst marks it)."""
    import typst

    found = typst.query(str(typ), "<overfull-tables>", field="value", one=True, root=str(root),
                        ignore_system_fonts=True)
    found = json.loads(found) if isinstance(found, (str, bytes)) else found
    return [list(header) for header in found]


def sparse_pages(typ: str | Path, root: str | Path) -> list[str]:
    """``"page N: fill 0.12"`` for every page below :data:`MIN_FILL` that does not end before a chapter."""
    fills = page_fill(typ, root)
    starts = chapter_pages(typ, root)
    out = []
    for i, fill in enumerate(fills, start=1):
        if fill < MIN_FILL and (i + 1) not in starts and i != len(fills) and i != 1:
            out.append(f"page {i}: {fill:.2f} full, and page {i + 1} starts no chapter")
    return out
