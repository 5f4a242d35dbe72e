"""The one streaming driver (``semg_study.evaluation.streaming``): chunked output equals the full pass."""
from __future__ import annotations

import torch

from semg_study.evaluation.streaming import StreamDriver, item_session, stream_in_chunks
from semg_study.models.registry import build_model

TINY_MYOSTREAM = {"d_model": 32, "n_layers": 2, "n_heads": 4, "ff_mult": 2, "conv_kernel": 5, "per_channel": 4,
                  "chunk": 4, "left_chunks": 2, "lookahead": 2, "dropout": 0.0}


def _model():
    torch.manual_seed(3)
    return build_model("myostream", **TINY_MYOSTREAM).eval()


def test_stream_in_chunks_equals_the_full_pass_and_times_every_step():
    model = _model()
    raw = torch.randn(1, 8 * 37 + 3, 8)
    chunk_samples = model.chunk * model.input_per_output
    with torch.inference_mode():
        full = model({"emg_raw": raw})["log_probs"]
        seconds: list[float] = []
        outputs = stream_in_chunks(model, raw, chunk_samples, step_seconds=seconds)
    steps = -(-raw.shape[1] // chunk_samples)
    assert len(outputs) == len(seconds) == steps and all(s >= 0 for s in seconds)
    streamed = torch.cat(outputs, dim=1)
    assert streamed.shape == full.shape and torch.allclose(streamed, full, atol=1e-5)


def test_the_driver_fed_uneven_pieces_then_finished_gives_the_same_frames():
    model = _model()
    raw = torch.randn(1, 8 * 29, 8)
    with torch.inference_mode():
        full = model({"emg_raw": raw})["log_probs"]
        driver = StreamDriver(model)
        pieces, i = [], 0
        for n in (5, 40, 1, 77, 13):
            pieces.append(driver.step(raw[:, i:i + n]))
            i += n
        pieces.append(driver.step(raw[:, i:]))
        pieces.append(driver.finish())
        # an empty signal is flushed once, never left without its final step
        empty = stream_in_chunks(model, raw[:, :0], 32)
    assert torch.allclose(torch.cat(pieces, dim=1), full, atol=1e-5)
    assert len(empty) == 1 and empty[0].shape[1] == 0
    assert item_session({"session_index": 0}) is None and item_session({"session_index": 3}) == 3
    assert item_session({}) is None
