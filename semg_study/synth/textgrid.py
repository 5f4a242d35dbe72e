"""Writing a Praat TextGrid (long text format) with one interval tier, as forced aligners write.

:func:`semg_study.data.textgrid.read_textgrid` reads it back, as it reads a real corpus's alignments.
"""
from __future__ import annotations


def _num(x: float) -> str:
    return repr(round(float(x), 6))


def _quoted(label: str) -> str:
    return str(label).replace('"', '""')  # Praat doubles a quote inside a string


def format_textgrid(intervals: list[tuple[float, float, str]], tier: str = "phones") -> str:
    """Long-format TextGrid text for contiguous ``(start_s, end_s, label)`` intervals."""
    if not intervals:
        raise ValueError("a TextGrid needs at least one interval")
    xmin, xmax = intervals[0][0], intervals[-1][1]
    lines = [
        'File type = "ooTextFile"', 'Object class = "TextGrid"', "",
        f"xmin = {_num(xmin)} ", f"xmax = {_num(xmax)} ", "tiers? <exists> ", "size = 1 ", "item []: ",
        "    item [1]:", '        class = "IntervalTier" ', f'        name = "{tier}" ',
        f"        xmin = {_num(xmin)} ", f"        xmax = {_num(xmax)} ",
        f"        intervals: size = {len(intervals)} ",
    ]
    for k, (start, end, label) in enumerate(intervals, 1):
        lines += [f"        intervals [{k}]:", f"            xmin = {_num(start)} ",
                  f"            xmax = {_num(end)} ", f'            text = "{_quoted(label)}" ']
    return "\n".join(lines) + "\n"

