"""``semg-study live``: decode a live or replayed EMG stream with a trained streaming MyoStream run.

The stream goes through exactly what training saw, causally and chunk by chunk:

    board rows (board rate, µV) -> first 8 EMG rows -> the run's input rate (1000 Hz): as is, or
    resampled down by a causal anti-aliasing polyphase filter; a slower board is refused
    -> StreamingPreprocessor (causal notches + high-pass, resampling to 689.0625 Hz, /20 and 50*tanh(x/50))
    -> MyoStream.stream_step (evaluation.streaming.StreamDriver) -> greedy CTC, carried across chunks

Each poll of the board (every ``poll_interval``, 0.1 s) is one chunk; the
compute time of a chunk (preprocessing + model) is measured and reported per
chunk and as p50/p95 at the end, beside the model's algorithmic latency
(chunk + look-ahead frames). On the synthetic board the transcript is
meaningless (the signal is generated, not EMG) and the output says so. The
playback board replays any utterance or session of a corpus (or a capture
recording); each replayed utterance is decoded on its own and shown next to its
reference text.

Examples::

    semg-study live --run runs/myostream-quick --board cyton-wifi --ip-address 192.168.4.1 --seconds 30
    semg-study live --run runs/myostream-quick --board playback --session DIR/emg_data/silent_parallel_data/5-4_silent

A board slower than the run's input rate (brainflow's synthetic board and a Cyton over its USB
dongle at 250 Hz, for the 1000 Hz runs) is refused before it streams, naming the setting that
gives the rate (:mod:`semg_study.data.rates`).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from semg_study.capture.boards import BoardStream, open_board
from semg_study.capture.playback import PlaybackSource
from semg_study.data.rates import StreamingDownsampler, check_rate, run_input_rate
from semg_study.decoding.greedy import transcript
from semg_study.errors import StudyError
from semg_study.evaluation.streaming import StreamDriver
from semg_study.run_folder import RunFolder

TRAIN_HINT = "train one with `semg-study train myostream-quick`"


class LiveDecodingError(StudyError):
    """Live decoding cannot start (no run, a model that cannot stream, ...)."""


def load_streaming_run(run_dir: str | Path | None, which: str = "best"):
    """Load a trained run for streaming; a clear error when there is none or it cannot stream."""
    if run_dir is None:
        raise LiveDecodingError(f"no run given (--run RUN_DIR); {TRAIN_HINT}")
    run_dir = Path(run_dir)
    checkpoint = RunFolder(run_dir).checkpoint(which)
    if not checkpoint.is_file():
        raise LiveDecodingError(f"no run at {run_dir} (no {checkpoint.relative_to(run_dir)}); {TRAIN_HINT}")
    from semg_study.training import load_run

    loaded = load_run(run_dir, which=which)
    model = loaded.model
    if not (hasattr(model, "stream_step") and hasattr(model, "init_stream_state")):
        name = getattr(model, "registry_name", type(model).__name__)
        raise LiveDecodingError(f"{run_dir}: holds a {name!r} model, which cannot stream; live decoding needs "
                                f"MyoStream ({TRAIN_HINT})")
    return loaded


class StreamingTranscriber:
    """Board-rate EMG chunks in, a growing greedy-CTC transcript out (one utterance at a time)."""

    def __init__(self, loaded_run, board_rate: float, session_index: int | None = None,
                 source: str = "the board", board: str | None = None):
        import torch

        from semg_study.features import StreamingPreprocessor

        self._torch = torch
        self.loaded = loaded_run
        self.model = loaded_run.model
        self.vocab = loaded_run.vocab
        self.board_rate = float(board_rate)
        self.preprocessor = StreamingPreprocessor(loaded_run.feature_config)
        self.input_rate = run_input_rate(loaded_run)
        # before anything streams: a slower board is refused (naming it, its rate, the run's and the setting)
        check_rate(source, self.board_rate, self.input_rate, board)
        self.session_index = session_index
        self.reset(session_index)

    @property
    def algorithmic_latency_ms(self) -> float:
        return float(self.model.algorithmic_latency_ms)

    def reset(self, session_index: int | None = None) -> None:
        self.resampler = StreamingDownsampler(in_rate=self.board_rate, out_rate=self.input_rate)
        self.preprocessor.reset()
        self.stream = StreamDriver(self.model, session_index if session_index is not None else self.session_index)
        self.frame_ids: list[int] = []
        self._previous = self.vocab.blank_id
        self.ids: list[int] = []

    @property
    def transcript(self) -> str:
        return transcript(self.ids, self.vocab)  # the same text greedy decoding of the whole utterance gives

    def _consume(self, log_probs) -> None:
        # greedy CTC carried across chunks: a repeat spanning a chunk border is still one symbol
        for frame_id in log_probs[0].argmax(-1).tolist():
            if frame_id != self._previous and frame_id != self.vocab.blank_id:
                self.ids.append(frame_id)
            self._previous = frame_id
            self.frame_ids.append(frame_id)

    def feed(self, emg_board_rate: np.ndarray) -> float:
        """Feed (n, 8) µV at the board rate; returns the compute time of this chunk in ms."""
        started = time.perf_counter()
        at_input_rate = self.resampler.process(emg_board_rate)
        raw = self.preprocessor.process(at_input_rate) if len(at_input_rate) else np.zeros((0, 8), np.float32)
        if len(raw):
            chunk = self._torch.from_numpy(np.ascontiguousarray(raw, dtype=np.float32))[None]
            log_probs = self.stream.step(chunk)
            self._consume(log_probs)
        return 1000.0 * (time.perf_counter() - started)

    def finish(self) -> float:
        """End of the utterance: flush the frames still waiting for look-ahead."""
        started = time.perf_counter()
        log_probs = self.stream.finish()
        self._consume(log_probs)
        return 1000.0 * (time.perf_counter() - started)


@dataclass
class UtteranceResult:
    label: str
    hypothesis: str
    reference: str = ""


@dataclass
class LiveResult:
    chunk_ms: list[float] = field(default_factory=list)
    chunk_samples: list[int] = field(default_factory=list)
    utterances: list[UtteranceResult] = field(default_factory=list)
    seconds_streamed: float = 0.0
    algorithmic_latency_ms: float = 0.0
    synthetic: bool = False

    def percentile_ms(self, q: float) -> float:
        return float(np.percentile(self.chunk_ms, q)) if self.chunk_ms else float("nan")

    def summary(self) -> str:
        compute_s = sum(self.chunk_ms) / 1000.0
        rtf = compute_s / self.seconds_streamed if self.seconds_streamed else float("nan")
        return (f"{len(self.chunk_ms)} chunks, compute per chunk p50 {self.percentile_ms(50):.1f} ms, "
                f"p95 {self.percentile_ms(95):.1f} ms; algorithmic latency {self.algorithmic_latency_ms:.0f} ms; "
                f"real-time factor {rtf:.3f} over {self.seconds_streamed:.1f} s of EMG")


def decode_stream(board: BoardStream, transcriber: StreamingTranscriber, seconds: float | None = None,
                  source: PlaybackSource | None = None, poll_interval: float = 0.1,
                  emit: Callable[[str], None] = print, stall_timeout: float = 3.0) -> LiveResult:
    """Stream ``board`` into ``transcriber`` for ``seconds`` (or until a playback source is used up)."""
    if seconds is None and source is None:
        raise LiveDecodingError("give --seconds (how long to decode a live board)")
    rows = list(board.layout.model_rows())
    rate = board.layout.sampling_rate
    result = LiveResult(algorithmic_latency_ms=transcriber.algorithmic_latency_ms, synthetic=board.is_synthetic)
    segments = list(source.segments) if source else []
    boundaries = np.cumsum([seg.n_samples for seg in segments]).tolist()
    received = 0
    segment_index = 0
    shown = ""

    def close_segment() -> float:
        """Flush the utterance, report it, start the next; returns the flush's compute ms."""
        nonlocal shown
        ms = transcriber.finish()
        seg = segments[segment_index] if segment_index < len(segments) else None
        utt = UtteranceResult(label=seg.label if seg else "live", hypothesis=transcriber.transcript,
                              reference=seg.text if seg else "")
        result.utterances.append(utt)
        emit(f"  {utt.label}: hypothesis {utt.hypothesis!r}")
        if seg is not None:
            emit(f"  {utt.label}: reference  {utt.reference!r}")
        transcriber.reset()
        shown = ""
        return ms

    board.start()
    started = last_data = time.monotonic()
    try:
        while segment_index < len(segments) or not segments:
            time.sleep(poll_interval)
            now = time.monotonic()
            data = board.poll()
            n = data.shape[1]
            if n == 0:
                if now - last_data > stall_timeout:
                    emit(f"  the stream stopped (no data for {stall_timeout:g} s)")
                    break
            else:
                last_data = now
                emg = data[rows].T
                offset, ms = 0, 0.0
                while offset < n and (segment_index < len(segments) or not segments):
                    # a replayed corpus: split the chunk at utterance borders
                    take = n - offset if not segments else min(n - offset, boundaries[segment_index] - received)
                    ms += transcriber.feed(emg[offset:offset + take])
                    offset += take
                    received += take
                    if segments and received == boundaries[segment_index]:
                        ms += close_segment()
                        segment_index += 1
                result.chunk_ms.append(ms)
                result.chunk_samples.append(n)
                # one line per chunk: stream time, compute time, the partial transcript ("+" when it grew)
                grew = "+" if transcriber.transcript != shown else " "
                shown = transcriber.transcript
                emit(f"  [{received / rate:6.2f} s] {n:4d} samples {ms:6.1f} ms {grew} {shown}")
            if seconds is not None and now - started >= seconds:
                break
    finally:
        board.release()
    result.seconds_streamed = received / rate
    if received and (not segments or segment_index < len(segments)):
        result.chunk_ms.append(close_segment())  # stopped mid-utterance (--seconds or a stalled stream)
        result.chunk_samples.append(0)
    return result


