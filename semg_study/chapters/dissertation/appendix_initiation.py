"""Appendix: the project initiation document, quoted from the seed as written."""
from __future__ import annotations

from semg_study.report.thesis.quoting import quoted_blocks

KIND = "appendix"
TEXT = """
# Project Initiation Document

The project initiation document as submitted at the start of the project, quoted as written (its
objectives are scored in Chapter {ref.chapter_scorecard}). Where the original leaves a name out, the gap is
marked as such in square brackets; its log of risks is numbered with this appendix's tables.

[[document]]
"""

CAPTIONS = ["The initiation document's log of risks: each risk with its impact, its likelihood, its "
            "mitigation and its first indicator, quoted as written."]


def blocks(ctx, ns) -> dict:
    return {"document": lambda: quoted_blocks(ctx, "initiation_document.md", CAPTIONS)}
