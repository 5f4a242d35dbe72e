"""Markdown pipe tables: the one writer every report uses (study tables, model cards, datasheets,
the benchmark and latency reports). At the bottom of the package: it imports nothing of the study."""
from __future__ import annotations

from typing import Any, Iterable, Sequence


def markdown_escape(text: Any) -> str:
    """Make ``str(text)`` safe inside a Markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def markdown_table(columns: Sequence[Any], rows: Iterable[Sequence[Any]], align: str | None = None) -> list[str]:
    """The lines of a Markdown pipe table: header, rule, one line per row, every cell escaped.

    Cells are written as ``str(cell)``: format numbers before (``format_value`` or the
    caller's own precision), so that each report keeps the digits it means. ``align`` has one
    letter per column, ``l`` or ``r`` (right-aligned numbers); default: every column left.
    """
    align = align or "l" * len(columns)
    if len(align) != len(columns) or set(align) - {"l", "r"}:
        raise ValueError(f"align {align!r} must give l or r for each of the {len(columns)} columns")
    lines = ["| " + " | ".join(markdown_escape(c) for c in columns) + " |",
             "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    lines += ["| " + " | ".join(markdown_escape(cell) for cell in row) + " |" for row in rows]
    return lines
