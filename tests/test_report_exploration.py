"""Dataset exploration (notebook 01's analysis) and the signal explorer, on the smoke corpus."""
from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from semg_study.report import exploration as ex  # noqa: E402
from semg_study.report import explorer as explorer_mod  # noqa: E402


@pytest.fixture(scope="module")
def corpus(smoke_corpus):
    from semg_study.data import open_corpus

    return open_corpus(smoke_corpus)


def test_overview_rows_agree_with_the_corpus(corpus):
    rows = ex.overview_rows(corpus)
    assert sum(r["utterances"] for r in rows) == len(corpus.all_utterances())
    for r in rows:
        utts = corpus.utterances(r["condition"], r["split"], r["mode"])
        assert r["utterances"] == len(utts) > 0
        assert r["duration_min"] == pytest.approx(sum(corpus.duration_s(u) for u in utts) / 60, abs=1e-3)
        assert r["vocabulary"] == len({w for u in utts for w in ex.words(u.text)})
    assert {r["condition"] for r in rows} == {"open", "closed"}


def test_vocabulary_rows_are_ranked_counts(corpus):
    rows = ex.vocabulary_rows(corpus, top=5)
    for condition in ("open", "closed"):
        part = [r for r in rows if r["condition"] == condition]
        counts = [r["count"] for r in part]
        assert counts == sorted(counts, reverse=True) and len(part) <= 5
        assert part[0]["count"] == ex.vocabulary(corpus, condition).most_common(1)[0][1]


def test_filter_removes_mains_and_drift():
    fs = 1000.0
    t = np.arange(4000) / fs
    rng = np.random.default_rng(0)
    emg = rng.normal(0, 5, (len(t), 8))
    hum = 40 * np.sin(2 * np.pi * 60 * t)[:, None]
    drift = 200 * t[:, None]
    f_raw, p_raw = ex.spectrum(emg + hum + drift)
    f_filt, p_filt = ex.spectrum(ex.filtered(emg + hum + drift))
    raw_peak, filt_peak = ex.mains_peak_db(f_raw, p_raw)[60.0], ex.mains_peak_db(f_filt, p_filt)[60.0]
    assert np.all(raw_peak > 20) and np.all(filt_peak < raw_peak - 15)
    assert abs(ex.filtered(emg + drift).mean()) < 1.0  # drift gone
    # band share of white noise is about (450-20)/500
    assert np.allclose(ex.band_fraction(f_raw, ex.spectrum(emg)[1]), 0.86, atol=0.05)


def test_signal_tables_cover_sessions_and_modes(corpus):
    rows = ex.session_rows(corpus, per_session=1)
    assert [r["session"] for r in rows] == sorted(corpus.sessions)
    assert all(r["rms_uv_mean"] > 0 and len([k for k in r if k.startswith("rms_ch")]) == 8 for r in rows)
    amp = ex.amplitude_rows(corpus, per_session=1)
    assert {r["mode"] for r in amp} == {"silent", "voiced"}
    values = ex.amplitude_values(corpus, per_session=1)
    assert {r["mode"]: r["utterances"] for r in amp} == {m: len(v) for m, v in values.items() if v}
    sample = ex.sample_utterances(corpus, 1)
    assert len(sample) == len(corpus.sessions)
    spec = ex.spectral_rows(sample[:2])
    assert [r["signal"] for r in spec] == ["raw", "filtered"]
    assert all(0 < r["band_20_450_share"] <= 1 for r in spec)


def test_figures_draw_the_data(corpus):
    import matplotlib.pyplot as plt

    u = ex.example_utterance(corpus, "voiced")
    data = u.load()
    assert u.mode == "voiced" and data.audio is not None
    fig = ex.plot_aligned(data, channels=(0, 1))
    assert len(fig.axes) == 4  # waveform, spectrogram, 2 EMG channels
    assert len(fig.axes[0].lines[0].get_ydata()) == len(data.audio)
    fig2 = ex.plot_raw_vs_filtered(data.emg, channels=(0, 3))
    raw_line, filt_line = fig2.axes[1].lines[:2]
    assert np.allclose(filt_line.get_ydata(), ex.filtered(data.emg)[:, 3])
    assert np.allclose(raw_line.get_ydata(), data.emg[:, 3] - data.emg[:, 3].astype(float).mean(), atol=1e-4)
    fig3 = ex.plot_lengths(corpus)
    import re

    labels = [t.get_text() for t in fig3.axes[0].get_legend().get_texts()]
    assert sum(int(re.search(r"n=(\d+)", t).group(1)) for t in labels) == len(corpus.all_utterances())
    assert len(fig3.axes[0].patches) == len(labels)  # one histogram per condition/mode
    rows = ex.session_rows(corpus, per_session=1)
    fig4 = ex.plot_sessions(rows)
    assert fig4.axes[0].images[0].get_array().shape == (len(rows), 8)
    plt.close("all")


def test_explorer_widgets_follow_the_controls(corpus, monkeypatch):
    pytest.importorskip("ipywidgets")
    monkeypatch.delenv("SEMG_STUDY_INTERACTIVE", raising=False)
    assert explorer_mod.is_interactive() is False  # no Jupyter kernel here
    monkeypatch.setenv("SEMG_STUDY_INTERACTIVE", "1")
    assert explorer_mod.is_interactive() is True
    assert explorer_mod.is_interactive(False) is False

    exp = explorer_mod.SignalExplorer(corpus)
    box = exp.widgets()
    c = box.controls
    first = c["utterance"].value
    assert first is not None and c["audio"].value[:4] == b"RIFF"  # voiced utterance: audio to play
    assert c["zoom"].max == pytest.approx(corpus.duration_s(first), abs=0.01)
    c["view"].value = "features"
    assert exp.last_figure.axes[1].images  # feature view is an image per channel
    c["channels"].value = (2,)
    assert len(exp.last_figure.axes) == 2  # audio + one channel
    c["view"].value = "raw"
    assert np.allclose(exp.last_figure.axes[1].lines[0].get_ydata(),
                       first.load().emg[:, 2] - first.load().emg[:, 2].astype(float).mean(), atol=1e-4)
    other = "open" if c["condition"].value == "closed" else "closed"
    c["condition"].value = other
    assert set(c["session"].options) == set(exp.sessions(other))
    assert c["utterance"].value.condition == other
    c["zoom"].value = (0.1, 0.5)
    assert exp.last_figure.axes[-1].get_xlim() == pytest.approx((0.1, 0.5))


def test_explorer_static_fallback_is_a_figure(corpus):
    exp = explorer_mod.SignalExplorer(corpus)
    fig = exp.show(interactive=False)
    assert exp.static is True and hasattr(fig, "savefig")
    assert exp.default().audio_path is not None
