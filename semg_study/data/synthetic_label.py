"""Whether data is synthetic: the one reader of the synthetic label (:func:`is_synthetic`).

Every writer of generated data labels it: the synthetic corpus generator
(``semg_study.synth``) and capture from brainflow's synthetic board put
``"label": "synthetic"`` in the corpus root's ``corpus.json``; capture also marks each
synthetic-board utterance's ``{i}_info.json`` and its session's ``session.json`` with a
true ``"synthetic"`` (the synthetic corpus puts a dict there). The real dataset has
neither. Every stage asks here (the corpus readers set ``Corpus.synthetic`` from it,
evaluation labels results from ``Corpus.synthetic``, playback and the study's paths ask
it directly), so a table, a run manifest and a corpus can never disagree about what is
synthetic.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from semg_study import io
from semg_study.errors import DataError

SYNTHETIC_LABEL = "synthetic"
CORPUS_FILE = "corpus.json"


def is_synthetic(path: str | os.PathLike, infos: Iterable[dict | None] = (), levels: int = 0) -> bool:
    """True when ``path`` is synthetic data.

    The nearest ``corpus.json`` at ``path`` or up to ``levels`` folders above it (a recording
    inside a corpus: ``levels`` is how deep it may lie) decides when it labels the corpus
    synthetic; otherwise any of ``infos`` (utterance ``info.json`` or ``session.json``
    contents) with a true ``"synthetic"`` does. Unreadable or non-object files say nothing.
    """
    here = Path(path)
    for folder in [here, *here.resolve().parents][: levels + 1]:
        manifest = folder / CORPUS_FILE
        if manifest.is_file():
            try:
                info = io.read_json(manifest, "corpus manifest")  # bounded, FIFO-safe (a user's corpus)
            except DataError:
                break
            if isinstance(info, dict) and info.get("label") == SYNTHETIC_LABEL:
                return True
            break  # the nearest corpus.json decides
    return any(isinstance(info, dict) and bool(info.get("synthetic")) for info in infos)


def labelled_synthetic(root: str | os.PathLike) -> bool:
    """True when ``root/corpus.json`` labels the corpus synthetic (:func:`is_synthetic` of the root alone)."""
    return is_synthetic(root)
