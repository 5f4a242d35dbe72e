"""Resampling a board's stream to the dataset's 1000 Hz, chunk by chunk.

Linear interpolation, as the dataset's own preprocessing resamples (1000 Hz to
689.06 Hz): output sample ``k`` sits at time ``k / out_rate`` after the first
input sample and is interpolated between its two neighbouring input samples.
The streaming resampler keeps only the last input sample and a counter, so
feeding a recording in any chunking gives exactly the samples that resampling
it in one piece gives; capture (offline, per utterance) and live decoding
(online, per poll) therefore produce the same 1000 Hz signal.

Positions are computed with exact rational arithmetic, so no drift builds up
over a long session.
"""
from __future__ import annotations

from fractions import Fraction

import numpy as np


def _as_fraction(rate: float) -> Fraction:
    frac = Fraction(str(float(rate)))
    if frac <= 0:
        raise ValueError(f"sampling rate must be positive, got {rate}")
    return frac


class StreamResampler:
    """Causal linear-interpolation resampler for (samples, channels) chunks."""

    def __init__(self, in_rate: float, out_rate: float):
        self.in_rate = _as_fraction(in_rate)
        self.out_rate = _as_fraction(out_rate)
        # input-sample distance between consecutive outputs
        self._step = self.in_rate / self.out_rate
        self.reset()

    def reset(self) -> None:
        self._seen = 0          # input samples consumed so far
        self._emitted = 0       # output samples produced so far
        self._last: np.ndarray | None = None  # last input sample (needed to bridge chunks)

    @property
    def identity(self) -> bool:
        return self.in_rate == self.out_rate

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """Resample the next chunk; returns every output sample it makes available."""
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.ndim != 2:
            raise ValueError(f"expected a (samples, channels) chunk, got shape {chunk.shape}")
        if self.identity:
            self._seen += len(chunk)
            self._emitted += len(chunk)
            return chunk.copy()
        if len(chunk) == 0:
            return np.zeros((0, chunk.shape[1]))
        # signal as indexed from the previous chunk's last sample
        if self._last is not None:
            signal = np.concatenate([self._last[None, :], chunk], axis=0)
            base = self._seen - 1
        else:
            signal = chunk
            base = self._seen
        last_index = self._seen + len(chunk) - 1  # last input index now available
        # outputs k with position k*step <= last_index
        n_total = int(Fraction(last_index) / self._step) + 1
        ks = np.arange(self._emitted, n_total)
        self._seen += len(chunk)
        self._last = chunk[-1].copy()
        if len(ks) == 0:
            return np.zeros((0, chunk.shape[1]))
        self._emitted = n_total
        num, den = self._step.numerator, self._step.denominator
        whole = (ks * num) // den                 # exact integer part of the position
        frac = ((ks * num) % den) / den            # exact fractional part
        left = whole - base
        right = np.minimum(left + 1, len(signal) - 1)
        weights = frac[:, None]
        return signal[left] * (1.0 - weights) + signal[right] * weights


def resample_linear(signal: np.ndarray, in_rate: float, out_rate: float) -> np.ndarray:
    """Resample a whole (samples, channels) recording; same result as streaming it."""
    return StreamResampler(in_rate, out_rate).process(signal)


def resampled_length(n_in: int, in_rate: float, out_rate: float) -> int:
    """How many output samples ``n_in`` input samples give."""
    if n_in <= 0:
        return 0
    step = _as_fraction(in_rate) / _as_fraction(out_rate)
    return int(Fraction(n_in - 1) / step) + 1
