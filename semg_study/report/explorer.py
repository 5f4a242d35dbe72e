"""A signal explorer for notebook 01.

In JupyterLab (a live frontend) :meth:`SignalExplorer.show` displays ipywidgets
controls: pick condition, session, utterance and channels, switch between raw,
filtered and feature views, zoom in time and play the audio. Without a
frontend (papermill, nbval) it falls back to a static figure of one utterance.

``interactive=None`` auto-detects: the environment variable
``SEMG_STUDY_INTERACTIVE`` (``0``/``1``) wins; otherwise a Jupyter kernel
(``ZMQInteractiveShell``) with ipywidgets importable counts as interactive.
The study pipeline passes ``interactive=False``.
"""
from __future__ import annotations

import io
import os
from typing import Any, Sequence

import numpy as np

VIEWS = ("raw", "filtered", "features")
FEATURE_NAMES = ("mean w", "rms w", "rms r", "zcr p", "mean r") + tuple(f"fft {k}" for k in range(9))


def is_interactive(interactive: bool | None = None) -> bool:
    if interactive is not None:
        return bool(interactive)
    env = os.environ.get("SEMG_STUDY_INTERACTIVE")
    if env is not None:
        return env.strip().lower() not in ("", "0", "false", "no")
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


class SignalExplorer:
    """Browse the utterances of a corpus (``semg_study.data.Corpus``)."""

    def __init__(self, corpus, preprocess=None):
        self.corpus = corpus
        self.static: bool | None = None  # set by show(): True when it drew a static figure
        self.preprocess = preprocess
        self._by_key: dict[tuple[str, str], list] = {}
        for u in corpus.all_utterances():
            if getattr(u, "kind", "emg") != "emg":
                continue
            self._by_key.setdefault((u.condition, u.session), []).append(u)
        if not self._by_key:
            raise ValueError("the corpus has no EMG utterances to explore")

    # -- choices ------------------------------------------------------------------
    def conditions(self) -> list[str]:
        return sorted({c for c, _ in self._by_key})

    def sessions(self, condition: str) -> list[str]:
        return sorted(s for c, s in self._by_key if c == condition)

    def utterances(self, condition: str, session: str) -> list:
        return sorted(self._by_key.get((condition, session), []), key=lambda u: u.index)

    def default(self) -> Any:
        """The first utterance with audio (else the first one)."""
        for key in sorted(self._by_key):
            for u in self.utterances(*key):
                if getattr(u, "audio_path", None) is not None:
                    return u
        return self.utterances(*sorted(self._by_key)[0])[0]

    # -- drawing ------------------------------------------------------------------
    def signal(self, data, view: str):
        """``(times, values, labels)`` of one view of an utterance's EMG."""
        from semg_study.report.exploration import EMG_RATE, filtered

        if view not in VIEWS:
            raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
        if view == "raw":
            x = np.asarray(data.emg, dtype=np.float64)
            return np.arange(len(x)) / EMG_RATE, x - x.mean(axis=0), None
        if view == "filtered":
            x = filtered(data.emg, self.preprocess)
            return np.arange(len(x)) / EMG_RATE, x, None
        from semg_study.features import FeatureConfig, compute_features

        cfg = FeatureConfig(streams=("emg_features",)) if self.preprocess is None else \
            FeatureConfig(preprocess=self.preprocess, streams=("emg_features",))
        feats = compute_features(data.emg, cfg)["emg_features"]
        return np.arange(len(feats)) / cfg.frame_rate, feats, FEATURE_NAMES

    def figure(self, utterance, channels: Sequence[int] = (0, 1, 2, 3), view: str = "filtered",
               window_s: tuple[float, float] | None = None):
        """Audio (when present) and the chosen EMG view of ``channels`` (0-based)."""
        from semg_study.report.exploration import _plt

        plt = _plt()
        data = utterance.load()
        channels = list(channels) or [0]
        t, x, names = self.signal(data, view)
        has_audio = data.audio is not None
        rows = len(channels) + (1 if has_audio else 0)
        fig, axes = plt.subplots(rows, 1, figsize=(10, 1.3 * rows + 1.2), sharex=True, squeeze=False)
        axes = axes[:, 0]
        if has_audio:
            ta = np.arange(len(data.audio)) / data.audio_rate
            axes[0].plot(ta, data.audio, lw=0.5, color="0.3", rasterized=True)
            axes[0].set_ylabel("audio")
        for ax, c in zip(axes[1:] if has_audio else axes, channels):
            if names is None:
                ax.plot(t, x[:, c], lw=0.6, color=f"C{c % 8}")
                ax.set_ylabel(f"ch {c + 1} (µV)")
            else:
                block = x[:, 14 * c: 14 * (c + 1)]
                z = (block - block.mean(axis=0)) / (block.std(axis=0) + 1e-9)
                ax.imshow(z.T, aspect="auto", origin="lower", extent=(t[0], t[-1] if len(t) > 1 else 1.0, 0, 14))
                ax.set_yticks([0.5, 13.5], [names[0], names[-1]], fontsize=7)
                ax.set_ylabel(f"ch {c + 1}")
                ax.grid(False)
        if window_s is not None:
            axes[-1].set_xlim(*window_s)
        axes[-1].set_xlabel("time (s)")
        axes[0].set_title(f"{utterance.condition} / {utterance.session} / #{utterance.index} ({utterance.mode}, "
                          f"{view}): {utterance.text[:70]}")
        fig.tight_layout()
        return fig

    # -- widgets ------------------------------------------------------------------
    def widgets(self):
        """The ipywidgets box (controls, plot output, audio player)."""
        import ipywidgets as W

        first = self.default()
        condition = W.Dropdown(options=self.conditions(), value=first.condition, description="condition")
        session = W.Dropdown(options=self.sessions(first.condition), value=first.session, description="session")
        utt = W.Dropdown(description="utterance")
        channels = W.SelectMultiple(options=[(f"ch {c + 1}", c) for c in range(8)], value=(0, 1, 2, 3),
                                    description="channels", rows=8)
        view = W.ToggleButtons(options=VIEWS, value="filtered", description="view")
        zoom = W.FloatRangeSlider(value=(0.0, 1.0), min=0.0, max=1.0, step=0.01, description="time (s)",
                                  continuous_update=False, layout=W.Layout(width="70%"))
        out = W.Output()
        player = W.Audio(value=b"", format="wav", autoplay=False, loop=False)

        def utt_options():
            return [(f"#{u.index} {u.mode}: {u.text[:50]}", u) for u in self.utterances(condition.value, session.value)]

        busy = {"flag": False}

        def redraw(*_):
            u = utt.value
            if u is None or busy["flag"]:
                return
            fig = self.figure(u, channels.value, view.value, tuple(zoom.value))
            with out:
                out.clear_output(wait=True)
                from IPython.display import display

                display(fig)
            import matplotlib.pyplot as plt

            plt.close(fig)
            self.last_figure = fig

        def on_utterance(*_):
            u = utt.value
            if u is None:
                return
            busy["flag"] = True
            try:
                duration = self.corpus.duration_s(u)
                zoom.max = max(duration, 0.01)
                zoom.value = (0.0, zoom.max)
                data = u.load()
                player.value = wav_bytes(data.audio, data.audio_rate) if data.audio is not None else b""
            finally:
                busy["flag"] = False
            redraw()

        def on_condition(change):
            session.options = self.sessions(condition.value)

        def on_session(change):
            utt.options = utt_options()

        condition.observe(on_condition, "value")
        session.observe(on_session, "value")
        utt.observe(on_utterance, "value")
        for w in (channels, view, zoom):
            w.observe(redraw, "value")
        utt.options = utt_options()
        utt.value = first
        box = W.VBox([W.HBox([condition, session]), utt, W.HBox([channels, W.VBox([view, zoom, player])]), out])
        box.controls = {"condition": condition, "session": session, "utterance": utt, "channels": channels,
                        "view": view, "zoom": zoom, "audio": player, "output": out}
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
