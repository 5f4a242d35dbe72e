"""OpenBCI boards through brainflow: opening, polling, and the errors a user can act on.

Every board goes through brainflow's ``BoardShim``; the synthetic board needs no
hardware and the playback board replays a file in brainflow's own format. The
rest of the capture stage sees a board only through :class:`BoardStream`'s small
interface (``start``, ``poll``, ``insert_marker``, ``stop``, ``release``), which
lets tests put a fault-injecting wrapper in its place.
"""
from __future__ import annotations

import contextlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from semg_study.errors import StudyError

#: Channels the models expect (the dataset's 8 electrodes).
MODEL_CHANNELS = 8

#: The real dataset's electrode sites, channel 1..8 (Gaddy & Klein 2020).
ELECTRODE_MAP: dict[int, str] = {
    1: "left cheek just above mouth",
    2: "left corner of chin",
    3: "below chin, back 3 cm",
    4: "throat, 3 cm left of Adam's apple",
    5: "mid-jaw right",
    6: "right cheek just below mouth",
    7: "right cheek, 2 cm from nose",
    8: "back of right cheek, 4 cm in front of ear",
}
ELECTRODE_REFERENCE = "monopolar: reference below the left ear, bias below the right ear"

#: CLI board names -> brainflow board ids (BoardIds values).
BOARD_IDS: dict[str, int] = {
    "synthetic": -1,
    "cyton": 0,
    "ganglion": 1,
    "cyton-daisy": 2,
    "cyton-wifi": 5,
    "cyton-daisy-wifi": 6,
    "playback": -3,
}
BOARD_NAMES = tuple(BOARD_IDS)
#: The OpenBCI command that sets a Cyton's sampling rate to 1000 Hz (``~4``; the WiFi shield carries it,
#: the USB dongle's radio link cannot): the rate the dataset was recorded at and the models need.
RATE_1000_COMMAND = "~4"
#: Boards whose rate capture sets to 1000 Hz when it opens them.
SETTABLE_TO_1000 = ("cyton-wifi", "cyton-daisy-wifi")
#: Boards a recording file can be replayed as (playback's master board).
MASTER_BOARDS = tuple(name for name in BOARD_NAMES if name != "playback")


class BoardError(StudyError):
    """A board could not be opened or used; the message says what to try."""


class BoardConnectionError(BoardError):
    """No board answered (missing, wrong serial port / address, or busy)."""


class BoardDisconnectedError(BoardError):
    """The stream stopped while recording (board unplugged, out of range, powered off)."""


class ChannelCountError(BoardError):
    """The board delivers fewer EMG channels than the models expect."""


class RateMismatchError(BoardError):
    """A recording's sampling rate disagrees with the board it is replayed as."""


def import_brainflow():
    """Import brainflow, silencing its ``pkg_resources`` deprecation warning."""
    # brainflow imports pkg_resources lazily (when it first loads its native library), so the
    # filter must stay in place rather than wrap the import; it matches only that warning
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
    import brainflow.board_shim as board_shim
    import brainflow.data_filter as data_filter
    board_shim.BoardShim.disable_board_logger()
    return board_shim, data_filter


def board_id(name: str) -> int:
    try:
        return BOARD_IDS[name]
    except KeyError:
        raise BoardError(f"unknown board {name!r}; choose one of {', '.join(BOARD_NAMES)}") from None


@dataclass(frozen=True)
class BoardLayout:
    """Where a board puts its data: rows of brainflow's (rows, samples) array."""

    name: str
    board_id: int
    sampling_rate: float
    emg_rows: tuple[int, ...]
    marker_row: int
    timestamp_row: int
    num_rows: int

    @classmethod
    def of(cls, name: str) -> "BoardLayout":
        """The layout of a real (non-playback) board, from brainflow's board descriptions."""
        if name == "playback":
            raise BoardError("the playback board has no layout of its own; use its master board")
        bs, _ = import_brainflow()
        bid = board_id(name)
        shim = bs.BoardShim
        return cls(name=name, board_id=bid, sampling_rate=float(shim.get_sampling_rate(bid)),
                   emg_rows=tuple(shim.get_emg_channels(bid)), marker_row=shim.get_marker_channel(bid),
                   timestamp_row=shim.get_timestamp_channel(bid), num_rows=shim.get_num_rows(bid))

    def model_rows(self, n_channels: int = MODEL_CHANNELS) -> tuple[int, ...]:
        """The first ``n_channels`` EMG rows; a clear error when the board has fewer."""
        if len(self.emg_rows) < n_channels:
            raise ChannelCountError(
                f"board {self.name!r} delivers {len(self.emg_rows)} EMG channels but the models expect "
                f"{n_channels} (the dataset's 8 electrodes); use a Cyton (8 channels) or Cyton+Daisy")
        return self.emg_rows[:n_channels]

    def as_json(self) -> dict[str, Any]:
        return {"board": self.name, "board_id": self.board_id, "sampling_rate": self.sampling_rate,
                "emg_rows": list(self.emg_rows), "marker_row": self.marker_row,
                "timestamp_row": self.timestamp_row, "num_rows": self.num_rows}


@dataclass
class BoardConfig:
    """What the user asked for: board name plus connection parameters."""

    name: str = "synthetic"
    serial_port: str | None = None
    ip_address: str | None = None
    ip_port: int | None = None
    file: str | os.PathLike | None = None
    master_board: str = "synthetic"
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_playback(cls, source) -> "BoardConfig":
        """Replay a :class:`~semg_study.capture.playback.PlaybackSource` (keeps its 'synthetic' label)."""
        return cls(name="playback", file=source.file, master_board=source.master_board,
                   extras={"synthetic": bool(source.synthetic)})


