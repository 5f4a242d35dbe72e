"""Recordings in brainflow's file format, and replay sources for the playback board.

The capture stage keeps each utterance's raw board data (all rows, board rate,
original timestamps) as ``{i}_board.csv`` in brainflow's own format, beside
``{i}_emg.npy`` at the same rate. The playback board (``PLAYBACK_FILE_BOARD``) replays
such a file in real time. :func:`playback_source` accepts

* a brainflow file (``*.csv``),
* a session folder written by ``semg-study capture`` (its ``{i}_board.csv`` files, in order),
* any utterance of a corpus in the Digital Voicing layout (``{i}_emg.npy``,
  ``{i}_info.json`` or the prefix ``.../{i}``) or a whole session folder of one:
  its EMG (at the rate its info file states, 1000 Hz for the dataset) is
  converted on the fly to brainflow's format at the master board's rate,
  resampled down (anti-aliased) when the board is slower, as that board would
  have recorded it; a board faster than the recording is refused (that would
  be upsampling). By default the master board is the fastest board no faster
  than the recording (the Cyton WiFi shield's 1000 Hz for the dataset).

brainflow's playback board does not replay the marker row (checked with
brainflow 5.23.0: it comes back as zeros), so a source also lists its segments
(one per utterance, in board samples) and the replaying side splits by counting
samples.
"""
from __future__ import annotations

import json
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from semg_study.capture.boards import (MASTER_BOARDS, MODEL_CHANNELS, BoardLayout, BoardError, RateMismatchError,
                                       import_brainflow)
from semg_study.data.participants import SESSION_FILE
from semg_study.data.rates import resample_down, stated_rate
from semg_study.data.synthetic_label import is_synthetic
from semg_study.errors import DataError
from semg_study.io import atomic_path

_INDEX = re.compile(r"^(\d+)_(emg\.npy|info\.json|board\.csv)$")


def write_board_file(path: str | Path, data: np.ndarray) -> None:
    """Write a (rows, samples) board array in brainflow's file format, atomically."""
    _, df = import_brainflow()
    data = np.ascontiguousarray(np.asarray(data, dtype=np.float64))
    with atomic_path(path) as tmp:
        df.DataFilter.write_file(data, str(tmp), "w")


def read_board_file(path: str | Path) -> np.ndarray:
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "recording not found")
    _, df = import_brainflow()
    try:
        data = np.asarray(df.DataFilter.read_file(str(path)), dtype=np.float64)
    except Exception as exc:  # brainflow raises its own error type for unreadable files
        raise DataError(path, f"not a brainflow recording ({exc})") from None
    if data.ndim != 2 or data.shape[1] == 0:
        raise DataError(path, "brainflow recording holds no samples")
    return data


def rate_from_timestamps(timestamps: np.ndarray) -> float | None:
    """The sampling rate implied by a timestamp row (median spacing), or ``None`` if too short."""
    diffs = np.diff(np.asarray(timestamps, dtype=np.float64))
    diffs = diffs[diffs > 0]
    if len(diffs) < 4:
        return None
    return float(1.0 / np.median(diffs))


def check_rate(path: Path, file_rate: float | None, layout: BoardLayout, tolerance: float = 0.1) -> None:
    """A recording replayed as a board of another rate would play too fast or slow: refuse."""
    if file_rate is None:
        return
    if abs(file_rate - layout.sampling_rate) > tolerance * layout.sampling_rate:
        raise RateMismatchError(
            f"{path}: recorded at {file_rate:.4g} Hz but board {layout.name!r} runs at "
            f"{layout.sampling_rate:.4g} Hz; replay it with the board it was recorded with "
            f"(--master-board), or convert it")


@dataclass
class Segment:
    """One utterance inside a replayed recording."""

    label: str
    n_samples: int
    text: str = ""
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlaybackSource:
    """A brainflow file ready for the playback board, with its master board and segments."""

    file: Path
    master_board: str
    segments: list[Segment]
    synthetic: bool = False
    # what was asked to be replayed (a session, an utterance, a brainflow file): messages name it,
    # not ``file``, which lies in a throwaway work folder
    recording: Path | None = None

    @property
    def total_samples(self) -> int:
        return sum(seg.n_samples for seg in self.segments)


