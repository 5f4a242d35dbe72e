"""A signal explorer for notebook 01.

In JupyterLab (a live frontend) :meth:`SignalExplorer.show` displays ipywidgets
controls over one figure: the audio waveform, its spectrogram, the phoneme (and,
when the alignment has them, word) intervals and the chosen EMG channels, named
by electrode site, all on one time axis. The controls pick condition, session,
utterance and channels, switch between raw, filtered and feature views, zoom in
time (each EMG channel's vertical scale follows the zoom), choose the stretch
the audio player plays (marked on the plot), and put the silent and voiced
recordings of the same sentence side by side. Without a frontend (papermill,
nbval) it falls back to a static figure of one utterance.

``interactive=None`` (notebook 01's parameter of that name) auto-detects: a Jupyter
kernel (``ZMQInteractiveShell``) with ipywidgets importable counts as interactive.
The study pipeline passes ``interactive=False``.

The figure is plain matplotlib rendered to PNG into an ``ipywidgets.Image``:
no extra plotting dependency, and it works the same on Binder.
"""
from __future__ import annotations

import io
import textwrap
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

VIEWS = ("raw", "filtered", "features")
N_CHANNELS = 8
FEATURE_KINDS = ("low-band mean", "low-band RMS", "high-band RMS", "high-band ZCR", "high-band |x| mean")
# A waveform is drawn at least this tall (full scale = 1): a near-silent recording (silent speech)
# stays a flat line instead of being autoscaled into a band of noise.
AUDIO_MIN_SCALE = 0.05
SPECTROGRAM_RANGE_DB = 80.0
SPECTROGRAM_MIN_TOP_DB = -30.0  # the colour scale's top never sits below this (silence stays dark)
FEATURE_CLIP = 3.0
FIGURE_SIZE = (11.0, 5.0)  # inches at 100 dpi: with the controls, fits a 1280x800 window
PLAY_COLOR = "#f2b705"


def is_interactive(interactive: bool | None = None) -> bool:
    if interactive is not None:
        return bool(interactive)
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return False
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def wav_bytes(audio: np.ndarray, rate: int) -> bytes:
    """16-bit WAV bytes (for the audio player)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.clip(np.asarray(audio, dtype=np.float32), -1, 1), int(rate), format="WAV", subtype="PCM_16")
    return buf.getvalue()


def channel_name(channel: int) -> str:
    """``"3 below chin"``: the 1-based channel number and its electrode site."""
    from semg_study.chapters.dataset.views import ELECTRODES

    site = ELECTRODES[channel] if channel < len(ELECTRODES) else "unknown site"
    return f"{channel + 1} {site}"


def feature_names(feature_rate: float) -> list[str]:
    """The 14 per-channel features (``semg_study.features.emg_features``) in their order."""
    return list(FEATURE_KINDS) + [f"FFT {k * feature_rate / 16:.0f} Hz" for k in range(9)]


@dataclass
class Prepared:
    """What the figure needs of one utterance, computed once so that a redraw only slices and plots."""

    utterance: Any
    split: str
    duration_s: float
    audio: np.ndarray | None
    audio_rate: int | None
    spectrogram: tuple[np.ndarray, np.ndarray, np.ndarray] | None  # (freqs, times, dB)
    emg_rate: float
    raw: np.ndarray  # (T, C) mean removed
    filtered: np.ndarray  # (T, C)
    features: np.ndarray  # (frames, 14 * C)
    feature_rate: float  # frames per second
    feature_sample_rate: float  # the rate of the signal the features' FFT sees
    phonemes: list[tuple[float, float, str]]
    words: list[tuple[float, float, str]]
    alignment_note: str

    def view(self, view: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, values)`` of the raw, filtered or feature view."""
        if view == "features":
            return np.arange(len(self.features)) / self.feature_rate, self.features
        x = self.raw if view == "raw" else self.filtered
        return np.arange(len(x)) / self.emg_rate, x


