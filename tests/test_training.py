"""Training: configs and overrides, resume == uninterrupted, NaN handling, checkpoints, caching, CLIs."""
from __future__ import annotations

import json
import socket

import pytest
import torch

from semg_study.errors import ConfigError, StudyError
from semg_study.recipes import available_configs, load_config
from semg_study.training import load_run, train, train_cached

# Tiny and fast: a handful of smoke utterances, one epoch = a few batches.
FAST = ["train.progress=false", "data.max_train_utterances=6", "train.batch_samples=6000",
        "model.dropout=0.1"]


def overrides(corpus, out, *extra):
    return [f"data_root={corpus}", f"out={out}", *FAST, *extra]


def parameters(run_dir, which="last"):
    return {k: v.clone() for k, v in load_run(run_dir, which).model.state_dict().items()}


# ----------------------------------------------------------------- configs
def test_every_required_config_exists_and_accepts_the_aliases(tmp_path):
    names = set(available_configs())
    for family in ("ds2audio_ljspeech", "ds2audio_closed", "ds2audio_full", "ds2emg", "gaddy2022", "myostream"):
        for size in ("smoke", "quick", "paper"):
            assert f"{family}-{size}" in names
    assert "myostream-medium" in names
    for name in names:
        cfg = load_config(name, [f"data_root={tmp_path}", f"out={tmp_path / 'r'}", "seed=7", "device=cpu"])
        assert cfg.data.root == str(tmp_path) and cfg.train.out == str(tmp_path / "r")
        assert cfg.train.seed == 7 and cfg.train.device == "cpu" and cfg.name == name


def test_paper_configs_follow_the_papers():
    g = load_config("gaddy2022-paper")
    assert (g.train.lr, g.train.warmup_batches, g.train.halve_at_epochs, g.train.epochs) == (3e-4, 1000, [125, 150, 175], 200)
    assert (g.train.batch_samples, g.train.grad_accumulation, g.train.chunk_frames) == (128000, 2, 200)
    assert g.model.kwargs["d_model"] == 768 and g.model.kwargs["n_layers"] == 6
    d = load_config("ds2audio_full-paper")
    assert (d.train.lr, d.train.schedule, d.train.batch_size, d.train.epochs) == (5e-4, "onecycle", 20, 10)
    assert (d.model.kwargs["freq_mask"], d.model.kwargs["time_mask"], d.model.kwargs["n_feats"]) == (15, 35, 128)


def test_overrides_parse_values_and_reject_unknown_keys():
    cfg = load_config("myostream-smoke", ["train.epochs=3", "model.d_model=24", "train.lr=1e-3",
                                          "data.train_modes=[silent]", "model.conv_module=false"])
    assert cfg.train.epochs == 3 and cfg.model.kwargs["d_model"] == 24 and cfg.train.lr == 1e-3
    assert cfg.data.train_modes == ["silent"] and cfg.model.kwargs["conv_module"] is False
    with pytest.raises(ConfigError, match="train.epoch\\b"):
        load_config("myostream-smoke", ["train.epoch=3"])
    with pytest.raises(ConfigError, match="model.not_a_knob"):
        load_config("myostream-smoke", ["model.not_a_knob=1"])
    with pytest.raises(ConfigError, match="bogus"):
        load_config("myostream-smoke", ["bogus=1"])
    with pytest.raises(ConfigError, match="key=value"):
        load_config("myostream-smoke", ["train.epochs"])
    with pytest.raises(ConfigError, match="train.epochs must be an integer"):
        load_config("myostream-smoke", ["train.epochs=many"])
    with pytest.raises(ConfigError, match="train.device must be one of"):
        load_config("myostream-smoke", ["device=tpu"])
    with pytest.raises(ConfigError, match="unknown config"):
        load_config("no-such-config")


def test_config_file_with_unknown_section_names_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("model: {name: gaddy2022}\ntraining: {epochs: 1}\n")
    with pytest.raises(ConfigError, match="bad.yaml.*training"):
        load_config(path)


