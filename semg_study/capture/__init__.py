"""Live OpenBCI capture with brainflow: record into the dataset layout, replay, decode live.

* :mod:`~semg_study.capture.boards`   opening boards (synthetic, Cyton, Cyton+Daisy, Ganglion, Cyton WiFi, playback)
* :mod:`~semg_study.capture.session`  prompted sessions written in the Digital Voicing layout
* :mod:`~semg_study.capture.controllers` when each utterance starts and stops; ``run_session`` drives a session
* :mod:`~semg_study.capture.playback` brainflow-format recordings and replay sources
* :mod:`~semg_study.capture.live`     streaming decoding with a trained MyoStream run
* :mod:`~semg_study.capture.cli`      the ``capture`` verb
"""
from semg_study.capture.boards import (BOARD_NAMES, ELECTRODE_MAP, MODEL_CHANNELS, BoardConfig,
                                       BoardConnectionError, BoardDisconnectedError, BoardError, BoardLayout,
                                       BoardStream, ChannelCountError, RateMismatchError, open_board)
from semg_study.capture.playback import PlaybackSource, playback_source, read_board_file, write_board_file
from semg_study.capture.prompts import Prompt, file_prompts, generated_prompts, prompt_source
from semg_study.capture.controllers import AutoController, TerminalController, run_session
from semg_study.capture.session import CaptureSession, ParticipantError, check_participant, record_utterance

__all__ = [
    "BOARD_NAMES", "ELECTRODE_MAP", "MODEL_CHANNELS", "BoardConfig", "BoardConnectionError",
    "BoardDisconnectedError", "BoardError", "BoardLayout", "BoardStream", "ChannelCountError",
    "RateMismatchError", "open_board", "PlaybackSource", "playback_source", "read_board_file",
    "write_board_file", "Prompt", "file_prompts", "generated_prompts", "prompt_source",
    "AutoController", "CaptureSession", "ParticipantError", "TerminalController", "check_participant",
    "record_utterance", "run_session",
]
