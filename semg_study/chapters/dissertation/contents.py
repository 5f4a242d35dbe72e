"""Contents, list of figures, list of tables (filled in once the document is built)."""
from __future__ import annotations

from semg_study.report.document import ListOf

KIND = "front"
TEXT = """
# Contents
[[contents]]

# List of Figures
[[figures]]

# List of Tables
[[tables]]
"""


def blocks(ctx, ns) -> dict:
    return {"contents": lambda: [ListOf("contents")], "figures": lambda: [ListOf("figures")],
            "tables": lambda: [ListOf("tables")]}
