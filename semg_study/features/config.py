"""``FeatureConfig``: the one object that says how every stream of an utterance is made.

Training and evaluation build their datasets from the *same* FeatureConfig
(defect 4 of the dissertation's code was a validation set built with different
spectrogram settings); its :meth:`FeatureConfig.digest` keys feature caches and
goes into run manifests.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from semg_study.features.audio import MelConfig, mel_spectrogram, n_mel_frames
from semg_study.features.emg_features import emg_features, n_feature_frames
from semg_study.features.preprocessing import PreprocessConfig, preprocess_emg, scale_raw

STREAMS = ("emg_raw", "emg_features", "audio_features")
# FeatureConfig.from_dict({"preset": NAME}): the starting point each name gives (see docs/design.md)
PRESETS = ("default", "gaddy2022", "gaddy2020")
# the authors' make_normalizers stops after 51 training utterances of their seeded shuffle
AUTHORS_NORMALIZER_UTTERANCES = 51
# EMG and audio frame rates must agree to this relative tolerance: the authors' literal
# 516.79 / 6 Hz is 1.3e-5 below 22050 / 256 Hz, under 0.02 frames over a 10 s utterance
FRAME_RATE_RTOL = 1e-4
_NORMALIZE_KEYS = ("mel_normalize", "normalizer_utterances")


@dataclass(frozen=True)
class FeatureConfig:
    preprocess: PreprocessConfig = field(default_factory=PreprocessConfig)
    mel: MelConfig = field(default_factory=MelConfig)
    streams: tuple[str, ...] = STREAMS
    # cut the EMG frames to the audio's frame count when the utterance has audio
    # (the authors' alignment of the two streams); EMG-only utterances keep all frames
    crop_to_audio: bool = True
    # z-score the log-mel (audio_features) with statistics of the training utterances: per-bin
    # mean, one standard deviation over all bins (the authors' share_scale), no clipping
    mel_normalize: bool = True
    # how many training utterances the normalisers (EMG features and mel) are fitted on:
    # 0 = all of them; N = the first N of the authors' seeded shuffle (51 in their code)
    normalizer_utterances: int = 0

    def __post_init__(self):
        unknown = set(self.streams) - set(STREAMS)
        if unknown:
            raise ValueError(f"unknown streams {sorted(unknown)}; known: {STREAMS}")
        if abs(self.preprocess.frame_rate - self.mel.frame_rate) > FRAME_RATE_RTOL * self.mel.frame_rate \
                and "audio_features" in self.streams:
            raise ValueError(f"EMG frame rate {self.preprocess.frame_rate} != audio frame rate "
                             f"{self.mel.frame_rate}: the streams would not align")
        if int(self.normalizer_utterances) < 0:
            raise ValueError(f"normalizer_utterances must be >= 0, got {self.normalizer_utterances}")

    @classmethod
    def gaddy2022(cls, **kw) -> "FeatureConfig":
        """The dataset authors' current code (their 2022 model): literal 689.06 / 516.79 Hz rates,
        each filter stage forward-backward, soxr to 22050 Hz, mel normalised, normalisers fitted
        on 51 training utterances. The project default differs in rates, filtering and fitting."""
        kw.setdefault("normalizer_utterances", AUTHORS_NORMALIZER_UTTERANCES)
        return cls(preprocess=PreprocessConfig.gaddy2022(), mel=MelConfig(resampler="soxr_hq"),
                   mel_normalize=True, **kw)

    @classmethod
    def gaddy2020(cls, n_mels: int = 80, **kw) -> "FeatureConfig":
        return cls(preprocess=PreprocessConfig.gaddy2020(), mel=MelConfig.gaddy2020(n_mels), **kw)

    @property
    def frame_rate(self) -> float:
        """Output frames per second of ``emg_features`` / ``audio_features`` (86.13 by default)."""
        return self.preprocess.frame_rate

    @property
    def raw_rate(self) -> float:
        return self.preprocess.raw_rate

    @property
    def raw_samples_per_frame(self) -> int:
        return self.preprocess.raw_samples_per_frame

    @property
    def n_emg_features(self) -> int:
        return 14 * self.preprocess.n_channels

    @property
    def n_mels(self) -> int:
        return self.mel.n_mels

    def to_dict(self) -> dict:
        return {"preprocess": self.preprocess.to_dict(), "mel": self.mel.to_dict(),
                "streams": list(self.streams), "crop_to_audio": self.crop_to_audio,
                "mel_normalize": self.mel_normalize, "normalizer_utterances": int(self.normalizer_utterances)}

    @classmethod
    def preset(cls, name: str | None) -> "FeatureConfig":
        """The config a preset name starts from (``None`` and ``"default"``: the project default)."""
        if name in (None, "default"):
            return cls()
        if name == "gaddy2022":
            return cls.gaddy2022()
        if name == "gaddy2020":
            return cls.gaddy2020()
        raise ValueError(f"unknown feature preset {name!r} (known: {', '.join(PRESETS)})")

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureConfig":
        """Inverse of :meth:`to_dict`; partial dicts override the defaults, and
        ``{"preset": "gaddy2022", ...}`` starts from that preset instead."""
        d = dict(d or {})
        base = cls.preset(d.pop("preset", None))
        unknown = set(d) - {"preprocess", "mel", "streams", "crop_to_audio", *_NORMALIZE_KEYS}
        if unknown:
            raise ValueError(f"unknown feature settings {sorted(unknown)}")
        return cls(preprocess=PreprocessConfig.from_dict({**base.preprocess.to_dict(), **d.get("preprocess", {})}),
                   mel=MelConfig(**{**base.mel.to_dict(), **d.get("mel", {})}),
                   streams=tuple(d.get("streams", base.streams)),
                   crop_to_audio=bool(d.get("crop_to_audio", base.crop_to_audio)),
                   mel_normalize=bool(d.get("mel_normalize", base.mel_normalize)),
                   normalizer_utterances=int(d.get("normalizer_utterances", base.normalizer_utterances)))

    def digest(self) -> str:
        """Everything that shapes what a model sees (manifests, data fingerprints)."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def stream_digest(self) -> str:
        """Only what shapes the un-normalised streams (keys the feature cache): the normaliser
        settings are applied after the cache, so configs differing only there share its files."""
        d = self.to_dict()
        for k in _NORMALIZE_KEYS:
            d.pop(k)
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def align_streams(emg_features_: np.ndarray, feature_stream: np.ndarray, raw_stream: np.ndarray,
                  n_audio_frames: int | None = None, raw_per_frame: int = 8, feature_per_frame: int = 6):
    """Cut the streams to one common number of frames ``n``.

    ``n`` = feature frames, cut to the audio frames when given; the feature
    stream becomes ``feature_stream[6 : 6 + 6n]`` and the raw stream
    ``raw[8 : 8 + 8n]`` (the authors' offsets). Returns
    ``(emg_features[:n], feature_stream_cut, raw_cut, n)``.
    """
    n = emg_features_.shape[0]
    if n_audio_frames is not None:
        n = min(n, n_audio_frames)
    n = max(0, min(n, (raw_stream.shape[0] - raw_per_frame) // raw_per_frame,
                   (feature_stream.shape[0] - feature_per_frame) // feature_per_frame))
    return (emg_features_[:n], feature_stream[feature_per_frame: feature_per_frame + feature_per_frame * n],
            raw_stream[raw_per_frame: raw_per_frame + raw_per_frame * n], n)


def compute_features(emg: np.ndarray | None, cfg: FeatureConfig, *, audio: np.ndarray | None = None,
                     audio_rate: int | None = None, before: np.ndarray | None = None,
                     after: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """All streams of one utterance under ``cfg``: ``emg_raw`` (8n, C) scaled,
    ``emg_features`` (n, 14C) not yet normalised, ``audio_features`` (n, n_mels)
    when there is audio. Audio-only utterances (``emg=None``) give only the mel frames.
    """
    out: dict[str, np.ndarray] = {}
    if emg is None:
        if audio is None:
            raise ValueError("an utterance needs EMG or audio")
        out["audio_features"] = mel_spectrogram(audio, audio_rate, cfg=cfg.mel)
        return out
    pp = cfg.preprocess
    raw, feat_stream = preprocess_emg(emg, pp, before=before, after=after)
    feats = emg_features(feat_stream)
    n_audio = None
    mel = None
    if audio is not None and cfg.crop_to_audio:
        n_audio = n_mel_frames(len(audio), audio_rate, cfg.mel)
    feats, _, raw, n = align_streams(feats, feat_stream, raw, n_audio, pp.raw_samples_per_frame,
                                     pp.feature_samples_per_frame)
    if "emg_raw" in cfg.streams:
        out["emg_raw"] = scale_raw(raw, pp).astype(np.float32)
    if "emg_features" in cfg.streams:
        out["emg_features"] = feats.astype(np.float32)
    if audio is not None and "audio_features" in cfg.streams:
        mel = mel_spectrogram(audio, audio_rate, cfg=cfg.mel)
        if mel.shape[0] < n:  # only when crop_to_audio is off: pad by repeating the last frame
            mel = np.concatenate([mel, np.repeat(mel[-1:], n - mel.shape[0], axis=0)]) if len(mel) else \
                np.full((n, cfg.mel.n_mels), np.log(cfg.mel.log_floor), np.float32)
        out["audio_features"] = mel[:n]
    out["n_frames"] = np.asarray(n)
    return out


def frames_for_emg_samples(n_samples: int, cfg: FeatureConfig) -> int:
    """Feature frames an utterance of ``n_samples`` EMG samples (at the source rate) yields before audio cropping."""
    n_stream = int(np.ceil((n_samples - 1) * cfg.preprocess.feature_rate / cfg.preprocess.source_rate)) \
        if n_samples > 1 else 0
    return n_feature_frames(n_stream)
