"""Features: preprocessing (filters, rates, streaming), the 112 EMG features, log-mels, FeatureConfig."""
from __future__ import annotations

import numpy as np
import pytest

from semg_study.features import (FeatureConfig, MelConfig, PreprocessConfig, StreamingPreprocessor,
                                 StreamingResampler, align_streams, compute_features, emg_features,
                                 mel_filter_bank, mel_spectrogram, preprocess_emg, preprocess_emg_causal,
                                 resample_linear)
from semg_study.features.emg_features import zero_crossing_rate

RNG = np.random.default_rng(0)


def emg_signal(seconds=2.0, hum=0.0):
    t = np.arange(int(seconds * 1000)) / 1000
    return RNG.normal(0, 10, (len(t), 8)) + hum * np.sin(2 * np.pi * 60 * t)[:, None] + 5 * t[:, None] * 100


def test_default_rates():
    cfg = PreprocessConfig()
    assert cfg.raw_rate == 689.0625 and cfg.feature_rate == 516.796875
    assert cfg.frame_rate == pytest.approx(86.1328125)
    assert PreprocessConfig.gaddy2020().frame_rate == 100.0
    assert FeatureConfig().frame_rate == pytest.approx(22050 / 256)


@pytest.mark.parametrize("cfg,rate", [(FeatureConfig(), 22050 / 256), (FeatureConfig.gaddy2020(), 100.0)])
def test_frames_per_second_and_stream_shapes(cfg, rate):
    seconds = 3.0
    emg = emg_signal(seconds)
    audio = (0.1 * RNG.normal(size=int(seconds * 16000))).astype(np.float32)
    out = compute_features(emg, cfg, audio=audio, audio_rate=16000)
    n = int(out["n_frames"])
    assert abs(n - seconds * rate) <= 3
    assert out["emg_features"].shape == (n, 112)
    assert out["emg_raw"].shape == (8 * n, 8)
    assert out["audio_features"].shape == (n, 80)
    assert out["emg_raw"].dtype == np.float32 and np.abs(out["emg_raw"]).max() <= 50


def test_emg_only_utterance_keeps_all_feature_frames():
    emg = emg_signal(1.0)
    out = compute_features(emg, FeatureConfig())
    _, feat = preprocess_emg(emg, PreprocessConfig())
    assert "audio_features" not in out
    assert int(out["n_frames"]) == 1 + (len(feat) - 16) // 6


def test_notches_and_highpass_remove_hum_and_drift():
    emg = emg_signal(4.0, hum=200.0)
    _, feat = preprocess_emg(emg, PreprocessConfig())

    def power_at(x, rate, f):
        spec = np.abs(np.fft.rfft(x[:, 0] * np.hanning(len(x)))) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / rate)
        return spec[np.argmin(np.abs(freqs - f))]

    resampled = resample_linear(emg, in_rate=1000, out_rate=PreprocessConfig().feature_rate)
    assert power_at(feat, 516.796875, 60) < 1e-3 * power_at(resampled, 516.796875, 60)
    assert abs(feat[:, 0].mean()) < 5  # the slow ramp (drift) is gone


def test_neighbour_context_changes_only_the_edges():
    cfg = PreprocessConfig()
    emg, before, after = emg_signal(2.0), emg_signal(1.0), emg_signal(1.0)
    with_ctx, _ = preprocess_emg(emg, cfg, before, after)
    without, _ = preprocess_emg(emg, cfg)
    assert with_ctx.shape == without.shape
    assert not np.allclose(with_ctx[:20], without[:20])
    no_ctx_cfg, _ = preprocess_emg(emg, PreprocessConfig(use_neighbour_context=False), before, after)
    np.testing.assert_allclose(no_ctx_cfg, without)


def test_resample_linear_times():
    x = np.arange(1000, dtype=float)  # a ramp: interpolation is exact
    y = resample_linear(x, in_rate=1000, out_rate=689.0625)
    k = np.arange(len(y))
    np.testing.assert_allclose(y, k * 1000 / 689.0625, atol=1e-9)
    assert y[-1] < 999 and len(y) == int(np.ceil(999 * 689.0625 / 1000))


def test_resample_linear_is_bit_identical_to_the_authors_subsample():
    # the training inputs are fingerprinted: the resampler must keep giving the very same floats
    # as the authors' subsample (np.interp at arange(0, t_last, 1 / out_rate)) it was written from
    for n, out_rate in ((1, 689.0625), (2, 516.796875), (641, 689.0625), (1281, 516.79), (3001, 800.0)):
        x = RNG.normal(size=(n, 8))
        times = np.arange(n) / 1000.0
        out_times = np.arange(0.0, times[-1], 1.0 / out_rate)
        expected = np.stack([np.interp(out_times, times, x[:, c]) for c in range(8)], axis=1)
        assert np.array_equal(resample_linear(x, in_rate=1000.0, out_rate=out_rate), expected)