def test_models_cli_json_lists_every_model_and_config(capsys):
    from semg_study.cli import main

    assert main(["models", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {m["name"] for m in info["models"]} >= {"deepspeech2", "gaddy2022", "myostream"}
    listed = {c["config"]: c for c in info["configs"]}
    assert set(listed) == set(available_configs())
    assert listed["ds2audio_full-paper"]["parameters"] > 23_000_000
    assert listed["gaddy2022-paper"]["parameters"] > 53_000_000
    assert listed["myostream-paper"]["parameters"] < listed["gaddy2022-paper"]["parameters"] / 2


# ----------------------------------------------------------------- the loop
@pytest.fixture(scope="module")
def straight_run(smoke_corpus, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    return train("myostream-smoke", overrides(smoke_corpus, out, "train.epochs=2"))


def test_run_folder_manifest_metrics_and_load_run(straight_run, smoke_corpus):
    manifest = json.loads((straight_run / "manifest.json").read_text())
    for key in ("git", "config", "data_fingerprint", "seed", "packages", "device", "cpu_threads",
                "start_time", "end_time"):
        assert key in manifest, key
    assert manifest["finished"] and manifest["synthetic"] is True
    assert manifest["packages"]["torch"] == torch.__version__.split("+")[0] or manifest["packages"]["torch"]
    assert "commit" in manifest["git"] and "dirty" in manifest["git"]
    assert manifest["config"]["model"]["name"] == "myostream"
    metrics = json.loads((straight_run / "metrics.json").read_text())
    assert [m["epoch"] for m in metrics] == [1, 2]
    for key in ("train_loss", "dev_loss", "dev_cer", "dev_wer", "lr", "seconds"):
        assert key in metrics[0]
    loaded = load_run(straight_run)
    assert not loaded.model.training and loaded.config.model.name == "myostream"
    assert loaded.sessions and loaded.sessions["<unknown>"] == 0
    assert len(loaded.vocab) == 38 and loaded.feature_config.streams == ("emg_raw",)
    best_epoch = min(metrics, key=lambda m: (m["dev_cer"], m["epoch"]))["epoch"]
    assert loaded.epoch == best_epoch


def test_resume_continues_to_the_same_parameters(straight_run, smoke_corpus, tmp_path):
    args = overrides(smoke_corpus, tmp_path, "train.epochs=1")
    run_dir = train("myostream-smoke", args)
    # a second start without --resume refuses to overwrite
    with pytest.raises(StudyError, match="--resume"):
        train("myostream-smoke", args)
    train("myostream-smoke", overrides(smoke_corpus, tmp_path, "train.epochs=2"), resume=True)
    resumed, straight = parameters(run_dir), parameters(straight_run)
    assert resumed.keys() == straight.keys()
    for k in straight:
        assert torch.equal(resumed[k], straight[k]), k
    timeless = lambda path: [{k: v for k, v in m.items() if k != "seconds"}  # noqa: E731
                             for m in json.loads((path / "metrics.json").read_text())]
    assert timeless(run_dir) == timeless(straight_run)


def test_nan_loss_stops_with_epoch_and_batch_and_keeps_last_good_checkpoint(smoke_corpus, tmp_path, monkeypatch):
    from semg_study.training import loop

    real = loop.compute_loss
    calls = {"n": 0}
    batches_per_epoch = {}

    def poisoned(model, batch, cfg):
        calls["n"] += 1
        loss = real(model, batch, cfg)
        if calls["n"] == batches_per_epoch.get("n", 10**9) + 2:  # epoch 2, batch 2
            return loss * float("nan")
        return loss

    cfg = load_config("myostream-smoke", overrides(smoke_corpus, tmp_path, "train.epochs=3"))
    from semg_study.training.data import make_training_data

    batches_per_epoch["n"] = len(make_training_data(cfg).train_loader)
    monkeypatch.setattr(loop, "compute_loss", poisoned)
    with pytest.raises(StudyError, match=r"epoch 2, batch 2"):
        train(cfg)
    run_dir = tmp_path / "myostream-smoke"
    last = torch.load(run_dir / "checkpoints" / "last.pt", weights_only=False)
    assert last["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in last["model_state"].values())
    assert not json.loads((run_dir / "manifest.json").read_text())["finished"]


def test_checkpoint_of_one_model_refuses_to_load_into_another(straight_run, smoke_corpus, tmp_path):
    from semg_study.models.registry import build_model
    from semg_study.training.checkpoint import load_weights

    gaddy = build_model("gaddy2022", d_model=16, n_layers=1, n_heads=2, d_ff=32)
    with pytest.raises(StudyError, match="'myostream'.*'gaddy2022'"):
        load_weights(gaddy, straight_run / "checkpoints" / "best.pt")
    # resuming a myostream run folder with a gaddy2022 config is refused the same way
    target = tmp_path / "gaddy2022-smoke" / "checkpoints"
    target.mkdir(parents=True)
    (target / "last.pt").write_bytes((straight_run / "checkpoints" / "last.pt").read_bytes())
    with pytest.raises(StudyError, match="'myostream'.*'gaddy2022'"):
        train("gaddy2022-smoke", overrides(smoke_corpus, tmp_path), resume=True)


def test_train_cached_reuses_a_finished_run_and_force_retrains(smoke_corpus, tmp_path, monkeypatch):
    from semg_study.training import fingerprint, loop

    # The code version hashes the package sources; pin it (others may edit files while this runs).
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v1")
    args = [f"data_root={smoke_corpus}", *FAST, "train.epochs=1"]
    first = train_cached("gaddy2022-smoke", args, runs_root=tmp_path)
    stamp = (first / "checkpoints" / "last.pt").stat().st_mtime_ns
    real_train = loop.train

    def no_training(*a, **k):
        raise AssertionError("a cached run was retrained")

    monkeypatch.setattr(loop, "train", no_training)
    assert train_cached("gaddy2022-smoke", args, runs_root=tmp_path) == first
    monkeypatch.setattr(loop, "train", real_train)
    other = train_cached("gaddy2022-smoke", args + ["seed=1"], runs_root=tmp_path)
    assert other != first
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v2")  # changed code: a new run
    assert train_cached("gaddy2022-smoke", args, runs_root=tmp_path) not in (first, other)
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v1")
    again = train_cached("gaddy2022-smoke", args, runs_root=tmp_path, force=True)
    assert again == first and (first / "checkpoints" / "last.pt").stat().st_mtime_ns != stamp


def test_ddp_world_size_one_on_gloo_matches_plain_training(straight_run, smoke_corpus, tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1",
                       "MASTER_PORT": str(port)}.items():
        monkeypatch.setenv(key, value)
    run_dir = train("myostream-smoke", overrides(smoke_corpus, tmp_path, "train.epochs=2"))
    assert not torch.distributed.is_initialized()
    ddp, plain = parameters(run_dir), parameters(straight_run)
    for k in plain:
        assert torch.allclose(ddp[k], plain[k], atol=1e-6), k


def test_chunked_training_forward_splits_back_per_utterance():
    from semg_study.models.registry import build_model
    from semg_study.training.loop import forward_in_chunks

    torch.manual_seed(0)
    model = build_model("myostream", d_model=16, n_layers=1, n_heads=2, per_channel=2, chunk=2, left_chunks=-1,
                        lookahead=0, streaming_mask=True, augmentation=False, session_adaptation=False).eval()
    x = torch.randn(2, 8 * 30, 8)
    batch = {"emg_raw": x, "emg_raw_lengths": torch.tensor([8 * 30, 8 * 18])}
    out = forward_in_chunks(model, batch, chunk_frames=48)  # one chunk holds both utterances end to end
    assert out["lengths"].tolist() == [30, 18] and out["log_probs"].shape[:2] == (2, 30)
    alone = model({"emg_raw": x[:1]})["log_probs"]
    assert torch.allclose(out["log_probs"][0], alone[0], atol=1e-5)  # the first utterance comes first: causal model


def test_train_cli_trains_resumes_and_reports_errors_in_one_line(smoke_corpus, tmp_path, capsys):
    from semg_study.cli import main

    args = ["train", "gaddy2022-smoke", *overrides(smoke_corpus, tmp_path, "train.epochs=1")]
    assert main(args) == 0
    assert f"run folder: {tmp_path / 'gaddy2022-smoke'}" in capsys.readouterr().out
    assert main(args[:-1] + ["train.epochs=2", "--resume"]) == 0
    assert [m["epoch"] for m in json.loads((tmp_path / "gaddy2022-smoke" / "metrics.json").read_text())] == [1, 2]
    assert main(["train", "gaddy2022-smoke", "train.epoch=1"]) == 1
    assert "unknown key train.epoch" in capsys.readouterr().err


def test_frame_phoneme_loss_subsamples_labels_and_ignores_padding():
    import torch
    import torch.nn.functional as F

    from semg_study.training.loop import frame_phoneme_loss

    torch.manual_seed(0)
    logits = torch.randn(2, 5, 7)
    labels = torch.tensor([[1, 9, 2, 9, 3, 9, 4, 9, 5, 9], [6, 9, 1, 9, -100, -100, -100, -100, -100, -100]])
    labels = labels.clamp(max=6)
    lengths = torch.tensor([4, 5])  # frame 4 of utterance 0 is past its output length
    loss = frame_phoneme_loss(logits, labels, lengths, step=2)
    # kept: utterance 0 frames 0-3 (labels 1, 2, 3, 4), utterance 1 frames 0-1 (labels 6, 1)
    kept_logits = torch.cat([logits[0, :4], logits[1, :2]])
    expected = F.cross_entropy(kept_logits, torch.tensor([1, 2, 3, 4, 6, 1]))
    assert torch.allclose(loss, expected)
    assert frame_phoneme_loss(logits, torch.full((2, 10), -100), lengths, step=2).item() == 0.0


def test_myostream_frame_phoneme_head_is_training_only():
    import torch

    from semg_study.models.registry import build_model

    model = build_model("myostream", d_model=32, n_layers=2, n_heads=4, ff_mult=1, conv_kernel=5, per_channel=4,
                        chunk=4, left_chunks=2, lookahead=2, strides=(2, 2, 4), envelope_frontend=True,
                        frame_phoneme_weight=1.0)
    assert model.frame_label_step == 2  # 16 raw samples per output frame = 2 feature frames
    batch = {"emg_raw": torch.randn(2, 400, 8), "emg_raw_lengths": torch.tensor([400, 300])}
    assert "frame_phoneme_logits" in model.train()(batch)
    assert "frame_phoneme_logits" not in model.eval()(batch)


def test_mel_normaliser_statistics_travel_with_the_run(smoke_corpus, tmp_path):
    """mel_normalize (the default): fitted on the training utterances, kept in the checkpoint and the
    manifest, and the evaluation dataset uses those statistics (never refitted on evaluation data)."""
    import numpy as np

    from semg_study.data import open_corpus
    from semg_study.evaluation.evaluate import eval_dataset

    run = train("ds2audio_full-smoke", overrides(smoke_corpus, tmp_path, "train.epochs=1"))
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["testset"] == str(smoke_corpus / "testset.json")  # the corpus's own split, named
    stats = manifest["normalizers"]["audio_features"]
    assert stats is not None and len(stats["mean"]) == 16 and len(set(stats["std"])) == 1  # one shared scale
    loaded = load_run(run)
    assert loaded.feature_config.mel_normalize and loaded.mel_normalizer.state_dict() == stats
    corpus = open_corpus(smoke_corpus)
    dev = eval_dataset(loaded, corpus, corpus.utterances("open", "dev", "voiced"))
    assert dev.mel_normalizer is loaded.mel_normalizer
    raw = np.asarray(dev.features(0)["audio_features"])
    np.testing.assert_allclose(dev[0]["audio_features"].numpy(), loaded.mel_normalizer(raw), rtol=1e-6)
    loaded.mel_normalizer = None  # a checkpoint without the statistics
    with pytest.raises(StudyError, match="mel normaliser"):
        eval_dataset(loaded, corpus, corpus.utterances("open", "dev", "voiced"))