class BoardStream:
    """A started-or-not brainflow session with the small interface the recorder uses.

    ``layout`` describes the data rows (the master board's layout for playback).
    """

    def __init__(self, config: BoardConfig):
        bs, _ = import_brainflow()
        self._bs = bs
        self.config = config
        bid = board_id(config.name)
        params = bs.BrainFlowInputParams()
        if config.name == "playback":
            if config.file is None:
                raise BoardError("the playback board needs a recording: pass --file PATH")
            params.file = str(config.file)
            params.master_board = board_id(config.master_board)
            self.layout = BoardLayout.of(config.master_board)
        else:
            self.layout = BoardLayout.of(config.name)
        if config.name in ("cyton", "cyton-daisy", "ganglion"):
            if not config.serial_port:
                raise BoardConnectionError(
                    f"board {config.name!r} needs --serial-port (the dongle's full path, e.g. /dev/ttyUSB0 "
                    "on Linux, /dev/cu.usbserial-XXXX on macOS, COM3 on Windows)")
            params.serial_port = config.serial_port
        if config.name in ("cyton-wifi", "cyton-daisy-wifi"):
            params.ip_address = config.ip_address or ""
            params.ip_port = int(config.ip_port or 6677)
        self._shim = bs.BoardShim(bid, params)
        self._prepared = False
        self._streaming = False

    # -- lifecycle -------------------------------------------------------------------------
    def prepare(self) -> None:
        try:
            self._shim.prepare_session()
        except self._bs.BrainFlowError as exc:
            self._shim = None  # drop it now: brainflow's __del__ at interpreter exit prints noise
            raise BoardConnectionError(self._connection_hint(exc)) from None
        self._prepared = True
        if self.config.name in SETTABLE_TO_1000 and self.layout.sampling_rate == 1000.0:
            # make the board record at the rate brainflow reports for it, 1000 Hz (the dataset's and the
            # models' rate), whatever it was last set to (the OpenBCI GUI may have left it at another)
            try:
                self._shim.config_board(RATE_1000_COMMAND)
            except self._bs.BrainFlowError as exc:
                raise BoardConnectionError(f"board {self.config.name!r} refused the 1000 Hz setting "
                                           f"({RATE_1000_COMMAND}): {exc}") from None
        if self.config.name == "playback":
            # keep the recording's own timestamps, replay it once (no loop)
            self._shim.config_board("old_timestamps")
            self._shim.config_board("loopback_false")

    def start(self) -> None:
        if not self._prepared:
            self.prepare()
        try:
            self._shim.start_stream(450000)
        except self._bs.BrainFlowError as exc:
            raise BoardConnectionError(self._connection_hint(exc)) from None
        self._streaming = True

    def poll(self) -> np.ndarray:
        """Drain everything received since the last poll: (rows, samples) float64.

        Raises brainflow's ``BrainFlowError`` if the session broke; the recorder
        turns that into an incomplete utterance.
        """
        return np.asarray(self._shim.get_board_data(), dtype=np.float64)

    def insert_marker(self, value: float) -> None:
        self._shim.insert_marker(float(value))

    def stop(self) -> None:
        if self._streaming:
            self._streaming = False
            with contextlib.suppress(Exception):
                self._shim.stop_stream()

    def release(self) -> None:
        self.stop()
        if self._prepared:
            self._prepared = False
            with contextlib.suppress(Exception):
                self._shim.release_session()
            self._shim = None  # released; see prepare()

    def __enter__(self) -> "BoardStream":
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    @property
    def is_synthetic(self) -> bool:
        return self.config.name == "synthetic" or (
            self.config.name == "playback" and bool(self.config.extras.get("synthetic")))

    def _connection_hint(self, exc: Exception) -> str:
        code = getattr(exc, "exit_code", None)
        name = self.config.name
        base = f"could not open board {name!r} ({exc})"
        if name in ("cyton", "cyton-daisy", "ganglion"):
            port = self.config.serial_port
            exists = Path(port).exists() if port else False
            if not exists:
                return (f"{base}: serial port {port!r} does not exist; plug in the dongle and pass its full "
                        "path (ls /dev/ttyUSB* /dev/ttyACM* on Linux, /dev/cu.* on macOS), or use --board synthetic")
            return (f"{base} on serial port {port!r}: check the board is switched on (PC mode), that no other "
                    "program (OpenBCI GUI) holds the port, and that you may read it (Linux: dialout group)")
        if name in ("cyton-wifi", "cyton-daisy-wifi"):
            return (f"{base} at IP address {self.config.ip_address or '(none given)'}: join the WiFi shield's "
                    "network or pass --ip-address of the shield, and check no other program is streaming")
        if name == "playback":
            return (f"{base}: cannot replay {self.config.file}; pass a file written by `semg-study capture` "
                    "(brainflow format) or an utterance/session of a corpus")
        if code is not None:
            return f"{base}: brainflow error code {code}"
        return base


def rate_advice(layout: BoardLayout, needed: float = 1000.0) -> str | None:
    """A warning for a board that records below the models' rate (what they will refuse), else None."""
    from semg_study.data.rates import board_setting

    if layout.sampling_rate >= needed:
        return None
    return (f"board {layout.name!r} records at {layout.sampling_rate:g} Hz; the models need {needed:g} Hz and "
            f"refuse these recordings: {board_setting(layout.name)}")


def open_board(config: BoardConfig, n_channels: int = MODEL_CHANNELS) -> BoardStream:
    """Open and prepare a board, failing before recording if it has too few EMG channels."""
    stream = BoardStream(config)
    stream.layout.model_rows(n_channels)  # fewer than 8 channels: clear error, nothing opened
    stream.prepare()
    return stream