def test_streaming_resampler_equals_offline():
    x = RNG.normal(size=(2000, 3))
    r = StreamingResampler(in_rate=1000, out_rate=689.0625)
    sizes = RNG.integers(1, 50, 200)
    pieces, pos = [], 0
    for s in sizes:
        pieces.append(r.process(x[pos: pos + s]))
        pos += s
    pieces.append(r.process(x[pos:]))
    np.testing.assert_allclose(np.concatenate(pieces), resample_linear(x, in_rate=1000, out_rate=689.0625), atol=1e-9)


@pytest.mark.parametrize("stream", ["raw", "feature"])
def test_streaming_preprocessor_matches_offline_causal(stream):
    emg = emg_signal(3.0, hum=50)
    sp = StreamingPreprocessor(FeatureConfig(), stream=stream)
    sizes = [1, 7, 40, 3, 250, 16] * 60
    outs, pos = [], 0
    for s in sizes:
        if pos >= len(emg):
            break
        outs.append(sp.process(emg[pos: pos + s]))
        pos += s
    online = np.concatenate(outs)
    offline = preprocess_emg_causal(emg, PreprocessConfig(), stream=stream)
    n = min(len(online), len(offline))
    assert n >= len(offline) - 1
    np.testing.assert_allclose(online[:n], offline[:n], rtol=1e-4, atol=1e-4)
    # causal filtering is not the zero-phase offline result (it lags), but the hum is gone
    zero_phase = preprocess_emg(emg, PreprocessConfig())[0 if stream == "raw" else 1]
    assert not np.allclose(offline[:n], zero_phase[:n], atol=1e-2)
    sp.reset()  # a fresh start gives the same output again
    again = sp.process(emg[:1000])
    np.testing.assert_allclose(again, online[: len(again)], rtol=1e-5, atol=1e-5)


def test_streaming_preprocessor_rejects_bad_chunks():
    sp = StreamingPreprocessor()
    with pytest.raises(ValueError, match="shape"):
        sp.process(np.zeros((10, 7)))
    with pytest.raises(ValueError, match="NaN"):
        sp.process(np.full((10, 8), np.nan))


def naive_features(x, frame):
    """Direct, loop-style statement of the Jou et al. features of one frame of one channel."""
    x = x - x.mean()
    k = np.ones(9) / 9
    w = np.convolve(np.convolve(x, k, "same"), k, "same")
    p = x - w
    r = np.abs(p)
    sl = slice(6 * frame, 6 * frame + 16)
    signs = [v < 0 for v in p[sl]]
    zcr = sum(a != b for a, b in zip(signs[1:], signs[:-1])) / 16
    hann = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(16) / 16)
    spectrum = np.abs(np.fft.rfft(x[sl] * hann))
    return np.concatenate([[w[sl].mean(), np.sqrt(np.mean(w[sl] ** 2)), np.sqrt(np.mean(r[sl] ** 2)), zcr,
                            r[sl].mean()], spectrum])


