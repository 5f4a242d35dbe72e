"""Capture workflows as functions (for notebooks and scripts) and their figures.

The CLI verbs and notebook 08 call these; nothing here is notebook-only logic
that the tests cannot reach.
"""
from __future__ import annotations

import datetime as _dt
import itertools
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from semg_study.capture.boards import BoardConfig, open_board
from semg_study.capture.playback import PlaybackSource, playback_source
from semg_study.capture.controllers import AutoController, run_session
from semg_study.capture.prompts import Prompt, primed, prompt_condition, prompt_source
from semg_study.capture.session import CaptureSession, SavedUtterance
from semg_study.data.rates import DATASET_RATE
from semg_study.run_folder import RunFolder, read_manifest


def prepare_capture_root(root: str | Path, board: str) -> Path:
    """Make a corpus root for captures; labelled synthetic up front when the board is the synthetic one."""
    from semg_study.capture.session import label_synthetic_root

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    if board == "synthetic":
        label_synthetic_root(root)
    return root


def stream_snapshot(config: BoardConfig, seconds: float = 2.0, poll_interval: float = 0.1):
    """Stream ``seconds`` from a board: (T, 8) µV at the board's rate (first 8 EMG rows) and the board's layout."""
    board = open_board(config)
    chunks = []
    try:
        board.start()
        board.poll()
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            time.sleep(poll_interval)
            chunks.append(board.poll())
    finally:
        board.release()
    data = np.concatenate(chunks, axis=1)
    emg = data[list(board.layout.model_rows())].T
    return emg.astype(np.float32), board.layout


def record_session(out_root: str | Path, participant: str, config: BoardConfig, prompts: str = "closed",
                   mode: str = "silent", seconds: float = 1.0, n_prompts: int = 3, seed: int = 0,
                   log: Callable[[str], None] = print) -> CaptureSession:
    """Non-interactive capture (what ``semg-study capture --auto SECONDS --n N`` does)."""
    condition = prompt_condition(prompts)
    prompt_stream = primed(prompt_source(prompts, seed=seed), prompts)
    board = open_board(config)
    try:
        board.start()
        session = CaptureSession.create(out_root, participant, board, condition, mode, prompts)
        run_session(session, prompt_stream, AutoController(seconds, log=log), n_prompts, log=log)
    finally:
        board.release()
    return session


@dataclass
class Replay:
    source: PlaybackSource
    emg: dict[str, np.ndarray]        # segment label -> replayed (T, 8) at the board rate
    board_rate: float


def replay_recording(path: str | Path, master_board: str | None = None, poll_interval: float = 0.1,
                     timeout_s: float = 120.0) -> Replay:
    """Replay a capture session/utterance (or corpus EMG) through the playback board, in real time."""
    source = playback_source(path, master_board=master_board)
    board = open_board(BoardConfig.for_playback(source))
    received, deadline = [], time.monotonic() + timeout_s
    try:
        board.start()
        while sum(part.shape[1] for part in received) < source.total_samples and time.monotonic() < deadline:
            time.sleep(poll_interval)
            received.append(board.poll())
    finally:
        board.release()
    data = np.concatenate(received, axis=1)
    rows, rate = list(board.layout.model_rows()), board.layout.sampling_rate
    out, start = {}, 0
    for segment in source.segments:
        part = data[rows, start:start + segment.n_samples].T
        start += segment.n_samples
        out[segment.label] = part.astype(np.float32)  # the board's rate, as recorded
    return Replay(source=source, emg=out, board_rate=rate)


def find_streaming_run(runs_root: str | Path, profile: str | None = None) -> Path | None:
    """The newest finished MyoStream run under ``runs_root`` (of ``profile`` if given), or ``None``.

    Newest by the end time its manifest records (then by name): modification times change with
    every copy and checkout."""
    runs_root = Path(runs_root)
    if not runs_root.is_dir():
        return None
    prefix = f"myostream-{profile}" if profile else "myostream"
    candidates = [p for p in runs_root.iterdir()
                  if p.is_dir() and p.name.startswith(prefix) and RunFolder(p).best.is_file()
                  and _can_stream(p)]
    return max(candidates, key=lambda p: (_finished_at(p), p.name)) if candidates else None


