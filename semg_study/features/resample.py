"""Linear-interpolation resampling along axis 0, offline and chunk by chunk.

The one resampler of the package: the EMG preprocessing resamples 1000 Hz to
the raw and feature streams with it, and capture resamples a board's stream
(125-1000 Hz) to the dataset's 1000 Hz with it, per utterance and live.

Output sample ``k`` sits at time ``k / out_rate`` after the first input sample;
the outputs are the times strictly before the last input sample's, as the
dataset authors' ``subsample`` takes them (``arange(0, t_last, 1 / out_rate)``).
:func:`resampled_length` is that count, and :class:`StreamingResampler` emits
exactly ``resampled_length(n)`` samples once ``n`` inputs have arrived, so any
chunking gives the same number of samples as :func:`resample_linear` on the
whole signal, with values equal to rounding (about 1e-12).

The rates are keyword-only: ``in_rate`` the input's, ``out_rate`` the output's.
"""
from __future__ import annotations

import math

import numpy as np


def resampled_length(n_in: int, *, in_rate: float, out_rate: float) -> int:
    """How many output samples ``n_in`` input samples give (the length of :func:`resample_linear`'s result)."""
    if n_in <= 1:
        return 0
    # numpy's arange length, ceil((stop - start) / step), with the same float operands
    return max(0, math.ceil(((n_in - 1) / in_rate) / (1.0 / out_rate)))


def resample_linear(x: np.ndarray, *, in_rate: float, out_rate: float) -> np.ndarray:
    """``x`` (samples first, 1-D or 2-D) resampled from ``in_rate`` to ``out_rate`` by linear interpolation."""
    n = x.shape[0]
    if n == 0:
        return np.zeros((0,) + x.shape[1:], dtype=x.dtype)
    times = np.arange(n) / in_rate
    out_times = np.arange(0.0, times[-1], 1.0 / out_rate)
    if x.ndim == 1:
        return np.interp(out_times, times, x)
    return np.stack([np.interp(out_times, times, x[:, c]) for c in range(x.shape[1])], axis=1)


class StreamingResampler:
    """:func:`resample_linear` fed chunk by chunk.

    Keeps the last input sample (to interpolate across a chunk border) and two
    counters; output positions are ``k * in_rate / out_rate`` input samples, a
    product rather than a running sum, so no error builds up over a long stream.
    """

    def __init__(self, *, in_rate: float, out_rate: float):
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sampling rates must be positive, got in_rate={in_rate}, out_rate={out_rate}")
        self.in_rate = float(in_rate)
        self.out_rate = float(out_rate)
        self.reset()

    def reset(self) -> None:
        self._n_in = 0  # input samples seen so far
        self._n_out = 0  # output samples emitted so far
        self._last: np.ndarray | None = None

    def process(self, chunk: np.ndarray) -> np.ndarray:
        """The output samples that the inputs so far make available and that were not returned before."""
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.shape[0] == 0:
            return np.zeros((0,) + chunk.shape[1:])
        if self._last is not None:
            x = np.concatenate([self._last[None], chunk], axis=0)
            offset = self._n_in - 1  # absolute index of x[0]
        else:
            x = chunk
            offset = 0
        self._n_in += chunk.shape[0]
        k_end = max(self._n_out, resampled_length(self._n_in, in_rate=self.in_rate, out_rate=self.out_rate))
        ks = np.arange(self._n_out, k_end)
        pos = ks * (self.in_rate / self.out_rate) - offset
        self._n_out = k_end
        self._last = x[-1].copy()
        grid = np.arange(x.shape[0])
        if x.ndim == 1:
            return np.interp(pos, grid, x)
        return np.stack([np.interp(pos, grid, x[:, c]) for c in range(x.shape[1])], axis=1)
