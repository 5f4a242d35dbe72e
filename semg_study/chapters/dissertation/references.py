"""The references: every work the text cites, from the literature module, sorted by author.

A work the literature module lists but no chapter cites is left out (the list holds what the text cites, and
nothing else). Page ranges are written with an en dash."""
from __future__ import annotations

import re

from semg_study.report.document import Bullets
from semg_study.report.thesis.values import Q, Source

KIND = "back"
TEXT = """
# References
[[references]]
"""

# ", 270-287." / ", 43-53." at the end of a reference: a page range (a report number such as TR-10-98 is not)
_PAGES = re.compile(r"(, )(\d+)-(\d+)(\.?)$")


def entry(key: str) -> str:
    """The reference list's entry for ``key`` as printed (the check reads it again from here)."""
    from semg_study.report import literature as lit

    text = lit.REFERENCES[key][1]
    return _PAGES.sub(lambda m: f"{m.group(1)}{m.group(2)}\u2013{m.group(3)}{m.group(4)}", text)


def blocks(ctx, ns) -> dict:
    from semg_study.report import literature as lit

    def refs():
        keys = [k for k in lit.REFERENCES if k in ctx.cited]
        items = sorted(keys, key=lambda k: (entry(k).lower(), k))
        return [Bullets([ctx.ledger.value(Q(entry(key), "text", Source("call:semg_study.chapters.dissertation.references",
                                                                         ("entry", key))))
                         for key in items])]
    return {"references": refs}
