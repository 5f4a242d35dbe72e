"""Documents the dissertation quotes as written: the seed's project initiation document and ethics review.

:func:`parse` splits a quoted file into blocks: ``("heading", text)`` for ``## `` lines, ``("table", rows)`` for
``| a | b |`` lines, ``("bullet", text)`` for ``- `` lines and ``("para", text)`` for the rest (blank lines end
a paragraph). The appendices print each block marked with its place in the file, and the consistency check
reads it back from there.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def parse(name: str) -> tuple:
    lines = (FOLDER / name).read_text(encoding="utf-8").splitlines()
    blocks: list = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush():
        if para:
            blocks.append(("para", " ".join(para)))
            para.clear()
        if table:
            blocks.append(("table", tuple(tuple(row) for row in table)))
            table.clear()

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(("heading", line[3:]))
        elif line.startswith("|"):
            if para:
                flush()
            table.append([c.strip() for c in line.strip("|").split("|")])
        elif line.startswith("- "):
            flush()
            blocks.append(("bullet", line[2:]))
        else:
            if table:
                flush()
            para.append(line)
    flush()
    return tuple(blocks)
