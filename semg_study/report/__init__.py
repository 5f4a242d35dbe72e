"""Report stage: figure and table writers, study manifests, the papermill
pipeline behind ``semg-study study``, dataset exploration plots, the signal
explorer and the generated dissertation report.

Heavy imports (matplotlib, papermill) happen inside the submodules, so
``import semg_study.report`` stays cheap.
"""
from __future__ import annotations

__all__ = ["figures", "tables", "manifest", "paths", "pipeline", "exploration", "explorer", "dissertation"]
