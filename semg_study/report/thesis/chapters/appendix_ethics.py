"""Appendix: the ethics review, quoted from the seed as written."""
from __future__ import annotations

from semg_study.report.thesis.chapters.quoting import quoted_blocks

KIND = "appendix"
TEXT = """
# Ethics Review

The certificate of the project's ethics review, quoted as written.

[[document]]
"""


def blocks(ctx, ns) -> dict:
    return {"document": lambda: quoted_blocks(ctx, "ethics_review.md")}
