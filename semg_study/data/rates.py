"""EMG sampling rates: what a recording states, what a model needs, and the one honest conversion.

A recording keeps the rate it was recorded at: ``{i}_info.json`` states it as
``emg_rate`` (Hz) and a capture session's ``session.json`` as ``emg_rate_hz``.
The real Digital Voicing files (and the synthetic corpus, written like them)
state none: they are :data:`DATASET_RATE` (a Cyton over its WiFi shield at 1000 Hz).

A trained run needs its input at the rate its preprocessing was built for
(``FeatureConfig.preprocess.source_rate``; :func:`run_input_rate`). Feeding it

* the same rate: as is;
* a higher rate: resampled down with an anti-aliasing polyphase filter
  (:func:`resample_down` offline, :class:`StreamingDownsampler` live). Linear
  interpolation would fold everything above the new Nyquist frequency back into
  the EMG band;
* a lower rate: refused (:func:`check_rate`). Upsampling cannot bring back the
  band above the recording's Nyquist frequency (125 Hz for a Cyton over its USB
  dongle) that the features and models were trained on (EMG reaches 450 Hz).
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from semg_study.errors import DataError
from semg_study.run_folder import RunFolder

#: The rate of the Digital Voicing dataset (and of files that state no rate).
DATASET_RATE = 1000.0
#: The info-file key of a recording's EMG rate.
INFO_KEY = "emg_rate"

# What gives a rate of at least 1000 Hz on each OpenBCI board (brainflow's nominal rates:
# Cyton 250 Hz and Cyton+Daisy 125 Hz over the USB dongle, Ganglion 200 Hz, their WiFi
# shields 1000 Hz; brainflow's synthetic board streams at a fixed 250 Hz).
BOARD_SETTINGS = {
    "cyton": "a Cyton over its USB dongle records at 250 Hz; record with the WiFi shield at 1000 Hz "
             "(--board cyton-wifi), as the dataset was recorded",
    "cyton-daisy": "a Cyton+Daisy over its USB dongle records at 125 Hz; record with the WiFi shield at 1000 Hz "
                   "(--board cyton-daisy-wifi)",
    "ganglion": "a Ganglion records at 200 Hz (and has only 4 channels); record with a Cyton and its WiFi shield "
                "at 1000 Hz (--board cyton-wifi), as the dataset was recorded",
    "synthetic": "brainflow's synthetic board streams at a fixed 250 Hz; replay recorded or synthetic EMG at "
                 "1000 Hz through the playback board (--board playback --master-board cyton-wifi) instead",
}
GENERAL_SETTING = ("record with a Cyton and its WiFi shield at 1000 Hz (--board cyton-wifi), as the dataset was "
                   "recorded")


class RateError(DataError):
    """A recording's rate is below the rate a model needs (or not a rate at all)."""


def stated_rate(info: dict, path: str | Path) -> float:
    """The EMG rate an info file states (``emg_rate``), or :data:`DATASET_RATE` when it states none."""
    value = info.get(INFO_KEY, DATASET_RATE)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise RateError(path, f"'{INFO_KEY}' is {value!r}, not a sampling rate in Hz")
    return float(value)


def board_setting(board: str | None) -> str:
    """The board setting that records at the dataset's rate, for a message."""
    return BOARD_SETTINGS.get(board or "", GENERAL_SETTING)


def check_rate(what: str | Path, rate: float, needed: float, board: str | None = None) -> None:
    """Refuse a recording (or stream) ``what`` at ``rate`` for a model that needs ``needed`` Hz."""
    if rate + 1e-9 < needed:
        raise RateError(what, f"recorded at {rate:g} Hz but the model needs {needed:g} Hz input; a lower rate is "
                              f"never upsampled (the EMG band above {rate / 2:g} Hz is missing): "
                              f"{board_setting(board)}")


def _ratio(in_rate: float, out_rate: float) -> tuple[int, int]:
    """``out_rate / in_rate`` as integers (up, down), exact for rates written in decimals."""
    ratio = Fraction(str(float(out_rate))) / Fraction(str(float(in_rate)))
    return ratio.numerator, ratio.denominator


def resample_down(emg: np.ndarray, *, in_rate: float, out_rate: float) -> np.ndarray:
    """``emg`` (samples first) from ``in_rate`` down to ``out_rate``, anti-aliased (scipy's polyphase
    ``resample_poly``: a Kaiser-windowed low-pass below the new Nyquist frequency, zero phase)."""
    from scipy.signal import resample_poly

    if out_rate > in_rate:
        raise ValueError(f"resample_down goes down only, not from {in_rate:g} to {out_rate:g} Hz")
    x = np.asarray(emg, dtype=np.float64)
    if out_rate == in_rate:
        return x
    up, down = _ratio(in_rate, out_rate)
    return resample_poly(x, up, down, axis=0)


