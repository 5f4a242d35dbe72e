"""A capture session: prompts in, utterances out in the Digital Voicing layout.

Where a session lands (``out`` is a corpus root, so ``open_corpus(out)`` and
``semg-study validate out`` read it at once):

* closed-vocabulary prompts -> ``out/emg_data/closed_vocab/<mode>/<session>``
* open sentences or a prompt file -> ``out/emg_data/<mode>_parallel_data/<session>``

Session names are ``p<participant>-<YYYYMMDD>-<n>``, plus ``_silent`` for silent
speech (the dataset's own suffix). Participants are codes, never names.

Per utterance ``i`` (index 0 is a reference clip, ``sentence_index -1``, as in the
real data) the session writes, each file atomically and in this order:

1. ``{i}_emg.npy``   (T, 8) float32 microvolts at the board's own rate (board EMG rows, first 8; never
   resampled: the info file and ``session.json`` state the rate, and a model that needs more refuses it)
2. ``{i}_button.npy`` (T,) int8 zeros (the dataset's button channel; no button here)
3. ``{i}_board.csv`` the raw board data, all rows, in brainflow's file format (for playback)
4. ``{i}_info.json`` LAST: ``book``, ``sentence_index``, ``text``, ``chunks``, ``emg_rate`` and capture metadata.

The loader lists an utterance only when its info file exists, so a crash
between these writes never exposes a half-written utterance. Audio
(``{i}_audio.flac``, 16 kHz mono, written before the info file) only when a
microphone is given (:mod:`semg_study.capture.audio`); otherwise none.

Robustness: the board is polled every ``poll_interval`` (0.1 s) into a buffer;
if the stream breaks (brainflow error, no data for ``stall_timeout`` seconds) or
the user presses Ctrl-C, the current utterance is saved up to the last received
sample with ``"incomplete": true`` and the session can be resumed
(``resume=True``), numbering continuing after the last saved utterance.

Driving a session through its prompts (when to start, stop, redo) is
:mod:`semg_study.capture.controllers`.
"""
from __future__ import annotations

import datetime as _dt
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from semg_study import __version__
from semg_study.capture.boards import (ELECTRODE_MAP, ELECTRODE_REFERENCE, MODEL_CHANNELS, BoardDisconnectedError,
                                       BoardStream, import_brainflow)
from semg_study.capture.playback import write_board_file
from semg_study.capture.prompts import Prompt
from semg_study.data.participants import ETHICS_RULE, PARTICIPANT_PATTERN, SESSION_FILE
from semg_study.data.synthetic_label import is_synthetic
from semg_study.errors import StudyError
from semg_study.io import save_audio, save_npy, write_json



class ParticipantError(StudyError):
    """A participant ID that could identify a person."""


def check_participant(participant: str) -> str:
    participant = str(participant).strip()
    if not PARTICIPANT_PATTERN.match(participant):
        raise ParticipantError(f"participant {participant!r} rejected: {ETHICS_RULE}")
    return participant


def condition_folder(out_root: str | Path, condition: str, mode: str) -> Path:
    """The folder a session of this condition and mode goes into (see the module doc)."""
    if mode not in ("silent", "voiced"):
        raise StudyError(f"mode must be silent or voiced, got {mode!r}")
    root = Path(out_root) / "emg_data"
    if condition == "closed":
        return root / "closed_vocab" / mode
    if condition == "open":
        return root / f"{mode}_parallel_data"
    raise StudyError(f"condition must be closed or open, got {condition!r}")


def session_name(participant: str, date: str, number: int, mode: str) -> str:
    return f"p{participant}-{date}-{number}" + ("_silent" if mode == "silent" else "")


_SESSION_NAME = re.compile(r"^p(?P<participant>[A-Za-z]?\d+)-(?P<date>\d{8})-(?P<n>\d+)(?P<silent>_silent)?$")


def existing_sessions(folder: Path, participant: str) -> list[tuple[str, int, Path]]:
    """Sessions of ``participant`` in ``folder`` as (date, number, path), oldest first."""
    found = []
    if folder.is_dir():
        for path in folder.iterdir():
            match = _SESSION_NAME.match(path.name)
            if path.is_dir() and match and match["participant"] == participant:
                found.append((match["date"], int(match["n"]), path))
    return sorted(found)


