"""The synthetic corpus's sizes: one :class:`Profile` per study profile (smoke, quick, full).

Apart from the generators, so that the corpus entry (:mod:`semg_study.synth.corpus`) and
both layout writers read the same sizes without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    """Corpus size. ``full`` matches the real dataset per condition."""

    name: str
    closed_days: int
    closed_sentences: int
    open_days: int
    open_parallel_sentences: int
    nonparallel_sessions: int
    nonparallel_utterances: int
    open_min_words: int
    open_max_words: int
    dev_sentences: int
    test_sentences: int
    ljspeech_clips: int
    lm_sentences: int
    # Closed-vocabulary dev/test sentences written to the split file (0: the corpus reader's
    # seeded 30/100 rule of the real dataset applies instead).
    closed_dev_sentences: int = 0
    closed_test_sentences: int = 0


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", 1, 8, 2, 12, 1, 6, 4, 8, 2, 2, 12, 300),
    # The study's corpus: the real closed-vocabulary training size (370 sentences in each mode)
    # with 100 dev and 100 test sentences, so that dev selects models and test CIs are usable;
    # open: 600 parallel sentences (100 dev, 100 test) plus 1,200 non-parallel voiced ones.
    # Smaller corpora were measured not to be learnable (issue 12: 45 % dev CER at 100 epochs).
    "quick": Profile("quick", 2, 570, 4, 600, 3, 1200, 5, 12, 100, 100, 1000, 20000, 100, 100),
    "full": Profile("full", 1, 500, 7, 1588, 10, 5477, 6, 24, 200, 100, 13100, 200000),
}
