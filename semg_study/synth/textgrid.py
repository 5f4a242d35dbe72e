"""Praat TextGrid (long text format) with one interval tier, as forced aligners write."""
from __future__ import annotations

import re
from pathlib import Path

from semg_study.errors import DataError


def _num(x: float) -> str:
    return repr(round(float(x), 6))


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
                  f"            xmax = {_num(end)} ", f'            text = "{label}" ']
    return "\n".join(lines) + "\n"


_INTERVAL = re.compile(r'xmin = ([-0-9.e+]+)\s*\n\s*xmax = ([-0-9.e+]+)\s*\n\s*text = "([^"]*)"')


def parse_textgrid(path: str | Path, tier: str = "phones") -> list[tuple[float, float, str]]:
    """Intervals of the named tier of a long-format TextGrid (used by the tests)."""
    text = Path(path).read_text(encoding="utf-8")
    match = re.search(rf'name = "{re.escape(tier)}"(.*?)(?=\n\s*item \[\d+\]:|\Z)', text, re.S)
    if match is None:
        raise DataError(path, f"no interval tier named {tier!r}")
    return [(float(a), float(b), label) for a, b, label in _INTERVAL.findall(match.group(1))]
