"""Models: registry, forward contract, parameter counts, streaming, overfitting."""
from __future__ import annotations

import pytest
import torch

from semg_study.errors import ConfigError, StudyError
from semg_study.models.myostream import streaming_mask
from semg_study.models.registry import build_model, count_parameters, list_models
from semg_study.text import PHONEME_SYMBOLS, VOCAB

TINY = {
    "deepspeech2": dict(input_key="emg_features", n_feats=112, cnn_channels=4, n_cnn_layers=1, rnn_dim=24,
                        n_rnn_layers=1, dropout=0.0),
    "gaddy2022": dict(d_model=32, n_layers=1, n_heads=4, d_ff=64, dropout=0.0, max_distance=20),
    "myostream": dict(d_model=32, n_layers=2, n_heads=4, ff_mult=2, conv_kernel=5, per_channel=4, chunk=4,
                      left_chunks=2, lookahead=2, dropout=0.0),
}


def fake_batch(n_frames=(24, 17), seed=0):
    """A batch in the collate layout: emg_raw (8n), emg_features (n), audio_features (n)."""
    g = torch.Generator().manual_seed(seed)
    b, t = len(n_frames), max(n_frames)
    lengths = torch.tensor(n_frames)
    return {
        "emg_raw": torch.randn(b, 8 * t, 8, generator=g), "emg_raw_lengths": 8 * lengths,
        "emg_features": torch.randn(b, t, 112, generator=g),
        "audio_features": torch.randn(b, t, 128, generator=g), "frame_lengths": lengths,
        "session_index": torch.arange(1, b + 1),
    }


def test_registry_lists_the_three_models_and_rejects_unknown_names():
    assert {"deepspeech2", "gaddy2022", "myostream"} <= set(list_models())
    with pytest.raises(ConfigError, match="nosuchmodel"):
        build_model("nosuchmodel")
    with pytest.raises(ConfigError, match="gaddy2022"):
        build_model("gaddy2022", not_an_argument=3)


