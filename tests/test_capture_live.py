"""Live decoding: streaming CTC across chunks, clear errors, and the playback path end to end."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from semg_study.capture.boards import BoardConfig, open_board
from semg_study.capture.live import LiveDecodingError, StreamingTranscriber, decode_stream, load_streaming_run
from semg_study.capture.playback import playback_source
from semg_study.cli import main as cli_main
from semg_study.errors import DataError
from semg_study.text import VOCAB


class _ScriptedModel:
    """Emits a fixed frame sequence, a few frames per call, like a streaming model would."""

    algorithmic_latency_ms = 0.0

    def __init__(self, frame_ids, per_call=3):
        self.frame_ids, self.per_call = list(frame_ids), per_call

    def init_stream_state(self, batch_size=1, session_index=None):
        return {"next": 0}

    def stream_step(self, chunk, state, final=False):
        start = state["next"]
        stop = len(self.frame_ids) if final else min(start + self.per_call, len(self.frame_ids))
        state["next"] = stop
        log_probs = torch.full((1, stop - start, len(VOCAB)), -10.0)
        for t, frame_id in enumerate(self.frame_ids[start:stop]):
            log_probs[0, t, frame_id] = 0.0
        return log_probs, state


class _Run:
    def __init__(self, model):
        from semg_study.features import FeatureConfig

        self.model, self.vocab, self.feature_config, self.sessions = model, VOCAB, FeatureConfig(), None


def test_greedy_ctc_is_carried_across_chunk_borders():
    # "hello" with a repeated l split by a blank, and repeats that straddle the 3-frame chunk borders
    b = VOCAB.blank_id
    h, e, l, o = (VOCAB.encode(c)[0] for c in "helo")
    frames = [h, h, h, e, b, l, l, l, b, l, o, o, o, b]
    transcriber = StreamingTranscriber(_Run(_ScriptedModel(frames)), board_rate=1000)
    rng = np.random.default_rng(0)
    for _ in range(4):
        transcriber.feed(rng.normal(size=(100, 8)))
    transcriber.finish()
    assert transcriber.frame_ids == frames
    assert transcriber.transcript == "hello" == VOCAB.decode(VOCAB.ctc_collapse(frames))


def test_the_streamed_transcript_is_the_offline_greedy_one_spaces_included():
    # "a", space, blank, space, "b": the collapsed ids hold two spaces, which every greedy transcript tidies
    from semg_study.decoding.greedy import greedy_decode

    b = VOCAB.blank_id
    a, space, bee = VOCAB.encode("a b")
    frames = [space, a, a, space, b, space, bee, b, space]
    transcriber = StreamingTranscriber(_Run(_ScriptedModel(frames)), board_rate=1000)
    rng = np.random.default_rng(0)
    for _ in range(4):
        transcriber.feed(rng.normal(size=(100, 8)))
    transcriber.finish()
    one_hot = np.full((1, len(frames), len(VOCAB)), -30.0, dtype=np.float32)
    one_hot[0, np.arange(len(frames)), frames] = 0.0
    assert VOCAB.decode(VOCAB.ctc_collapse(frames)) == " a  b "
    assert transcriber.transcript == "a b" == greedy_decode(one_hot)[0]


def test_live_without_a_run_fails_clearly(tmp_path, capsys):
    with pytest.raises(LiveDecodingError, match="semg-study train myostream-quick"):
        load_streaming_run(tmp_path / "missing-run")
    assert cli_main(["live", "--run", str(tmp_path / "missing-run"), "--seconds", "1"]) == 1
    err = capsys.readouterr().err
    assert "no run at" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def smoke_run(smoke_corpus, tmp_path_factory):
    training = pytest.importorskip("semg_study.training")
    out = tmp_path_factory.mktemp("live_run")
    return training.train("myostream-smoke", overrides=[f"data.root={smoke_corpus}", f"train.out={out}",
                                                         "train.epochs=1"])


@pytest.mark.slow
def test_replayed_utterance_decodes_like_the_offline_stream(smoke_run, smoke_corpus, capsys):
    """Corpus EMG -> brainflow playback board (real time) -> live path == the same EMG streamed offline."""
    from semg_study.features.preprocessing import preprocess_emg_causal

    session = smoke_corpus / "emg_data" / "silent_parallel_data"
    infos = sorted((p for p in session.glob("*/*_info.json")
                    if json.loads(p.read_text())["sentence_index"] >= 0),
                   key=lambda p: np.load(str(p).replace("_info.json", "_emg.npy"), mmap_mode="r").shape[0])
    utterance = infos[0]  # the shortest: replay runs in real time
    emg_path = str(utterance).replace("_info.json", "_emg.npy")
    reference = json.loads(utterance.read_text())["text"]

    rc = cli_main(["live", "--run", str(smoke_run), "--board", "playback", "--utterance", emg_path])
    out = capsys.readouterr().out
    assert rc == 0
    assert "replaying synthetic EMG" in out and "[synthetic]" in out and "p95" in out
    assert f"reference  {reference!r}" in out
    live_hypothesis = next(line.split("hypothesis ", 1)[1] for line in out.splitlines() if "hypothesis " in line)

    # offline: the whole utterance through the same causal preprocessing and the model's streaming mode
    loaded = load_streaming_run(smoke_run)
    raw = preprocess_emg_causal(np.load(emg_path).astype(np.float64), loaded.feature_config.preprocess)
    state = loaded.model.init_stream_state(1, (loaded.sessions or {}).get("<unknown>"))
    lp1, state = loaded.model.stream_step(torch.from_numpy(raw.astype(np.float32))[None], state)
    lp2, state = loaded.model.stream_step(None, state, final=True)
    frames = torch.cat([lp1, lp2], dim=1)[0].argmax(-1).tolist()
    assert live_hypothesis == repr(loaded.vocab.decode(loaded.vocab.ctc_collapse(frames)))

    # the same through the API: frame by frame, the live argmax equals the offline one
    source = playback_source(emg_path)
    board = open_board(BoardConfig.for_playback(source))
    transcriber = StreamingTranscriber(loaded, board.layout.sampling_rate, (loaded.sessions or {}).get("<unknown>"))
    frame_log = []
    original_reset = transcriber.reset
    transcriber.reset = lambda *a: (frame_log.append(list(transcriber.frame_ids)), original_reset(*a))
    result = decode_stream(board, transcriber, source=source, emit=lambda _line: None)
    assert frame_log == [frames] and len(frames) > 0
    assert result.synthetic and len(result.utterances) == 1 and result.utterances[0].reference == reference
    assert sum(result.chunk_samples) == source.total_samples and all(ms >= 0 for ms in result.chunk_ms)


@pytest.mark.slow
def test_live_refuses_the_250_hz_synthetic_board(smoke_run, capsys):
    # brainflow's synthetic board streams at 250 Hz; the run needs 1000 Hz: refused before it streams
    assert cli_main(["live", "--run", str(smoke_run), "--seconds", "0.6"]) == 1
    err = capsys.readouterr().err
    assert "board 'synthetic': recorded at 250 Hz but the model needs 1000 Hz input" in err
    assert "playback board" in err and "Traceback" not in err


def test_live_checks_the_board_rate_against_the_run():
    b = VOCAB.blank_id
    h = VOCAB.encode("h")[0]
    # a Cyton over its USB dongle (250 Hz) for a 1000 Hz run: refused, naming the setting that gives 1000 Hz
    with pytest.raises(DataError, match=r"board 'cyton': recorded at 250 Hz but the model needs 1000 Hz input.*"
                                        r"WiFi shield at 1000 Hz \(--board cyton-wifi\)"):
        StreamingTranscriber(_Run(_ScriptedModel([h])), board_rate=250, source="board 'cyton'", board="cyton")
    # a faster stream (2000 Hz) is resampled down: half as many samples reach the preprocessing
    transcriber = StreamingTranscriber(_Run(_ScriptedModel([h, b])), board_rate=2000)
    seen = []
    process = transcriber.preprocessor.process
    transcriber.preprocessor.process = lambda x: (seen.append(len(x)), process(x))[1]
    for _ in range(4):
        transcriber.feed(np.random.default_rng(0).normal(size=(200, 8)))
    assert sum(seen) == 400