class SignalExplorer:
    """Browse the utterances of a corpus (``semg_study.data.Corpus``)."""

    CACHE_SIZE = 6  # prepared utterances kept (the current one, its partner, a few visited)

    def __init__(self, corpus, preprocess=None):
        from semg_study.data import CONDITIONS, MODES, SPLITS

        self.corpus = corpus
        self.synthetic = bool(getattr(corpus, "synthetic", False))
        self.static: bool | None = None  # set by show(): True when it drew a static figure
        self.preprocess = preprocess
        self.last_figure = None
        self._by_key: dict[tuple[str, str], list] = {}
        for u in corpus.all_utterances():
            if getattr(u, "kind", "emg") != "emg":
                continue
            self._by_key.setdefault((u.condition, u.session), []).append(u)
        if not self._by_key:
            raise ValueError("the corpus has no EMG utterances to explore")
        self._split: dict[Any, str] = {}
        for condition in CONDITIONS:
            for split in SPLITS:
                for mode in MODES:
                    for u in corpus.utterances(condition, split, mode):
                        self._split[u] = split
        # the same sentence (condition, book, sentence index) recorded silent and voiced
        self._sentences: dict[tuple, dict[str, list]] = {}
        for utts in self._by_key.values():
            for u in utts:
                self._sentences.setdefault((u.condition, u.book, u.sentence_index), {}).setdefault(u.mode, []).append(u)
        self._prepared: OrderedDict = OrderedDict()

    # -- choices ------------------------------------------------------------------
    def conditions(self) -> list[str]:
        return sorted({c for c, _ in self._by_key})

    def sessions(self, condition: str) -> list[str]:
        return sorted(s for c, s in self._by_key if c == condition)

    def utterances(self, condition: str, session: str) -> list:
        return sorted(self._by_key.get((condition, session), []), key=lambda u: u.index)

    def split_of(self, utterance) -> str:
        return self._split.get(utterance, "?")

    def partner(self, utterance):
        """The recording of the same sentence in the other mode (a parallel one first), or None."""
        other = "voiced" if utterance.mode == "silent" else "silent"
        found = self._sentences.get((utterance.condition, utterance.book, utterance.sentence_index), {}).get(other, [])
        return sorted(found, key=lambda u: (not u.parallel, u.session, u.index))[0] if found else None

    def default(self) -> Any:
        """The first voiced utterance with audio and a silent partner (else with audio, else the first)."""
        keys = sorted(self._by_key)
        for wanted in (lambda u: u.audio_path is not None and u.mode == "voiced" and self.partner(u) is not None,
                       lambda u: u.audio_path is not None):
            for key in keys:
                for u in self.utterances(*key):
                    if wanted(u):
                        return u
        return self.utterances(*keys[0])[0]

    def describe(self, utterance) -> str:
        """One line: condition, session, index, mode, split."""
        u = utterance
        return f"{u.condition} vocabulary · session {u.session} · #{u.index} · {u.mode} · {self.split_of(u)} split"

    # -- data ---------------------------------------------------------------------
    def prepare(self, utterance) -> Prepared:
        """The arrays of ``utterance`` the figure draws (cached)."""
        if utterance in self._prepared:
            self._prepared.move_to_end(utterance)
            return self._prepared[utterance]
        prepared = self._prepare(utterance)
        self._prepared[utterance] = prepared
        while len(self._prepared) > self.CACHE_SIZE:
            self._prepared.popitem(last=False)
        return prepared

    def _prepare(self, utterance) -> Prepared:
        import scipy.signal

        from semg_study.features import FeatureConfig, compute_features
        from semg_study.chapters.dataset.views import EMG_RATE, filtered

        data = utterance.load()
        emg = np.asarray(data.emg, dtype=np.float64)
        cfg = FeatureConfig(streams=("emg_features",)) if self.preprocess is None else \
            FeatureConfig(preprocess=self.preprocess, streams=("emg_features",))
        features = compute_features(data.emg, cfg)["emg_features"]
        audio = spec = None
        if data.audio is not None and data.audio_rate:
            audio = np.asarray(data.audio, dtype=np.float64)
            f, t, s = scipy.signal.spectrogram(audio, fs=data.audio_rate, nperseg=512, noverlap=384)
            keep = f <= 8000
            spec = (f[keep], t, 10 * np.log10(s[keep] + 1e-12))
        phonemes, words, note = self._alignment(utterance, data)
        return Prepared(utterance=utterance, split=self.split_of(utterance), duration_s=emg.shape[0] / EMG_RATE,
                        audio=audio, audio_rate=data.audio_rate, spectrogram=spec, emg_rate=EMG_RATE,
                        raw=emg - emg.mean(axis=0), filtered=filtered(data.emg, self.preprocess),
                        features=np.asarray(features), feature_rate=cfg.frame_rate,
                        feature_sample_rate=cfg.preprocess.feature_rate, phonemes=phonemes, words=words,
                        alignment_note=note)

    @staticmethod
    def _alignment(utterance, data) -> tuple[list, list, str]:
        """(phonemes, words, note): the intervals drawn and what to say when some are missing."""
        if data.phoneme_alignment is None:
            return [], [], "no alignment for this recording"
        if data.alignment_borrowed:
            # a silent recording carries its voiced partner's alignment, timed on the partner's audio
            return [], [], "alignment timed on the voiced partner's audio: see it side by side"
        phonemes = [p for p in data.phoneme_alignment if p[2] != "sil"]
        words: list = []
        if utterance.alignment_path is not None:
            from semg_study.data.textgrid import SILENCE_LABELS, read_textgrid

            # forced aligners write a "words" tier next to "phones"; the synthetic corpus writes phones only
            tiers = read_textgrid(utterance.alignment_path)
            words = [w for w in tiers.get("words", []) if w[2].strip().lower() not in SILENCE_LABELS]
        return phonemes, words, "" if words else "no word tier in this alignment (phonemes only)"

    # -- drawing ------------------------------------------------------------------
    def figure(self, utterance, channels: Sequence[int] = (0, 1, 2, 3), view: str = "filtered",
               window_s: tuple[float, float] | None = None, play_s: tuple[float, float] | None = None,
               side_by_side: bool = False):
        """Audio, spectrogram, alignment and the chosen EMG view of ``channels`` (0-based).

        ``window_s`` is the time range shown (each EMG channel scaled to the largest
        value inside it), ``play_s`` the stretch the player plays (shaded), and
        ``side_by_side`` adds the other mode's recording of the same sentence as a
        second column. ``fig.explorer_axes`` maps each column ("main", "partner") to
        its axes by row ("audio", "spectrogram", "alignment", ``"emg"``: channel -> axes).
        """
        from semg_study.chapters.dataset.views import _plt
        from semg_study.report.figures import stamp_synthetic

        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        plt = _plt()
        channels = sorted(int(c) for c in channels)
        columns = [("main", self.prepare(utterance))]
        partner = self.partner(utterance) if side_by_side else None
        if partner is not None:
            columns.append(("partner", self.prepare(partner)))
        has_audio = any(p.audio is not None for _, p in columns)
        rows = (["audio", "spectrogram"] if has_audio else []) + ["alignment"] + \
            [("emg", c) for c in channels] + ([] if channels else ["no-channel"])
        heights = {"audio": 0.7, "spectrogram": 1.0, "alignment": 0.5, "no-channel": 1.0}
        ratios = [heights.get(r, 1.6 if view == "features" else 1.0) if isinstance(r, str) else
                  (1.6 if view == "features" else 1.0) for r in rows]
        fig, grid = plt.subplots(len(rows), len(columns), figsize=FIGURE_SIZE, squeeze=False,
                                 gridspec_kw={"height_ratios": ratios, "hspace": 0.12, "wspace": 0.06})
        # fixed margins (no tight_layout): the plot keeps its place from one redraw to the next
        fig.subplots_adjust(left=0.17, right=0.86 if view == "features" else 0.97, top=0.86, bottom=0.08)
        fig.explorer_axes = {}
        image = None
        for col, (name, prep) in enumerate(columns):
            axes = {"emg": {}}
            fig.explorer_axes[name] = axes
            window = self._window(window_s, prep.duration_s)
            for row, kind in enumerate(rows):
                ax = grid[row, col]
                ax.set_xlim(*window)
                if row < len(rows) - 1:
                    ax.tick_params(labelbottom=False)
                if kind == "audio":
                    axes["audio"] = ax
                    self._draw_audio(ax, prep, window)
                elif kind == "spectrogram":
                    axes["spectrogram"] = ax
                    self._draw_spectrogram(ax, prep)
                elif kind == "alignment":
                    axes["alignment"] = ax
                    self._draw_alignment(ax, prep, window)
                elif kind == "no-channel":
                    ax.axis("off")
                    ax.text(0.5, 0.5, "No EMG channel selected: tick one or more channels above.",
                            transform=ax.transAxes, ha="center", va="center", fontsize=10, color="0.3")
                else:
                    c = kind[1]
                    axes["emg"][c] = ax
                    image = self._draw_channel(ax, prep, view, c, window, col == len(columns) - 1) or image
                if col == 0 and kind != "no-channel":
                    label = {"audio": "audio", "spectrogram": "spectrogram\n(Hz)", "alignment": "alignment"}
                    ax.set_ylabel(label.get(kind) if isinstance(kind, str) else channel_name(kind[1]),
                                  rotation=0, ha="right", va="center", fontsize=8, labelpad=6)
                if col > 0 and kind not in ("spectrogram",):
                    ax.tick_params(labelleft=False)
                # phoneme boundaries on every row, so that a sound can be followed down to the EMG
                if prep.phonemes and kind not in ("alignment", "no-channel"):
                    ax.vlines([p[0] for p in prep.phonemes], 0, 1, transform=ax.get_xaxis_transform(),
                              color="k", lw=0.4, alpha=0.15)
                shown = (window[0], min(window[1], prep.duration_s))  # the zoom may reach past this recording
                if name == "main" and play_s is not None and self._marks_play(play_s, shown) \
                        and kind != "no-channel":
                    ax.axvspan(*play_s, color=PLAY_COLOR, alpha=0.18, lw=0)
            grid[-1, col].set_xlabel("time (s)")
            grid[0, col].set_title(self._column_title(prep, name, play_s), fontsize=9, loc="left")
        if image is not None:
            cax = fig.add_axes((0.955, 0.08, 0.01, 0.5))
            fig.colorbar(image, cax=cax)
            cax.set_ylabel(f"z-score per feature over the utterance (clipped ±{FEATURE_CLIP:g})", fontsize=7)
            cax.tick_params(labelsize=7)
        # the whole sentence, wrapped, never cut; then what every column shares
        sentence = "\n".join(textwrap.wrap(f"“{utterance.text}”", 150))
        fig.suptitle(f"{sentence}\n{utterance.condition} vocabulary · {view} EMG", x=0.01, y=0.995, ha="left",
                     va="top", fontsize=9)
        if self.synthetic:
            stamp_synthetic(fig)
        return fig

    @staticmethod
    def _window(window_s, duration: float) -> tuple[float, float]:
        if window_s is None:
            return (0.0, max(duration, 1e-3))
        a, b = float(window_s[0]), float(window_s[1])
        return (a, b) if b > a else (a, a + 1e-3)

    @staticmethod
    def _marks_play(play_s, window) -> bool:
        """Shade the played stretch only when it is part of what is shown (else it says nothing)."""
        tolerance = 0.011  # the sliders move in steps of 0.01 s
        return play_s[1] > play_s[0] and (play_s[0] > window[0] + tolerance or play_s[1] < window[1] - tolerance)

    def _column_title(self, prep: Prepared, name: str, play_s) -> str:
        u = prep.utterance
        text = f"{u.mode} · session {u.session} · #{u.index} · {prep.split} split"
        if name == "main" and play_s is not None and prep.audio is not None:
            text += f" · player: {play_s[0]:.2f}-{play_s[1]:.2f} s"
        return text

    @staticmethod
    def _draw_audio(ax, prep: Prepared, window) -> None:
        if prep.audio is None:
            ax.text(0.5, 0.5, "no audio", transform=ax.transAxes, ha="center", va="center", fontsize=8)
            ax.set_yticks([])
            return
        t = np.arange(len(prep.audio)) / prep.audio_rate
        sel = (t >= window[0]) & (t <= window[1])
        ax.plot(t[sel], prep.audio[sel], lw=0.4, color="0.3")
        scale = max(float(np.abs(prep.audio).max()) if len(prep.audio) else 0.0, AUDIO_MIN_SCALE)
        ax.set_ylim(-scale * 1.05, scale * 1.05)
        ax.set_yticks([])
        ax.text(1.0, 1.0, f"±{scale:.2g} FS", transform=ax.transAxes, ha="right", va="top", fontsize=6, color="0.4")

    @staticmethod
    def _draw_spectrogram(ax, prep: Prepared) -> None:
        ax.grid(False)
        if prep.spectrogram is None:
            ax.set_yticks([])
            return
        f, t, db = prep.spectrogram
        top = max(float(db.max()), SPECTROGRAM_MIN_TOP_DB)
        ax.imshow(db, aspect="auto", origin="lower", extent=(t[0], t[-1], f[0], f[-1]), interpolation="nearest",
                  cmap="magma", vmin=top - SPECTROGRAM_RANGE_DB, vmax=top)
        ax.set_yticks([0, 4000, 8000], ["0", "4k", "8k"], fontsize=6)

    @staticmethod
    def _draw_alignment(ax, prep: Prepared, window) -> None:
        ax.set_ylim(0, 2)
        ax.set_yticks([0.5, 1.5], ["phon.", "words"], fontsize=6)
        ax.grid(False)
        for tier, y in ((prep.phonemes, 0.5), (prep.words, 1.5)):
            shown = [(a, b, lab) for a, b, lab in tier if b > window[0] and a < window[1]]
            ax.vlines([a for a, _, _ in shown], y - 0.5, y + 0.5, color="0.5", lw=0.5)
            for a, b, lab in shown:
                ax.text((max(a, window[0]) + min(b, window[1])) / 2, y, lab, ha="center", va="center",
                        fontsize=6 if y < 1 else 7, clip_on=True)
        if prep.alignment_note:
            ax.text(0.995, 0.5 if not prep.phonemes else 0.75, prep.alignment_note, transform=ax.transAxes,
                    ha="right", va="center", fontsize=7, color="0.35", style="italic")

    @staticmethod
    def _draw_channel(ax, prep: Prepared, view: str, c: int, window, name_rows: bool = True):
        t, x = prep.view(view)
        sel = (t >= window[0]) & (t <= window[1])
        if view == "features":
            block = x[:, 14 * c: 14 * (c + 1)]
            z = np.clip((block - block.mean(axis=0)) / (block.std(axis=0) + 1e-9), -FEATURE_CLIP, FEATURE_CLIP)
            end = t[-1] + 1 / prep.feature_rate if len(t) else 1.0
            image = ax.imshow(z.T, aspect="auto", origin="lower", extent=(0.0, end, 0, 14), cmap="RdBu_r",
                              vmin=-FEATURE_CLIP, vmax=FEATURE_CLIP, interpolation="nearest")
            names = feature_names(prep.feature_sample_rate)
            # every row named when the panel is tall enough for 5 pt labels, else every other one
            step = 1 if ax.get_position().height * ax.figure.get_figheight() * 72 >= 14 * 6.0 else 2
            ax.set_yticks(np.arange(0, 14, step) + 0.5, names[::step], fontsize=5)
            ax.yaxis.tick_right()
            ax.tick_params(labelright=name_rows, labelleft=False)
            ax.grid(False)
            return image
        ax.plot(t[sel], x[sel, c], lw=0.5, color=f"C{c % 8}")
        peak = float(np.abs(x[sel, c]).max()) if sel.any() else 0.0
        scale = peak * 1.05 if peak > 0 else 1.0
        ax.set_ylim(-scale, scale)
        ax.set_yticks([])
        ax.text(1.0, 1.0, f"±{peak:.3g} µV", transform=ax.transAxes, ha="right", va="top", fontsize=6, color="0.4")
        return None

    # -- widgets ------------------------------------------------------------------
    def widgets(self):
        """The ipywidgets box (controls, the plot as an image, audio player).

        ``box.controls`` names every control, for tests and for scripting.
        """
        import ipywidgets as W

        label_width = {"description_width": "72px"}
        first = self.default()
        condition = W.Dropdown(options=self.conditions(), value=first.condition, description="condition",
                               style=label_width, layout=W.Layout(width="210px"))
        session = W.Dropdown(options=self.sessions(first.condition), value=first.session, description="session",
                             style=label_width, layout=W.Layout(width="230px"))
        utt = W.Dropdown(description="utterance", style=label_width, layout=W.Layout(flex="1 1 auto", width="auto"))
        sentence = W.HTML(layout=W.Layout(width="100%"))
        channel_boxes = [W.Checkbox(value=c < 4, description=channel_name(c), indent=False,
                                    layout=W.Layout(width="auto")) for c in range(N_CHANNELS)]
        # labels as wide as the dropdowns' descriptions keep every row's controls in line
        channels = W.HBox([W.Label("channels", layout=W.Layout(width="76px")),
                           W.GridBox(channel_boxes, layout=W.Layout(grid_template_columns="repeat(4, minmax(0, 1fr))",
                                                                    grid_gap="0px 6px", flex="1 1 auto"))])
        view = W.ToggleButtons(options=VIEWS, value="filtered", style={"button_width": "80px"})  # narrower cuts "features"
        side_by_side = W.Checkbox(value=False, description="silent and voiced side by side", indent=False,
                                  layout=W.Layout(width="260px"))
        zoom = W.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.01, description="time (s)",
                                  continuous_update=False, readout_format=".2f", style=label_width,
                                  layout=W.Layout(width="96%"))
        play = W.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.01, description="play (s)",
                                  continuous_update=False, readout_format=".2f", style=label_width,
                                  layout=W.Layout(width="96%"))
        player = W.Audio(value=b"", format="wav", autoplay=False, loop=False, layout=W.Layout(width="300px"))
        plot = W.Image(format="png", layout=W.Layout(width="100%", max_width="1100px"))
        hold = {"depth": 0}  # > 0 while one change sets several controls: one redraw at the end

        def selected_channels() -> tuple[int, ...]:
            return tuple(c for c, box in enumerate(channel_boxes) if box.value)

        def utt_options():
            return [(f"#{u.index} {u.mode}, {self.split_of(u)}: {u.text}", u)
                    for u in self.utterances(condition.value, session.value)]

        def update_player() -> None:
            u = utt.value
            prep = self.prepare(u)
            if prep.audio is None:
                player.value = b""
                return
            a, b = (int(round(v * prep.audio_rate)) for v in play.value)
            player.value = wav_bytes(prep.audio[a:max(b, a + 1)], prep.audio_rate)

        def redraw(*_):
            u = utt.value
            if u is None or hold["depth"]:
                return
            import matplotlib.pyplot as plt

            fig = self.figure(u, selected_channels(), view.value, tuple(zoom.value), tuple(play.value),
                              side_by_side.value)
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=100)
            plt.close(fig)
            plot.value = buf.getvalue()
            self.last_figure = fig

        def set_range(slider, low: float, high: float, top: float) -> None:
            # widen first, so that the new value is never outside the old bounds
            slider.max = max(top, slider.max)
            slider.value = (low, high)
            slider.max = top

        def on_utterance(*_):
            u = utt.value
            if u is None:
                return
            hold["depth"] += 1
            try:
                partner = self.partner(u)
                side_by_side.disabled = partner is None
                if partner is None:
                    side_by_side.value = False
                durations = [self.prepare(u).duration_s] + ([self.prepare(partner).duration_s]
                                                             if side_by_side.value else [])
                top = max(max(durations), 0.01)
                set_range(zoom, 0.0, top, top)
                set_range(play, 0.0, self.prepare(u).duration_s, top)
                update_player()
                partner_text = (f"same sentence {partner.mode}: session {partner.session} #{partner.index}"
                                if partner is not None else f"no {'voiced' if u.mode == 'silent' else 'silent'} "
                                                            "recording of this sentence")
                sentence.value = (f"<div style='line-height:1.3'><b>“{_html(u.text)}”</b><br>"
                                  f"<span style='color:#555'>{_html(self.describe(u))} · "
                                  f"{self.prepare(u).duration_s:.2f} s · {_html(partner_text)}"
                                  f"{' · <b>synthetic data</b>' if self.synthetic else ''}</span></div>")
            finally:
                hold["depth"] -= 1
            redraw()

        def on_zoom(*_):
            # the player follows the zoom: it plays what is shown until the play slider narrows it
            hold["depth"] += 1
            try:
                a, b = zoom.value
                play.value = (a, min(b, self.prepare(utt.value).duration_s))
                update_player()
            finally:
                hold["depth"] -= 1
            redraw()

        def on_play(*_):
            if hold["depth"]:
                return
            update_player()
            redraw()

        def on_side_by_side(*_):
            on_utterance()

        condition.observe(lambda _: setattr(session, "options", self.sessions(condition.value)), "value")
        session.observe(lambda _: setattr(utt, "options", utt_options()), "value")
        utt.observe(on_utterance, "value")
        zoom.observe(on_zoom, "value")
        play.observe(on_play, "value")
        side_by_side.observe(on_side_by_side, "value")
        view.observe(redraw, "value")
        for box in channel_boxes:
            box.observe(redraw, "value")
        hold["depth"] += 1
        utt.options = utt_options()
        hold["depth"] -= 1
        utt.value = first
        box = W.VBox([W.HBox([condition, session, utt], layout=W.Layout(width="100%")), sentence, channels,
                      W.HBox([W.Label("view", layout=W.Layout(width="76px")), view, side_by_side, player],
                             layout=W.Layout(align_items="center")),
                      zoom, play, plot], layout=W.Layout(width="100%", max_width="1120px"))
        box.controls = {"condition": condition, "session": session, "utterance": utt, "sentence": sentence,
                        "channels": channel_boxes, "view": view, "side_by_side": side_by_side, "zoom": zoom,
                        "play": play, "audio": player, "plot": plot}
        return box

    def show(self, interactive: bool | None = None, channels: Sequence[int] = (0, 1, 2, 3), view: str = "filtered"):
        """Widgets when interactive, else a static figure of :meth:`default` (returned)."""
        self.static = not is_interactive(interactive)
        if not self.static:
            from IPython.display import display

            box = self.widgets()
            display(box)
            return box
        return self.figure(self.default(), channels, view)


def _html(text: str) -> str:
    import html

    return html.escape(str(text))
