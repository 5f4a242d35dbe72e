"""Where the study keeps what it makes when no folder is named.

One place for these defaults, at the bottom of the package, so that every stage
(training, evaluation, the notebooks' paths, the benchmark) agrees on them
without importing one another:

- :data:`REPO_ROOT`: the checkout that holds this package;
- :func:`default_runs_root`: ``$SEMG_STUDY_RUNS``, else ``<repo>/runs`` (ignored by git).
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_runs_root() -> Path:
    """Where runs are trained, and their outputs written, when no folder is named."""
    return Path(os.environ.get("SEMG_STUDY_RUNS") or REPO_ROOT / "runs")
