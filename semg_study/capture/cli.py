"""``semg-study capture``: record prompted utterances from an OpenBCI board into a corpus root.

Examples::

    semg-study capture --participant 7 --out DIR --prompts closed --auto 0.5 --n 3     # synthetic, no hardware
    semg-study capture --participant 7 --board cyton-wifi --ip-address 192.168.4.1 --out DIR --prompts open
    semg-study capture --participant 7 --board cyton --serial-port /dev/ttyUSB0 --out DIR --prompts open    # 250 Hz
    semg-study capture --participant 7 --board playback --file DIR/emg_data/.../3_board.csv --out DIR2 --prompts closed --auto 2 --n 1

Recordings keep the board's rate (stated in each info file and ``session.json``). The models need
1000 Hz, the rate of the Cyton's WiFi shield (set when capture opens it, as the dataset was recorded);
a Cyton over its USB dongle gives 250 Hz, Cyton+Daisy 125 Hz, brainflow's synthetic board 250 Hz, and
capture warns that models will refuse those.

Interactive keys: Enter starts and stops an utterance, ``r`` redoes the last one, ``q`` quits.
"""
from __future__ import annotations

import argparse
import sys

from semg_study.capture.audio import SoundDeviceMicrophone
from semg_study.capture.boards import BOARD_NAMES, MASTER_BOARDS, BoardConfig, BoardError, open_board, rate_advice
from semg_study.capture.playback import playback_source
from semg_study.capture.prompts import primed, prompt_condition, prompt_source
from semg_study.capture.controllers import AutoController, TerminalController, run_session
from semg_study.capture.session import CaptureSession, check_participant, condition_folder
from semg_study.errors import StudyError


def add_board_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--board", choices=BOARD_NAMES, default="synthetic",
                        help="OpenBCI board (synthetic needs no hardware, 250 Hz; playback replays --file; "
                             "cyton-wifi records at 1000 Hz, the models' rate)")
    parser.add_argument("--serial-port", help="serial port of the Cyton/Ganglion dongle, full path (e.g. /dev/ttyUSB0)")
    parser.add_argument("--ip-address", help="IP address of the Cyton (or Cyton+Daisy) WiFi shield")
    parser.add_argument("--ip-port", type=int, help="local port for the WiFi shield's stream (default 6677)")
    parser.add_argument("--file", help="playback: a recording written by capture (brainflow .csv or session folder) "
                                       "or an utterance/session of a corpus")
    parser.add_argument("--master-board", choices=MASTER_BOARDS,
                        help="playback: the board the file is replayed as (default: the board it was recorded with)")


def board_config(args: argparse.Namespace, work_dir=None, max_utterances: int | None = None,
                 skip_reference_clips: bool = False):
    """BoardConfig from CLI arguments; for playback also the replay source (segments, rate checks)."""
    config = BoardConfig(name=args.board, serial_port=args.serial_port, ip_address=args.ip_address,
                         ip_port=args.ip_port)
    source = None
    if args.board == "playback":
        if not args.file:
            raise BoardError("--board playback needs --file (a recording written by capture, or corpus EMG)")
        source = playback_source(args.file, master_board=args.master_board, work_dir=work_dir,
                                 max_utterances=max_utterances, skip_reference_clips=skip_reference_clips)
        config = BoardConfig.for_playback(source)
    return config, source


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--participant", required=True, help="participant code (e.g. 7 or P7), never a name")
    add_board_arguments(parser)
    parser.add_argument("--out", required=True, help="corpus root the session is written into")
    parser.add_argument("--prompts", default="closed",
                        help="closed (dates/times), open (sentences), or a text file of one prompt per line")
    parser.add_argument("--mode", choices=("silent", "voiced"), default="silent",
                        help="silent (mouthed, no sound; session name gets _silent) or voiced")
    parser.add_argument("--auto", type=float, metavar="SECONDS",
                        help="non-interactive: record each prompt for SECONDS (scripts, tests, Binder)")
    parser.add_argument("--n", type=int, metavar="N", help="number of prompts to record (default: all / until q)")
    parser.add_argument("--resume", action="store_true", help="continue the participant's latest session")
    parser.add_argument("--microphone", metavar="DEVICE",
                        help="also record audio (16 kHz) from this sound device (name or index; needs sounddevice)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the prompt generators")
    parser.add_argument("--poll-interval", type=float, default=0.1, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    participant = check_participant(args.participant)  # before touching any hardware
    condition = prompt_condition(args.prompts)
    prompts = prompt_source(args.prompts, seed=args.seed)
    n_prompts = args.n
    if args.auto is not None and n_prompts is None and args.prompts in ("closed", "open"):
        raise StudyError("--auto records without a person at the keys: give --n N (the generators never run out)")
    if n_prompts is not None and n_prompts < 1:
        raise StudyError(f"--n must be at least 1, got {n_prompts}")
    # draw the first prompt before the board streams: the generators import the synthetic-text
    # module (a second or two), which a playback board would spend replaying into the void
    prompts = primed(prompts, args.prompts)
    controller = AutoController(args.auto) if args.auto is not None else TerminalController()
    config, source = board_config(args)
    microphone = SoundDeviceMicrophone(args.microphone) if args.microphone else None
    board = open_board(config)
    try:
        board.start()
        if microphone is not None:
            microphone.start()
        options = {"poll_interval": args.poll_interval, "microphone": microphone}
        if args.resume:
            session = CaptureSession.resume(args.out, participant, board, condition, args.mode, **options)
        else:
            session = CaptureSession.create(args.out, participant, board, condition, args.mode, args.prompts,
                                            **options)
        where = condition_folder(args.out, condition, args.mode)
        print(f"session {session.meta['session']} in {where} "
              f"(board {board.config.name}, {board.layout.sampling_rate:g} Hz, EMG rows {list(session.emg_rows)})")
        advice = rate_advice(board.layout)
        if advice:
            print(f"warning: {advice}", file=sys.stderr)
        if board.is_synthetic:
            print("synthetic data: brainflow generates this signal, it is not EMG (results are labelled 'synthetic')")
        saved = run_session(session, prompts, controller, n_prompts, reference_clip=not args.resume)
    except KeyboardInterrupt:
        print("semg-study capture: interrupted; utterances so far are saved (the last one marked incomplete); "
              "continue with --resume", file=sys.stderr)
        return 130
    finally:
        board.release()
        if microphone is not None:
            microphone.stop()
    print(f"{len(saved)} utterance(s) saved in {session.dir}")
    return 0