def saved_indices(session_dir: Path) -> list[int]:
    """Utterance indices whose info file exists (what the loader would list)."""
    indices = []
    for path in session_dir.glob("*_info.json"):
        stem = path.name[: -len("_info.json")]
        if stem.isdigit():
            indices.append(int(stem))
    return sorted(indices)


@dataclass
class Recording:
    """Board data of one utterance as received, and whether it ended cleanly."""

    board_data: np.ndarray                 # (rows, samples) at the board rate
    poll_sizes: list[int]                  # board samples per poll (the dataset's "chunks")
    started_at: float                      # Unix time the recording started
    audio: np.ndarray | None = None        # microphone samples (mono, ``audio_rate``) or None
    audio_sizes: list[int] = field(default_factory=list)  # audio samples per poll, beside ``poll_sizes``
    audio_rate: int | None = None
    incomplete: bool = False
    reason: str | None = None
    fault: BaseException | None = None     # re-raised by the session after saving

    @property
    def n_samples(self) -> int:
        return self.board_data.shape[1]


def record_utterance(board: BoardStream, should_stop: Callable[[float], bool], marker: float,
                     poll_interval: float = 0.1, stall_timeout: float = 2.0,
                     clock: Callable[[], float] = time.monotonic,
                     sleep: Callable[[float], None] = time.sleep, microphone=None) -> Recording:
    """Record from ``board`` until ``should_stop(elapsed_seconds)``, polling every ``poll_interval``.

    Never raises for a broken stream or Ctrl-C: it returns what was received,
    marked incomplete, with the fault attached for the caller to re-raise once
    the data are safe on disk. With a ``microphone`` its audio is drained at
    every poll too (audio and EMG start within one poll of each other).
    """
    bs, _ = import_brainflow()
    chunks: list[np.ndarray] = []
    sizes: list[int] = []
    audio_parts: list[np.ndarray] = []
    audio_sizes: list[int] = []
    started_at = time.time()
    result_fault: BaseException | None = None
    reason = None
    try:
        board.poll()  # drop what arrived while the prompt was on screen
        if microphone is not None:
            microphone.read()
        board.insert_marker(marker)
        start = last_data = clock()
        while True:
            sleep(poll_interval)
            now = clock()
            data = board.poll()
            audio = microphone.read() if microphone is not None else None
            if audio is not None and len(audio):
                audio_parts.append(np.asarray(audio, dtype=np.float32))
            if data.shape[1] or (audio is not None and len(audio)):
                if data.shape[1]:
                    chunks.append(data)
                sizes.append(data.shape[1])
                audio_sizes.append(0 if audio is None else len(audio))
            if data.shape[1]:
                last_data = now
            elif now - last_data > stall_timeout:
                reason = f"stream stopped: no data for {stall_timeout:g} s"
                result_fault = BoardDisconnectedError(
                    f"the board stopped streaming (no data for {stall_timeout:g} s): check power, battery, "
                    "dongle and range, then continue with --resume")
                break
            if should_stop(now - start):
                break
    except bs.BrainFlowError as exc:
        reason = f"board error: {exc}"
        result_fault = BoardDisconnectedError(
            f"the board stopped streaming ({exc}): check power, dongle/WiFi and range, then continue with --resume")
    except KeyboardInterrupt as exc:
        reason = "interrupted (Ctrl-C)"
        result_fault = exc
    data = np.concatenate(chunks, axis=1) if chunks else np.zeros((0, 0))
    audio_all = None
    if microphone is not None:
        audio_all = np.concatenate(audio_parts) if audio_parts else np.zeros(0, np.float32)
    return Recording(board_data=data, poll_sizes=sizes, started_at=started_at,
                     incomplete=result_fault is not None, reason=reason, fault=result_fault,
                     audio=audio_all, audio_sizes=audio_sizes if microphone is not None else [],
                     audio_rate=getattr(microphone, "rate", None))


def board_emg(board_data: np.ndarray, emg_rows: tuple[int, ...]) -> np.ndarray:
    """The first 8 EMG rows of a board array as (T, 8) float32 microvolts, at the board's rate."""
    return np.ascontiguousarray(np.asarray(board_data[list(emg_rows)], dtype=np.float64).T).astype(np.float32)


def poll_chunks(poll_sizes: list[int], audio_sizes: list[int] | None = None) -> list[list[int]]:
    """Per-poll ``[emg, audio, button]`` lengths (the dataset's ``chunks``), EMG/button in board samples."""
    audio_sizes = audio_sizes or [0] * len(poll_sizes)
    return [[int(size), int(audio), int(size)] for size, audio in zip(poll_sizes, audio_sizes)]