def conform(emg: np.ndarray, *, rate: float, needed: float, what: str | Path, board: str | None = None) -> np.ndarray:
    """``emg`` at ``needed`` Hz: as is, resampled down, or refused (:func:`check_rate`)."""
    check_rate(what, rate, needed, board)
    return resample_down(emg, in_rate=rate, out_rate=needed)


class StreamingDownsampler:
    """Causal polyphase downsampling, chunk by chunk (live decoding of a board faster than the model).

    The input is (conceptually) zero-stuffed by ``up``, low-pass filtered by one
    FIR (scipy's ``firwin``, cut at the lower Nyquist frequency, gain ``up``) and
    every ``down``-th sample is kept; only the kept outputs are computed. The
    filter state (the last taps' worth of input) is carried across chunks, so any
    chunking gives the same samples. At equal rates it passes the input through.
    """

    def __init__(self, *, in_rate: float, out_rate: float, taps_per_phase: int = 24):
        from scipy.signal import firwin

        if out_rate > in_rate:
            raise ValueError(f"StreamingDownsampler goes down only, not from {in_rate:g} to {out_rate:g} Hz")
        self.in_rate, self.out_rate = float(in_rate), float(out_rate)
        self.up, self.down = _ratio(in_rate, out_rate)
        self.identity = self.up == self.down
        n_taps = 2 * taps_per_phase * max(self.up, self.down) + 1
        # cut a little below the new Nyquist frequency so that the transition band is attenuated too
        self.taps = firwin(n_taps, 0.9 / max(self.up, self.down), window=("kaiser", 5.0)) * self.up
        self.reset()

    def reset(self) -> None:
        self._history: np.ndarray | None = None   # the last inputs the filter still reaches
        self._n_in = 0                            # input samples seen
        self._next = 0                            # index (in the upsampled stream) of the next kept output

    def process(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=np.float64)
        if self.identity or chunk.shape[0] == 0:
            return chunk
        memory = (len(self.taps) + self.up - 1) // self.up + 1
        x = chunk if self._history is None else np.concatenate([self._history, chunk], axis=0)
        first = self._n_in - (0 if self._history is None else len(self._history))  # input index of x[0]
        self._n_in += chunk.shape[0]
        end_up = self._n_in * self.up  # upsampled samples available
        outputs = []
        while self._next < end_up:
            m = self._next
            # y[m] = sum_k taps[k] * u[m - k], u nonzero only at multiples of up (u[j*up] = x[j])
            k0 = m % self.up
            ks = np.arange(k0, len(self.taps), self.up)
            js = (m - ks) // self.up - first
            keep = js >= 0
            outputs.append(self.taps[ks[keep]] @ x[js[keep]])
            self._next += self.down
        self._history = x[-memory:]
        if not outputs:
            return np.zeros((0,) + chunk.shape[1:])
        return np.stack(outputs, axis=0)


def input_rate(feature_config) -> float:
    """The EMG rate a feature configuration's preprocessing is built for."""
    return float(feature_config.preprocess.source_rate)


def run_input_rate(loaded) -> float:
    """The input rate a trained run needs: its manifest's ``input_rate_hz`` (new runs), else derived from its
    feature settings (runs trained before manifests stated it, the released ones among them)."""
    manifest = getattr(loaded, "manifest", None) or {}
    stated = manifest.get("input_rate_hz")
    derived = input_rate(loaded.feature_config)
    if stated is not None and float(stated) != derived:
        raise RateError(RunFolder(loaded.run_dir).manifest,
                        f"states input_rate_hz {stated} but its features are built for {derived:g} Hz")
    return derived


def conform_utterances(utterances, rate: float) -> list:
    """The utterances delivering their EMG at ``rate`` (a model's input rate): higher rates resampled down
    when loaded, and any recorded slower refused up front, naming the first such file and how many there are."""
    utterances = list(utterances)
    slow = [u for u in utterances if u.kind == "emg" and u.emg_rate + 1e-9 < rate]
    if slow:
        try:
            slow[0].at_rate(rate)
        except RateError as exc:
            more = f" ({len(slow) - 1} more utterance(s) of this set are recorded below {rate:g} Hz)" \
                if len(slow) > 1 else ""
            raise RateError(exc.path, exc.problem + more) from None
    return [u.at_rate(rate) if u.kind == "emg" else u for u in utterances]
