"""Data: the Digital Voicing and LJSpeech layouts, splits, validation, fingerprints, datasets.

``open_corpus(root, testset=None)`` (:mod:`semg_study.data.layouts`) is the entry point;
see :mod:`semg_study.data.corpus` and :mod:`semg_study.data.ljspeech` for the layout rules,
:mod:`semg_study.data.testsets` for the split rules, :mod:`semg_study.data.dv_folders` for the
Digital Voicing folder scan, :mod:`semg_study.data.recording_files` for one recording's readers
and checks, :mod:`semg_study.data.dataset` for the PyTorch datasets and batching.
"""
from semg_study.data.corpus import CONDITIONS, MODES, SKIP_RULES, SPLITS, Corpus, Utterance, UtteranceData
from semg_study.data.dv_folders import CONDITION_FOLDERS
from semg_study.data.layouts import open_corpus
from semg_study.data.testsets import closed_split_sizes, packaged_testset

__all__ = ["CONDITION_FOLDERS", "CONDITIONS", "MODES", "SKIP_RULES", "SPLITS", "Corpus", "Utterance",
           "UtteranceData", "closed_split_sizes", "open_corpus", "packaged_testset"]