def configure(parser: argparse.ArgumentParser) -> None:
    from semg_study.capture.cli import add_board_arguments

    add_board_arguments(parser)
    parser.add_argument("--run", dest="run_dir", help="trained MyoStream run folder (semg-study train myostream-...)")
    parser.add_argument("--which", choices=("best", "last"), default="best", help="checkpoint of the run")
    parser.add_argument("--seconds", type=float, help="how long to decode (default: 5 s live, a replay to its end)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--utterance", help="replay one utterance of a corpus ({i}_emg.npy or its prefix)")
    what.add_argument("--session", help="replay a session folder of a corpus (or of a capture)")
    parser.add_argument("--max-utterances", type=int, help="replay at most this many utterances of --session")


def run(args: argparse.Namespace) -> int:
    from semg_study.capture.cli import board_config

    loaded = load_streaming_run(args.run_dir, which=args.which)  # before any board is touched
    if args.utterance or args.session:
        if args.board != "playback":
            if args.board != "synthetic":
                raise LiveDecodingError("--utterance/--session replay through the playback board (--board playback)")
            args.board = "playback"
        args.file = args.utterance or args.session
    config, source = board_config(args, max_utterances=args.max_utterances, skip_reference_clips=True)
    seconds = args.seconds if args.seconds is not None else (None if source else 5.0)
    transcriber = transcriber_for(loaded, config, source, session_index(loaded, source))  # refuses a slow board
    board = open_board(config)
    label = "synthetic" if board.is_synthetic else "EMG"
    print(f"live decoding with {loaded.run_dir} ({getattr(loaded.model, 'registry_name', 'model')}), "
          f"board {config.name} at {board.layout.sampling_rate:g} Hz")
    if config.name == "synthetic":
        print("synthetic board: the signal is generated, not EMG, so the transcript is meaningless")
    elif board.is_synthetic:
        print("replaying synthetic EMG (results labelled 'synthetic')")
    result = decode_stream(board, transcriber, seconds=seconds, source=source)
    print(f"[{label}] {result.summary()}")
    return 0