def _finished_at(run_dir: Path) -> float:
    """When the run's training ended (manifest ``end_time``), or 0 where that is not recorded."""
    try:
        return _dt.datetime.fromisoformat(read_manifest(run_dir)["end_time"]).timestamp()
    except (KeyError, TypeError, ValueError):
        return 0.0


def _can_stream(run_dir: Path) -> bool:
    """False for a run trained with ``streaming_mask`` off (an ablation variant): it cannot stream."""
    model = read_manifest(run_dir).get("config", {}).get("model", {})
    return model.get("streaming_mask", model.get("kwargs", {}).get("streaming_mask", True)) is not False


def replay_differences(session_dir: str | Path, replay: Replay) -> list[dict]:
    """Per utterance: recorded against replayed samples (both at the board's rate)."""
    rows = []
    for segment in replay.source.segments:
        index = segment.label.split("/")[-1]
        recorded = np.load(Path(session_dir) / f"{index}_emg.npy")
        replayed = replay.emg[segment.label]
        n = min(len(recorded), len(replayed))
        rows.append({"utterance": segment.label, "text": segment.text or "(reference clip)",
                     "recorded_samples": len(recorded), "replayed_samples": len(replayed),
                     "max_abs_difference_uv": float(np.max(np.abs(recorded[:n] - replayed[:n]))) if n else float("nan")})
    return rows


def replay_session_of(root: str | Path) -> Path | None:
    """A silent session folder of a corpus root (open vocabulary first), to replay for live decoding."""
    root = Path(root)
    for folder in ("emg_data/silent_parallel_data", "emg_data/closed_vocab/silent", "emg_data/voiced_parallel_data",
                   "emg_data/closed_vocab/voiced"):
        sessions = sorted(p for p in (root / folder).glob("*") if p.is_dir()) if (root / folder).is_dir() else []
        if sessions:
            return sessions[0]
    return None


def live_decode_replay(run_dir: str | Path, path: str | Path, max_utterances: int = 1,
                       emit: Callable[[str], None] = print):
    """Decode ``path`` (a session, an utterance or a corpus root) replayed through the playback board."""
    from semg_study.capture.live import session_index, decode_stream, load_streaming_run, transcriber_for

    loaded = load_streaming_run(run_dir)
    path = Path(path)
    if (path / "emg_data").is_dir():
        session = replay_session_of(path)
        if session is None:
            raise FileNotFoundError(f"{path}: no session to replay")
        path = session
    source = playback_source(path, max_utterances=max_utterances, skip_reference_clips=True)
    config = BoardConfig.for_playback(source)
    # a session the run knows (an adapted run's participant sessions) gets its own adapter row,
    # any other the run's row for unknown sessions
    transcriber = transcriber_for(loaded, config, source, session_index(loaded, source))
    board = open_board(config)
    return decode_stream(board, transcriber, source=source, emit=emit)


def live_decode_utterances(run_dir: str | Path, utterances, emit: Callable[[str], None] = print) -> list[dict]:
    """Replay each corpus utterance through brainflow's playback board and decode it as it streams.

    One playback per utterance (so each starts from a fresh stream state, as a new
    utterance does live). Returns one row per utterance: reference, streamed
    hypothesis (greedy CTC carried across chunks), its corpus-level WER/CER, and the
    compute time per chunk (p50/p95 ms) against the model's algorithmic latency.
    """
    from semg_study.evaluation.metrics import score

    rows = []
    for u in utterances:
        live = live_decode_replay(run_dir, u.emg_path, max_utterances=1, emit=lambda _line: None)
        hypothesis = " ".join(r.hypothesis for r in live.utterances).strip()
        scored = score([u.text], [hypothesis])
        rows.append({"utterance": u.id, "reference": scored.utterances[0].reference, "streamed hypothesis": hypothesis,
                     "WER %": None if scored.wer is None else round(100 * scored.wer, 1),
                     "CER %": None if scored.cer is None else round(100 * scored.cer, 1),
                     "word errors": scored.utterances[0].word_errors, "reference words": scored.utterances[0].words,
                     "chunks": len(live.chunk_ms), "chunk compute p50 ms": round(live.percentile_ms(50), 2),
                     "chunk compute p95 ms": round(live.percentile_ms(95), 2),
                     "algorithmic latency ms": round(live.algorithmic_latency_ms, 1),
                     "synthetic": live.synthetic})
        emit(f"{u.id}: {hypothesis!r} (reference {u.text!r})")
    return rows


