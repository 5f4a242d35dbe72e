"""PyTorch datasets, length-bucketed batching and collation.

Items of :class:`EMGDataset` are dicts (the contract in ``docs/design.md``):
``emg_raw`` (8n, 8) float32 scaled raw stream, ``emg_features`` (n, 112)
normalised, ``audio_features`` (n, n_mels) when the utterance has audio and the
config asks for it, ``text`` (normalised), ``text_ids``, ``phoneme_ids``,
``frame_phonemes`` (n,), ``session_index``, ``mode``, ``id``. ``audio_features``
are z-scored with the training set's mel statistics when
``FeatureConfig.mel_normalize`` is on (both datasets). The streams come from
:mod:`semg_study.data.feature_cache`, the normalisers from
:mod:`semg_study.data.normalize`.
"""
from __future__ import annotations

import dataclasses
import math
import os
from typing import Iterable, Sequence

import numpy as np
import torch

from semg_study.data.corpus import Utterance
from semg_study.data.feature_cache import FeatureCache
from semg_study.data.normalize import FeatureNormalizer, fit_mel_normalizer, normalized_stream, normalizer_sample
from semg_study.errors import DataError
from semg_study.features.config import FeatureConfig
from semg_study.text import VOCAB, CharVocab, normalize_text, text_to_phoneme_ids

UNKNOWN_SESSION = "<unknown>"
FRAME_PHONEME_PAD = -100  # padding value of frame_phonemes in a batch (CrossEntropy's ignore_index)


# -- datasets ------------------------------------------------------------------------

def session_mapping(utterances: Iterable[Utterance]) -> dict[str, int]:
    """``{"<unknown>": 0, session: 1.., ...}`` over the sorted session names."""
    names = sorted({u.session for u in utterances})
    return {UNKNOWN_SESSION: 0, **{s: i for i, s in enumerate(names, 1)}}


class EMGDataset(torch.utils.data.Dataset):
    """EMG utterances as model inputs; build evaluation sets with :meth:`derive` (same config,
    normaliser and session map) so training and evaluation share one feature pipeline.

    ``normalizer=None`` fits a :class:`FeatureNormalizer` on these utterances' features
    (meant for the training set), and ``mel_normalizer=None`` one on their log-mels when
    the config asks for normalised ``audio_features``; ``sessions=None`` maps these
    utterances' sessions.
    """

    def __init__(self, utterances: Sequence[Utterance], feature_config: FeatureConfig | None = None,
                 vocab: CharVocab = VOCAB, normalizer: FeatureNormalizer | None = None,
                 cache_dir: str | os.PathLike | None = None, sessions: dict[str, int] | None = None,
                 mel_normalizer: FeatureNormalizer | None = None):
        self.utterances = list(utterances)
        for u in self.utterances:
            if u.kind != "emg":
                raise ValueError(f"{u.id} has no EMG (an audio-only corpus): use AudioDataset")
        self.feature_config = feature_config or FeatureConfig()
        self.vocab = vocab
        self.cache_dir = cache_dir
        self.cache = FeatureCache(self.feature_config, cache_dir)
        self.sessions = dict(sessions) if sessions is not None else session_mapping(self.utterances)
        self._phonemes: dict[str, list[int]] = {}
        cfg = self.feature_config
        fit_on = sample = None
        if (normalizer is None and "emg_features" in cfg.streams) or \
                (mel_normalizer is None and "audio_features" in cfg.streams and cfg.mel_normalize):
            sample = normalizer_sample(self.utterances, cfg.normalizer_utterances)
            fit_on = [self.cache.get(u) for u in sample]
        if normalizer is None and "emg_features" in cfg.streams:
            normalizer = FeatureNormalizer.fit((f["emg_features"] for f in fit_on),
                                               ids=[str(u.emg_path) for u in sample])
        if mel_normalizer is None and "audio_features" in cfg.streams and cfg.mel_normalize:
            with_mel = [(f["audio_features"], str(u.audio_path)) for f, u in zip(fit_on, sample)
                        if "audio_features" in f]
            mel_normalizer = fit_mel_normalizer([m for m, _ in with_mel], ids=[i for _, i in with_mel]) \
                if with_mel else None
        self.normalizer = normalizer
        self.mel_normalizer = mel_normalizer if cfg.mel_normalize else None

    def derive(self, utterances: Sequence[Utterance]) -> "EMGDataset":
        """A dataset of other utterances under this one's config, vocabulary, normalisers and sessions."""
        return EMGDataset(utterances, self.feature_config, self.vocab, self.normalizer, self.cache_dir,
                          self.sessions, self.mel_normalizer)

    def __len__(self) -> int:
        return len(self.utterances)

    def features(self, i: int) -> dict[str, np.ndarray]:
        """The cached, not yet normalised streams of item ``i``."""
        return self.cache.get(self.utterances[i])

    def frame_lengths(self) -> list[int]:
        """Frames per item (computes and caches every item's features)."""
        return [int(self.features(i)["n_frames"]) for i in range(len(self))]

    def raw_lengths(self) -> list[int]:
        k = self.feature_config.raw_samples_per_frame
        return [k * n for n in self.frame_lengths()]

    def _phoneme_ids(self, text: str) -> list[int]:
        if text not in self._phonemes:
            self._phonemes[text] = text_to_phoneme_ids(text)
        return self._phonemes[text]

    def normalized_features(self, key: str, features: np.ndarray) -> np.ndarray:
        """``self.normalizer(features)``, normalised once per item (:func:`normalized_stream`)."""
        return normalized_stream(key, "emg_features", features, self.normalizer)

    def __getitem__(self, i: int) -> dict:
        utt = self.utterances[i]
        key, f = self.cache.get_keyed(utt)
        text = normalize_text(utt.text)
        item = {
            "text": text,
            "text_ids": torch.tensor(self.vocab.encode(text), dtype=torch.int64),
            "phoneme_ids": torch.tensor(self._phoneme_ids(text), dtype=torch.int64),
            "frame_phonemes": torch.from_numpy(np.asarray(f["frame_phonemes"], dtype=np.int64)),
            "session_index": int(self.sessions.get(utt.session, 0)),
            "mode": utt.mode,
            "id": utt.id,
        }
        if "emg_raw" in f:
            item["emg_raw"] = torch.from_numpy(np.asarray(f["emg_raw"], dtype=np.float32))
        if "emg_features" in f:
            item["emg_features"] = torch.from_numpy(self.normalized_features(key, f["emg_features"]))
        if "audio_features" in f:
            mel = np.asarray(f["audio_features"], dtype=np.float32)
            if self.mel_normalizer is not None:
                mel = normalized_stream(key, "audio_features", mel, self.mel_normalizer)
            item["audio_features"] = torch.from_numpy(mel)
        return item


