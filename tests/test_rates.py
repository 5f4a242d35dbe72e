"""Honest sampling rates: recordings keep their rate, models state theirs, faster is resampled down
(anti-aliased), slower is refused with a message a user can act on. One test per board type."""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from semg_study.capture.boards import (BoardConfig, BoardLayout, BoardStream, ChannelCountError, RateMismatchError,
                                       rate_advice)
from semg_study.capture.playback import board_for_rate, playback_source, read_board_file
from semg_study.capture.session import CaptureSession
from semg_study.data import open_corpus
from semg_study.data.rates import (DATASET_RATE, RateError, StreamingDownsampler, conform_utterances, resample_down,
                                   run_input_rate, stated_rate)
from semg_study.errors import DataError
from semg_study.features import FeatureConfig


# ---------------------------------------------------------------------------------------------
# the conversion: anti-aliased, and the same live as chunk by chunk
def _tone_power(x: np.ndarray, rate: float, hz: float) -> float:
    """Amplitude of the ``hz`` component of ``x`` (a projection on a sine and cosine)."""
    t = np.arange(len(x)) / rate
    return float(np.hypot(np.mean(x * np.sin(2 * np.pi * hz * t)), np.mean(x * np.cos(2 * np.pi * hz * t))) * 2)


def test_downsampling_suppresses_aliasing():
    # 2000 Hz: a 100 Hz tone in the band and a 700 Hz tone above the new Nyquist frequency (500 Hz)
    rate = 2000.0
    t = np.arange(8000) / rate
    x = np.sin(2 * np.pi * 100 * t) + np.sin(2 * np.pi * 700 * t)
    naive = x[::2]  # keeping every other sample folds 700 Hz onto 1000 - 700 = 300 Hz at full amplitude
    assert _tone_power(naive, 1000, 300) > 0.9
    down = resample_down(x[:, None], in_rate=rate, out_rate=1000)[:, 0]
    inner = down[200:-200]
    assert _tone_power(inner, 1000, 300) < 1e-3          # the alias is suppressed (> 60 dB)
    assert abs(_tone_power(inner, 1000, 100) - 1) < 0.01  # the EMG band passes
    # live: the causal streaming filter, any chunking, same samples, alias suppressed as well
    stream = StreamingDownsampler(in_rate=rate, out_rate=1000)
    rng = np.random.default_rng(0)
    parts, start = [], 0
    while start < len(x):
        n = int(rng.integers(1, 250))
        parts.append(stream.process(x[start:start + n, None]))
        start += n
    live = np.concatenate(parts)[:, 0]
    stream.reset()
    np.testing.assert_allclose(stream.process(x[:, None])[:, 0], live, atol=1e-12)
    assert len(live) == len(x) // 2
    assert _tone_power(live[400:], 1000, 300) < 2e-3 and abs(_tone_power(live[400:], 1000, 100) - 1) < 0.02
    # a rational ratio (1600 -> 1000 Hz) and equal rates (passed through)
    assert len(resample_down(np.zeros((1600, 8)), in_rate=1600, out_rate=1000)) == 1000
    same = np.ones((10, 8))
    assert StreamingDownsampler(in_rate=1000, out_rate=1000).process(same) is not None
    np.testing.assert_array_equal(StreamingDownsampler(in_rate=1000, out_rate=1000).process(same), same)
    with pytest.raises(ValueError, match="down only"):
        resample_down(same, in_rate=250, out_rate=1000)


def test_stated_rate_and_run_input_rate(tmp_path):
    assert stated_rate({}, "x_info.json") == DATASET_RATE  # the dataset's files state none: 1000 Hz
    assert stated_rate({"emg_rate": 250}, "x_info.json") == 250.0
    for bad in ("fast", 0, -5, True, float("nan")):
        with pytest.raises(DataError, match=r"x_info.json: 'emg_rate' is .*not a sampling rate"):
            stated_rate({"emg_rate": bad}, "x_info.json")
    run = SimpleNamespace(feature_config=FeatureConfig(), manifest={}, run_dir=tmp_path)
    assert run_input_rate(run) == 1000.0  # a released run's manifest states none: from its features
    run.manifest = {"input_rate_hz": 1000.0}
    assert run_input_rate(run) == 1000.0
    run.manifest = {"input_rate_hz": 250.0}
    with pytest.raises(DataError, match="manifest.json: states input_rate_hz 250.0 but its features"):
        run_input_rate(run)


