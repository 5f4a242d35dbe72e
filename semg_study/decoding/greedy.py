"""Greedy (best-path) CTC decoding.

At each frame take the most probable output, merge repeats, drop the blank.
Only the blank (id 0) is ever removed: the character ``0`` is an ordinary
output (defect 3 of the dissertation's code dropped it, so "october 23 2006"
became "october 23 26").
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from semg_study.text import VOCAB, CharVocab


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # torch tensor, without importing torch here
        x = x.detach().cpu().float().numpy()
    return np.asarray(x)


def greedy_ids(log_probs, lengths: Sequence[int] | None = None,
               vocab: CharVocab = VOCAB) -> list[list[int]]:
    """Collapsed label ids per utterance for (B, T, V) scores and valid lengths (B,)."""
    scores = _as_numpy(log_probs)
    if scores.ndim != 3:
        raise ValueError(f"expected (batch, time, vocab) scores, got shape {scores.shape}")
    if scores.shape[2] != len(vocab):
        raise ValueError(f"scores have {scores.shape[2]} outputs but the vocabulary has {len(vocab)}")
    batch, frames, _ = scores.shape
    lens = [frames] * batch if lengths is None else [int(n) for n in _as_numpy(lengths).reshape(-1)]
    if len(lens) != batch:
        raise ValueError(f"{len(lens)} lengths for a batch of {batch}")
    best = scores.argmax(axis=2)
    return [vocab.ctc_collapse(best[b, : max(0, min(lens[b], frames))]) for b in range(batch)]


def transcript(ids, vocab: CharVocab = VOCAB) -> str:
    """The text of collapsed label ids, leading, trailing and double spaces tidied (a space, a blank and a
    space again collapse to two spaces): what every greedy transcript is, offline or streamed."""
    return " ".join(vocab.decode(ids).split())


def greedy_decode(log_probs, lengths: Sequence[int] | None = None,
                  vocab: CharVocab = VOCAB) -> list[str]:
    """Greedy CTC transcripts (:func:`transcript`) for a batch."""
    return [transcript(ids, vocab) for ids in greedy_ids(log_probs, lengths, vocab)]