def _index_files(folder: Path, suffix: str) -> list[tuple[int, Path]]:
    found = []
    for path in folder.iterdir():
        match = _INDEX.match(path.name)
        if match and match.group(2) == suffix:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _load_info(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(path, f"unreadable info file ({exc})") from None


def _utterance_prefix(path: Path) -> Path | None:
    """``.../{i}`` for a path naming one utterance of the dataset layout, else ``None``."""
    name = path.name
    match = re.match(r"^(\d+)(?:_(?:emg\.npy|info\.json|board\.csv|button\.npy|audio\.flac|audio_clean\.flac))?$", name)
    if not match:
        return None
    prefix = path.parent / match.group(1)
    if (path.parent / f"{match.group(1)}_emg.npy").exists() or (path.parent / f"{match.group(1)}_board.csv").exists():
        return prefix
    return None


def _board_rows_from_emg(emg: np.ndarray, emg_rate: float, layout: BoardLayout, t0: float,
                         path: Path | None = None) -> np.ndarray:
    """Corpus EMG (T, 8) at ``emg_rate`` -> a (rows, n) board array at the layout's rate."""
    emg = np.asarray(emg, dtype=np.float64)
    if emg.ndim != 2 or emg.shape[1] < MODEL_CHANNELS:
        raise BoardError(f"EMG of shape {emg.shape} cannot be replayed: expected (samples, 8)")
    rate = layout.sampling_rate
    if rate > emg_rate:
        raise RateMismatchError(f"{path or 'EMG'}: recorded at {emg_rate:g} Hz, cannot be replayed as board "
                                f"{layout.name!r} at {rate:g} Hz (that would be upsampling); choose a board of at "
                                f"most {emg_rate:g} Hz (--master-board)")
    # anti-aliased polyphase resampling: going down to 250 Hz must not fold energy back
    emg = resample_down(emg, in_rate=emg_rate, out_rate=rate)
    rows = np.zeros((layout.num_rows, len(emg)))
    for channel, row in enumerate(layout.model_rows()):
        rows[row] = emg[:, channel]
    rows[layout.timestamp_row] = t0 + np.arange(len(emg)) / rate
    return rows


def _corpus_utterances(prefixes: list[Path]) -> list[tuple[Path, dict[str, Any]]]:
    items = []
    for prefix in prefixes:
        info_path = prefix.parent / f"{prefix.name}_info.json"
        emg_path = prefix.parent / f"{prefix.name}_emg.npy"
        if not info_path.exists():
            continue  # the loader lists an utterance only once its info file exists
        if not emg_path.exists():
            raise DataError(emg_path, "EMG file missing for an utterance that has an info file")
        items.append((emg_path, _load_info(info_path)))
    return items


def playback_source(path: str | Path, master_board: str | None = None, work_dir: str | Path | None = None,
                    max_utterances: int | None = None, skip_reference_clips: bool = False) -> PlaybackSource:
    """Make a replayable brainflow file (see the module doc for what ``path`` may be).

    ``master_board`` is the board the file is replayed as; for a capture session
    it defaults to the board it was recorded with, for corpus EMG to the fastest
    board no faster than the recording (:func:`board_for_rate`: ``cyton-wifi``,
    the dataset's own board, for 1000 Hz EMG: no resampling).
    ``skip_reference_clips`` leaves out ``sentence_index -1`` clips of a session
    (live decoding has nothing to show for them).
    """

    def keep(info: dict[str, Any]) -> bool:
        return not (skip_reference_clips and info.get("sentence_index", 0) == -1)

    path = Path(path)
    if not path.exists():
        raise DataError(path, "nothing to replay here (give a brainflow .csv, a session folder or an utterance)")
    work_dir = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="semg-playback-"))

    session_json = (path if path.is_dir() else path.parent) / SESSION_FILE
    session_meta = _load_info(session_json) if session_json.exists() else None
    recorded_board = session_meta["board"]["board"] if session_meta else None
    synthetic = is_synthetic(path, [session_meta])

    # -- raw brainflow data written by capture --------------------------------------------
    board_files: list[tuple[str, Path, dict[str, Any]]] = []
    if path.is_file() and path.suffix == ".csv":
        info_path = path.parent / path.name.replace("_board.csv", "_info.json")
        info = _load_info(info_path) if info_path != path and info_path.exists() else {}
        board_files = [(path.stem, path, info)]
    elif path.is_dir() and session_meta is not None:
        for index, board_path in _index_files(path, "board.csv"):
            info_path = path / f"{index}_info.json"
            if info_path.exists() and keep(_load_info(info_path)):
                board_files.append((f"{path.name}/{index}", board_path, _load_info(info_path)))
    else:
        prefix = _utterance_prefix(path)
        if prefix is not None and (prefix.parent / f"{prefix.name}_board.csv").exists() and session_meta:
            info_path = prefix.parent / f"{prefix.name}_info.json"
            board_files = [(f"{prefix.parent.name}/{prefix.name}", prefix.parent / f"{prefix.name}_board.csv",
                            _load_info(info_path) if info_path.exists() else {})]
    if board_files:
        if max_utterances is not None:
            board_files = board_files[:max_utterances]
        master = master_board or recorded_board or "synthetic"
        layout = BoardLayout.of(master)
        if recorded_board and master != recorded_board:
            recorded_rate = float(session_meta["board"]["sampling_rate"])
            check_rate(board_files[0][1], recorded_rate, layout)
        arrays, segments = [], []
        for label, board_path, info in board_files:
            data = read_board_file(board_path)
            if data.shape[0] != layout.num_rows:
                raise RateMismatchError(
                    f"{board_path}: {data.shape[0]} rows but board {master!r} has {layout.num_rows}; "
                    f"it was recorded with another board (--master-board)")
            check_rate(board_path, rate_from_timestamps(data[layout.timestamp_row]), layout)
            arrays.append(data)
            segments.append(Segment(label=label, n_samples=data.shape[1], text=info.get("text", ""), info=info))
        if len(arrays) == 1 and path.is_file():
            file = path
        else:
            file = work_dir / f"{path.name}_playback.csv"
            write_board_file(file, np.concatenate(arrays, axis=1))
        return PlaybackSource(file=file, master_board=master, segments=segments, synthetic=synthetic,
                              recording=path)

    # -- corpus EMG in the dataset layout, converted -----------------------------------------
    prefix = _utterance_prefix(path) if path.is_file() or not path.is_dir() else None
    if path.is_dir():
        prefixes = [p.parent / str(i) for i, p in _index_files(path, "emg.npy")]
    elif prefix is not None:
        prefixes = [prefix]
    else:
        raise DataError(path, "not a brainflow .csv, a session folder or an utterance ({i}_emg.npy)")
    utterances = [(emg_path, info) for emg_path, info in _corpus_utterances(prefixes) if keep(info) or not path.is_dir()]
    if max_utterances is not None:
        utterances = utterances[:max_utterances]
    if not utterances:
        raise DataError(path, "no utterance with an info file to replay")
    rates = [stated_rate(info, emg_path.parent / emg_path.name.replace("_emg.npy", "_info.json"))
             for emg_path, info in utterances]
    master = master_board or board_for_rate(min(rates))
    layout = BoardLayout.of(master)
    t0 = time.time()
    arrays, segments = [], []
    for (emg_path, info), emg_rate in zip(utterances, rates):
        emg = np.load(emg_path, allow_pickle=False)
        rows = _board_rows_from_emg(emg, emg_rate, layout, t0, emg_path)
        t0 = rows[layout.timestamp_row, -1] + 1.0 / layout.sampling_rate
        arrays.append(rows)
        segments.append(Segment(label=f"{emg_path.parent.name}/{emg_path.name.split('_')[0]}",
                                n_samples=rows.shape[1], text=info.get("text", ""), info=info))
    file = work_dir / f"{path.name.replace('.', '_')}_playback.csv"
    write_board_file(file, np.concatenate(arrays, axis=1))
    # a recording inside a labelled corpus lies at most 5 folders below its corpus.json
    corpus_synthetic = is_synthetic(path, [session_meta, *(info for _, info in utterances)], levels=5)
    return PlaybackSource(file=file, master_board=master, segments=segments, synthetic=corpus_synthetic,
                          recording=path)


def board_for_rate(rate: float) -> str:
    """The fastest board (of one Cyton's 8 channels first) whose rate is at most ``rate``."""
    # ties go to the dataset's own board, then to real boards over brainflow's synthetic one
    fitting = [(BoardLayout.of(name).sampling_rate, name == "cyton-wifi", name != "synthetic", name)
               for name in MASTER_BOARDS if name != "ganglion"]  # 4 channels: not the 8 the models expect
    fitting = [f for f in fitting if f[0] <= rate]
    if not fitting:
        raise RateMismatchError(f"no board records at {rate:g} Hz or less: this EMG cannot be replayed")
    return max(fitting)[-1]
