"""Log-mel spectrograms of speech audio (no torchaudio, no librosa).

The current pipeline of the dataset's authors: audio resampled to 22050 Hz
(``librosa.load``'s default, soxr at "high quality": here the ``soxr`` package,
``MelConfig.resampler="soxr_hq"``, the length fixed to ``ceil(n * ratio)`` as
librosa does; ``"poly"`` keeps scipy's ``resample_poly``), clipped to [-1, 1],
reflect-padded by (n_fft - hop) / 2 on each side, ``torch.stft`` with n_fft 1024,
hop 256, a periodic Hann window of 1024, ``center=False``, magnitude
``sqrt(re^2 + im^2 + 1e-9)``, a Slaney-style mel filter bank (0-8000 Hz, area
normalised), natural log of ``max(x, 1e-5)``. Frames come at 22050/256 = 86.13 Hz.
"""
from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np
import scipy.signal

RESAMPLERS = ("soxr_hq", "poly")


@dataclass(frozen=True)
class MelConfig:
    n_mels: int = 80
    sample_rate: int = 22050  # audio is resampled to this rate first
    n_fft: int = 1024
    hop_length: int = 256
    win_length: int = 1024
    fmin: float = 0.0
    fmax: float = 8000.0
    log_floor: float = 1e-5
    # "soxr_hq" (the authors', via librosa) or "poly" (scipy resample_poly, Kaiser window:
    # its wider transition band damps the top ~1 kHz below 8 kHz, mel bins 70-79)
    resampler: str = "soxr_hq"

    def __post_init__(self):
        if self.resampler not in RESAMPLERS:
            raise ValueError(f"resampler must be one of {RESAMPLERS}, got {self.resampler!r}")

    @property
    def frame_rate(self) -> float:
        return self.sample_rate / self.hop_length

    @classmethod
    def gaddy2020(cls, n_mels: int = 80) -> "MelConfig":
        """100 frames/s at 16 kHz (hop 160), matching the 800/600 Hz EMG preset."""
        return cls(n_mels=n_mels, sample_rate=16000, n_fft=512, hop_length=160, win_length=432)

    def to_dict(self) -> dict:
        return asdict(self)


def _hz_to_mel(f):
    """Slaney mel scale: linear below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz, min_log_mel, logstep = 1000.0, 1000.0 / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


@functools.lru_cache(maxsize=8)
def mel_filter_bank(sample_rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> np.ndarray:
    """(n_mels, n_fft//2 + 1) triangular filters on the Slaney mel scale, area normalised."""
    fft_freqs = np.linspace(0, sample_rate / 2, 1 + n_fft // 2)
    mel_freqs = _mel_to_hz(np.linspace(_hz_to_mel(fmin), _hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_freqs)
    ramps = mel_freqs[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_freqs[2:] - mel_freqs[:-2]))[:, None]
    return weights.astype(np.float32)


def resample_audio(audio: np.ndarray, rate: int, new_rate: int, method: str = "soxr_hq") -> np.ndarray:
    """``audio`` at ``new_rate``, ``resampled_length`` samples long, by ``method`` (see ``RESAMPLERS``)."""
    if int(rate) == int(new_rate):
        return np.asarray(audio, dtype=np.float32)
    if method == "soxr_hq":
        import soxr

        # float32 in, as librosa.load hands it over; librosa then pads/cuts to ceil(n * ratio)
        y = soxr.resample(np.asarray(audio, dtype=np.float32), int(rate), int(new_rate), quality="HQ")
        n = resampled_length(len(audio), rate, new_rate)
        return np.pad(y, (0, max(0, n - len(y))))[:n].astype(np.float32, copy=False)
    if method != "poly":
        raise ValueError(f"unknown resampler {method!r} (known: {RESAMPLERS})")
    frac = Fraction(int(new_rate), int(rate))
    return scipy.signal.resample_poly(np.asarray(audio, dtype=np.float64), frac.numerator,
                                      frac.denominator).astype(np.float32)


def resampled_length(n_samples: int, rate: int, new_rate: int) -> int:
    if int(rate) == int(new_rate):
        return int(n_samples)
    frac = Fraction(int(new_rate), int(rate))
    return -(-n_samples * frac.numerator // frac.denominator)  # ceil, as resample_poly and librosa


def n_mel_frames(n_samples: int, rate: int, cfg: MelConfig) -> int:
    """Number of frames :func:`mel_spectrogram` gives for ``n_samples`` at ``rate``."""
    length = resampled_length(n_samples, rate, cfg.sample_rate) + 2 * ((cfg.n_fft - cfg.hop_length) // 2)
    return 0 if length < cfg.n_fft else 1 + (length - cfg.n_fft) // cfg.hop_length


def mel_spectrogram(audio: np.ndarray, rate: int, n_mels: int | None = None, cfg: MelConfig | None = None
                    ) -> np.ndarray:
    """(n_frames, n_mels) float32 log-mel spectrogram of mono ``audio`` sampled at ``rate``."""
    import torch

    cfg = cfg or MelConfig()
    if n_mels is not None and n_mels != cfg.n_mels:
        cfg = MelConfig(**{**cfg.to_dict(), "n_mels": n_mels})
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"audio must be mono (1-D), got shape {audio.shape}")
    y = np.clip(resample_audio(audio, rate, cfg.sample_rate, cfg.resampler), -1.0, 1.0)
    pad = (cfg.n_fft - cfg.hop_length) // 2
    if y.shape[0] + 2 * pad < cfg.n_fft:
        return np.zeros((0, cfg.n_mels), dtype=np.float32)
    t = torch.from_numpy(y)[None, None]
    t = torch.nn.functional.pad(t, (pad, pad), mode="reflect" if y.shape[0] > pad else "constant")[0, 0]
    spec = torch.stft(t, n_fft=cfg.n_fft, hop_length=cfg.hop_length, win_length=cfg.win_length,
                      window=torch.hann_window(cfg.win_length), center=False, return_complex=True)
    magnitude = torch.sqrt(spec.real ** 2 + spec.imag ** 2 + 1e-9)
    basis = torch.from_numpy(mel_filter_bank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.fmin, cfg.fmax))
    mel = torch.log(torch.clamp(basis @ magnitude, min=cfg.log_floor))
    return mel.T.contiguous().numpy().astype(np.float32)
