"""Dataset exploration for notebook 01: tables and figures about a corpus.

Every function takes a :class:`semg_study.data.Corpus` (or the arrays of one
utterance) and returns plain rows (``list[dict]``, for ``save_table``) or a
matplotlib figure (for ``save_figure``). Nothing here writes files.

- :func:`overview_rows`: utterances, sessions, duration, words and vocabulary per
  condition / split / mode;
- :func:`session_rows`, :func:`plot_sessions`: per-session counts, durations and
  per-channel RMS of the filtered EMG (how sessions differ);
- :func:`plot_lengths`: utterance durations and words per utterance;
- :func:`filtered`, :func:`plot_raw_vs_filtered`: the study's notch + high-pass
  filters (``semg_study.features.filter_sos``) applied at 1000 Hz;
- :func:`spectrum`, :func:`spectral_rows`, :func:`plot_spectra`: Welch spectra,
  mains peaks and the share of power in 20-450 Hz, raw vs filtered;
- :func:`amplitude_rows`, :func:`plot_amplitude_by_mode`: silent vs voiced RMS;
- :func:`plot_aligned`: audio waveform, spectrogram and EMG on one time axis.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from typing import Any, Iterable, Sequence

import numpy as np

EMG_RATE = 1000.0
BAND = (20.0, 450.0)
ELECTRODES = ("left cheek above mouth", "left chin corner", "below chin", "throat left",
              "mid-jaw right", "right cheek below mouth", "right cheek near nose", "back of right cheek")


# ----------------------------------------------------------------------------- corpus facts
def words(text: str) -> list[str]:
    from semg_study.text import normalize_text

    return normalize_text(text).split()


def overview_rows(corpus) -> list[dict[str, Any]]:
    """One row per (condition, split, mode) present in the corpus."""
    from semg_study.data import CONDITIONS, MODES, SPLITS

    rows = []
    for condition in CONDITIONS:
        for split in SPLITS:
            for mode in MODES:
                utts = corpus.utterances(condition, split, mode)
                if not utts:
                    continue
                durations = [corpus.duration_s(u) for u in utts]
                n_words = [len(words(u.text)) for u in utts]
                vocab = {w for u in utts for w in words(u.text)}
                rows.append({"condition": condition, "split": split, "mode": mode, "utterances": len(utts),
                             "sessions": len({u.session for u in utts}),
                             "duration_min": round(sum(durations) / 60.0, 3),
                             "mean_duration_s": round(statistics.fmean(durations), 3),
                             "words_per_utterance": round(statistics.fmean(n_words), 2),
                             "vocabulary": len(vocab)})
    return rows


def vocabulary(corpus, condition: str | None = None) -> Counter:
    """Word counts (normalised text) over every kept utterance (of ``condition``)."""
    counts: Counter = Counter()
    for u in corpus.all_utterances():
        if condition is None or u.condition == condition:
            counts.update(words(u.text))
    return counts


def lengths(corpus) -> dict[tuple[str, str], dict[str, list[float]]]:
    """(condition, mode) -> {"duration_s": [...], "words": [...]} over every kept utterance."""
    out: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: {"duration_s": [], "words": []})
    for u in corpus.all_utterances():
        entry = out[(u.condition, u.mode)]
        entry["duration_s"].append(corpus.duration_s(u))
        entry["words"].append(len(words(u.text)))
    return dict(out)


def sample_utterances(corpus, per_session: int = 5, mode: str | None = None, condition: str | None = None,
                      seed: int = 0) -> list:
    """At most ``per_session`` utterances of every session (reproducible choice)."""
    rng = np.random.default_rng(seed)
    by_session: dict[str, list] = defaultdict(list)
    for u in corpus.all_utterances():
        if (mode is None or u.mode == mode) and (condition is None or u.condition == condition) \
                and getattr(u, "kind", "emg") == "emg":
            by_session[u.session].append(u)
    chosen = []
    for session in sorted(by_session):
        utts = by_session[session]
        idx = sorted(rng.choice(len(utts), size=min(per_session, len(utts)), replace=False))
        chosen.extend(utts[i] for i in idx)
    return chosen


def vocabulary_rows(corpus, top: int = 20) -> list[dict[str, Any]]:
    """The ``top`` most frequent words per condition, with vocabulary sizes."""
    rows = []
    for condition in ("open", "closed"):
        counts = vocabulary(corpus, condition)
        total = sum(counts.values())
        for rank, (word, n) in enumerate(counts.most_common(top), start=1):
            rows.append({"condition": condition, "rank": rank, "word": word, "count": n,
                         "share": round(n / total, 4), "vocabulary": len(counts)})
    return rows


# Utterances per session that the signal statistics look at, by profile.
PER_SESSION = {"smoke": 2, "quick": 5, "full": 25}


def per_session_for(profile: str) -> int:
    return PER_SESSION.get(profile, PER_SESSION["quick"])


def example_utterance(corpus, mode: str = "voiced"):
    """The first utterance of ``mode`` that has audio (else the first of ``mode``, else any)."""
    utts = [u for u in corpus.all_utterances() if getattr(u, "kind", "emg") == "emg"]
    for candidates in ([u for u in utts if u.mode == mode and u.audio_path is not None],
                       [u for u in utts if u.mode == mode], utts):
        if candidates:
            return candidates[0]
    raise ValueError("the corpus has no EMG utterances")


# ----------------------------------------------------------------------------- signals
def filtered(emg: np.ndarray, preprocess=None) -> np.ndarray:
    """The study's notches + high-pass, zero phase, at the source rate (no resampling)."""
    from semg_study.features import PreprocessConfig
    from semg_study.features.preprocessing import zero_phase_filter

    return zero_phase_filter(emg, preprocess or PreprocessConfig())


