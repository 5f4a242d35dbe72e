"""The training loop's dev metric against the evaluation's (issue 21: one run spine).

The loop (``training/loop.py``) chooses the best checkpoint by its own greedy dev CER. It is part of the
code every released run's fingerprint covers, so it keeps its own decoder and scorer; this test pins how
they relate to the evaluation's (``decoding.greedy``, ``evaluation.metrics``): the same best path, the same
corpus-level WER, and a CER that differs only where a hypothesis has the stray spaces that the evaluation's
transcript tidies.
"""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from semg_study.decoding.greedy import greedy_decode  # noqa: E402
from semg_study.evaluation.metrics import corpus_cer, corpus_wer  # noqa: E402
from semg_study.text import VOCAB  # noqa: E402
from semg_study.training.loop import error_rates, greedy_texts  # noqa: E402


def _scores(rng, batch=6, frames=40):
    log_probs = torch.log_softmax(torch.from_numpy(rng.normal(size=(batch, frames, len(VOCAB))) * 3), -1)
    lengths = torch.tensor(rng.integers(frames // 2, frames + 1, size=batch))
    return log_probs.float(), lengths


def test_the_loops_greedy_text_is_the_evaluations_before_its_spaces_are_tidied():
    rng = np.random.default_rng(0)
    for _ in range(20):
        log_probs, lengths = _scores(rng)
        loop, evaluation = greedy_texts(log_probs, lengths), greedy_decode(log_probs, lengths)
        assert [" ".join(t.split()) for t in loop] == evaluation


def test_the_loops_wer_is_the_evaluations_and_its_cer_differs_only_by_stray_spaces():
    rng = np.random.default_rng(1)
    references = ["the meeting is at ten", "october 23 2006", "a b c", "silent speech", "zero", "x y"]
    for _ in range(20):
        log_probs, lengths = _scores(rng)
        hyps = greedy_texts(log_probs, lengths)
        cer, wer = error_rates(references, hyps)
        tidy = [" ".join(h.split()) for h in hyps]
        assert wer == pytest.approx(corpus_wer(references, tidy))
        assert error_rates(references, tidy)[0] == pytest.approx(corpus_cer(references, tidy))
        if hyps == tidy:
            assert cer == pytest.approx(corpus_cer(references, tidy))