def test_emg_features_definition():
    x = RNG.normal(size=(400, 8))
    f = emg_features(x)
    assert f.shape == (1 + (400 - 16) // 6, 112) and f.dtype == np.float32
    for frame in (0, 7, f.shape[0] - 1):
        for ch in (0, 5):
            np.testing.assert_allclose(f[frame, 14 * ch: 14 * ch + 14], naive_features(x[:, ch], frame),
                                       rtol=1e-5, atol=1e-5)


def test_zero_crossing_rate_counts_zero_as_positive():
    frames = np.array([[1.0, -1.0] * 8, [0.0, 1.0] * 8, [1e-12, -1e-12] * 8])
    np.testing.assert_allclose(zero_crossing_rate(frames), [15 / 16, 0.0, 0.0])


def test_align_streams_offsets():
    feats = np.zeros((50, 112))
    feat_stream = np.arange(400.0)[:, None]
    raw = np.arange(500.0)[:, None]
    f, fs, r, n = align_streams(feats, feat_stream, raw, n_audio_frames=40)
    assert n == 40 and len(f) == 40
    assert fs[0, 0] == 6 and len(fs) == 240 and r[0, 0] == 8 and len(r) == 320


def test_mel_shape_and_rate():
    audio = (0.1 * RNG.normal(size=16000)).astype(np.float32)
    mel = mel_spectrogram(audio, 16000)
    assert mel.shape == (22050 // 256, 80) and mel.dtype == np.float32
    assert mel_spectrogram(audio, 16000, n_mels=128).shape == (86, 128)
    assert np.all(mel >= np.log(1e-5) - 1e-6)
    # clipping to [-1, 1] before the STFT (at 22050 Hz no resampling happens first)
    audio22 = (0.1 * RNG.normal(size=22050)).astype(np.float32)
    loud = mel_spectrogram(audio22 * 100, 22050)
    clipped = mel_spectrogram(np.clip(audio22 * 100, -1, 1), 22050)
    np.testing.assert_allclose(loud, clipped, atol=1e-4)


def test_mel_filter_bank_is_slaney_area_normalised():
    fb = mel_filter_bank(22050, 1024, 80, 0.0, 8000.0)
    assert fb.shape == (80, 513) and (fb >= 0).all()
    centres = fb.argmax(axis=1)
    assert (np.diff(centres) >= 0).all() and centres[-1] * 22050 / 1024 < 8000
    df = 22050 / 1024
    areas = fb.sum(axis=1) * df
    np.testing.assert_allclose(areas[40:], 1.0, rtol=0.05)  # wide filters: triangle area 1 (Slaney norm)
    # below 1 kHz the mel scale is linear: equal spacing of centres
    lows = centres[:10]
    assert np.ptp(np.diff(lows)) <= 1


def test_feature_config_roundtrip_and_digest():
    cfg = FeatureConfig()
    assert FeatureConfig.from_dict(cfg.to_dict()) == cfg
    assert FeatureConfig.from_dict(cfg.to_dict()).digest() == cfg.digest()
    other = FeatureConfig(mel=MelConfig(n_mels=128))
    assert other.digest() != cfg.digest()
    assert FeatureConfig.gaddy2020().digest() != cfg.digest()
    assert FeatureConfig.from_dict({"preset": "gaddy2020"}) == FeatureConfig.gaddy2020()
    assert FeatureConfig.from_dict({"mel": {"n_mels": 32}}).mel == MelConfig(n_mels=32)
    with pytest.raises(ValueError, match="unknown feature settings"):
        FeatureConfig.from_dict({"mels": {}})
    with pytest.raises(ValueError, match="frame rate"):
        FeatureConfig(preprocess=PreprocessConfig.gaddy2020())  # 100 Hz EMG with 86 Hz mels
    with pytest.raises(ValueError, match="unknown streams"):
        FeatureConfig(streams=("emg_raw", "mfcc"))


def test_filter_sos_is_designed_once_and_each_call_gets_a_writable_copy():
    from semg_study.features.preprocessing import _design_sos, filter_sos

    cfg = PreprocessConfig()
    a, b = filter_sos(cfg), filter_sos(PreprocessConfig())
    assert np.array_equal(a, _design_sos(cfg)) and a is not b and a.flags.writeable
    a[:] = 0  # a caller changing its copy does not change the next one
    assert np.array_equal(filter_sos(cfg), b)
    other = PreprocessConfig(notch_harmonics=(1,), highpass_hz=0.0)
    assert np.array_equal(filter_sos(other), _design_sos(other)) and filter_sos(other).shape == (1, 6)


# -- the gaddy2022 preset (the dataset authors' current code) ----------------------------

def test_gaddy2022_preset_uses_the_authors_literal_rates_and_is_one_setting():
    cfg = FeatureConfig.from_dict({"preset": "gaddy2022"})
    assert cfg == FeatureConfig.gaddy2022()
    assert cfg.preprocess.raw_rate == 689.06 and cfg.preprocess.feature_rate == 516.79
    assert cfg.preprocess.filtering == "per_stage" and cfg.mel.resampler == "soxr_hq"
    assert cfg.mel_normalize and cfg.normalizer_utterances == 51
    default = FeatureConfig.from_dict({})
    assert default.preprocess.filtering == "cascade" and default.mel_normalize and default.normalizer_utterances == 0
    assert cfg.digest() != default.digest()
    # the literal rates align with 22050/256 Hz mels (within FRAME_RATE_RTOL), so audio streams are allowed
    out = compute_features(emg_signal(1.5), cfg, audio=(0.1 * RNG.normal(size=24000)).astype(np.float32),
                           audio_rate=16000)
    assert out["audio_features"].shape[0] == int(out["n_frames"]) == out["emg_features"].shape[0]


def test_gaddy2022_configs_select_the_preset():
    from semg_study.recipes.config import load_config
    from semg_study.training.data import feature_config_from

    for size in ("smoke", "quick", "paper"):
        fc = feature_config_from(load_config(f"gaddy2022-{size}"))
        assert fc.preprocess == FeatureConfig.gaddy2022().preprocess and fc.streams == ("emg_raw",)
    assert feature_config_from(load_config("myostream-smoke")).preprocess == PreprocessConfig()


def test_per_stage_filtering_is_each_filters_own_forward_backward_pass_in_turn():
    import scipy.signal

    emg = emg_signal(1.2, hum=50.0)
    cfg = PreprocessConfig.gaddy2022()
    raw, feat = preprocess_emg(emg, cfg)
    x = np.asarray(emg, dtype=np.float64)
    for k in range(1, 8):  # written out independently: notch k*60 Hz, Q 30, then the 2 Hz high-pass
        b, a = scipy.signal.iirnotch(60.0 * k, 30.0, fs=1000.0)
        x = scipy.signal.filtfilt(b, a, x, axis=0)
    b, a = scipy.signal.butter(3, 2.0, "highpass", fs=1000.0)
    x = scipy.signal.filtfilt(b, a, x, axis=0)
    np.testing.assert_allclose(feat, resample_linear(x, in_rate=1000.0, out_rate=516.79), rtol=0, atol=1e-9)
    np.testing.assert_allclose(raw, resample_linear(x, in_rate=1000.0, out_rate=689.06), rtol=0, atol=1e-9)


def _hum_amplitude(x: np.ndarray, rate: float) -> float:
    """Mean over channels of the 60 Hz amplitude (least-squares sine fit)."""
    t = np.arange(len(x)) / rate
    basis = np.stack([np.sin(2 * np.pi * 60 * t), np.cos(2 * np.pi * 60 * t), np.ones_like(t)], axis=1)
    coef = np.linalg.lstsq(basis, x, rcond=None)[0]
    return float(np.hypot(coef[0], coef[1]).mean())


@pytest.mark.parametrize("cfg", [PreprocessConfig(), PreprocessConfig.gaddy2022()], ids=["default", "gaddy2022"])
def test_a_sessions_last_utterance_keeps_no_more_hum_at_its_end_than_in_its_middle(cfg):
    """No {i+1} file: the filters meet the utterance's end with no context after it."""
    rng = np.random.default_rng(3)
    n_before, n = 1500, 3000
    t = np.arange(n_before + n) / 1000
    x = (rng.normal(0, 5, (len(t), 8)) + 20 * np.sin(2 * np.pi * 60 * t + 0.7)[:, None]
         + 30 * np.cumsum(rng.normal(0, 0.05, (len(t), 8)), axis=0))
    _, feat = preprocess_emg(x[n_before:], cfg, before=x[:n_before], after=None)
    rate = cfg.feature_rate
    last = _hum_amplitude(feat[-int(0.3 * rate):], rate)
    middle = _hum_amplitude(feat[len(feat) // 2 - int(0.15 * rate): len(feat) // 2 + int(0.15 * rate)], rate)
    # 20 microvolts of hum in; the middle's fit is at the noise floor (~0.4). Within a factor 2 of it
    # (one sosfiltfilt with scipy's default edge padding, the project's old treatment, gave 1.5)
    assert last < 2 * middle, (last, middle)


def test_cascade_and_per_stage_agree_away_from_the_edges():
    emg = emg_signal(9.0, hum=30.0)  # 4 s of neighbour context on each side
    a = preprocess_emg(emg[4000:5000], PreprocessConfig(), before=emg[:4000], after=emg[5000:])[1]
    b = preprocess_emg(emg[4000:5000], PreprocessConfig(filtering="per_stage"), before=emg[:4000],
                       after=emg[5000:])[1]
    assert np.abs(a - b).max() < 1e-4 * np.abs(a).max()
    with pytest.raises(ValueError, match="filtering"):
        PreprocessConfig(filtering="both")


def test_soxr_resamples_the_audio(monkeypatch):
    import soxr

    from semg_study.features.audio import resample_audio, resampled_length

    audio = (0.1 * RNG.normal(size=16001)).astype(np.float32)
    calls = []
    real = soxr.resample

    def spy(x, in_rate, out_rate, quality="HQ"):
        calls.append((in_rate, out_rate, quality))
        return real(x, in_rate, out_rate, quality=quality)

    monkeypatch.setattr(soxr, "resample", spy)
    y = resample_audio(audio, 16000, 22050, "soxr_hq")
    assert calls == [(16000, 22050, "HQ")]
    assert len(y) == resampled_length(16001, 16000, 22050) == 22052  # ceil(n * ratio), as librosa fixes it
    np.testing.assert_array_equal(y[:-1], real(audio, 16000, 22050, quality="HQ")[:len(y) - 1])
    calls.clear()
    mel_spectrogram(audio, 16000, cfg=FeatureConfig.gaddy2022().mel)
    assert calls == [(16000, 22050, "HQ")]
    calls.clear()
    poly = mel_spectrogram(audio, 16000, cfg=MelConfig(resampler="poly"))
    assert calls == [] and poly.shape == mel_spectrogram(audio, 16000).shape
    with pytest.raises(ValueError, match="resampler"):
        MelConfig(resampler="sinc")