class AudioDataset(torch.utils.data.Dataset):
    """Audio log-mels + transcripts (DeepSpeech2 baselines on LJSpeech or voiced recordings).

    With ``FeatureConfig.mel_normalize``, ``mel_normalizer=None`` fits the mel normaliser
    on these utterances (meant for the training set); build evaluation sets with
    :meth:`derive` so they use the training statistics.
    """

    def __init__(self, utterances: Sequence[Utterance], feature_config: FeatureConfig | None = None,
                 vocab: CharVocab = VOCAB, cache_dir: str | os.PathLike | None = None,
                 mel_normalizer: FeatureNormalizer | None = None):
        self.utterances = [u for u in utterances]
        for u in self.utterances:
            if u.audio_path is None:
                raise DataError(f"{u.path}_audio_clean.flac", "missing audio, which the audio baseline needs")
        cfg = feature_config or FeatureConfig()
        # audio only: the EMG streams are neither needed nor computed
        self.feature_config = cfg
        self._audio_cfg = dataclasses.replace(cfg, streams=("audio_features",))
        self.vocab = vocab
        self.cache_dir = cache_dir
        self.cache = FeatureCache(self._audio_cfg, cache_dir)
        if cfg.mel_normalize and mel_normalizer is None:
            sample = normalizer_sample(self.utterances, cfg.normalizer_utterances)
            mel_normalizer = fit_mel_normalizer((self.cache.get(u)["audio_features"] for u in sample),
                                                ids=[str(u.audio_path) for u in sample])
        self.mel_normalizer = mel_normalizer if cfg.mel_normalize else None

    def derive(self, utterances: Sequence[Utterance]) -> "AudioDataset":
        """A dataset of other utterances under this one's config, vocabulary and mel normaliser."""
        return AudioDataset(utterances, self.feature_config, self.vocab, self.cache_dir, self.mel_normalizer)

    def __len__(self) -> int:
        return len(self.utterances)

    def features(self, i: int) -> dict[str, np.ndarray]:
        return self.cache.get(self.utterances[i])

    def frame_lengths(self) -> list[int]:
        return [int(self.features(i)["audio_features"].shape[0]) for i in range(len(self))]

    def __getitem__(self, i: int) -> dict:
        utt = self.utterances[i]
        text = normalize_text(utt.text)
        key, f = self.cache.get_keyed(utt)
        mel = np.asarray(f["audio_features"], dtype=np.float32)
        if self.mel_normalizer is not None:
            mel = normalized_stream(key, "audio_features", mel, self.mel_normalizer)
        return {"audio_features": torch.from_numpy(mel),
                "text": text, "text_ids": torch.tensor(self.vocab.encode(text), dtype=torch.int64),
                "mode": utt.mode, "id": utt.id}


# -- batching --------------------------------------------------------------------------

