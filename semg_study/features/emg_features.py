"""The hand-crafted EMG features (Jou et al. 2006 time-domain features), 14 per channel.

Per channel, after removing the channel mean: ``w`` = two passes of a 9-point
moving average (the low band), ``p = x - w`` (the high band), ``r = |p|``.
Frames of 16 samples with hop 6, no centring, give per frame: mean(w), RMS(w),
RMS(r), the zero-crossing rate of p, mean(r), then the magnitudes of the 9
bins of a 16-point FFT of the (mean-removed) signal under a periodic Hann
window. RMS and zero-crossing rate follow librosa's ``center=False``
definitions (RMS = sqrt of the mean square over the frame; ZCR = sign changes
within the frame divided by the frame length, a value within 1e-10 of zero
counting as zero and zero counting as positive). Written here in numpy.
"""
from __future__ import annotations

import numpy as np

FRAME_LENGTH = 16
HOP_LENGTH = 6
N_FFT_BINS = FRAME_LENGTH // 2 + 1  # 9
FEATURES_PER_CHANNEL = 5 + N_FFT_BINS  # 14
ZERO_THRESHOLD = 1e-10


def frame_signal(x: np.ndarray, frame_length: int = FRAME_LENGTH, hop: int = HOP_LENGTH) -> np.ndarray:
    """(n_frames, frame_length) view of a 1-D signal, frames starting at 0, hop apart, no padding."""
    x = np.ascontiguousarray(x)
    n_frames = 0 if x.shape[0] < frame_length else 1 + (x.shape[0] - frame_length) // hop
    if n_frames == 0:
        return np.zeros((0, frame_length), dtype=x.dtype)
    return np.lib.stride_tricks.as_strided(x, shape=(n_frames, frame_length),
                                           strides=(hop * x.strides[0], x.strides[0]), writeable=False)


def n_feature_frames(n_samples: int) -> int:
    return 0 if n_samples < FRAME_LENGTH else 1 + (n_samples - FRAME_LENGTH) // HOP_LENGTH


def double_moving_average(x: np.ndarray, width: int = 9) -> np.ndarray:
    kernel = np.ones(width) / width
    return np.convolve(np.convolve(x, kernel, mode="same"), kernel, mode="same")


def zero_crossing_rate(frames: np.ndarray) -> np.ndarray:
    frames = np.where(np.abs(frames) <= ZERO_THRESHOLD, 0.0, frames)
    negative = np.signbit(frames)
    crossings = negative[:, 1:] != negative[:, :-1]
    return crossings.sum(axis=1) / frames.shape[1]


def _periodic_hann(n: int) -> np.ndarray:
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)


def emg_features(feature_stream: np.ndarray) -> np.ndarray:
    """(T, C) feature-stream EMG -> (n_frames, 14 * C) float32 features (112 for 8 channels)."""
    x_all = np.asarray(feature_stream, dtype=np.float64)
    if x_all.ndim != 2:
        raise ValueError(f"expected (T, channels), got shape {x_all.shape}")
    x_all = x_all - x_all.mean(axis=0, keepdims=True)
    n = n_feature_frames(x_all.shape[0])
    window = _periodic_hann(FRAME_LENGTH)
    out = []
    for c in range(x_all.shape[1]):
        x = x_all[:, c]
        w = double_moving_average(x)
        p = x - w
        r = np.abs(p)
        fw, fp, fr, fx = (frame_signal(v) for v in (w, p, r, x))
        per_frame = np.stack([
            fw.mean(axis=1),
            np.sqrt(np.mean(fw ** 2, axis=1)),
            np.sqrt(np.mean(fr ** 2, axis=1)),
            zero_crossing_rate(fp),
            fr.mean(axis=1),
        ], axis=1) if n else np.zeros((0, 5))
        spectrum = np.abs(np.fft.rfft(fx * window, n=FRAME_LENGTH, axis=1)) if n else np.zeros((0, N_FFT_BINS))
        out += [per_frame, spectrum]
    return np.concatenate(out, axis=1).astype(np.float32)
