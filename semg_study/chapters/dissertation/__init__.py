"""Chapter 09, the report (notebook ``09_report``): the dissertation assembled from every chapter's text
(``write.py``: the order, the check, the renderers) and its front and back matter (the other modules)."""
from semg_study.chapters.dissertation.write import write_report

__all__ = ["write_report"]
