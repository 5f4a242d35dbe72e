"""From a config's ``data`` section to loaders: corpus, datasets, normaliser, batching.

The only place the training code touches :mod:`semg_study.data`. The model's
``input_key`` picks the dataset: ``audio_features`` -> :class:`AudioDataset`,
otherwise :class:`EMGDataset`. Batches are filled up to ``train.batch_samples``
input samples (raw EMG samples for ``emg_raw`` models, frames otherwise), or
hold ``train.batch_size`` utterances when that budget is 0.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from semg_study.errors import ConfigError, StudyError
from semg_study.data.fingerprint import feature_cache_dir
from semg_study.data.synthetic_label import labelled_synthetic
from semg_study.recipes.config import Config
from semg_study.recipes.selection import dev_utterances, open_configured_corpus, train_utterances

UNLIMITED = 1 << 62


def model_input_key(cfg: Config) -> str:
    from semg_study.models.registry import model_class

    key = cfg.model.kwargs.get("input_key") or getattr(model_class(cfg.model.name), "input_key", None)
    if key is None:  # a model whose input key is a constructor default
        import inspect

        key = inspect.signature(model_class(cfg.model.name).__init__).parameters["input_key"].default
    return key


def feature_config_from(cfg: Config):
    from semg_study.features import FeatureConfig

    try:
        return FeatureConfig.from_dict(cfg.data.features)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"data.features: {exc}") from exc


def normalizer_from_state(state):
    if state is None:
        return None
    from semg_study.data.normalize import FeatureNormalizer

    return FeatureNormalizer.from_state_dict(state)


@dataclass
class TrainingData:
    root: Path
    corpus: Any
    feature_config: Any
    input_key: str
    train_set: Any
    dev_set: Any
    train_loader: torch.utils.data.DataLoader
    dev_loader: torch.utils.data.DataLoader
    train_sampler: Any
    normalizer_state: dict | None
    sessions: dict | None
    fingerprint: str
    synthetic: bool
    mel_normalizer_state: dict | None = None  # log-mel statistics of the training set (mel_normalize)

    @property
    def testset(self) -> str | None:
        """The split file the corpus was opened with (named in every run manifest)."""
        path = getattr(self.corpus, "testset_path", None)
        return None if path is None else str(path)

    @property
    def n_train(self) -> int:
        return len(self.train_set)

    @property
    def n_dev(self) -> int:
        return len(self.dev_set)

    @property
    def n_sessions(self) -> int:
        return len(self.sessions) if self.sessions else 0

    def set_epoch(self, epoch: int) -> None:
        self.train_sampler.set_epoch(epoch)


def data_fingerprint(cfg: Config, corpus=None) -> str:
    """The corpus files plus everything that shapes what the model sees."""
    if corpus is None:
        _, corpus = open_configured_corpus(cfg)
    fc = feature_config_from(cfg)
    # which utterances train and select the model (so a change in how splits are assigned shows)
    train_ids = [str(u.path) for u in train_utterances(cfg, corpus)]
    dev_ids = [str(u.path) for u in dev_utterances(cfg, corpus)]
    root = str(Path(corpus.root).resolve())
    rel = lambda ids: sorted(i[len(root):].lstrip("/") if i.startswith(root) else i for i in ids)  # noqa: E731
    assignment = hashlib.sha256(json.dumps({"train": rel(train_ids), "dev": rel(dev_ids)}).encode()).hexdigest()
    return corpus.fingerprint(features=fc.digest(), condition=cfg.data.condition,
                              train_modes=list(cfg.data.train_modes), eval_mode=cfg.data.eval_mode,
                              testset=cfg.data.testset, max_train=cfg.data.max_train_utterances,
                              assignment=assignment)


def make_training_data(cfg: Config, rank: int = 0, world_size: int = 1) -> TrainingData:
    from semg_study.data.dataset import AudioDataset, BucketBatchSampler, EMGDataset, collate

    root, corpus = open_configured_corpus(cfg)
    fc = feature_config_from(cfg)
    key = model_input_key(cfg)
    if key not in fc.streams:
        raise ConfigError(f"the model reads {key!r} but data.features.streams is {list(fc.streams)}")
    train_utts = train_utterances(cfg, corpus)
    dev_utts = dev_utterances(cfg, corpus)
    if not train_utts:
        raise StudyError(f"{root}: no training utterances for condition={cfg.data.condition}, "
                         f"modes={cfg.data.train_modes}")
    if not dev_utts:
        raise StudyError(f"{root}: no dev utterances for condition={cfg.data.condition}, mode={cfg.data.eval_mode}")

    cache_dir = feature_cache_dir(root)
    if key == "audio_features":
        train_set = AudioDataset(train_utts, fc, cache_dir=cache_dir)
        dev_set = train_set.derive(dev_utts)  # the training set's mel statistics
        normalizer_state, sessions = None, None
        train_lengths = train_set.frame_lengths()
        dev_lengths = dev_set.frame_lengths()
    else:
        train_set = EMGDataset(train_utts, fc, cache_dir=cache_dir)
        dev_set = train_set.derive(dev_utts)
        normalizer_state = train_set.normalizer.state_dict() if train_set.normalizer is not None else None
        sessions = dict(train_set.sessions)
        lengths_of = (lambda ds: ds.raw_lengths()) if key == "emg_raw" else (lambda ds: ds.frame_lengths())
        train_lengths, dev_lengths = lengths_of(train_set), lengths_of(dev_set)

    t = cfg.train
    budget = t.batch_samples if t.batch_samples > 0 else UNLIMITED
    max_items = None if t.batch_samples > 0 else t.batch_size
    train_sampler = BucketBatchSampler(train_lengths, budget, shuffle=True, seed=t.seed, num_replicas=world_size,
                                       rank=rank, max_items=max_items)
    dev_sampler = BucketBatchSampler(dev_lengths, budget, shuffle=False, seed=t.seed, max_items=max_items)
    # num_workers=0: the features are cached in memory, and one process keeps the run deterministic.
    train_loader = torch.utils.data.DataLoader(train_set, batch_sampler=train_sampler, collate_fn=collate)
    dev_loader = torch.utils.data.DataLoader(dev_set, batch_sampler=dev_sampler, collate_fn=collate)
    return TrainingData(root=root, corpus=corpus, feature_config=fc, input_key=key, train_set=train_set,
                        dev_set=dev_set, train_loader=train_loader, dev_loader=dev_loader,
                        train_sampler=train_sampler, normalizer_state=normalizer_state, sessions=sessions,
                        fingerprint=data_fingerprint(cfg, corpus), synthetic=labelled_synthetic(root),
                        mel_normalizer_state=None if train_set.mel_normalizer is None
                        else train_set.mel_normalizer.state_dict())


def inputs_digest(data: TrainingData) -> str:
    """sha256 of everything the model is trained and selected on: every training and dev item's
    input stream, targets, frame labels and session index, in dataset order, plus the normalisers.

    Recorded in each run's manifest. Two code versions that give the same digest fed the model
    exactly the same data, which is what ``released.restamp`` checks before it carries a released
    run over to new (non-model) code.
    """
    import numpy as np

    h = hashlib.sha256()
    for name, dataset in (("train", data.train_set), ("dev", data.dev_set)):
        h.update(name.encode())
        for i in range(len(dataset)):
            item = dataset[i]
            for key in (data.input_key, "text_ids", "phoneme_ids", "frame_phonemes", "session_index"):
                value = item.get(key)
                if value is None:
                    continue
                arr = np.ascontiguousarray(value.numpy() if torch.is_tensor(value) else np.asarray(value))
                h.update(f"{key}:{arr.dtype}:{arr.shape}".encode())
                h.update(arr.tobytes())
    h.update(json.dumps({"normalizer": data.normalizer_state, "mel": data.mel_normalizer_state},
                        sort_keys=True, default=lambda x: np.asarray(x).tolist()).encode())
    return h.hexdigest()