@dataclass
class SavedUtterance:
    index: int
    path: Path                # the index prefix, e.g. .../p7-20260101-1/3
    info: dict[str, Any]
    emg: np.ndarray = field(repr=False)


class CaptureSession:
    """One recording session in a corpus root; create with :meth:`create` or :meth:`resume`."""

    def __init__(self, session_dir: Path, meta: dict[str, Any], board: BoardStream,
                 poll_interval: float = 0.1, stall_timeout: float = 2.0, microphone=None):
        self.dir = session_dir
        self.microphone = microphone
        self.meta = meta
        self.board = board
        self.poll_interval = poll_interval
        self.stall_timeout = stall_timeout
        self.emg_rows = tuple(meta["emg_rows_used"])
        self.board_rate = float(meta["board"]["sampling_rate"])
        indices = saved_indices(session_dir)
        self.next_index = (indices[-1] + 1) if indices else 0
        self.saved: list[SavedUtterance] = []

    # -- opening -------------------------------------------------------------------------
    @classmethod
    def create(cls, out_root: str | Path, participant: str, board: BoardStream, condition: str,
               mode: str = "silent", prompts: str = "closed", date: str | None = None, **kwargs) -> "CaptureSession":
        participant = check_participant(participant)
        folder = condition_folder(out_root, condition, mode)
        date = date or _dt.date.today().strftime("%Y%m%d")
        taken = [n for d, n, _ in existing_sessions(folder, participant) if d == date]
        name = session_name(participant, date, max(taken, default=0) + 1, mode)
        session_dir = folder / name
        layout = board.layout
        meta = {
            "format": "semg-study capture session 1",
            "session": name,
            "participant": participant,
            "condition": condition,
            "mode": mode,
            "prompts": prompts,
            "board": layout.as_json(),
            "connection": _connection_json(board),
            "emg_rows_used": list(layout.model_rows(MODEL_CHANNELS)),
            "emg_rate_hz": layout.sampling_rate,  # the board's own: recordings are never resampled
            "units": "microvolts",
            "electrodes": {str(k): v for k, v in ELECTRODE_MAP.items()},
            "electrode_reference": ELECTRODE_REFERENCE,
            "audio": (f"{{i}}_audio.flac, mono, {kwargs['microphone'].rate} Hz, from the microphone"
                      if kwargs.get("microphone") is not None else "none (no microphone given)"),
            "synthetic": board.is_synthetic,
            "created_utc": _utc_now(),
            "resumed_utc": [],
            "software": {"semg_study": __version__, "brainflow": _brainflow_version()},
            "ethics": ETHICS_RULE,
        }
        write_json(session_dir / SESSION_FILE, meta)
        if board.is_synthetic:
            label_synthetic_root(out_root)
        return cls(session_dir, meta, board, **kwargs)

    @classmethod
    def resume(cls, out_root: str | Path, participant: str, board: BoardStream, condition: str,
               mode: str = "silent", **kwargs) -> "CaptureSession":
        participant = check_participant(participant)
        folder = condition_folder(out_root, condition, mode)
        sessions = existing_sessions(folder, participant)
        if not sessions:
            raise StudyError(f"nothing to resume: no session of participant {participant} in {folder}")
        session_dir = sessions[-1][2]
        meta_path = session_dir / SESSION_FILE
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise StudyError(f"{meta_path}: cannot resume, unreadable session file ({exc})") from None
        recorded = meta["board"]
        if float(recorded["sampling_rate"]) != board.layout.sampling_rate or \
                list(recorded["emg_rows"])[:MODEL_CHANNELS] != list(board.layout.model_rows()):
            raise StudyError(f"{meta_path}: session was recorded with board {recorded['board']!r} at "
                             f"{recorded['sampling_rate']:g} Hz; resume it with --board {recorded['board']}")
        meta["resumed_utc"] = list(meta.get("resumed_utc", [])) + [_utc_now()]
        write_json(meta_path, meta)
        return cls(session_dir, meta, board, **kwargs)

    # -- recording ----------------------------------------------------------------------------
    def recorded_prompts(self) -> set[tuple[str, int]]:
        """(book, sentence_index) of complete utterances already in the session (skipped on resume)."""
        done = set()
        for index in saved_indices(self.dir):
            info = json.loads((self.dir / f"{index}_info.json").read_text(encoding="utf-8"))
            if info.get("sentence_index", -1) >= 0 and not info.get("incomplete"):
                done.add((info["book"], int(info["sentence_index"])))
        return done

    def record(self, prompt: Prompt | None, should_stop: Callable[[float], bool]) -> SavedUtterance | None:
        """Record one utterance (``prompt=None``: the reference clip) and save it.

        If the stream broke or the user pressed Ctrl-C, what was received is saved
        as incomplete and the fault is re-raised afterwards.
        """
        index = self.next_index
        recording = record_utterance(self.board, should_stop, marker=index + 1,
                                     poll_interval=self.poll_interval, stall_timeout=self.stall_timeout,
                                     microphone=self.microphone)
        saved = None
        if recording.n_samples >= 2:
            saved = self.save(index, prompt, recording)
        if recording.fault is not None:
            raise recording.fault
        return saved

    def save(self, index: int, prompt: Prompt | None, recording: Recording) -> SavedUtterance:
        emg = board_emg(recording.board_data, self.emg_rows)
        prefix = self.dir / str(index)
        save_npy(self.dir / f"{index}_emg.npy", emg)
        save_npy(self.dir / f"{index}_button.npy", np.zeros(len(emg), dtype=np.int8))
        write_board_file(self.dir / f"{index}_board.csv", recording.board_data)
        if recording.audio is not None:
            save_audio(self.dir / f"{index}_audio.flac", recording.audio, int(recording.audio_rate))
        info = {
            "book": prompt.book if prompt else "",
            "sentence_index": prompt.sentence_index if prompt else -1,
            "text": prompt.text if prompt else "",
            "chunks": poll_chunks(recording.poll_sizes, recording.audio_sizes),
            "incomplete": recording.incomplete,
            "session": self.meta["session"],
            "participant": self.meta["participant"],
            "mode": self.meta["mode"],
            "board": self.meta["board"]["board"],
            "board_rate": self.board_rate,
            "board_samples": recording.n_samples,
            "emg_rate": self.board_rate,
            "marker": index + 1,
            "recorded_utc": _dt.datetime.fromtimestamp(recording.started_at, _dt.timezone.utc).isoformat(),
            "duration_s": round(len(emg) / self.board_rate, 3),
        }
        if self.meta.get("synthetic"):
            # the data layer reads the key's presence as "synthetic": real recordings must not carry it
            info["synthetic"] = True
        if prompt is None:
            info["reference_clip"] = True
        if recording.incomplete:
            info["incomplete_reason"] = recording.reason
        write_json(self.dir / f"{index}_info.json", info)  # LAST: makes the utterance visible
        self.next_index = index + 1
        saved = SavedUtterance(index=index, path=prefix, info=info, emg=emg)
        self.saved.append(saved)
        return saved

    def discard(self, saved: SavedUtterance) -> None:
        """Mark a saved utterance as a leftover of a re-recording (``sentence_index -1``, as in the data)."""
        info = dict(saved.info)
        info.update({"discarded_text": info.get("text", ""), "discarded_sentence_index": info.get("sentence_index"),
                     "book": "", "sentence_index": -1, "text": "", "redone": True})
        write_json(self.dir / f"{saved.index}_info.json", info)
        saved.info = info


def label_synthetic_root(out_root: str | Path) -> None:
    """Label the corpus root synthetic (``corpus.json``, as the synthetic corpus does) so training,
    evaluation and reports label everything trained or scored on it "synthetic"."""
    if is_synthetic(out_root):
        return
    marker = Path(out_root) / "corpus.json"
    try:
        current = json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    except (OSError, ValueError):
        current = None
    manifest = dict(current if isinstance(current, dict) else {})
    manifest.update({"label": "synthetic",
                     "generator": "semg-study capture with a brainflow synthetic (or replayed synthetic) board",
                     "note": "the signal is generated by brainflow, not recorded from a person"})
    write_json(marker, manifest)


def _connection_json(board: BoardStream) -> dict[str, Any]:
    cfg = board.config
    out: dict[str, Any] = {"board": cfg.name}
    if cfg.name == "playback":
        out.update({"file": str(cfg.file), "master_board": cfg.master_board})
    if cfg.serial_port:
        out["serial_port"] = cfg.serial_port
    if cfg.ip_address:
        out["ip_address"] = cfg.ip_address
    return out


def _brainflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("brainflow")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
