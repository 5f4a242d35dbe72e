"""PyTorch datasets, feature caching, length-bucketed batching and collation.

Items of :class:`EMGDataset` are dicts (the contract in ``docs/design.md``):
``emg_raw`` (8n, 8) float32 scaled raw stream, ``emg_features`` (n, 112)
normalised, ``audio_features`` (n, n_mels) when the utterance has audio and the
config asks for it, ``text`` (normalised), ``text_ids``, ``phoneme_ids``,
``frame_phonemes`` (n,), ``session_index``, ``mode``, ``id``. ``audio_features``
are z-scored with the training set's mel statistics when
``FeatureConfig.mel_normalize`` is on (both datasets). The normalisers are fitted
on every training utterance, or on the authors' sample
(``FeatureConfig.normalizer_utterances``, :func:`normalizer_sample`).

Preprocessing is the CPU bottleneck, so each utterance's streams are cached in
memory (an LRU bounded by ``$SEMG_STUDY_FEATURE_MEMORY_MB``, default 1024, shared
by every dataset of the process) and, with ``cache_dir``, on disk as ``.npz``
keyed by the utterance path, the content digests of every file it is made from
(EMG, neighbours used as context, audio, alignment) and ``FeatureConfig.digest()``.
On disk an EMG utterance keeps every stream (the config with all ``STREAMS``),
so configs that differ only in their streams share one file per utterance;
normalised ``emg_features`` are kept in the memory cache too (keyed by the
normaliser's statistics), so each item is normalised once, not once per epoch.
"""
from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import random
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch

from semg_study import io
from semg_study.data.corpus import Utterance
from semg_study.data.dv_folders import CONDITION_FOLDERS
from semg_study.data.fingerprint import file_digest
from semg_study.errors import DataError, DataWarning
from semg_study.features.config import STREAMS, FeatureConfig, compute_features
from semg_study.text import PHONEME_INDEX, SIL_ID, VOCAB, CharVocab, normalize_text, text_to_phoneme_ids

UNKNOWN_SESSION = "<unknown>"
FRAME_PHONEME_PAD = -100  # padding value of frame_phonemes in a batch (CrossEntropy's ignore_index)
FEATURE_CLIP = 8.0  # normalised features: 8 * tanh(x / 8)
# An utterance whose features peak this many times above the median utterance's peak (in
# any feature) is left out of the normaliser's statistics: one such file would otherwise
# set the scale of every feature and flatten everyone else's (the EMG bound of
# corpus.MAX_ABS_EMG_UV still admits a file 10^4 times too loud).
OUTLIER_FACTOR = 100.0  # the synthetic quick corpus peaks at most ~11x its median utterance
OUTLIER_MIN_UTTERANCES = 3  # a median of fewer says nothing about what is typical


# -- normalisation -------------------------------------------------------------------

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


# -- frame-level phoneme labels --------------------------------------------------------

def frame_phonemes(alignment: list[tuple[float, float, str]] | None, n_frames: int, frame_rate: float,
                   duration_s: float | None = None) -> np.ndarray:
    """Phoneme id of each frame (the interval holding the frame's start time); ``sil`` elsewhere.

    ``duration_s`` stretches the alignment linearly to that duration: a silent
    recording borrows the alignment of its voiced partner, whose timing differs.
    """
    out = np.full(n_frames, SIL_ID, dtype=np.int64)
    if not alignment or n_frames == 0:
        return out
    times = np.arange(n_frames) / frame_rate
    end = max(b for _, b, _ in alignment)
    if duration_s and end > 0:
        times = times * (end / duration_s)
    for a, b, ph in alignment:
        out[(times >= a) & (times < b)] = PHONEME_INDEX[ph]
    return out


# -- feature cache -------------------------------------------------------------------

class _MemoryLRU:
    def __init__(self):
        self._items: OrderedDict[str, dict] = OrderedDict()
        self._bytes = 0

    @staticmethod
    def budget() -> int:
        return int(float(os.environ.get("SEMG_STUDY_FEATURE_MEMORY_MB", "1024")) * 2 ** 20)

    def get(self, key: str):
        v = self._items.get(key)
        if v is not None:
            self._items.move_to_end(key)
        return v

    def put(self, key: str, value: dict) -> None:
        size = sum(np.asarray(a).nbytes for a in value.values())
        if key in self._items:
            return
        self._items[key] = value
        self._bytes += size
        while self._bytes > self.budget() and len(self._items) > 1:
            _, old = self._items.popitem(last=False)
            self._bytes -= sum(np.asarray(a).nbytes for a in old.values())

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


MEMORY_CACHE = _MemoryLRU()


def _store_config(cfg: FeatureConfig) -> FeatureConfig:
    """The config whose streams the disk cache keeps for an EMG utterance under ``cfg``.

    Every stream (``emg_raw``, ``emg_features``, ``audio_features``) of the same
    preprocessing, mel and cropping settings: the streams are computed the same
    way whichever subset a config asks for, so one file serves all subsets.
    Audio-only configs, and configs whose EMG and audio frame rates differ (no
    ``audio_features`` possible), keep their own files.
    """
    if tuple(cfg.streams) == ("audio_features",) or set(cfg.streams) == set(STREAMS):
        return cfg
    try:
        return dataclasses.replace(cfg, streams=STREAMS)
    except ValueError:
        return cfg


