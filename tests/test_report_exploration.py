"""Dataset exploration (notebook 01's analysis) and the signal explorer, on the smoke corpus."""
from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from semg_study.chapters.dataset import views as ex  # noqa: E402
from semg_study.chapters.dataset import explorer as explorer_mod  # noqa: E402


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


def _emg_lines(fig, column="main"):
    """channel -> the (x, y) data drawn on that channel's row of the explorer figure."""
    return {c: (ax.lines[0].get_xdata(), ax.lines[0].get_ydata())
            for c, ax in fig.explorer_axes[column]["emg"].items() if ax.lines}


def test_explorer_widgets_follow_the_controls(corpus, monkeypatch):
    pytest.importorskip("ipywidgets")
    assert explorer_mod.is_interactive() is False  # no Jupyter kernel here
    assert explorer_mod.is_interactive(True) is True  # notebook 01's `interactive` parameter
    assert explorer_mod.is_interactive(False) is False

    exp = explorer_mod.SignalExplorer(corpus)
    box = exp.widgets()
    c = box.controls
    first = c["utterance"].value
    data = first.load()
    duration = corpus.duration_s(first)
    assert first.mode == "voiced" and exp.partner(first) is not None  # default: a sentence recorded both ways
    assert c["plot"].value[:8] == b"\x89PNG\r\n\x1a\n"
    fig = exp.last_figure
    # the full sentence, its split and the synthetic mark
    assert first.text in fig._suptitle.get_text() and first.text in c["sentence"].value
    assert exp.split_of(first) in c["sentence"].value and "split" in fig.axes[0].get_title(loc="left")
    assert any(t.get_text() == "synthetic data" for t in fig.texts)
    # rows: audio, spectrogram, phoneme alignment, then the ticked channels named by electrode site
    main = fig.explorer_axes["main"]
    assert main["spectrogram"].images and main["audio"].lines
    assert [t.get_text() for t in main["alignment"].texts if t.get_text() in
            {p[2] for p in data.phoneme_alignment}], "phoneme labels drawn"
    assert sorted(main["emg"]) == [0, 1, 2, 3]
    assert main["emg"][2].get_ylabel() == "3 below chin"
    assert c["audio"].value[:4] == b"RIFF" and c["zoom"].max == pytest.approx(duration, abs=0.01)

    # channels: untick all -> no EMG drawn (a message instead), tick one -> only that one
    for box_ in c["channels"]:
        box_.value = False
    assert exp.last_figure.explorer_axes["main"]["emg"] == {}
    assert any("No EMG channel selected" in t.get_text() for ax in exp.last_figure.axes for t in ax.texts)
    c["channels"][5].value = True
    lines = _emg_lines(exp.last_figure)
    assert list(lines) == [5]

    # view: raw is the mean-removed recording; filtered differs; features are z-scored images with names
    c["view"].value = "raw"
    raw = data.emg[:, 5].astype(float)
    assert np.allclose(_emg_lines(exp.last_figure)[5][1], raw - raw.mean(), atol=1e-4)
    c["view"].value = "filtered"
    assert np.allclose(_emg_lines(exp.last_figure)[5][1], ex.filtered(data.emg)[:, 5], atol=1e-6)
    c["view"].value = "features"
    ax = exp.last_figure.explorer_axes["main"]["emg"][5]
    assert ax.images and ax.images[0].get_array().shape[0] == 14
    assert "low-band mean" in [t.get_text() for t in ax.get_yticklabels()]
    assert any("z-score" in a.get_ylabel() for a in exp.last_figure.axes)  # the colour bar says how
    c["view"].value = "filtered"

    # zoom: the x range follows, and each channel's vertical scale is the peak inside the window
    c["zoom"].value = (0.5, 1.0)
    ax = exp.last_figure.explorer_axes["main"]["emg"][5]
    x, y = _emg_lines(exp.last_figure)[5]
    assert ax.get_xlim() == pytest.approx((0.5, 1.0)) and x.min() >= 0.5 and x.max() <= 1.0
    assert ax.get_ylim()[1] == pytest.approx(1.05 * np.abs(y).max())
    full_peak = np.abs(ex.filtered(data.emg)[:, 5]).max()
    assert np.abs(y).max() <= full_peak
    # the player follows the zoom, then plays the stretch chosen on the play slider (shaded)
    assert c["play"].value == pytest.approx((0.5, 1.0))
    c["play"].value = (0.6, 0.8)
    import io

    import soundfile as sf

    played, rate = sf.read(io.BytesIO(c["audio"].value))
    assert len(played) == pytest.approx(0.2 * rate, abs=2)
    spans = [p for p in exp.last_figure.explorer_axes["main"]["audio"].patches]
    assert spans and spans[0].get_x() == pytest.approx(0.6) and spans[0].get_width() == pytest.approx(0.2)

    # side by side: a second column with the other mode's recording of the same sentence
    c["side_by_side"].value = True
    partner = exp.partner(first)
    fig = exp.last_figure
    assert set(fig.explorer_axes) == {"main", "partner"} and partner.mode == "silent"
    assert partner.mode in fig.explorer_axes["partner"]["audio"].get_title(loc="left")
    # a near-silent recording is not autoscaled into a band of noise
    assert fig.explorer_axes["partner"]["audio"].get_ylim()[1] >= explorer_mod.AUDIO_MIN_SCALE
    c["side_by_side"].value = False

    # condition / session / utterance: the options follow, the figure shows the chosen recording
    other = "open" if c["condition"].value == "closed" else "closed"
    c["condition"].value = other
    assert set(c["session"].options) == set(exp.sessions(other))
    u = c["utterance"].value
    assert u.condition == other and u.text in exp.last_figure._suptitle.get_text()
    second = [v for _, v in c["utterance"].options][-1]
    c["utterance"].value = second
    assert second.text in exp.last_figure._suptitle.get_text()
    assert c["zoom"].value == pytest.approx((0.0, corpus.duration_s(second)), abs=0.01)


def test_explorer_static_fallback_is_a_figure(corpus):
    exp = explorer_mod.SignalExplorer(corpus)
    fig = exp.show(interactive=False)
    assert exp.static is True and hasattr(fig, "savefig")
    assert exp.default().audio_path is not None
