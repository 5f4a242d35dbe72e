"""EMG preprocessing: filter context, mains notches, drift high-pass, resampling, scaling.

Offline (:func:`preprocess_emg`) follows the dataset authors' current pipeline:
the neighbouring utterances ``{i-1}`` and ``{i+1}`` are concatenated as filter
context, notch filters (``iirnotch``, Q=30) at 60*k Hz for k=1..7 and a 3rd-order
Butterworth high-pass at 2 Hz are applied forward-backward (zero phase), the
context is cropped off again, and the signal is resampled by linear
interpolation (:mod:`semg_study.features.resample`) to two streams: the *raw*
stream (8 samples per output frame, fed to convolutional front ends) and the
*feature* stream (6 samples per frame, framed into the hand-crafted features).

``PreprocessConfig.filtering`` says how the forward-backward pass is run:

* ``"per_stage"`` (the authors' code, preset ``gaddy2022``): each notch, then the
  high-pass, gets its own ``filtfilt`` (transfer-function form, scipy's default
  odd-extension padding of 3 * filter length), one after another;
* ``"cascade"`` (the project default): one ``sosfiltfilt`` over all sections
  with no edge extension (``padlen=0``: each pass starts in the steady state of
  the edge sample). Away from the edges both agree to ~1e-7; at an edge with no
  neighbour (a session's last utterance) a short odd extension of a hum-carrying
  signal is a 60 Hz sine of another phase, and the notches ring on the jump;
  without the extension the last 300 ms keep about half the authors' residual
  hum (0.27 vs 0.51 microvolts, mean of 20 synthetic trials with 5-30 microvolt hum).

Live decoding cannot look ahead, so :class:`StreamingPreprocessor` applies the
same filters causally (``sosfilt`` with carried state) and resamples chunk by
chunk; :func:`preprocess_emg_causal` is its offline equivalent, used to test it.
"""
from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np
import scipy.signal

from semg_study.features.resample import StreamingResampler, resample_linear

# 22050 Hz audio with hop 256: the frame rate of the current pipeline.
FRAME_RATE_86 = 22050.0 / 256.0
FILTERINGS = ("cascade", "per_stage")


@dataclass(frozen=True)
class PreprocessConfig:
    """Every choice of the EMG preprocessing, as named data.

    ``raw_rate`` / ``feature_rate`` are 8x and 6x the frame rate; the default
    frame rate is 22050/256 = 86.13 Hz (the current authors' code);
    :meth:`gaddy2020` is the older 800/600 Hz variant with 100 Hz frames.
    """

    notch_harmonics: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)  # notches at mains_hz * k
    mains_hz: float = 60.0
    notch_q: float = 30.0
    highpass_hz: float = 2.0
    highpass_order: int = 3
    source_rate: float = 1000.0
    raw_rate: float = 8 * FRAME_RATE_86  # 689.0625 Hz
    feature_rate: float = 6 * FRAME_RATE_86  # 516.796875 Hz
    raw_samples_per_frame: int = 8
    feature_samples_per_frame: int = 6
    use_neighbour_context: bool = True
    raw_scale: float = 20.0  # raw stream: x / raw_scale, then raw_clip * tanh(x / raw_clip)
    raw_clip: float = 50.0
    n_channels: int = 8
    filtering: str = "cascade"  # or "per_stage" (the authors'); see the module docstring

    def __post_init__(self):
        if self.filtering not in FILTERINGS:
            raise ValueError(f"filtering must be one of {FILTERINGS}, got {self.filtering!r}")

    @classmethod
    def gaddy2022(cls) -> "PreprocessConfig":
        """The authors' current code: literal 689.06 / 516.79 Hz, each filter stage forward-backward."""
        return cls(raw_rate=689.06, feature_rate=516.79, filtering="per_stage")

    @classmethod
    def gaddy2020(cls) -> "PreprocessConfig":
        """The 2020/2021 variant: raw stream 800 Hz, feature stream 600 Hz, 100 Hz frames."""
        return cls(raw_rate=800.0, feature_rate=600.0)

    @property
    def frame_rate(self) -> float:
        return self.feature_rate / self.feature_samples_per_frame

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["notch_harmonics"] = list(self.notch_harmonics)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "PreprocessConfig":
        d = dict(d)
        if "notch_harmonics" in d:
            d["notch_harmonics"] = tuple(int(k) for k in d["notch_harmonics"])
        return cls(**d)


def filter_sos(cfg: PreprocessConfig) -> np.ndarray:
    """The notch cascade followed by the high-pass, as second-order sections.

    Designed once per config (the config is frozen and hashable), not once per
    utterance; each call gets its own copy (scipy's ``sosfilt`` needs a writable array).
    """
    return _filter_sos(cfg).copy()


@functools.lru_cache(maxsize=16)
def _filter_sos(cfg: PreprocessConfig) -> np.ndarray:
    return _design_sos(cfg)


def _design_sos(cfg: PreprocessConfig) -> np.ndarray:
    sections = []
    for k in cfg.notch_harmonics:
        b, a = scipy.signal.iirnotch(cfg.mains_hz * k, cfg.notch_q, fs=cfg.source_rate)
        sections.append(scipy.signal.tf2sos(b, a))
    if cfg.highpass_hz and cfg.highpass_hz > 0:
        sections.append(scipy.signal.butter(cfg.highpass_order, cfg.highpass_hz, "highpass",
                                            fs=cfg.source_rate, output="sos"))
    if not sections:
        return np.zeros((0, 6))
    return np.concatenate(sections, axis=0)