class FeatureCache:
    """Computes an utterance's streams once per (files, FeatureConfig); memory + optional disk."""

    def __init__(self, feature_config: FeatureConfig, cache_dir: str | os.PathLike | None = None):
        self.cfg = feature_config
        self.cache_dir = Path(cache_dir) if cache_dir else None
        # the config is frozen: hash its JSON once, not per item; the normaliser settings are
        # applied after the cache, so they are not part of its keys
        self._digest = feature_config.stream_digest()
        self.store_config = _store_config(feature_config)
        self._store_digest = self.store_config.stream_digest()
        self.computed = 0  # how many utterances this object had to compute (tests check reuse)

    def source_files(self, utt: Utterance) -> list[Path]:
        audio_only = utt.kind == "audio" or tuple(self.cfg.streams) == ("audio_features",)
        files = [] if audio_only else [utt.emg_path]
        if not audio_only and self.cfg.preprocess.use_neighbour_context:
            files += [p for p in (utt.neighbour_path(-1), utt.neighbour_path(1)) if p.exists()]
        if utt.audio_path is not None:
            files.append(utt.audio_path)
        if utt.alignment_path is not None:
            files.append(utt.alignment_path)
        return files

    def key(self, utt: Utterance, config_digest: str | None = None) -> str:
        """Cache key of ``utt``'s streams under this config (or the config of ``config_digest``)."""
        h = hashlib.sha256(f"{utt.path}\0{config_digest or self._digest}\0{utt.alignment_borrowed}".encode())
        for f in self.source_files(utt):
            h.update(f"\0{f.name}:{file_digest(f)}".encode())
        return h.hexdigest()

    def _shares_store(self, utt: Utterance) -> bool:
        return self._store_digest != self._digest and utt.kind != "audio"

    def get(self, utt: Utterance) -> dict[str, np.ndarray]:
        return self.get_keyed(utt)[1]

    def get_keyed(self, utt: Utterance) -> tuple[str, dict[str, np.ndarray]]:
        """``(key, streams)``: :meth:`get` plus the memory-cache key the streams are held under."""
        key = self.key(utt)
        hit = MEMORY_CACHE.get(key)
        if hit is not None:
            return key, hit
        # on disk, EMG utterances keep every stream under one shared config, so configs that
        # differ only in their streams (emg_raw for MyoStream/gaddy2022, emg_features for
        # DeepSpeech2 and notebook 02) preprocess each utterance once between them
        shared = self._shares_store(utt)
        store_digest = self._store_digest if shared else self._digest
        disk_key = self.key(utt, store_digest) if shared else key
        disk = self.cache_dir / store_digest / f"{disk_key}.npz" if self.cache_dir else None
        value = None
        if disk is not None and disk.exists():
            try:
                with np.load(disk, allow_pickle=False) as z:
                    value = {k: z[k] for k in z.files if self._wanted(k)}
            except Exception:
                value = None  # a damaged cache file is recomputed and replaced
        if value is None:
            full = self.compute(utt, self.store_config if shared else self.cfg)
            self.computed += 1
            if disk is not None:
                try:
                    with io.atomic_path(disk, suffix=".npz") as tmp:
                        with open(tmp, "wb") as fh:
                            np.savez(fh, **full)
                except OSError:
                    pass  # an unwritable cache folder costs time, never correctness
            value = {k: v for k, v in full.items() if self._wanted(k)}
        MEMORY_CACHE.put(key, value)
        return key, value

    def _wanted(self, name: str) -> bool:
        """Whether an entry of a cached value belongs to this config (streams it lacks are dropped)."""
        return name not in STREAMS or name in self.cfg.streams

    def compute(self, utt: Utterance, cfg: FeatureConfig | None = None) -> dict[str, np.ndarray]:
        """The streams of ``utt`` under ``cfg`` (default: this cache's config), from the files."""
        cfg = cfg or self.cfg
        data = utt.load()
        if utt.kind == "audio" or tuple(cfg.streams) == ("audio_features",):
            # audio only (LJSpeech, or the audio baselines on voiced recordings): no EMG work
            if data.audio is None:
                raise DataError(f"{utt.path}_audio_clean.flac", "missing audio, which the audio features need")
            out = compute_features(None, cfg, audio=data.audio, audio_rate=data.audio_rate)
            out["n_frames"] = np.asarray(out["audio_features"].shape[0])
            return out
        before, after = utt.load_context() if cfg.preprocess.use_neighbour_context else (None, None)
        out = compute_features(data.emg, cfg, audio=data.audio, audio_rate=data.audio_rate,
                               before=before, after=after)
        n = int(out["n_frames"])
        if n == 0:  # the loaders' length checks make this rare; never hand a model an empty utterance
            raise DataError(utt.emg_path, "gives no feature frames (too short, or its audio is)")
        duration = data.emg.shape[0] / cfg.preprocess.source_rate if data.alignment_borrowed else None
        out["frame_phonemes"] = frame_phonemes(data.phoneme_alignment, n, cfg.frame_rate, duration)
        return out


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
