"""Report stage: figure and table writers, study manifests, the notebooks' set-up
(``context``, ``paths``), dataset exploration plots, the signal explorer and the
generated dissertation report. The papermill pipeline behind ``semg-study study``
is :mod:`semg_study.study`, the stage above.

Heavy imports (matplotlib, papermill) happen inside the submodules, so
``import semg_study.report`` stays cheap.
"""
from __future__ import annotations

__all__ = ["figures", "tables", "notebook_manifest", "paths", "dataset_exploration", "signal_explorer", "dissertation"]
