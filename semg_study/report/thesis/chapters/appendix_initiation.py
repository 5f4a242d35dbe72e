"""Appendix: the project initiation document, quoted from the seed as written."""
from __future__ import annotations

from semg_study.report.thesis.chapters.quoting import quoted_blocks

KIND = "appendix"
TEXT = """
# Project Initiation Document

The project initiation document as submitted at the start of the project, quoted as written (its
objectives are scored in Chapter {ref.chapter_scorecard}).

[[document]]
"""


def blocks(ctx, ns) -> dict:
    return {"document": lambda: quoted_blocks(ctx, "initiation_document.md")}
