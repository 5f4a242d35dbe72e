"""The references: every work the literature module lists, sorted by author."""
from __future__ import annotations

from semg_study.report.document import Bullets
from semg_study.report.thesis.values import Q, Source

KIND = "back"
TEXT = """
# References
[[references]]
"""


def blocks(ctx, ns) -> dict:
    from semg_study.report import literature as lit

    def refs():
        items = sorted(lit.REFERENCES.items(), key=lambda kv: kv[1][1])
        return [Bullets([ctx.ledger.value(Q(ref, "text", Source("code:semg_study.report.literature",
                                                                ("REFERENCES", key, 1))))
                         for key, (_, ref) in items])]
    return {"references": refs}