def rms(x: np.ndarray) -> np.ndarray:
    """Per-channel RMS after removing the mean."""
    x = np.asarray(x, dtype=np.float64)
    return np.sqrt(np.mean((x - x.mean(axis=0)) ** 2, axis=0))


def spectrum(x: np.ndarray, fs: float = EMG_RATE, nperseg: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density per channel: ``(freqs, psd (F, C))``."""
    import scipy.signal

    x = np.asarray(x, dtype=np.float64)
    freqs, psd = scipy.signal.welch(x, fs=fs, nperseg=min(nperseg, x.shape[0]), axis=0)
    return freqs, psd


def band_fraction(freqs: np.ndarray, psd: np.ndarray, band: tuple[float, float] = BAND) -> np.ndarray:
    """Share of the power (per channel) between ``band`` Hz."""
    total = psd.sum(axis=0)
    inside = psd[(freqs >= band[0]) & (freqs <= band[1])].sum(axis=0)
    return np.divide(inside, total, out=np.zeros_like(total), where=total > 0)


def mains_peak_db(freqs: np.ndarray, psd: np.ndarray, mains: float = 60.0, harmonics: Iterable[int] = (1, 2, 3),
                  guard_hz: float = 4.0, width_hz: float = 15.0) -> dict[float, np.ndarray]:
    """Peak power at each mains harmonic over the median of its neighbourhood, in dB, per channel."""
    out = {}
    for k in harmonics:
        f0 = mains * k
        if f0 >= freqs[-1]:
            continue
        peak = psd[np.abs(freqs - f0) <= guard_hz / 2 + (freqs[1] - freqs[0]) / 2].max(axis=0)
        near = (np.abs(freqs - f0) > guard_hz) & (np.abs(freqs - f0) <= width_hz)
        floor = np.median(psd[near], axis=0) if near.any() else np.full(psd.shape[1], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[f0] = 10 * np.log10(peak / floor)
    return out


def spectral_rows(utterances: Sequence, preprocess=None) -> list[dict[str, Any]]:
    """Mains peaks and 20-450 Hz power share, raw vs filtered, averaged over ``utterances`` and channels."""
    acc: dict[str, list[float]] = defaultdict(list)
    for u in utterances:
        emg = u.load().emg
        for stage, x in (("raw", emg), ("filtered", filtered(emg, preprocess))):
            f, p = spectrum(x)
            acc[f"{stage}:band"].append(float(np.mean(band_fraction(f, p))))
            for f0, db in mains_peak_db(f, p).items():
                acc[f"{stage}:{f0:g}"].append(float(np.nanmean(db)))
    rows = []
    for stage in ("raw", "filtered"):
        row: dict[str, Any] = {"signal": stage, "utterances": len(utterances),
                               "band_20_450_share": round(statistics.fmean(acc[f"{stage}:band"]), 4)}
        harmonics = sorted(float(k.split(":")[1]) for k in acc if k.startswith(stage + ":") and not k.endswith("band"))
        for f0 in harmonics:
            row[f"mains_{f0:g}hz_peak_db"] = round(statistics.fmean(acc[f"{stage}:{f0:g}"]), 2)
        rows.append(row)
    return rows


def session_rows(corpus, per_session: int = 5, preprocess=None, seed: int = 0) -> list[dict[str, Any]]:
    """Per session: condition, mode, utterances, minutes, and mean per-channel RMS of the filtered EMG
    over at most ``per_session`` utterances."""
    counts: dict[str, list] = defaultdict(list)
    for u in corpus.all_utterances():
        if getattr(u, "kind", "emg") == "emg":
            counts[u.session].append(u)
    rms_by_session: dict[str, list[np.ndarray]] = defaultdict(list)
    for u in sample_utterances(corpus, per_session, seed=seed):
        rms_by_session[u.session].append(rms(filtered(u.load().emg, preprocess)))
    rows = []
    for session in sorted(counts):
        utts = counts[session]
        channel_rms = np.mean(rms_by_session[session], axis=0)
        row = {"session": session, "condition": utts[0].condition, "mode": utts[0].mode, "utterances": len(utts),
               "duration_min": round(sum(corpus.duration_s(u) for u in utts) / 60.0, 3),
               "rms_uv_mean": round(float(channel_rms.mean()), 3)}
        for c, value in enumerate(channel_rms, start=1):
            row[f"rms_ch{c}"] = round(float(value), 3)
        rows.append(row)
    return rows


def amplitude_rows(corpus, per_session: int = 5, preprocess=None, seed: int = 0) -> list[dict[str, Any]]:
    """Silent vs voiced: per-utterance RMS (filtered, mean over channels) summarised per mode."""
    values = amplitude_values(corpus, per_session, preprocess, seed)
    rows = []
    for mode, vals in values.items():
        if not vals:
            continue
        rows.append({"mode": mode, "utterances": len(vals), "rms_uv_mean": round(statistics.fmean(vals), 3),
                     "rms_uv_median": round(statistics.median(vals), 3),
                     "rms_uv_sd": round(statistics.pstdev(vals), 3)})
    return rows


def amplitude_values(corpus, per_session: int = 5, preprocess=None, seed: int = 0) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"silent": [], "voiced": []}
    for u in sample_utterances(corpus, per_session, seed=seed):
        out.setdefault(u.mode, []).append(float(rms(filtered(u.load().emg, preprocess)).mean()))
    return out


# ----------------------------------------------------------------------------- figures
def _plt():
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg",) and not _in_kernel():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from semg_study.report.figures import apply_style

    apply_style()
    return plt


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython

        return get_ipython() is not None
    except ImportError:
        return False


def plot_lengths(corpus):
    """Histograms of utterance duration and words per utterance, per condition and mode."""
    plt = _plt()
    data = lengths(corpus)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for (condition, mode), entry in sorted(data.items()):
        label = f"{condition} / {mode} (n={len(entry['duration_s'])})"
        axes[0].hist(entry["duration_s"], bins=20, histtype="step", lw=1.5, label=label)
        axes[1].hist(entry["words"], bins=range(0, max(entry["words"]) + 2), histtype="step", lw=1.5, label=label)
    axes[0].set(xlabel="duration (s)", ylabel="utterances", title="Utterance duration")
    axes[1].set(xlabel="words", ylabel="utterances", title="Words per utterance")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_raw_vs_filtered(emg: np.ndarray, channels: Sequence[int] = (0, 1, 2, 3), fs: float = EMG_RATE,
                         preprocess=None, window_s: tuple[float, float] | None = None, title: str = ""):
    """Raw and filtered EMG of ``channels`` (0-based), stacked, on one time axis."""
    plt = _plt()
    emg = np.asarray(emg, dtype=np.float64)
    filt = filtered(emg, preprocess)
    t = np.arange(emg.shape[0]) / fs
    sel = slice(None) if window_s is None else (t >= window_s[0]) & (t <= window_s[1])
    fig, axes = plt.subplots(len(channels), 1, figsize=(5.4, 1.15 * len(channels) + 0.9), sharex=True,
                             squeeze=False)
    for ax, c in zip(axes[:, 0], channels):
        ax.plot(t[sel], emg[sel, c] - emg[:, c].mean(), lw=0.6, color="0.6", label="raw (mean removed)")
        ax.plot(t[sel], filt[sel, c], lw=0.6, label="filtered (mains notches + 2 Hz high-pass)")
        ax.set_ylabel(f"ch {c + 1} (µV)", fontsize=8)
        ax.tick_params(labelsize=8)
    # the legend above the first panel, outside every trace
    axes[0, 0].legend(loc="lower left", bbox_to_anchor=(0.0, 1.02), ncol=2, fontsize=8, frameon=False,
                      borderaxespad=0.0)
    axes[-1, 0].set_xlabel("time (s)", fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def plot_spectra(utterances: Sequence, preprocess=None, fs: float = EMG_RATE):
    """Mean Welch spectrum over ``utterances`` and channels, raw vs filtered, with mains harmonics and the 20-450 Hz
    range of the in-band power share marked (a range the table reports on, not a filter the study applies)."""
    plt = _plt()
    curves: dict[str, list[np.ndarray]] = {"raw": [], "filtered": []}
    freqs = None
    for u in utterances:
        emg = u.load().emg
        for stage, x in (("raw", emg), ("filtered", filtered(emg, preprocess))):
            f, p = spectrum(x, fs)
            if freqs is None:
                freqs = f
            if len(f) == len(freqs):
                curves[stage].append(p.mean(axis=1))
    fig, ax = plt.subplots(figsize=(5.4, 3.2))
    for stage, color, label in (("raw", "0.5", "raw"), ("filtered", None, "filtered (mains notches + 2 Hz high-pass)")):
        if curves[stage]:
            ax.semilogy(freqs, np.mean(curves[stage], axis=0), lw=1, color=color, label=label)
    # not a filter: the range over which the in-band power share (table 01_spectral_summary) is computed
    ax.axvspan(*BAND, color="C2", alpha=0.08, label=f"{BAND[0]:g}\u2013{BAND[1]:g} Hz: range of the in-band share")
    for k in range(1, 8):
        if 60 * k < fs / 2:
            ax.axvline(60 * k, color="C1", lw=0.6, ls=":", label="60 Hz harmonics" if k == 1 else None)
    ax.set_xlabel("frequency (Hz)", fontsize=8)
    ax.set_ylabel("PSD (µV²/Hz)", fontsize=8)
    ax.set_title(f"EMG power spectrum, mean over {len(utterances)} utterances and 8 channels", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_amplitude_by_mode(values: dict[str, list[float]]):
    """Box plot of per-utterance RMS (filtered EMG) for silent and voiced speech."""
    plt = _plt()
    modes = [m for m in ("silent", "voiced") if values.get(m)]
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.boxplot([values[m] for m in modes], showfliers=True)
    ax.set_xticks(range(1, len(modes) + 1), [f"{m}\n(n={len(values[m])})" for m in modes])
    ax.set(ylabel="RMS of filtered EMG (µV, mean over channels)", title="Silent vs voiced amplitude")
    fig.tight_layout()
    return fig


def plot_sessions(rows: Sequence[dict[str, Any]]):
    """Heat map of per-channel RMS (filtered EMG) per session."""
    plt = _plt()
    channels = sorted((k for k in rows[0] if k.startswith("rms_ch")), key=lambda k: int(k[6:])) if rows else []
    matrix = np.array([[r[k] for k in channels] for r in rows]) if rows else np.zeros((0, 0))
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.8))
    im = ax.imshow(matrix, aspect="auto")
    ax.set_yticks(range(len(rows)), [f"{r['session']} ({r['mode']})" for r in rows], fontsize=8)
    ax.set_xticks(range(len(channels)), [c.replace("rms_ch", "ch ") for c in channels])
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="RMS (µV)")
    ax.set_title("Per-session, per-channel RMS of filtered EMG")
    fig.tight_layout()
    return fig


def plot_aligned(data, channels: Sequence[int] = (0, 2, 4, 6), preprocess=None, title: str = "",
                 window_s: tuple[float, float] | None = None, fs: float = EMG_RATE):
    """Audio waveform, audio spectrogram and filtered EMG on one time axis (phonemes marked when known).

    ``data`` is what ``Utterance.load()`` returns. Without audio (silent speech)
    only the EMG panels are drawn.
    """
    import scipy.signal

    plt = _plt()
    emg = filtered(data.emg, preprocess)
    has_audio = data.audio is not None and data.audio_rate
    n_panels = len(channels) + (2 if has_audio else 0)
    ratios = ([1.2, 1.6] if has_audio else []) + [1] * len(channels)
    fig, axes = plt.subplots(n_panels, 1, figsize=(10, 1.1 * n_panels + 1.5), sharex=True,
                             gridspec_kw={"height_ratios": ratios}, squeeze=False)
    axes = axes[:, 0]
    i = 0
    if has_audio:
        audio = np.asarray(data.audio, dtype=np.float64)
        ta = np.arange(len(audio)) / data.audio_rate
        axes[0].plot(ta, audio, lw=0.5, rasterized=True)
        axes[0].set_ylabel("audio")
        f, t, s = scipy.signal.spectrogram(audio, fs=data.audio_rate, nperseg=512, noverlap=384)
        keep = f <= 8000
        # an image (not a mesh): one raster in the PDF, fast to write
        axes[1].imshow(10 * np.log10(s[keep] + 1e-12), aspect="auto", origin="lower",
                       extent=(t[0], t[-1], f[keep][0], f[keep][-1]), interpolation="nearest")
        axes[1].set_ylabel("Hz")
        axes[1].grid(False)
        i = 2
    te = np.arange(emg.shape[0]) / fs
    for ax, c in zip(axes[i:], channels):
        ax.plot(te, emg[:, c], lw=0.5, color=f"C{c % 8}")
        ax.set_ylabel(f"ch {c + 1}")
    if data.phoneme_alignment:
        for start, end, phone in data.phoneme_alignment:
            if phone == "sil":
                continue
            for ax in axes:
                ax.axvline(start, color="k", lw=0.3, alpha=0.3)
            axes[0].text((start + end) / 2, axes[0].get_ylim()[1], phone, ha="center", va="bottom", fontsize=6)
    if window_s is not None:
        axes[-1].set_xlim(*window_s)
    axes[-1].set_xlabel("time (s)")
    axes[0].set_title(title or "Audio and EMG of one utterance", pad=16 if data.phoneme_alignment else 6)
    fig.tight_layout()
    return fig
