"""Feature normalisation: z-scores fitted on training utterances, the sample they are fitted on,
and normalised streams kept in the memory cache (so an item is normalised once, not once per epoch).

The statistics are fitted on every training utterance or on the authors' sample
(``FeatureConfig.normalizer_utterances``, :func:`normalizer_sample`), and travel
with a trained run (``FeatureNormalizer.state_dict``).
"""
from __future__ import annotations

import hashlib
import random
import warnings
from typing import Iterable, Sequence

import numpy as np

from semg_study.data.corpus import Utterance
from semg_study.data.dv_folders import CONDITION_FOLDERS
from semg_study.data.feature_cache import MEMORY_CACHE
from semg_study.errors import DataError, DataWarning

FEATURE_CLIP = 8.0  # normalised features: 8 * tanh(x / 8)
# An utterance whose features peak this many times above the median utterance's peak (in
# any feature) is left out of the normaliser's statistics: one such file would otherwise
# set the scale of every feature and flatten everyone else's (the EMG bound of
# recording_files.MAX_ABS_EMG_UV still admits a file 10^4 times too loud).
OUTLIER_FACTOR = 100.0  # the synthetic quick corpus peaks at most ~11x its median utterance
OUTLIER_MIN_UTTERANCES = 3  # a median of fewer says nothing about what is typical


class FeatureNormalizer:
    """Per-feature z-score fitted on training data, then ``clip * tanh(x / clip)`` (``clip=None``: no squashing).

    EMG features: per-feature std, clip 8. Log-mels: ``share_scale`` (one std over
    every bin, as the authors' ``FeatureNormalizer(share_scale=True)``), no clip.

    Fitting leaves out (and reports) an utterance whose features peak more than
    ``OUTLIER_FACTOR`` times above the median utterance's: the statistics are the
    plain mean and standard deviation of the others (``excluded`` lists who was left out).
    """

    def __init__(self, mean: Sequence[float] | None = None, std: Sequence[float] | None = None,
                 clip: float | None = FEATURE_CLIP):
        self.mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.std = None if std is None else np.asarray(std, dtype=np.float64)
        self.clip = None if clip is None else float(clip)
        self.excluded: list[tuple[str, float]] = []  # (utterance, peak / median peak) left out of the fit

    @classmethod
    def fit(cls, arrays: Iterable[np.ndarray], clip: float | None = FEATURE_CLIP,
            share_scale: bool = False, ids: Sequence[str] | None = None) -> "FeatureNormalizer":
        """Fit on (n_i, d) arrays (every frame of every kept utterance counts once).

        ``ids`` name the arrays (file paths) in the DataWarning of an excluded one.
        One pass: per-utterance sums, sums of squares and peaks are kept (3 d-vectors
        each), so the features need not all be in memory at once.
        """
        sums, sq, peaks, counts, names = [], [], [], [], []
        for k, a in enumerate(arrays):
            a = np.asarray(a, dtype=np.float64)
            if a.size == 0:
                continue
            if not np.all(np.isfinite(a)):
                raise DataError(ids[k] if ids is not None else f"utterance {k}", "features contain NaN or inf")
            sums.append(a.sum(axis=0))
            sq.append((a ** 2).sum(axis=0))
            peaks.append(np.abs(a).max(axis=0))
            counts.append(a.shape[0])
            names.append(str(ids[k]) if ids is not None else f"utterance {k}")
        if not sums:
            raise ValueError("cannot fit a FeatureNormalizer on no frames")
        keep = np.ones(len(sums), dtype=bool)
        ratio = np.zeros(len(sums))
        if len(sums) >= OUTLIER_MIN_UTTERANCES:
            peaks_ = np.stack(peaks)
            typical = np.median(peaks_, axis=0)
            live = typical > 1e-12 * max(float(typical.max()), 1e-300)  # features that are not ~0 everywhere
            if live.any():
                ratio = (peaks_[:, live] / typical[live]).max(axis=1)
                keep = ratio <= OUTLIER_FACTOR
        # summed in order, as before exclusion existed: a corpus without outliers keeps bit-identical statistics
        total, total_sq, count = np.zeros_like(sums[0]), np.zeros_like(sums[0]), 0
        for i in np.flatnonzero(keep):
            total += sums[i]
            total_sq += sq[i]
            count += counts[i]
        mean = total / count
        var = np.maximum(total_sq / count - mean ** 2, 0.0)
        if share_scale:  # the spread around each bin's own mean, pooled over bins
            var = np.full_like(var, var.mean())
        std = np.sqrt(var)
        std[std < 1e-8] = 1.0  # constant features pass through centred
        out = cls(mean, std, clip)
        for i in np.flatnonzero(~keep):
            out.excluded.append((names[i], float(ratio[i])))
            warnings.warn(DataWarning(names[i], f"features peak {ratio[i]:.3g} times above the median utterance's: "
                                                "left out of the feature normaliser's statistics"), stacklevel=2)
        return out

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.mean is None:
            raise RuntimeError("FeatureNormalizer is not fitted")
        z = (np.asarray(x, dtype=np.float64) - self.mean) / self.std
        if self.clip is None:
            return z.astype(np.float32)
        return (self.clip * np.tanh(z / self.clip)).astype(np.float32)

    def digest(self) -> str:
        """sha256 of the fitted statistics and clip (keys cached normalised features)."""
        if self.mean is None:
            raise RuntimeError("FeatureNormalizer is not fitted")
        h = hashlib.sha256(np.ascontiguousarray(self.mean, dtype=np.float64).tobytes())
        h.update(np.ascontiguousarray(self.std, dtype=np.float64).tobytes())
        h.update(repr(self.clip).encode())
        return h.hexdigest()

    def state_dict(self) -> dict:
        return {"mean": None if self.mean is None else self.mean.tolist(),
                "std": None if self.std is None else self.std.tolist(), "clip": self.clip}

    def load_state_dict(self, state: dict) -> None:
        self.mean = None if state.get("mean") is None else np.asarray(state["mean"], dtype=np.float64)
        self.std = None if state.get("std") is None else np.asarray(state["std"], dtype=np.float64)
        clip = state.get("clip", FEATURE_CLIP)
        self.clip = None if clip is None else float(clip)

    @classmethod
    def from_state_dict(cls, state: dict) -> "FeatureNormalizer":
        n = cls()
        n.load_state_dict(state)
        return n


