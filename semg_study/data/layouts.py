"""``open_corpus``: which layout a root holds (LJSpeech or Digital Voicing), opened by that layout's reader.

The one entry point every stage opens a corpus through; the readers
(:mod:`semg_study.data.corpus`, :mod:`semg_study.data.ljspeech`) know nothing of each other.
"""
from __future__ import annotations

from pathlib import Path

from semg_study.data.corpus import Corpus, open_digital_voicing
from semg_study.data.ljspeech import is_ljspeech_root, open_ljspeech
from semg_study.errors import DataError


def open_corpus(root, testset=None, alignments=None) -> Corpus:
    """Open an LJSpeech root (``metadata.csv`` + ``wavs/``) or a Digital Voicing root.

    ``testset`` and ``alignments`` are the Digital Voicing reader's (an LJSpeech
    corpus has its own fixed split and no alignments).
    """
    root = Path(root).expanduser()
    if not root.exists():
        raise DataError(root, "dataset root does not exist")
    if is_ljspeech_root(root):
        return open_ljspeech(root)
    return open_digital_voicing(root, testset=testset, alignments=alignments)