# ------------------------------------------------------------------------------- figures
def plot_channels(emg: np.ndarray, rate: float = DATASET_RATE, title: str = "", ax=None):
    """The 8 channels stacked, each offset by a robust multiple of its spread."""
    import matplotlib.pyplot as plt

    from semg_study.capture.boards import ELECTRODE_MAP

    emg = np.asarray(emg, dtype=np.float64)
    fig = None
    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 4.5))
    t = np.arange(len(emg)) / rate
    centred = emg - np.median(emg, axis=0)
    spacing = 6 * max(float(np.median(np.abs(centred))) * 1.4826, 1e-6)
    for ch in range(emg.shape[1]):
        ax.plot(t, centred[:, ch] - ch * spacing, lw=0.6)
    ax.set_yticks([-ch * spacing for ch in range(emg.shape[1])])
    ax.set_yticklabels([f"{ch + 1}: {ELECTRODE_MAP.get(ch + 1, '')[:22]}" for ch in range(emg.shape[1])], fontsize=7)
    ax.set_xlabel("time (s)")
    ax.set_title(title)
    return fig or ax.figure


def plot_session(saved: list[SavedUtterance] | list, rate: float = DATASET_RATE, columns: int = 3):
    """One panel per utterance (up to ``columns`` side by side): the recorded EMG at its own rate, each of
    the first 8 channels de-meaned and offset by one common spacing, labelled ch 1 (top) .. ch 8, with a
    microvolt scale bar; panels titled with their prompt (the reference clip: "reference clip")."""
    import matplotlib.pyplot as plt

    items = []
    for item in saved:
        if isinstance(item, SavedUtterance):
            emg, text, item_rate = item.emg, item.info["text"], float(item.info.get("emg_rate", rate))
        else:  # (emg, text) or (emg, text, rate)
            emg, text, item_rate = item[0], item[1], float(item[2]) if len(item) > 2 else rate
        x = np.asarray(emg, dtype=float)[:, :8]
        items.append((x - x.mean(axis=0), text, item_rate))
    n = max(len(items), 1)
    cols = min(columns, n)
    rows = -(-n // cols)
    # one spacing for every panel, so amplitudes compare across utterances: 2.2 x the largest channel's
    # 99th percentile of |EMG| (so traces barely touch)
    peaks = [np.percentile(np.abs(x), 99, axis=0).max() for x, _, _ in items if x.size]
    spacing = 2.2 * max(peaks) if peaks and max(peaks) > 0 else 1.0
    fig, axes = plt.subplots(rows, cols, figsize=(5.4, 0.35 + 2.9 * rows), squeeze=False, sharey=True)
    n_ch = max((x.shape[1] for x, _, _ in items), default=8)
    offsets = spacing * np.arange(n_ch)[::-1]
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, ax in enumerate(axes.flat):
        if k >= len(items):
            ax.set_visible(False)
            continue
        x, text, item_rate = items[k]
        t = np.arange(len(x)) / item_rate
        for c in range(x.shape[1]):
            ax.plot(t, x[:, c] + offsets[c], lw=0.5, color=colours[c % len(colours)])
        ax.set_title(f"\u201c{text}\u201d" if text else "reference clip", fontsize=8, loc="left")
        ax.set_xlabel("time (s)", fontsize=8)
        ax.tick_params(labelsize=8)
        ax.set_yticks(offsets[: x.shape[1]])
        ax.set_yticklabels([f"ch {c + 1}" for c in range(x.shape[1])])
        ax.set_ylim(offsets[-1] - spacing, offsets[0] + spacing)
    # a vertical scale bar in the last drawn panel, a round number of microvolts about one spacing tall
    last = axes.flat[len(items) - 1] if items else axes.flat[0]
    bar = float(10 ** np.floor(np.log10(spacing)))
    bar = next(v for v in (5 * bar, 2 * bar, bar) if v <= spacing)
    x0 = last.get_xlim()[1]
    last.plot([x0, x0], [offsets[-1] - spacing * 0.9, offsets[-1] - spacing * 0.9 + bar], color="k", lw=2,
              clip_on=False)
    last.annotate(f"{bar:g} µV", (x0, offsets[-1] - spacing * 0.9 + bar / 2), xytext=(4, 0),
                  textcoords="offset points", fontsize=8, va="center", annotation_clip=False)
    fig.tight_layout()
    return fig


def plot_recorded_vs_replayed(recorded: np.ndarray, replayed: np.ndarray, rate: float = DATASET_RATE,
                              channel: int = 0, title: str = ""):
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 4), sharex=True)
    t = np.arange(len(recorded)) / rate
    top.plot(t, recorded[:, channel], lw=1.4, label="recorded ({i}_emg.npy)")
    top.plot(t[:len(replayed)], replayed[:len(recorded), channel], lw=0.7, ls="--", label="replayed (playback board)")
    top.legend(fontsize=8)
    top.set_ylabel(f"channel {channel + 1} (µV)")
    top.set_title(title)
    n = min(len(recorded), len(replayed))
    bottom.plot(t[:n], replayed[:n, channel] - recorded[:n, channel], lw=0.7)
    bottom.set_ylabel("difference (µV)")
    bottom.set_xlabel("time (s)")
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------- widget
class CaptureWidget:
    """Buttons for a notebook: Start / Stop / Redo / Quit over a :class:`CaptureSession`.

    Recording runs in a background thread (the kernel must stay free to receive
    the Stop click); faults are shown in the status line, and the utterance is
    saved incomplete exactly as in the terminal.
    """

    def __init__(self, session: CaptureSession, prompts, log: Callable[[str], None] | None = None):
        import ipywidgets as widgets

        self.session = session
        self.prompts = iter(prompts)
        self.prompt: Prompt | None = None  # None while the reference clip is due
        self.reference_due = session.next_index == 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: SavedUtterance | None = None
        self.label = widgets.HTML()
        self.status = widgets.Label()
        self.start_button = widgets.Button(description="Start", button_style="success", icon="circle")
        self.stop_button = widgets.Button(description="Stop", button_style="warning", icon="stop", disabled=True)
        self.redo_button = widgets.Button(description="Redo", icon="repeat", disabled=True)
        self.quit_button = widgets.Button(description="Quit", button_style="danger")
        self.start_button.on_click(lambda _b: self.start())
        self.stop_button.on_click(lambda _b: self.stop())
        self.redo_button.on_click(lambda _b: self.redo())
        self.quit_button.on_click(lambda _b: self.quit())
        self.box = widgets.VBox([self.label, widgets.HBox([self.start_button, self.stop_button, self.redo_button,
                                                            self.quit_button]), self.status])
        self._show_next()

    def _ipython_display_(self):
        from IPython.display import display

        display(self.box)

    def _show_next(self) -> None:
        if not self.reference_due:
            self.prompt = next(self.prompts, None)
            if self.prompt is None:
                self.quit()
                return
        text = "reference clip: keep the face relaxed" if self.reference_due else self.prompt.text
        self.label.value = f"<h3>[{self.session.next_index}] {text}</h3>"

    def start(self) -> None:
        self._stop.clear()
        self.start_button.disabled, self.stop_button.disabled, self.redo_button.disabled = True, False, True
        self.status.value = "recording..."
        prompt = None if self.reference_due else self.prompt

        def work():
            try:
                self.last = self.session.record(prompt, lambda _elapsed: self._stop.is_set())
                self.status.value = f"saved {self.last.path.name}" if self.last else "nothing received"
            except BaseException as exc:  # shown, not raised: the thread has no caller
                self.status.value = f"stopped: {exc} (saved up to the last sample; resume later)"
                self.start_button.disabled = True
                return
            self.reference_due = False
            self.start_button.disabled, self.stop_button.disabled = False, True
            self.redo_button.disabled = self.last is None
            self._show_next()
        self._thread = threading.Thread(target=work, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def redo(self) -> None:
        """Mark the last utterance as re-recorded and ask for its prompt again."""
        if self.last is None or self.last.info.get("sentence_index", -1) < 0:
            return
        redo_prompt = Prompt(self.last.info["text"], self.last.info["book"], self.last.info["sentence_index"])
        self.session.discard(self.last)
        pending = [redo_prompt] + ([self.prompt] if self.prompt else [])
        self.prompts = itertools.chain(pending, self.prompts)  # prompt streams may be endless: chain, never list
        self.last = None
        self.redo_button.disabled = True
        self._show_next()

    def quit(self) -> None:
        self.stop()
        for button in (self.start_button, self.stop_button, self.redo_button, self.quit_button):
            button.disabled = True
        self.status.value = f"session closed: {self.session.dir}"
        self.session.board.release()
