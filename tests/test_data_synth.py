"""Integration: the data layer on the embedded synthetic corpus (``smoke_corpus``, ``smoke_ljspeech``)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from semg_study.data import open_corpus
from semg_study.data.dataset import AudioDataset, BucketBatchSampler, EMGDataset, collate
from semg_study.data.validate import validate
from semg_study.features import FeatureConfig
from semg_study.text import SIL_ID


@pytest.fixture(scope="module")
def corpus(smoke_corpus):
    return open_corpus(smoke_corpus)


def test_synthetic_corpus_validates_and_is_labelled(smoke_corpus, corpus):
    report = validate(smoke_corpus)
    assert report.ok, report.format_text()
    assert corpus.synthetic
    assert corpus.testset_path == smoke_corpus / "testset.json"


def test_synthetic_corpus_splits(corpus):
    for condition in ("open", "closed"):
        train = corpus.utterances(condition, "train")
        held_out = {u.key for s in ("dev", "test") for u in corpus.utterances(condition, s, "silent")}
        assert train and held_out
        assert not {u.key for u in train} & held_out
        assert {u.key for s in ("dev", "test") for u in corpus.utterances(condition, s, "voiced")} <= held_out


def test_synthetic_dataset_items_and_batches(corpus):
    train = EMGDataset(corpus.utterances("open", "train"), FeatureConfig())
    assert any(u.alignment_path is not None for u in train.utterances)
    aligned = [i for i, u in enumerate(train.utterances) if u.alignment_path is not None]
    assert all((train[i]["frame_phonemes"] != SIL_ID).any() for i in aligned[:3])
    sampler = BucketBatchSampler(train.raw_lengths(), max_total=20000, seed=0)
    batch = collate([train[i] for i in next(iter(sampler))])
    assert batch["emg_raw"].shape[2] == 8 and batch["emg_features"].shape[2] == 112
    dev = train.derive(corpus.utterances("open", "dev"))
    item = dev[0]
    assert item["audio_features"].shape == (item["emg_features"].shape[0], 80)
    assert torch.isfinite(item["emg_features"]).all()


def test_synthetic_ljspeech(smoke_ljspeech):
    assert validate(smoke_ljspeech).ok
    lj = open_corpus(smoke_ljspeech)
    assert lj.kind == "ljspeech" and lj.synthetic
    assert lj.utterances("open", "dev") and lj.utterances("open", "test")
    ds = AudioDataset(lj.utterances("open", "train")[:2], FeatureConfig())
    assert ds[0]["audio_features"].shape[1] == 80 and np.isfinite(ds[0]["audio_features"].numpy()).all()