# ---------------------------------------------------------------------------------------------
# one test per board type: record (a scripted board in the board's own layout), read back, check
class ScriptedBoard:
    """A board of ``name``'s layout delivering ``per_poll`` samples of a 40 Hz sine per poll."""

    def __init__(self, name: str, per_poll: int = 50, synthetic: bool = False):
        self.layout = BoardLayout.of(name)
        self.config = BoardConfig(name=name)
        self.is_synthetic = synthetic
        self.per_poll, self.sent = per_poll, 0

    def poll(self):
        data = np.zeros((self.layout.num_rows, self.per_poll))
        n = self.sent + np.arange(self.per_poll)
        for k, row in enumerate(self.layout.emg_rows):
            data[row] = (k + 1) * 10 * np.sin(2 * np.pi * 40 * n / self.layout.sampling_rate)
        data[self.layout.timestamp_row] = 1e9 + n / self.layout.sampling_rate
        self.sent += self.per_poll
        return data

    def insert_marker(self, value):
        pass


def _record(tmp_path, name: str, n_polls: int = 8, synthetic: bool = False):
    board = ScriptedBoard(name, synthetic=synthetic)
    session = CaptureSession.create(tmp_path, "7", board, "closed", "silent", "closed", date="20260101",
                                    poll_interval=0.0)
    from semg_study.capture.prompts import Prompt

    for k, text in enumerate(("three pm", "four am")):
        polls = iter(range(n_polls))
        session.record(Prompt(text, "datedata.txt", k), lambda _elapsed: next(polls, None) is None)
    return session


@pytest.mark.parametrize("name, rate, setting", [
    ("cyton", 250.0, "WiFi shield at 1000 Hz (--board cyton-wifi)"),
    ("cyton-daisy", 125.0, "--board cyton-daisy-wifi"),
    ("synthetic", 250.0, "playback board"),
])
def test_slow_boards_keep_their_rate_and_are_refused_by_a_1000_hz_model(tmp_path, name, rate, setting):
    session = _record(tmp_path, name, synthetic=name == "synthetic")
    meta = json.loads((session.dir / "session.json").read_text())
    assert meta["emg_rate_hz"] == rate and meta["board"]["sampling_rate"] == rate
    info = json.loads((session.dir / "1_info.json").read_text())
    emg = np.load(session.dir / "1_emg.npy")
    assert info["emg_rate"] == rate and len(emg) == info["board_samples"]  # never resampled
    assert sum(c[0] for c in info["chunks"]) == len(emg)
    corpus = open_corpus(tmp_path)
    utterances = corpus.all_utterances()
    assert {u.emg_rate for u in utterances} == {rate}
    assert corpus.duration_s(utterances[0]) == pytest.approx(len(np.load(utterances[0].emg_path)) / rate)
    # the models' 1000 Hz: refused, naming the file, its rate, the rate needed and the board setting
    with pytest.raises(RateError) as refused:
        conform_utterances(utterances, 1000.0)
    message = str(refused.value)
    assert f"_info.json: recorded at {rate:g} Hz but the model needs 1000 Hz" in message and setting in message
    assert "1 more utterance(s)" in message
    assert rate_advice(BoardLayout.of(name)) is not None and setting in rate_advice(BoardLayout.of(name))
    # the recording itself reads back at its own rate
    np.testing.assert_array_equal(utterances[0].as_recorded.load().emg, np.load(utterances[0].emg_path))
    from semg_study.data.validate import validate

    report = validate(tmp_path)
    assert report.ok and any(f"EMG recorded at {rate:g} Hz" in p.problem for p in report.warnings)


def test_ganglion_is_refused_for_its_channels_and_its_rate(tmp_path):
    layout = BoardLayout.of("ganglion")
    assert layout.sampling_rate == 200.0
    with pytest.raises(ChannelCountError, match="4 EMG channels but the models expect 8"):
        CaptureSession.create(tmp_path, "7", ScriptedBoard("ganglion"), "closed", "silent", "closed")
    assert "Cyton and its WiFi shield at 1000 Hz" in rate_advice(layout)


