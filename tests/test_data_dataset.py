"""EMGDataset / AudioDataset items, the shared feature pipeline (defect 4), caching,
normaliser state, bucketing and collation."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from layout_fixture import make_layout_fixture
from semg_study import io
from semg_study.data import open_corpus
from semg_study.data.dataset import (UNKNOWN_SESSION, AudioDataset, BucketBatchSampler, EMGDataset, collate, frame_rate,
                                     raw_samples_per_frame)
from semg_study.data.feature_cache import MEMORY_CACHE, frame_phonemes
from semg_study.data.normalize import FeatureNormalizer
from semg_study.features import FeatureConfig, MelConfig
from semg_study.text import PHONEME_INDEX, SIL_ID, VOCAB


@pytest.fixture(scope="module")
def layout(tmp_path_factory):
    return make_layout_fixture(tmp_path_factory.mktemp("layout"), emg_only_session=True)


@pytest.fixture(scope="module")
def corpus(layout):
    return open_corpus(layout.root)


@pytest.fixture(scope="module")
def train(corpus, tmp_path_factory):
    return EMGDataset(corpus.utterances("open", "train"), FeatureConfig(),
                      cache_dir=tmp_path_factory.mktemp("features"))


def test_item_contract(train):
    for item in (train[i] for i in range(len(train))):
        n = item["emg_features"].shape[0]
        assert n > 0
        assert item["emg_raw"].shape == (8 * n, 8) and item["emg_raw"].dtype == torch.float32
        assert item["emg_features"].shape == (n, 112) and item["emg_features"].abs().max() < 8
        assert item["frame_phonemes"].shape == (n,) and item["frame_phonemes"].dtype == torch.int64
        assert item["text_ids"].dtype == torch.int64 and VOCAB.decode(item["text_ids"].tolist()) == item["text"]
        assert item["phoneme_ids"].dtype == torch.int64 and len(item["phoneme_ids"]) > 0
        assert item["mode"] in ("silent", "voiced") and isinstance(item["session_index"], int)
        if item["id"].startswith("nonparallel_data/capture-1/"):
            assert "audio_features" not in item  # EMG-only recordings
        else:
            assert item["audio_features"].shape == (n, 80)


def test_normalised_features_use_training_statistics(train):
    raw = np.concatenate([train.features(i)["emg_features"] for i in range(len(train))])
    normed = np.concatenate([train[i]["emg_features"].numpy() for i in range(len(train))])
    assert abs(normed.mean()) < 0.2 and 0.5 < normed.std() < 1.2
    np.testing.assert_allclose(train.normalizer.mean, raw.mean(axis=0), rtol=1e-4, atol=1e-4)


def test_defect4_one_feature_pipeline_for_train_and_eval(train, corpus):
    dev = train.derive(corpus.utterances("open", "dev") + corpus.utterances("open", "train")[:2])
    assert dev.feature_config is train.feature_config and dev.normalizer is train.normalizer
    assert dev.sessions == train.sessions
    for k in (0, 1):
        u = corpus.utterances("open", "train")[k]
        a, b = train[train.utterances.index(u)], dev[dev.utterances.index(u)]
        for key in ("emg_raw", "emg_features", "audio_features", "frame_phonemes", "text_ids"):
            assert torch.equal(a[key], b[key]), key
    # a different config really gives different features (the cache is keyed by the config)
    other = EMGDataset(train.utterances[:1], FeatureConfig(mel=MelConfig(n_mels=128)), normalizer=train.normalizer)
    assert other[0]["audio_features"].shape[1] == 128


def test_features_are_cached_on_disk_and_in_memory(train, corpus):
    utts = train.utterances
    again = EMGDataset(utts, train.feature_config, normalizer=train.normalizer, cache_dir=train.cache_dir)
    _ = [again[i] for i in range(len(again))]
    assert again.cache.computed == 0  # memory hit
    MEMORY_CACHE.clear()
    from_disk = EMGDataset(utts, train.feature_config, normalizer=train.normalizer, cache_dir=train.cache_dir)
    items = [from_disk[i] for i in range(len(from_disk))]
    assert from_disk.cache.computed == 0  # read back from the .npz files
    assert len(list(train.cache_dir.rglob("*.npz"))) == len(utts)
    assert torch.equal(items[0]["emg_features"], train[0]["emg_features"])


def test_cache_invalidated_when_a_file_changes(tmp_path):
    fx = make_layout_fixture(tmp_path / "data")
    utts = open_corpus(fx.root).utterances("open", "train", "voiced")[:3]
    ds = EMGDataset(utts, cache_dir=tmp_path / "cache")
    before = ds.features(0)["emg_features"].copy()
    arr = np.load(utts[0].emg_path)
    io.save_npy(utts[0].emg_path, arr * 3 + 1)
    ds2 = EMGDataset(utts, cache_dir=tmp_path / "cache", normalizer=ds.normalizer, mel_normalizer=ds.mel_normalizer)
    assert not np.allclose(ds2.features(0)["emg_features"], before)
    assert ds2.cache.computed == 1


def test_frame_phonemes_from_alignment(train, corpus):
    by_id = {u.id: i for i, u in enumerate(train.utterances)}
    # training utterances: 5-4 sentence 10 (voiced index 1 has a TextGrid; silent index 1 borrows it)
    voiced = train[by_id["voiced_parallel_data/5-4/1"]]["frame_phonemes"]
    silent = train[by_id["silent_parallel_data/5-4_silent/1"]]["frame_phonemes"]
    unaligned = train[by_id["voiced_parallel_data/5-4/4"]]["frame_phonemes"]
    for fp in (voiced, silent):
        assert set(fp.tolist()) == {PHONEME_INDEX[p] for p in ("sil", "n", "ow", "w", "ah")}
    assert set(unaligned.tolist()) == {SIL_ID}


def test_frame_phonemes_stretch_for_borrowed_alignment():
    alignment = [(0.0, 0.5, "sil"), (0.5, 1.0, "aa")]
    plain = frame_phonemes(alignment, 100, 100.0)
    assert (plain[:50] == SIL_ID).all() and (plain[50:] == PHONEME_INDEX["aa"]).all()
    stretched = frame_phonemes(alignment, 200, 100.0, duration_s=2.0)
    assert (stretched[:100] == SIL_ID).all() and (stretched[100:] == PHONEME_INDEX["aa"]).all()


def test_session_mapping_is_stable_and_unknown_maps_to_zero(train, layout):
    assert train.sessions[UNKNOWN_SESSION] == 0
    names = [s for s in train.sessions if s != UNKNOWN_SESSION]
    assert names == sorted(names) and list(train.sessions.values()) == list(range(len(train.sessions)))
    closed = open_corpus(layout.root).utterances("closed", "dev")
    assert {train.derive(closed)[i]["session_index"] for i in range(len(closed))} == {0}


def test_normalizer_state_dict_roundtrip(train):
    state = json.loads(json.dumps(train.normalizer.state_dict()))  # plain lists
    restored = FeatureNormalizer.from_state_dict(state)
    x = np.random.default_rng(0).normal(size=(5, 112)) * 10
    np.testing.assert_array_equal(restored(x), train.normalizer(x))
    assert np.abs(restored(x * 1e6)).max() <= 8.0


def test_bucket_sampler_fills_batches_and_is_deterministic():
    rng = np.random.default_rng(0)
    lengths = rng.integers(10, 100, 200).tolist() + [500]
    s = BucketBatchSampler(lengths, max_total=400, seed=3)
    batches = list(s)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for b in batches:
        total = sum(lengths[i] for i in b)
        assert total <= 400 or len(b) == 1
    # filled: sorted by length, the first item of the next batch would not have fitted
    by_start = sorted(batches, key=lambda b: (min(lengths[i] for i in b), max(lengths[i] for i in b)))
    for b, nxt in zip(by_start, by_start[1:]):
        assert sum(lengths[i] for i in b) + min(lengths[i] for i in nxt) > 400
    assert batches == list(BucketBatchSampler(lengths, max_total=400, seed=3))
    s.set_epoch(1)
    assert list(s) != batches and len(s) == len(batches)
    assert list(BucketBatchSampler(lengths, 400, seed=4)) != batches


def test_bucket_sampler_splits_across_replicas():
    lengths = list(range(1, 60))
    ranks = [list(BucketBatchSampler(lengths, 100, seed=0, num_replicas=3, rank=r)) for r in range(3)]
    assert len({len(r) for r in ranks}) == 1
    seen = {i for r in ranks for b in r for i in b}
    assert seen == set(range(len(lengths)))


def test_collate_pads_and_reports_lengths(train):
    items = [train[i] for i in range(4)]
    batch = collate(items)
    b = len(items)
    n = [it["emg_features"].shape[0] for it in items]
    assert batch["emg_raw"].shape == (b, 8 * max(n), 8)
    assert batch["emg_features"].shape == (b, max(n), 112)
    assert batch["frame_lengths"].tolist() == n
    assert batch["emg_raw_lengths"].tolist() == [8 * k for k in n]
    assert batch["text_lengths"].tolist() == [len(it["text_ids"]) for it in items]
    assert batch["phoneme_lengths"].tolist() == [len(it["phoneme_ids"]) for it in items]
    assert batch["session_index"].tolist() == [it["session_index"] for it in items]
    short = int(np.argmin(n))
    if n[short] < max(n):
        assert (batch["frame_phonemes"][short, n[short]:] == -100).all()
        assert (batch["emg_features"][short, n[short]:] == 0).all()


def test_dataloader_with_bucket_sampler(train):
    sampler = BucketBatchSampler(train.raw_lengths(), max_total=4000, seed=0)
    loader = torch.utils.data.DataLoader(train, batch_sampler=sampler, collate_fn=collate)
    seen = [i for batch in loader for i in batch["id"]]
    assert sorted(seen) == sorted(u.id for u in train.utterances)
    assert frame_rate() == pytest.approx(86.1328125) and raw_samples_per_frame() == 8


def test_audio_dataset_on_voiced_recordings_and_ljspeech(corpus, tmp_path):
    from test_data_corpus import make_ljspeech

    cfg = FeatureConfig(mel=MelConfig(n_mels=128))
    voiced = [u for u in corpus.utterances("open", "dev", "voiced")]
    ds = AudioDataset(voiced, cfg, cache_dir=tmp_path / "cache")
    item = ds[0]
    assert item["audio_features"].shape[1] == 128 and VOCAB.decode(item["text_ids"].tolist()) == item["text"]
    assert ds.cache.computed == len(voiced)  # each once, to fit the mel normaliser
    MEMORY_CACHE.clear()
    again = AudioDataset(voiced, cfg, cache_dir=tmp_path / "cache")
    assert torch.equal(again[0]["audio_features"], item["audio_features"]) and again.cache.computed == 0
    lj = open_corpus(make_ljspeech(tmp_path / "lj", n=6))
    lds = AudioDataset(lj.utterances("open", "train"), cfg)
    n = lds[0]["audio_features"].shape[0]
    assert n == (22050 // 2) // 256  # half a second at 22050 Hz, hop 256
    batch = collate([lds[i] for i in range(3)])
    assert batch["audio_features"].shape[0] == 3 and "emg_raw" not in batch
    with pytest.raises(ValueError, match="audio-only"):
        EMGDataset(lj.utterances("open", "train"))


def test_stream_subsets_share_one_disk_file_and_give_the_same_streams(corpus, tmp_path):
    """Configs that differ only in their streams preprocess each EMG utterance once between them;
    each gets exactly its own streams, equal to computing them under its own config."""
    from semg_study.data.feature_cache import FeatureCache

    utts = corpus.utterances("open", "train")[:3]
    raw_cfg, feat_cfg = FeatureConfig(streams=("emg_raw",)), FeatureConfig(streams=("emg_features",))
    MEMORY_CACHE.clear()
    first = FeatureCache(raw_cfg, tmp_path / "cache")
    got_raw = [first.get(u) for u in utts]
    assert first.computed == len(utts)
    MEMORY_CACHE.clear()
    second = FeatureCache(feat_cfg, tmp_path / "cache")
    got_feat = [second.get(u) for u in utts]
    assert second.computed == 0  # read from the files the emg_raw config wrote
    assert len(list((tmp_path / "cache").rglob("*.npz"))) == len(utts)
    for u, a, b in zip(utts, got_raw, got_feat):
        assert "emg_features" not in a and "audio_features" not in a
        assert "emg_raw" not in b and "audio_features" not in b
        for cfg, value in ((raw_cfg, a), (feat_cfg, b)):
            ref = FeatureCache(cfg).compute(u)
            assert set(value) == set(ref)
            for k in ref:
                assert value[k].dtype == ref[k].dtype and np.array_equal(value[k], ref[k]), k


def test_audio_only_config_keeps_its_own_files(corpus, tmp_path):
    from semg_study.data.feature_cache import FeatureCache

    cfg = FeatureConfig(streams=("audio_features",))
    cache = FeatureCache(cfg, tmp_path / "cache")
    assert cache.store_config is cfg
    full = FeatureCache(FeatureConfig(), tmp_path / "cache")
    assert full.store_config == FeatureConfig()
    assert FeatureCache(FeatureConfig(streams=("emg_raw",))).store_config == FeatureConfig()


def test_normalised_features_are_reused_and_follow_the_normaliser(train):
    first = train[0]["emg_features"]
    again = train[0]["emg_features"]
    assert np.array_equal(first.numpy(), train.normalizer(train.features(0)["emg_features"]))
    assert again.data_ptr() == first.data_ptr()  # normalised once, then taken from the memory cache
    other = FeatureNormalizer(train.normalizer.mean + 1.0, train.normalizer.std)
    assert other.digest() != train.normalizer.digest()
    derived = EMGDataset(train.utterances[:1], train.feature_config, normalizer=other, cache_dir=train.cache_dir)
    assert np.array_equal(derived[0]["emg_features"].numpy(), other(train.features(0)["emg_features"]))
    assert not np.array_equal(derived[0]["emg_features"].numpy(), first.numpy())


def test_normaliser_sample_follows_the_authors_shuffle(corpus):
    import random

    from semg_study.data.normalize import normalizer_sample

    train_utts = corpus.utterances("open", "train")
    assert normalizer_sample(train_utts, 0) == list(train_utts)  # the project default: all of them
    picked = normalizer_sample(train_utts, 3)
    # their order: silent folders, then voiced parallel, then non-parallel; sessions sorted; by file index
    folders = ["silent_parallel_data", "voiced_parallel_data", "nonparallel_data"]
    order = sorted(train_utts, key=lambda u: (folders.index(u.folder), u.session, u.index))
    random.seed(0)
    random.shuffle(order)
    assert picked == order[:3]


def test_mel_normaliser_shares_one_scale_and_does_not_clip():
    from semg_study.data.normalize import fit_mel_normalizer

    rng = np.random.default_rng(0)
    mels = [rng.normal([0.0, 5.0, -3.0], [1.0, 2.0, 3.0], size=(50, 3)) for _ in range(4)]
    norm = fit_mel_normalizer(mels)
    allx = np.concatenate(mels)
    np.testing.assert_allclose(norm.mean, allx.mean(axis=0))
    np.testing.assert_allclose(norm.std, np.sqrt((allx - allx.mean(axis=0)).var(axis=0).mean()) * np.ones(3))
    assert norm.clip is None and np.abs(norm(allx * 100)).max() > 8  # no tanh squashing
    again = FeatureNormalizer.from_state_dict(norm.state_dict())
    np.testing.assert_array_equal(again(allx), norm(allx))
