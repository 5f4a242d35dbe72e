"""Data: the Digital Voicing and LJSpeech layouts, splits, validation, fingerprints, datasets.

``open_corpus(root, testset=None)`` (:mod:`semg_study.data.layouts`) is the entry point;
see :mod:`semg_study.data.corpus` and :mod:`semg_study.data.ljspeech` for the layout and
split rules, :mod:`semg_study.data.dataset` for the PyTorch datasets and batching.
"""
from semg_study.data.corpus import (CONDITION_FOLDERS, CONDITIONS, MODES, SKIP_RULES, SPLITS, Corpus, Utterance,
                                    UtteranceData, closed_split_sizes, packaged_testset)
from semg_study.data.layouts import open_corpus

__all__ = ["CONDITION_FOLDERS", "CONDITIONS", "MODES", "SKIP_RULES", "SPLITS", "Corpus", "Utterance",
           "UtteranceData", "closed_split_sizes", "open_corpus", "packaged_testset"]