def transcriber_for(loaded, config, source: PlaybackSource | None, session_index: int | None) -> StreamingTranscriber:
    """The transcriber of a board (or a replay) about to be opened: refused before it opens when its rate
    is below the run's input rate."""
    from semg_study.capture.boards import BoardLayout

    rate = BoardLayout.of(source.master_board if source else config.name).sampling_rate
    return StreamingTranscriber(loaded, rate, session_index, source=stream_label(config, source),
                                board=_setting_board(config, source))


def _setting_board(config, source: PlaybackSource | None) -> str:
    """The board a rate advice is about: the one a replayed recording was made with, else the live one."""
    if source and source.segments and source.segments[0].info.get("board"):
        return str(source.segments[0].info["board"])
    return source.master_board if source else config.name


def stream_label(config, source: PlaybackSource | None) -> str:
    """What a refused stream is called in the message: the replayed recording, or the live board."""
    if source is not None:
        return f"{source.recording or source.file} (replayed as board {source.master_board!r})"
    return f"board {config.name!r}"


def session_index(loaded, source: PlaybackSource | None) -> int | None:
    """The training session index of a replayed session (session adaptation), else the unknown row."""
    sessions = getattr(loaded, "sessions", None) or {}
    if source and source.segments:
        name = source.segments[0].label.split("/")[0]
        if name in sessions:
            return int(sessions[name])
    return sessions.get("<unknown>") if sessions else None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(run(argparse.ArgumentParser().parse_args()))