class BucketBatchSampler(torch.utils.data.Sampler):
    """Batches of similar length, each filled up to ``max_total`` summed length.

    Items are sorted by length (ties broken by a seeded shuffle) and packed in
    order until adding the next would exceed ``max_total`` (an item longer than
    the budget gets a batch of its own); the batch order is then shuffled.
    Everything depends only on ``seed`` and the epoch (:meth:`set_epoch`).
    With ``num_replicas > 1`` (DDP), rank ``r`` takes batches ``r, r + R, ...``,
    the list padded by repeating batches so every rank gets the same count.
    """

    def __init__(self, lengths: Sequence[int], max_total: int, shuffle: bool = True, seed: int = 0,
                 num_replicas: int = 1, rank: int = 0, max_items: int | None = None):
        if max_total <= 0:
            raise ValueError("max_total must be positive")
        if not 0 <= rank < num_replicas:
            raise ValueError(f"rank {rank} is not in [0, {num_replicas})")
        self.lengths = [int(x) for x in lengths]
        self.max_total = int(max_total)
        self.shuffle = shuffle
        self.seed = seed
        self.num_replicas = num_replicas
        self.rank = rank
        self.max_items = max_items
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def _all_batches(self) -> list[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        n = len(self.lengths)
        tie = rng.permutation(n) if self.shuffle else np.arange(n)
        order = sorted(range(n), key=lambda i: (self.lengths[i], tie[i]))
        batches, current, total = [], [], 0
        for i in order:
            full = self.max_items is not None and len(current) >= self.max_items
            if current and (total + self.lengths[i] > self.max_total or full):
                batches.append(current)
                current, total = [], 0
            current.append(i)
            total += self.lengths[i]
        if current:
            batches.append(current)
        if self.shuffle:
            batches = [batches[k] for k in rng.permutation(len(batches))]
        if self.num_replicas > 1 and batches:
            per_rank = math.ceil(len(batches) / self.num_replicas)
            padded = batches + batches[: per_rank * self.num_replicas - len(batches)]
            batches = padded[self.rank:: self.num_replicas]
        return batches

    def __iter__(self):
        return iter(self._all_batches())

    def __len__(self) -> int:
        return len(self._all_batches())


def _pad(tensors: list[torch.Tensor], value=0) -> torch.Tensor:
    return torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True, padding_value=value)


def collate(items: list[dict]) -> dict:
    """Pad every stream (zeros; ``frame_phonemes`` with -100) and add lengths.

    Lengths: ``emg_raw_lengths``, ``frame_lengths`` (of ``emg_features`` /
    ``audio_features``), ``text_lengths``, ``phoneme_lengths``. ``audio_features``
    is in the batch only when every item has it.
    """
    if not items:
        raise ValueError("cannot collate an empty batch")
    batch: dict = {"text": [it["text"] for it in items], "id": [it["id"] for it in items],
                   "mode": [it.get("mode") for it in items]}
    if all("emg_raw" in it for it in items):
        batch["emg_raw"] = _pad([it["emg_raw"] for it in items])
        batch["emg_raw_lengths"] = torch.tensor([len(it["emg_raw"]) for it in items], dtype=torch.int64)
    frames_key = "emg_features" if "emg_features" in items[0] else "audio_features"
    for key in ("emg_features", "audio_features"):
        if all(key in it for it in items):
            batch[key] = _pad([it[key] for it in items])
    if all(frames_key in it for it in items):
        batch["frame_lengths"] = torch.tensor([len(it[frames_key]) for it in items], dtype=torch.int64)
    elif "emg_raw" in batch:
        batch["frame_lengths"] = batch["emg_raw_lengths"] // 8
    batch["text_ids"] = _pad([it["text_ids"] for it in items])
    batch["text_lengths"] = torch.tensor([len(it["text_ids"]) for it in items], dtype=torch.int64)
    if all("phoneme_ids" in it for it in items):
        batch["phoneme_ids"] = _pad([it["phoneme_ids"] for it in items])
        batch["phoneme_lengths"] = torch.tensor([len(it["phoneme_ids"]) for it in items], dtype=torch.int64)
    if all("frame_phonemes" in it for it in items):
        batch["frame_phonemes"] = _pad([it["frame_phonemes"] for it in items], FRAME_PHONEME_PAD)
    if all("session_index" in it for it in items):
        batch["session_index"] = torch.tensor([it["session_index"] for it in items], dtype=torch.int64)
    return batch


# -- frame-rate helpers -------------------------------------------------------------------

def frame_rate(cfg: FeatureConfig | None = None) -> float:
    """Output frames per second (86.13 by default, 100 for the gaddy2020 preset)."""
    return (cfg or FeatureConfig()).frame_rate


def raw_rate(cfg: FeatureConfig | None = None) -> float:
    return (cfg or FeatureConfig()).raw_rate


def raw_samples_per_frame(cfg: FeatureConfig | None = None) -> int:
    return (cfg or FeatureConfig()).raw_samples_per_frame
