"""Whether a corpus root is synthetic: its ``corpus.json`` carries ``"label": "synthetic"``.

Every writer of generated data puts that label there: the synthetic corpus
generator (``semg_study.synth``) and capture from brainflow's synthetic board.
The real dataset has no ``corpus.json``. The one place every stage asks, so
that a table, a run manifest and a corpus can never disagree about what is
synthetic.
"""
from __future__ import annotations

import os
from pathlib import Path

from semg_study import io
from semg_study.errors import DataError

SYNTHETIC_LABEL = "synthetic"


def labelled_synthetic(root: str | os.PathLike) -> bool:
    """True when ``root/corpus.json`` exists and labels the corpus synthetic."""
    manifest = Path(root) / "corpus.json"
    if not manifest.is_file():
        return False
    try:
        return io.read_json(manifest, "corpus manifest").get("label") == SYNTHETIC_LABEL
    except (DataError, AttributeError):  # unreadable, or not a JSON object: not labelled
        return False
