"""Capture stage: sessions in the dataset layout, playback, board errors, faults mid-utterance."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from semg_study.capture import boards, session as session_mod
from semg_study.capture.boards import (BoardConfig, BoardConnectionError, BoardDisconnectedError, BoardLayout,
                                       BoardStream, ChannelCountError, RateMismatchError, import_brainflow)
from semg_study.capture.playback import playback_source, read_board_file, write_board_file
from semg_study.capture.controllers import AutoController, run_session
from semg_study.capture.prompts import Prompt, file_prompts, generated_prompts, prompt_condition
from semg_study.capture.session import CaptureSession, ParticipantError, check_participant, saved_indices
from semg_study.cli import main as cli_main
from semg_study.errors import DataError
from semg_study.features.resample import StreamingResampler, resample_linear, resampled_length


# ---------------------------------------------------------------------------------------------
# resampling
def test_streaming_resampler_matches_offline_in_any_chunking():
    rng = np.random.default_rng(0)
    signal = rng.normal(size=(503, 8))
    whole = resample_linear(signal, in_rate=250, out_rate=1000)
    # the outputs are the times before the last input sample's: 502 intervals of 4 samples
    assert whole.shape == (resampled_length(503, in_rate=250, out_rate=1000), 8) == (2008, 8)
    # a ramp is reproduced exactly by linear interpolation, and original samples are kept
    ramp = np.arange(10.0)[:, None] * np.ones((1, 8))
    np.testing.assert_allclose(resample_linear(ramp, in_rate=250, out_rate=1000)[:, 0], np.arange(36) / 4)
    np.testing.assert_allclose(whole[::4], signal[:-1])
    for in_rate, out_rate in ((250, 1000), (125, 1000), (1000, 689.0625), (200, 1000), (1000, 1000)):
        reference = resample_linear(signal, in_rate=in_rate, out_rate=out_rate)
        resampler = StreamingResampler(in_rate=in_rate, out_rate=out_rate)
        cuts = np.sort(rng.choice(np.arange(1, 503), size=20, replace=False))
        pieces, seen = [], 0
        for part in np.split(signal, cuts):
            pieces.append(resampler.process(part))
            seen += len(part)
            # every prefix gives as many samples as resampling that prefix offline: capture's per-poll counts
            assert sum(map(len, pieces)) == resampled_length(seen, in_rate=in_rate, out_rate=out_rate)
        np.testing.assert_allclose(np.concatenate(pieces), reference, atol=1e-12)


def test_resampled_length_is_the_offline_length():
    for in_rate, out_rate in ((250, 1000), (125, 1000), (200, 1000), (1000, 689.0625), (1000, 516.79), (1000, 800)):
        for n in range(0, 1200, 7):
            assert resampled_length(n, in_rate=in_rate, out_rate=out_rate) == len(
                resample_linear(np.zeros(n), in_rate=in_rate, out_rate=out_rate))
    with pytest.raises(TypeError):
        resample_linear(np.zeros(10), 250, 1000)  # the rates are keyword-only: no argument order to get wrong


# ---------------------------------------------------------------------------------------------
# a whole synthetic session through the CLI (shared by several tests)
@pytest.fixture(scope="module")
def captured(tmp_path_factory):
    out = tmp_path_factory.mktemp("capture_out")
    rc = cli_main(["capture", "--board", "synthetic", "--participant", "7", "--out", str(out),
                   "--prompts", "closed", "--auto", "0.4", "--n", "2"])
    assert rc == 0
    sessions = list((out / "emg_data" / "closed_vocab" / "silent").iterdir())
    assert len(sessions) == 1
    return out, sessions[0]


def test_capture_writes_dataset_layout(captured):
    out, session_dir = captured
    assert session_mod._SESSION_NAME.match(session_dir.name)
    assert session_dir.name.startswith("p7-") and session_dir.name.endswith("-1_silent")
    assert saved_indices(session_dir) == [0, 1, 2]
    meta = json.loads((session_dir / "session.json").read_text())
    assert meta["board"]["board"] == "synthetic" and meta["board"]["sampling_rate"] == 250.0
    assert meta["emg_rate_hz"] == 250.0 and "resampling" not in meta
    assert meta["emg_rows_used"] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert meta["electrodes"]["4"] == "throat, 3 cm left of Adam's apple"
    assert meta["synthetic"] is True
    # the participant's code is explicit metadata (release-data and run manifests read it, not the folder name)
    assert meta["participant"] == "7"
    # synthetic-board data is labelled synthetic where the rest of the study looks for it
    assert json.loads((out / "corpus.json").read_text())["label"] == "synthetic"
    assert all(json.loads(p.read_text())["synthetic"] is True for p in session_dir.glob("*_info.json"))
    for index in range(3):
        info = json.loads((session_dir / f"{index}_info.json").read_text())
        emg = np.load(session_dir / f"{index}_emg.npy")
        assert emg.dtype == np.float32 and emg.ndim == 2 and emg.shape[1] == 8
        assert emg.shape[0] > 50  # 0.4 s at the board's 250 Hz, less the first poll's offset
        assert info["emg_rate"] == 250.0 and info["board_rate"] == 250.0  # the board's own rate, stated
        assert sum(chunk[0] for chunk in info["chunks"]) == len(emg)
        assert np.load(session_dir / f"{index}_button.npy").shape == (len(emg),)
        assert not (session_dir / f"{index}_audio.flac").exists()
        assert info["incomplete"] is False
        board = read_board_file(session_dir / f"{index}_board.csv")
        # one marker per utterance (index + 1) in the board's marker row
        assert set(board[31][board[31] != 0]) == {index + 1} == {info["marker"]}
        # the EMG is the board's first 8 EMG rows at the board's rate, never resampled
        np.testing.assert_allclose(emg, board[1:9].T, atol=1e-3)
        if index == 0:
            assert (info["book"], info["sentence_index"], info["text"]) == ("", -1, "")
        else:
            assert info["book"] == "datedata.txt" and info["sentence_index"] == index - 1 and info["text"]


def test_captured_session_opens_with_the_data_loader(captured):
    data = pytest.importorskip("semg_study.data")
    if not hasattr(data, "open_corpus"):
        pytest.skip("semg_study.data.open_corpus has not landed")
    out, session_dir = captured
    corpus = data.open_corpus(out)
    assert corpus.synthetic
    found = [u for split in ("train", "dev", "test") for u in corpus.utterances(condition="closed", split=split)]
    assert sorted(u.text for u in found) == sorted(
        json.loads((session_dir / f"{i}_info.json").read_text())["text"] for i in (1, 2))
    assert {u.emg_rate for u in found} == {250.0}  # the rate each info file states
    loaded = found[0].as_recorded.load()
    assert loaded.emg.shape[1] == 8 and loaded.audio is None and loaded.emg_rate == 250.0
    # a model's input (the dataset's 1000 Hz) is refused, naming the file, its rate and the board setting
    with pytest.raises(DataError,
                       match=r"_info.json: recorded at 250 Hz but the model needs 1000 Hz.*synthetic board"):
        found[0].load()


def test_captured_session_passes_validate(captured, capsys):
    try:
        import semg_study.data.validate  # noqa: F401
    except ImportError:
        pytest.skip("semg-study validate has not landed")
    out, _ = captured
    assert cli_main(["validate", str(out)]) == 0, capsys.readouterr()


def test_playback_reproduces_recorded_samples(captured, tmp_path):
    _, session_dir = captured
    source = playback_source(session_dir, work_dir=tmp_path)
    assert source.master_board == "synthetic" and source.synthetic
    assert [seg.label.split("/")[-1] for seg in source.segments] == ["0", "1", "2"]
    stream = BoardStream(BoardConfig(name="playback", file=source.file, master_board=source.master_board))
    stream.prepare()
    stream.start()
    received, deadline = [], time.monotonic() + 30
    try:
        while sum(part.shape[1] for part in received) < source.total_samples and time.monotonic() < deadline:
            time.sleep(0.1)
            received.append(stream.poll())
    finally:
        stream.release()
    replay = np.concatenate(received, axis=1)
    assert replay.shape[1] == source.total_samples
    start = 0
    for segment in source.segments:
        index = segment.label.split("/")[-1]
        part = replay[:, start:start + segment.n_samples]
        start += segment.n_samples
        np.testing.assert_allclose(part[1:9].T, np.load(session_dir / f"{index}_emg.npy"), atol=1e-3)


def test_playback_refuses_a_recording_of_another_rate(captured, tmp_path):
    _, session_dir = captured
    with pytest.raises(RateMismatchError, match="250 Hz but board 'cyton-wifi' runs at 1000 Hz"):
        playback_source(session_dir, master_board="cyton-wifi", work_dir=tmp_path)
    # a bare brainflow file at 1000 Hz replayed as the 250 Hz synthetic board
    layout = BoardLayout.of("synthetic")
    data = np.zeros((layout.num_rows, 50))
    data[layout.timestamp_row] = 1e9 + np.arange(50) / 1000.0
    write_board_file(tmp_path / "fast.csv", data)
    with pytest.raises(RateMismatchError, match="fast.csv: recorded at 1000 Hz"):
        playback_source(tmp_path / "fast.csv", master_board="synthetic", work_dir=tmp_path)


def test_corpus_emg_is_converted_for_playback(tmp_path):
    session_dir = tmp_path / "emg_data" / "silent_parallel_data" / "5-4_silent"
    session_dir.mkdir(parents=True)
    rng = np.random.default_rng(1)
    emgs = [rng.normal(size=(400 + 100 * i, 8)).astype(np.float32) for i in range(2)]
    for i, emg in enumerate(emgs):
        np.save(session_dir / f"{i}_emg.npy", emg)
        (session_dir / f"{i}_info.json").write_text(json.dumps(
            {"book": "b", "sentence_index": i, "text": f"sentence {i}", "chunks": []}))
    np.save(session_dir / "2_emg.npy", emgs[0])  # no info file: not an utterance yet
    source = playback_source(session_dir, work_dir=tmp_path)
    assert source.master_board == "cyton-wifi"  # the dataset's board: 1000 Hz, no resampling
    assert [seg.text for seg in source.segments] == ["sentence 0", "sentence 1"]
    data = read_board_file(source.file)
    np.testing.assert_allclose(data[1:9, :400].T, emgs[0], atol=1e-5)
    single = playback_source(session_dir / "1_emg.npy", master_board="synthetic", work_dir=tmp_path)
    assert single.segments[0].n_samples == 125  # 500 samples at 1000 Hz -> 250 Hz


# ---------------------------------------------------------------------------------------------
# clear errors before recording
def test_nonexistent_serial_port_is_one_clear_line(tmp_path, capsys):
    with pytest.raises(BoardConnectionError, match="/dev/ttyNOPE-semg.*does not exist"):
        boards.open_board(BoardConfig(name="cyton", serial_port="/dev/ttyNOPE-semg"))
    rc = cli_main(["capture", "--board", "cyton", "--serial-port", "/dev/ttyNOPE-semg", "--participant", "7",
                   "--out", str(tmp_path), "--auto", "0.2", "--n", "1"])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "/dev/ttyNOPE-semg" in err and "--board synthetic" in err
    assert not (tmp_path / "emg_data").exists()


def test_too_few_channels_fail_before_recording(tmp_path, capsys):
    with pytest.raises(ChannelCountError, match="4 EMG channels but the models expect 8"):
        boards.open_board(BoardConfig(name="ganglion", serial_port="/dev/ttyNOPE-semg"))
    rc = cli_main(["capture", "--board", "ganglion", "--serial-port", "/dev/ttyUSB0", "--participant", "7",
                   "--out", str(tmp_path), "--auto", "0.2", "--n", "1"])
    assert rc == 1 and "expect 8" in capsys.readouterr().err
    assert not (tmp_path / "emg_data").exists()


@pytest.mark.parametrize("bad", ["John", "john7", "7a", "", "P 7", "../7"])
def test_participant_names_are_rejected(bad):
    with pytest.raises(ParticipantError, match="ethics"):
        check_participant(bad)


def test_participant_codes_are_accepted():
    assert check_participant("7") == "7" and check_participant("P12") == "P12"


def test_prompt_sources(tmp_path):
    closed = generated_prompts("closed", seed=3)
    first = [next(closed) for _ in range(5)]
    assert [p.sentence_index for p in first] == [0, 1, 2, 3, 4]
    assert all(p.book == "datedata.txt" and any(c.isdigit() for c in p.text) for p in first)
    again = generated_prompts("closed", seed=3)
    assert [next(again).text for _ in range(5)] == [p.text for p in first]  # resumable: same seed, same prompts
    prompt_file = tmp_path / "mine.txt"
    prompt_file.write_text("hello world\n\nsecond line\n")
    assert [(p.text, p.sentence_index) for p in file_prompts(prompt_file)] == [("hello world", 0), ("second line", 2)]
    assert prompt_condition(str(prompt_file)) == "open" and prompt_condition("closed") == "closed"
    with pytest.raises(Exception, match="missing.txt"):
        file_prompts(tmp_path / "missing.txt")


# ---------------------------------------------------------------------------------------------
# faults mid-utterance: a fake board in brainflow's synthetic layout, no threads, no hardware
class FakeBoard:
    """Delivers 25 samples per poll (EMG row r holds r*1000 + sample number); can fail after N polls."""

    def __init__(self, fail_after: int | None = None, fault: str = "brainflow", silent_after: int | None = None,
                 synthetic: bool = True):
        self.layout = BoardLayout.of("synthetic")
        self.config = BoardConfig(name="synthetic" if synthetic else "cyton-daisy")
        self.is_synthetic = synthetic
        self.polls = 0
        self.sent = 0
        self.fail_after = fail_after
        self.fault = fault
        self.silent_after = silent_after
        self.markers = []

    def arm(self, fail_after=None, fault="brainflow", silent_after=None):
        self.polls, self.fail_after, self.fault, self.silent_after = 0, fail_after, fault, silent_after

    def poll(self):
        self.polls += 1
        if self.fail_after is not None and self.polls > self.fail_after:
            if self.fault == "ctrl-c":
                raise KeyboardInterrupt
            bs, _ = import_brainflow()
            raise bs.BrainFlowError("BOARD_NOT_READY_ERROR:7 unable to get board data", 7)
        if self.silent_after is not None and self.polls > self.silent_after:
            return np.zeros((self.layout.num_rows, 0))
        data = np.zeros((self.layout.num_rows, 25))
        numbers = self.sent + np.arange(25)
        for row in self.layout.emg_rows:
            data[row] = row * 1000 + numbers
        data[self.layout.timestamp_row] = 1e9 + numbers / 250.0
        self.sent += 25
        return data

    def insert_marker(self, value):
        self.markers.append(value)


def _fake_session(tmp_path, board, **kwargs):
    return CaptureSession.create(tmp_path, "7", board, "closed", "silent", "closed", date="20260101",
                                 poll_interval=0.001, **kwargs)


@pytest.mark.parametrize("fault, raised", [("brainflow", BoardDisconnectedError), ("ctrl-c", KeyboardInterrupt)])
def test_fault_mid_utterance_keeps_data_and_session_resumes(tmp_path, fault, raised):
    board = FakeBoard()
    session = _fake_session(tmp_path, board)
    prompts = generated_prompts("closed", seed=0)
    controller = AutoController(10.0, log=lambda _msg: None)
    controller.stop_condition = lambda: (lambda _elapsed: board.polls >= 5)  # 4 data polls per utterance
    run_session(session, prompts, controller, n_prompts=1, log=lambda _msg: None)
    assert saved_indices(session.dir) == [0, 1]
    # next utterance: the stream breaks on the 4th poll (1 drain + 2 data polls succeed)
    board.arm(fail_after=3, fault=fault)
    with pytest.raises(raised):
        session.record(next(prompts), lambda _elapsed: False)
    assert saved_indices(session.dir) == [0, 1, 2]
    info = json.loads((session.dir / "2_info.json").read_text())
    assert info["incomplete"] is True and info["incomplete_reason"]
    assert info["board_samples"] == 50  # every sample received before the fault is kept
    emg = np.load(session.dir / "2_emg.npy")
    assert len(emg) == 50  # at the board's rate
    # the kept samples are the ones the board sent (row 1 = channel 0)
    board_data = read_board_file(session.dir / "2_board.csv")
    np.testing.assert_allclose(np.diff(board_data[1]), 1.0)
    for index in (0, 1):
        assert json.loads((session.dir / f"{index}_info.json").read_text())["incomplete"] is False

    # resume: same session folder, numbering continues, the interrupted prompt is asked again
    board.arm()
    resumed = CaptureSession.resume(tmp_path, "7", board, "closed", "silent", poll_interval=0.001)
    assert resumed.dir == session.dir and resumed.next_index == 3
    run_session(resumed, generated_prompts("closed", seed=0), controller, n_prompts=1,
                reference_clip=False, log=lambda _msg: None)
    assert saved_indices(session.dir) == [0, 1, 2, 3]
    redone = json.loads((session.dir / "3_info.json").read_text())
    assert redone["sentence_index"] == info["sentence_index"] and redone["incomplete"] is False
    assert json.loads((session.dir / "session.json").read_text())["resumed_utc"]


def test_stream_that_goes_silent_is_saved_incomplete(tmp_path):
    board = FakeBoard(synthetic=False)
    session = _fake_session(tmp_path, board, stall_timeout=0.05)
    board.arm(silent_after=3)
    with pytest.raises(BoardDisconnectedError, match="--resume"):
        session.record(Prompt("monday", "datedata.txt", 0), lambda _elapsed: False)
    info = json.loads((session.dir / "0_info.json").read_text())
    assert info["incomplete"] is True and "no data" in info["incomplete_reason"]
    assert info["board_samples"] == 50
    # a real board's recordings carry no "synthetic" key (the data layer reads its presence) and no label file
    assert "synthetic" not in info and not (tmp_path / "corpus.json").exists()


def test_info_file_is_written_last_and_a_crash_hides_the_utterance(tmp_path, monkeypatch):
    board = FakeBoard()
    session = _fake_session(tmp_path, board)
    order = []
    real_save, real_json, real_board = session_mod.save_npy, session_mod.write_json, session_mod.write_board_file
    monkeypatch.setattr(session_mod, "save_npy", lambda p, a: (order.append(Path(p).name), real_save(p, a)))
    monkeypatch.setattr(session_mod, "write_board_file", lambda p, a: (order.append(Path(p).name), real_board(p, a)))

    def crash_on_info(path, obj):
        order.append(Path(path).name)
        raise OSError("disk full (simulated)")
    monkeypatch.setattr(session_mod, "write_json", crash_on_info)
    with pytest.raises(OSError, match="simulated"):
        session.record(Prompt("monday", "datedata.txt", 0), lambda _elapsed: board.polls >= 3)
    assert order == ["0_emg.npy", "0_button.npy", "0_board.csv", "0_info.json"]
    assert (session.dir / "0_emg.npy").exists() and not (session.dir / "0_info.json").exists()
    assert saved_indices(session.dir) == []
    assert not list(session.dir.glob(".*tmp"))  # no temporary files left behind
    data = pytest.importorskip("semg_study.data")
    if hasattr(data, "open_corpus"):
        try:
            corpus = data.open_corpus(tmp_path)
        except Exception:
            return  # an empty corpus may be refused outright; what matters is nothing half-written is listed
        listed = [u for split in ("train", "dev", "test") for u in corpus.utterances(condition="closed", split=split)]
        assert listed == []
    # after the crash, a resumed session reuses index 0 and overwrites the orphan files
    monkeypatch.setattr(session_mod, "write_json", real_json)
    resumed = CaptureSession.resume(tmp_path, "7", board, "closed", "silent", poll_interval=0.001)
    assert resumed.next_index == 0


def test_terminal_keys_start_stop_redo_quit(tmp_path):
    """Enter starts/stops, r marks the last take as re-recorded and asks again, q quits."""
    import os

    from semg_study.capture.controllers import TerminalController

    read_fd, write_fd = os.pipe()
    # reference: start, stop | prompt 0: start, stop, redo | again: start, stop, next | prompt 1: quit
    os.write(write_fd, b"\n\n" + b"\n\nr\n" + b"\n\n\n" + b"q\n")
    os.close(write_fd)
    board = FakeBoard()
    session = _fake_session(tmp_path, board)
    with os.fdopen(read_fd, "r") as keys:
        saved = run_session(session, generated_prompts("closed", seed=0), TerminalController(stdin=keys, log=lambda _m: None),
                            n_prompts=None, log=lambda _m: None)
    assert [s.index for s in saved] == [0, 1, 2] and saved_indices(session.dir) == [0, 1, 2]
    infos = [json.loads((session.dir / f"{i}_info.json").read_text()) for i in range(3)]
    first_prompt = next(generated_prompts("closed", seed=0))
    assert infos[1]["sentence_index"] == -1 and infos[1]["redone"] and infos[1]["discarded_text"] == first_prompt.text
    assert (infos[2]["sentence_index"], infos[2]["text"]) == (0, first_prompt.text)


def test_auto_mode_needs_a_prompt_count(tmp_path, capsys):
    rc = cli_main(["capture", "--participant", "7", "--out", str(tmp_path), "--auto", "0.2"])
    assert rc == 1 and "--n" in capsys.readouterr().err and not (tmp_path / "emg_data").exists()


def test_capture_from_the_playback_board(captured, tmp_path, capsys):
    _, session_dir = captured
    out = tmp_path / "replayed"
    rc = cli_main(["capture", "--participant", "8", "--board", "playback", "--file", str(session_dir),
                   "--out", str(out), "--prompts", "closed", "--auto", "0.3", "--n", "1"])
    assert rc == 0, capsys.readouterr().err
    (new_session,) = (out / "emg_data" / "closed_vocab" / "silent").iterdir()
    meta = json.loads((new_session / "session.json").read_text())
    assert meta["connection"]["master_board"] == "synthetic" and meta["board"]["sampling_rate"] == 250.0
    assert meta["synthetic"] is True  # replayed synthetic-board data stays labelled synthetic
    assert saved_indices(new_session) == [0, 1]
    assert all(len(np.load(new_session / f"{i}_emg.npy")) > 25 for i in (0, 1))  # at the replayed 250 Hz
    # the same recording as a 1000 Hz board: refused before anything is recorded
    rc = cli_main(["capture", "--participant", "8", "--board", "playback", "--file", str(session_dir),
                   "--master-board", "cyton-wifi", "--out", str(tmp_path / "wrong"), "--auto", "0.3", "--n", "1"])
    err = capsys.readouterr().err
    assert rc == 1 and "250 Hz but board 'cyton-wifi' runs at 1000 Hz" in err
    assert not (tmp_path / "wrong").exists()


class ScriptedMicrophone:
    """160 samples (10 ms at 16 kHz) per read: a stand-in for a sound card."""

    rate = 16000

    def __init__(self):
        self.reads = 0

    def start(self):
        pass

    def read(self):
        self.reads += 1
        return np.full(160, self.reads / 1000.0, dtype=np.float32)

    def stop(self):
        pass


def test_audio_is_written_only_with_a_microphone(tmp_path):
    import soundfile

    board = FakeBoard()
    session = _fake_session(tmp_path, board, microphone=ScriptedMicrophone())
    saved = session.record(Prompt("monday", "datedata.txt", 0), lambda _elapsed: board.polls >= 4)
    audio, rate = soundfile.read(session.dir / "0_audio.flac", dtype="float32")
    assert rate == 16000 and len(audio) == 3 * 160  # the drain before the marker is dropped
    assert [c[1] for c in saved.info["chunks"]] == [160, 160, 160]
    assert sum(c[0] for c in saved.info["chunks"]) == len(saved.emg)
    assert "16000 Hz" in json.loads((session.dir / "session.json").read_text())["audio"]
    # and without one, no audio file at all
    plain = _fake_session(tmp_path / "plain", FakeBoard())
    plain.record(Prompt("monday", "datedata.txt", 0), lambda _elapsed: True)
    assert not list(plain.dir.glob("*audio*"))


def test_microphone_without_sounddevice_is_a_clear_error(tmp_path, capsys):
    # sounddevice is not a dependency; where it is installed this test does not apply
    try:
        import sounddevice  # noqa: F401
        pytest.skip("sounddevice is installed here")
    except (ImportError, OSError):
        pass
    rc = cli_main(["capture", "--participant", "7", "--out", str(tmp_path), "--auto", "0.2", "--n", "1",
                   "--microphone", "default"])
    err = capsys.readouterr().err
    assert rc == 1 and "sounddevice" in err and not (tmp_path / "emg_data").exists()


def test_notebook_buttons_record_redo_and_quit(tmp_path):
    pytest.importorskip("ipywidgets")
    from semg_study.capture.workflow import CaptureWidget

    board = FakeBoard()
    board.release = lambda: None
    session = _fake_session(tmp_path, board)
    widget = CaptureWidget(session, generated_prompts("closed", seed=0))
    assert "reference clip" in widget.label.value

    def take():
        board.polls = 0
        widget.start()
        deadline = time.monotonic() + 10
        while board.polls < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        widget.stop()
        assert not widget._thread.is_alive()

    take()                                   # reference clip
    first = next(generated_prompts("closed", seed=0))
    assert first.text in widget.label.value
    take()                                   # prompt 0
    widget.redo()                            # marks index 1 as re-recorded, asks prompt 0 again
    assert first.text in widget.label.value
    take()                                   # prompt 0 again
    widget.quit()
    assert widget.start_button.disabled and "session closed" in widget.status.value
    infos = [json.loads((session.dir / f"{i}_info.json").read_text()) for i in saved_indices(session.dir)]
    assert [info["sentence_index"] for info in infos] == [-1, -1, 0]
    assert infos[1]["redone"] and infos[2]["text"] == first.text


def test_newest_streaming_run_is_chosen_by_its_manifest_not_file_times(tmp_path):
    import os

    from semg_study.capture.workflow import find_streaming_run

    def run(name, end_time, streaming=True):
        d = tmp_path / name
        (d / "checkpoints").mkdir(parents=True)
        (d / "checkpoints" / "best.pt").write_bytes(b"weights")
        (d / "manifest.json").write_text(json.dumps(
            {"end_time": end_time, "config": {"model": {"kwargs": {"streaming_mask": streaming}}}}))
        return d

    older = run("myostream-quick-aaa", "2026-11-30T10:00:00+00:00")
    newer = run("myostream-quick-bbb", "2026-12-01T10:00:00+00:00")
    run("myostream-quick-ccc", "2026-12-02T10:00:00+00:00", streaming=False)  # cannot stream
    # a checkout or copy gives the older run the newer file time: the manifest still decides
    os.utime(older / "checkpoints" / "best.pt", (2e9, 2e9))
    assert find_streaming_run(tmp_path, "quick") == newer
    assert find_streaming_run(tmp_path, "smoke") is None


def test_plot_session_offsets_and_labels_every_channel():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from semg_study.capture import workflow as wf

    rng = np.random.default_rng(0)
    items = [(rng.normal(size=(300, 8)) * 50, text, 250.0) for text in ("", "one", "two", "three")]
    fig = wf.plot_session(items)
    drawn = [ax for ax in fig.axes if ax.get_visible()]
    assert len(drawn) == 4                      # every recording shown
    assert [t.get_text() for t in drawn[0].get_yticklabels()] == [f"ch {c}" for c in range(1, 9)]
    assert drawn[0].get_title(loc="left") == "reference clip"
    assert any("µV" in t.get_text() for t in drawn[-1].texts)   # the scale bar's label
    plt.close(fig)
