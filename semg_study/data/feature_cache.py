"""The feature cache: an utterance's streams computed once per (source files, FeatureConfig).

Preprocessing is the CPU bottleneck, so each utterance's streams are cached in
memory (an LRU bounded by ``$SEMG_STUDY_FEATURE_MEMORY_MB``, default 1024, shared
by every dataset of the process) and, with ``cache_dir``, on disk as ``.npz``
keyed by the utterance path, the content digests of every file it is made from
(EMG, neighbours used as context, audio, alignment) and ``FeatureConfig.digest()``.
On disk an EMG utterance keeps every stream (the config with all ``STREAMS``),
so configs that differ only in their streams share one file per utterance. The
frame-level phoneme labels (the auxiliary loss's targets) are computed here with
the streams, from the utterance's alignment.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from semg_study import io
from semg_study.data.corpus import Utterance
from semg_study.data.fingerprint import file_digest
from semg_study.errors import DataError
from semg_study.features.config import STREAMS, FeatureConfig, compute_features
from semg_study.text import PHONEME_INDEX, SIL_ID


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