def fit_mel_normalizer(mels: Iterable[np.ndarray], ids: Sequence[str] | None = None) -> FeatureNormalizer:
    """The log-mel normaliser: per-bin mean, one shared std, no clip (the authors' ``mfcc_norm``)."""
    return FeatureNormalizer.fit(mels, clip=None, share_scale=True, ids=ids)


def normalizer_sample(utterances: Sequence[Utterance], n: int) -> list[Utterance]:
    """The training utterances a normaliser is fitted on: all of them when ``n`` is 0 (or covers
    them all), else the first ``n`` of the authors' order: silent, voiced-parallel, non-parallel
    (then closed-vocabulary) folders, sessions sorted, by file index, then
    ``random.seed(0); random.shuffle`` (their ``EMGDataset`` and ``make_normalizers``)."""
    utterances = list(utterances)
    if not n or n >= len(utterances):
        return utterances
    folders = list(CONDITION_FOLDERS)
    order = sorted(utterances, key=lambda u: (folders.index(u.folder) if u.folder in folders else -1,
                                               u.session, u.index, str(u.path)))
    random.Random(0).shuffle(order)
    return order[:n]


def normalized_stream(key: str, name: str, features: np.ndarray, normalizer: FeatureNormalizer) -> np.ndarray:
    """``normalizer(features)``, kept in the memory cache (under the streams' key, the stream's name
    and the normaliser's statistics) so that an item is normalised once, not once per epoch."""
    nkey = f"{key}\0{name}\0norm:{normalizer.digest()}"
    hit = MEMORY_CACHE.get(nkey)
    if hit is None:
        hit = {name: normalizer(features)}
        MEMORY_CACHE.put(nkey, hit)
    return hit[name]