@pytest.mark.parametrize("name", sorted(TINY))
def test_forward_contract(name):
    model = build_model(name, **TINY[name]).eval()
    batch = fake_batch()
    out = model(batch)
    log_probs, lengths = out["log_probs"], out["lengths"]
    assert log_probs.shape[0] == 2 and log_probs.shape[2] == len(VOCAB)
    assert model.input_key in ("emg_raw", "emg_features", "audio_features")
    assert model.output_frame_rate > 0
    # log-softmax: rows sum to one in probability space
    assert torch.allclose(log_probs.exp().sum(-1), torch.ones(log_probs.shape[:2]), atol=1e-4)
    # lengths follow the input lengths through the downsampling
    per = model.input_per_output
    in_len = batch["emg_raw_lengths" if model.input_key == "emg_raw" else "frame_lengths"]
    expected = -(-in_len // per) if name == "deepspeech2" else in_len // 8
    assert lengths.tolist() == expected.tolist()
    # padding after an utterance's end does not change its outputs
    short = {k: (v[1:2] if torch.is_tensor(v) else v) for k, v in batch.items()}
    n = int(lengths[1])
    assert torch.allclose(model(short)["log_probs"][0, :n], log_probs[1, :n], atol=1e-4)


def test_deepspeech2_parameter_count_equals_appendix_c():
    # Appendix C, n_feats=128 (64 after the stride-2 conv), 29 outputs:
    cnn = 1 * 32 * 3 * 3 + 32                                     # Conv2d(1, 32, 3)           = 320
    rescnn = 3 * (2 * (32 * 32 * 3 * 3 + 32) + 2 * (2 * 64))      # 2 Conv2d + 2 LayerNorm(64) = 56,256
    fc = 32 * 64 * 512 + 512                                      # Linear(2048, 512)          = 1,049,088
    gru = lambda i, h: 2 * (3 * h * i + 3 * h * h + 2 * 3 * h)    # bidirectional, both biases
    rnn = (gru(512, 512) + 2 * 512) + 4 * (gru(1024, 512) + 2 * 1024)  # + LayerNorm(in) per layer
    classifier = (1024 * 512 + 512) + (512 * 29 + 29)
    expected = cnn + rescnn + fc + rnn + classifier
    assert expected == 23_705_373
    with torch.device("meta"):
        model = build_model("deepspeech2", n_feats=128, n_class=29)
    assert count_parameters(model) == expected


def test_gaddy2022_parameter_count_about_54m():
    d, ff, c = 768, 3072, 8
    conv = lambda i, o, k: i * o * k + o
    bn = 2 * d
    blocks = (conv(c, d, 3) + conv(d, d, 3) + conv(c, d, 1) + 3 * bn
              + 2 * (conv(d, d, 3) + conv(d, d, 3) + conv(d, d, 1) + 3 * bn))
    layer = (3 * d * d + 3 * d) + (d * d + d) + 8 * 201 * 96 + (d * ff + ff) + (ff * d + d) + 2 * 2 * d
    expected = blocks + (d * d + d) + 6 * layer + (d * 38 + 38)
    with torch.device("meta"):
        model = build_model("gaddy2022")
    assert count_parameters(model) == expected
    assert 53e6 < expected < 55e6


def test_myostream_sizes_are_in_their_ranges_and_under_gaddy2022():
    from semg_study.recipes.config import load_config

    ranges = {"small": (1e6, 3e6), "medium": (8e6, 10e6), "paper": (15e6, 25e6)}
    for size, (lo, hi) in ranges.items():
        cfg = load_config(f"myostream-{size}")
        with torch.device("meta"):
            n = count_parameters(build_model("myostream", **cfg.model.kwargs))
        assert lo <= n <= hi, (size, n)


@pytest.mark.parametrize("chunk,left,lookahead", [(4, 2, 0), (4, 2, 3), (3, -1, 1), (5, 0, 7)])
def test_streaming_mask_never_sees_beyond_lookahead(chunk, left, lookahead):
    T = 23
    mask = streaming_mask(T, chunk, left, lookahead)
    for q in range(T):
        chunk_end = (q // chunk + 1) * chunk
        visible = mask[q].nonzero().flatten().tolist()
        assert max(visible) == min(T, chunk_end + lookahead) - 1  # sees its whole chunk + look-ahead, no further
        assert q in visible
        if left >= 0:
            assert min(visible) == max(0, (q // chunk - left) * chunk)


def test_myostream_outputs_do_not_depend_on_input_beyond_latency():
    """End to end: changing raw samples after a chunk's look-ahead leaves that chunk unchanged."""
    torch.manual_seed(0)
    model = build_model("myostream", **TINY["myostream"]).eval()
    x = torch.randn(1, 8 * 40, 8)
    base = model({"emg_raw": x})["log_probs"]
    chunk, look = 4, 2
    for c in range(0, 9):
        visible_frames = (c + 1) * chunk + look      # frames chunk c may see
        cut = 8 * (visible_frames - 1) + 1            # frame t uses raw samples up to 8t
        y = x.clone()
        y[:, cut:] = torch.randn_like(y[:, cut:])
        changed = model({"emg_raw": y})["log_probs"]
        end = (c + 1) * chunk
        assert torch.allclose(changed[:, :end], base[:, :end], atol=1e-5)
        assert not torch.allclose(changed[:, end:], base[:, end:], atol=1e-5)


@pytest.mark.parametrize("variant", [{}, {"electrode_frontend": False, "conv_module": False, "lookahead": 0},
                                     {"left_chunks": -1, "session_adaptation": False},
                                     # more left context than chunks seen early on (the quick config's 4)
                                     {"left_chunks": 4},
                                     {"envelope_frontend": True, "left_chunks": 3}])
def test_myostream_streaming_equals_full_sequence(variant):
    torch.manual_seed(1)
    model = build_model("myostream", **{**TINY["myostream"], **variant}).eval()
    x = torch.randn(2, 8 * 45 + 5, 8)
    session = torch.tensor([1, 5])
    full = model({"emg_raw": x, "session_index": session})["log_probs"]
    state = model.init_stream_state(batch_size=2)
    state.session = session
    pieces, i = [], 0
    for n in (3, 20, 64, 1, 99, 8, 40, 17):
        lp, state = model.stream_step(x[:, i:i + n], state)
        pieces.append(lp)
        i += n
    lp, state = model.stream_step(x[:, i:], state, final=True)
    pieces.append(lp)
    streamed = torch.cat(pieces, dim=1)
    assert streamed.shape == full.shape
    assert torch.allclose(streamed, full, atol=1e-5)
    latency = model.algorithmic_latency_ms
    assert latency == pytest.approx(1000 * (4 + variant.get("lookahead", 2)) / (22050 / 256))


def test_myostream_full_context_cannot_stream():
    model = build_model("myostream", **{**TINY["myostream"], "streaming_mask": False}).eval()
    with pytest.raises(StudyError, match="stream"):
        model.init_stream_state()


def test_myostream_switches_change_the_model():
    base = build_model("myostream", **TINY["myostream"])
    names = set(dict(base.named_parameters()))
    assert any(n.startswith("session_weight") for n in names)
    assert any("electrode_embedding" in n for n in names)
    assert any(".conv." in n for n in names)
    assert "phoneme_classifier.weight" in names
    off = build_model("myostream", **{**TINY["myostream"], "electrode_frontend": False, "conv_module": False,
                                      "session_adaptation": False, "phoneme_aux_loss": False})
    off_names = set(dict(off.named_parameters()))
    assert not any("session_weight" in n or "electrode_embedding" in n or ".conv." in n or "phoneme" in n
                   for n in off_names)
    out = base.eval()(fake_batch())
    assert out["phoneme_log_probs"].shape[-1] == len(PHONEME_SYMBOLS)
    assert "phoneme_log_probs" not in off.eval()(fake_batch())


def test_session_adaptation_starts_as_identity_and_unknown_sessions_use_the_extra_entry():
    model = build_model("myostream", **TINY["myostream"]).eval()
    x = torch.randn(2, 16, 8)
    assert torch.allclose(model.adapt(x, torch.tensor([0, 99])), x)
    assert model.session_entry(torch.tensor([-1, 0, 3, 10_000])).tolist() == [0, 0, 3, 0]


def test_augmentation_only_in_training_and_seeded():
    model = build_model("myostream", **TINY["myostream"])
    batch = fake_batch()
    model.eval()
    a, b = model(batch)["log_probs"], model(batch)["log_probs"]
    assert torch.equal(a, b)
    model.train()
    torch.manual_seed(3)
    c = model(batch)["log_probs"]
    torch.manual_seed(3)
    d = model(batch)["log_probs"]
    torch.manual_seed(4)
    e = model(batch)["log_probs"]
    assert torch.equal(c, d) and not torch.allclose(c, e)


def _overfit(name, kwargs, steps, lr):
    """Train on one fixed tiny batch of two 'utterances' until greedy decoding reads them back."""
    torch.manual_seed(0)
    texts = ["hello world", "seven oclock"]
    g = torch.Generator().manual_seed(0)
    frames = 40
    batch = {"emg_raw": torch.randn(2, 8 * frames, 8, generator=g), "emg_raw_lengths": torch.tensor([8 * frames] * 2),
             "emg_features": torch.randn(2, frames, 112, generator=g), "frame_lengths": torch.tensor([frames] * 2)}
    targets = torch.nn.utils.rnn.pad_sequence([torch.tensor(VOCAB.encode(t)) for t in texts], batch_first=True)
    target_lengths = torch.tensor([len(t) for t in texts])
    model = build_model(name, **kwargs)
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for _ in range(steps):
        model.train()
        out = model(batch)
        loss = torch.nn.functional.ctc_loss(out["log_probs"].transpose(0, 1), targets, out["lengths"], target_lengths)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        out = model(batch)
    best = out["log_probs"].argmax(-1)
    return [VOCAB.decode(VOCAB.ctc_collapse(best[i, : int(out["lengths"][i])].tolist())) for i in range(2)], texts


@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs,steps,lr", [
    ("deepspeech2", {**TINY["deepspeech2"], "rnn_dim": 48}, 100, 5e-3),
    ("gaddy2022", {**TINY["gaddy2022"], "max_shift": 0}, 100, 3e-3),
    ("myostream", {**TINY["myostream"], "augmentation": False, "session_dropout": 0.0}, 100, 5e-3),
])
def test_each_model_overfits_a_tiny_batch(name, kwargs, steps, lr):
    hypotheses, references = _overfit(name, kwargs, steps, lr)
    assert hypotheses == references