@functools.lru_cache(maxsize=16)
def filter_stages_ba(cfg: PreprocessConfig) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """The stages of :func:`filter_sos` as separate ``(b, a)`` transfer functions, in order
    (the notches by harmonic, then the high-pass): what ``filtering="per_stage"`` applies."""
    stages = [scipy.signal.iirnotch(cfg.mains_hz * k, cfg.notch_q, fs=cfg.source_rate)
              for k in cfg.notch_harmonics]
    if cfg.highpass_hz and cfg.highpass_hz > 0:
        stages.append(scipy.signal.butter(cfg.highpass_order, cfg.highpass_hz, "highpass", fs=cfg.source_rate))
    return tuple(stages)


def zero_phase_filter(x: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """The notches and the high-pass of ``cfg``, forward-backward along axis 0, as ``cfg.filtering`` says."""
    x = np.asarray(x, dtype=np.float64)
    if x.shape[0] < 2:
        return x.copy()
    if cfg.filtering == "per_stage":
        for b, a in filter_stages_ba(cfg):
            # scipy's default padding (3 * filter length), shortened only for very short signals
            x = scipy.signal.filtfilt(b, a, x, axis=0, padlen=min(3 * max(len(a), len(b)), x.shape[0] - 1))
        return x
    sos = filter_sos(cfg)
    if not len(sos):
        return x.copy()
    return scipy.signal.sosfiltfilt(sos, x, axis=0, padlen=0)


def _check_emg(emg: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    emg = np.asarray(emg, dtype=np.float64)
    if emg.ndim != 2 or emg.shape[1] != cfg.n_channels:
        raise ValueError(f"EMG must have shape (T, {cfg.n_channels}), got {emg.shape}")
    return emg


def preprocess_emg(emg: np.ndarray, cfg: PreprocessConfig, before: np.ndarray | None = None,
                   after: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Zero-phase filtering with neighbour context, then the raw and feature streams.

    Returns ``(raw_stream, feature_stream)`` as float64, unscaled (microvolts);
    scale the raw stream with :func:`scale_raw`.
    """
    emg = _check_emg(emg, cfg)
    empty = np.zeros((0, emg.shape[1]))
    if not cfg.use_neighbour_context:
        before = after = None
    before = empty if before is None else _check_emg(before, cfg)
    after = empty if after is None else _check_emg(after, cfg)
    x = zero_phase_filter(np.concatenate([before, emg, after], axis=0), cfg)
    x = x[before.shape[0]: before.shape[0] + emg.shape[0]]
    raw = resample_linear(x, in_rate=cfg.source_rate, out_rate=cfg.raw_rate)
    feat = resample_linear(x, in_rate=cfg.source_rate, out_rate=cfg.feature_rate)
    return raw, feat


def preprocess_emg_causal(emg: np.ndarray, cfg: PreprocessConfig, stream: str = "raw") -> np.ndarray:
    """Offline equivalent of :class:`StreamingPreprocessor` (causal filters from zero state)."""
    emg = _check_emg(emg, cfg)
    sos = filter_sos(cfg)
    x = scipy.signal.sosfilt(sos, emg, axis=0) if len(sos) else emg
    rate = cfg.raw_rate if stream == "raw" else cfg.feature_rate
    out = resample_linear(x, in_rate=cfg.source_rate, out_rate=rate)
    return scale_raw(out, cfg) if stream == "raw" else out


def scale_raw(raw: np.ndarray, cfg: PreprocessConfig) -> np.ndarray:
    """``raw_clip * tanh((x / raw_scale) / raw_clip)``: microvolts to the model's input range."""
    return cfg.raw_clip * np.tanh((np.asarray(raw) / cfg.raw_scale) / cfg.raw_clip)


class StreamingPreprocessor:
    """Causal, chunk-by-chunk preprocessing for live decoding.

    ``process(chunk)`` takes (t, 8) samples at ``cfg.source_rate`` and returns
    the newly available samples of the raw stream at ``cfg.raw_rate``, scaled
    like the training input (``stream="raw"``), or of the unscaled feature
    stream (``stream="feature"``). Filters run with carried ``zi`` state from
    zero initial conditions, so the output is identical to
    :func:`preprocess_emg_causal` on the concatenated input.
    """

    def __init__(self, cfg: PreprocessConfig | None = None, stream: str = "raw"):
        if stream not in ("raw", "feature"):
            raise ValueError("stream must be 'raw' or 'feature'")
        # a FeatureConfig is accepted too: its preprocessing part is what matters here
        cfg = getattr(cfg, "preprocess", cfg)
        self.cfg = cfg or PreprocessConfig()
        self.stream = stream
        self.sos = filter_sos(self.cfg)
        self.reset()

    def reset(self) -> None:
        self._zi = np.zeros((len(self.sos), 2, self.cfg.n_channels))
        rate = self.cfg.raw_rate if self.stream == "raw" else self.cfg.feature_rate
        self._resampler = StreamingResampler(in_rate=self.cfg.source_rate, out_rate=rate)

    @property
    def output_rate(self) -> float:
        return self.cfg.raw_rate if self.stream == "raw" else self.cfg.feature_rate

    def process(self, chunk: np.ndarray) -> np.ndarray:
        chunk = np.asarray(chunk, dtype=np.float64)
        if chunk.ndim != 2 or chunk.shape[1] != self.cfg.n_channels:
            raise ValueError(f"chunk must have shape (t, {self.cfg.n_channels}), got {chunk.shape}")
        if not np.all(np.isfinite(chunk)):
            raise ValueError("chunk contains NaN or inf")
        if len(self.sos) and chunk.shape[0]:
            y, self._zi = scipy.signal.sosfilt(self.sos, chunk, axis=0, zi=self._zi)
        else:
            y = chunk
        out = self._resampler.process(y)
        return scale_raw(out, self.cfg).astype(np.float32) if self.stream == "raw" else out.astype(np.float32)
