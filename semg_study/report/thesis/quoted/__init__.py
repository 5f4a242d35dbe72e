"""Documents the dissertation quotes as written: the seed's project initiation document and ethics review.

:func:`parse` splits a quoted file into blocks: ``("heading", text)`` for ``## `` lines, ``("table", rows)`` for
``| a | b |`` lines, ``("bullet", text)`` for ``- `` lines and ``("para", text)`` for the rest (blank lines end
a paragraph). The appendices print each block marked with its place in the file, and the consistency check
reads it back from there.

The documents are reproduced as written, less the leftovers of their conversion to text and less personal
identifiers (:func:`editorial`, applied by :func:`parse`):

* Markdown emphasis marks (``*Privacy of conversation:*``) are dropped: the conversion kept them on one item of
  a list whose siblings have none;
* an empty placeholder ``<>`` (a name the original left out) is printed as :data:`MISSING_NAME`;
* a paragraph the conversion split at a page break (it ends without punctuation and the next one starts in
  lower case) is joined again;
* a personal identifier of the ethics form (the student's university User ID, :data:`REDACTED_FIELDS`) is
  printed as :data:`REDACTED`, in a table column of that name or after ``User ID:`` in the text.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent

MISSING_NAME = "[name missing in the original]"
REDACTED = "[redacted]"
REDACTED_FIELDS = ("User ID",)

_EMPHASIS = re.compile(r"(\*{1,2})(?=\S)(.+?)(?<=\S)\1")
_PLACEHOLDER = re.compile(r"<\s*>")
_FIELD = re.compile(r"\b(" + "|".join(re.escape(f) for f in REDACTED_FIELDS) + r")(:\s*)[^\s|,;]+")


def editorial(text: str) -> str:
    """``text`` less the conversion's leftovers and personal identifiers (the rules of this module)."""
    text = _EMPHASIS.sub(r"\2", text)
    text = _PLACEHOLDER.sub(MISSING_NAME, text)
    return _FIELD.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)


def _continues(previous: tuple, text: str) -> bool:
    """A paragraph the conversion split at a page break: the previous one ends mid-sentence."""
    return (previous[0] == "para" and not previous[1].rstrip().endswith((".", ":", ";", "?", "!", ")", '"'))
            and text[:1].islower())


def parse_text(text: str) -> tuple:
    """The blocks of a quoted document's text (see the module's docstring)."""
    blocks: list = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush():
        if para:
            body = editorial(" ".join(para))
            if blocks and _continues(blocks[-1], body):
                blocks[-1] = ("para", blocks[-1][1] + " " + body)
            else:
                blocks.append(("para", body))
            para.clear()
        if table:
            head = table[0]
            redact = {j for j, c in enumerate(head) if c in REDACTED_FIELDS}
            rows = [head] + [[REDACTED if j in redact and c else editorial(c) for j, c in enumerate(row)]
                             for row in table[1:]]
            blocks.append(("table", tuple(tuple(row) for row in rows)))
            table.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(("heading", editorial(line[3:])))
        elif line.startswith("|"):
            if para:
                flush()
            table.append([c.strip() for c in line.strip("|").split("|")])
        elif line.startswith("- "):
            flush()
            blocks.append(("bullet", editorial(line[2:])))
        else:
            if table:
                flush()
            para.append(line)
    flush()
    return tuple(blocks)


@lru_cache(maxsize=None)
def parse(name: str) -> tuple:
    return parse_text((FOLDER / name).read_text(encoding="utf-8"))