def test_cyton_wifi_records_at_the_models_rate(tmp_path):
    # capture sets the board to 1000 Hz when it opens it (~4), whatever it was last set to
    stream = BoardStream(BoardConfig(name="cyton-wifi", ip_address="192.168.4.1"))
    sent = []
    stream._shim = SimpleNamespace(prepare_session=lambda: None, config_board=lambda cmd: sent.append(cmd) or "",
                                   release_session=lambda: None)
    stream.prepare()
    assert sent == ["~4"] and stream.layout.sampling_rate == 1000.0
    stream._prepared = False  # nothing real to release
    assert rate_advice(stream.layout) is None
    session = _record(tmp_path, "cyton-wifi")
    info = json.loads((session.dir / "1_info.json").read_text())
    assert info["emg_rate"] == 1000.0
    utterances = conform_utterances(open_corpus(tmp_path).all_utterances(), 1000.0)
    # at the model's rate: loaded as recorded
    np.testing.assert_array_equal(utterances[0].load().emg, np.load(utterances[0].emg_path))
    assert utterances[0].load().emg_rate == 1000.0


def test_faster_recordings_are_resampled_down_for_a_model(tmp_path):
    session = _record(tmp_path, "cyton-wifi", n_polls=16)
    # the same session as if recorded at 2000 Hz (the Cyton's ~3 setting): stated in info and session files
    for path in session.dir.glob("*_info.json"):
        info = json.loads(path.read_text())
        path.write_text(json.dumps(dict(info, emg_rate=2000.0)))
    meta = json.loads((session.dir / "session.json").read_text())
    (session.dir / "session.json").write_text(json.dumps(dict(meta, emg_rate_hz=2000.0)))
    utterance = open_corpus(tmp_path).all_utterances()[1]  # index 1: index 0 is its neighbour
    assert utterance.emg_rate == 2000.0
    recorded = np.load(utterance.emg_path)
    delivered = utterance.load().emg  # the dataset's 1000 Hz by default
    np.testing.assert_allclose(delivered, resample_down(recorded, in_rate=2000, out_rate=1000), atol=1e-4)
    assert len(delivered) == len(recorded) // 2
    before, _ = utterance.load_context()
    assert before is not None and len(before) == len(np.load(utterance.neighbour_path(-1))) // 2


@pytest.mark.slow  # the smoke corpus
def test_playback_replays_at_a_boards_rate_never_faster_than_recorded(tmp_path, smoke_corpus):
    session = sorted((smoke_corpus / "emg_data" / "closed_vocab" / "silent").iterdir())[0]
    assert board_for_rate(1000.0) == "cyton-wifi" and board_for_rate(250.0) == "cyton"
    assert board_for_rate(125.0) == "cyton-daisy"
    fast = playback_source(session / "1_emg.npy", work_dir=tmp_path)  # the dataset's 1000 Hz: as recorded
    assert fast.master_board == "cyton-wifi"
    n = len(np.load(session / "1_emg.npy"))
    assert fast.segments[0].n_samples == n
    slow = playback_source(session / "1_emg.npy", master_board="cyton", work_dir=tmp_path)  # as a 250 Hz Cyton
    assert slow.segments[0].n_samples == n // 4
    data = read_board_file(slow.file)
    assert data.shape[1] == n // 4
    # a 250 Hz capture replayed as the 1000 Hz board would be upsampling: refused
    captured = _record(tmp_path / "capture", "cyton")
    with pytest.raises(RateMismatchError):
        playback_source(captured.dir, master_board="cyton-wifi", work_dir=tmp_path)
    # its EMG alone (no brainflow file beside it: converted from the rate the info file states)
    bare = tmp_path / "bare" / "s1"
    bare.mkdir(parents=True)
    for name in ("1_emg.npy", "1_info.json"):
        (bare / name).write_bytes((captured.dir / name).read_bytes())
    assert playback_source(bare / "1_emg.npy", work_dir=tmp_path).master_board == "cyton"
    with pytest.raises(RateMismatchError, match="recorded at 250 Hz.*that would be upsampling"):
        playback_source(bare / "1_emg.npy", master_board="cyton-wifi", work_dir=tmp_path)
