"""Streaming inference: the one loop that feeds a model chunk by chunk through ``stream_step``.

* :class:`StreamDriver`: a model's stream state for one utterance, advanced one
  chunk at a time (live capture feeds it what a board delivers).
* :func:`stream_in_chunks`: one utterance's raw EMG cut into fixed chunks and
  streamed (the latency measurement times each step; the streamed evaluation
  keeps the log-probabilities).
* :func:`streaming_evaluation`: a split decoded from the streamed
  log-probabilities, scored, and compared with the model's full-sequence pass.
"""
from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

from semg_study.decoding.beam import BeamDecoder
from semg_study.decoding.greedy import greedy_decode
from semg_study.decoding.lm import utterance_id
from semg_study.errors import StudyError
from semg_study.evaluation.evaluate import (DEFAULT_BEAM_THRESHOLD, data_label, ensure_lm, eval_dataset,
                                            open_run_corpus)
from semg_study.evaluation.metrics import score
from semg_study.evaluation.output import evaluation_home, manifest_reference, predictions_path, write_evaluation
from semg_study.run_folder import METRICS, RunFolder

# Streamed log-probabilities equal to the full pass's up to float rounding.
STREAM_MATCH_TOLERANCE = 1e-4


class StreamDriver:
    """One utterance's stream state of a model with ``stream_step`` (batch 1)."""

    def __init__(self, model, session_index: int | None = None):
        self.model = model
        self.state = model.init_stream_state(1, session_index)

    def step(self, chunk, final: bool = False):
        """Feed ``chunk`` ((1, n, channels) raw EMG, or None to flush); the (1, T, V) log-probabilities out."""
        log_probs, self.state = self.model.stream_step(chunk, self.state, final=final)
        return log_probs

    def finish(self):
        """End of the utterance: the frames that were waiting for look-ahead."""
        return self.step(None, final=True)


def stream_in_chunks(model, raw, chunk_samples: int, session_index: int | None = None,
                     step_seconds: list[float] | None = None) -> list:
    """Stream ``raw`` ((1, n, channels)) in chunks of ``chunk_samples``; every step's (1, T, V) output.

    The last chunk is sent as final; with ``step_seconds`` the compute time of each
    chunk's ``stream_step`` is appended to it.
    """
    driver = StreamDriver(model, session_index)
    outputs, flushed = [], False
    for start in range(0, raw.shape[1], chunk_samples):
        final = start + chunk_samples >= raw.shape[1]
        started = time.perf_counter()
        outputs.append(driver.step(raw[:, start: start + chunk_samples], final=final))
        if step_seconds is not None:
            step_seconds.append(time.perf_counter() - started)
        flushed = flushed or final
    if not flushed:  # an empty signal: nothing was sent as final
        outputs.append(driver.finish())
    return outputs


def item_session(item: dict) -> int | None:
    """The session index a dataset item streams with (0, the unknown session, as None)."""
    return int(item.get("session_index", 0)) or None


def streaming_evaluation(run_dir: str | Path, split: str = "test", mode: str = "silent",
                         write: bool = True, weights: dict | None = None, out: str | Path | None = None) -> dict:
    """Decode ``split`` by streaming each utterance chunk by chunk through ``stream_step``.

    Each utterance's raw EMG is fed in chunks of ``chunk`` output frames (the
    live path of ``semg-study live`` and the latency measurement's streaming
    timing), the streamed log-probabilities are concatenated and decoded greedy
    and with the run's lexicon beam search and LM (the same settings
    ``evaluate_run`` uses; ``weights`` replaces its alpha and beta). Also reports
    how far the streamed log-probabilities are from the same model's
    full-sequence pass. Writes ``HOME/eval/<split>-<mode>-<decoder>-streamed/`` (``HOME``: ``out``, else
    the run folder, or for a released run a folder outside it, :func:`evaluation_home`).
    """
    # deferred: torch (the run loader and the datasets import it too); capture imports this module
    # for the driver alone
    import torch

    from semg_study.data.dataset import collate
    from semg_study.training import load_run

    run_dir = Path(run_dir)
    loaded = load_run(run_dir)
    model, config = loaded.model.eval(), loaded.config
    if not (hasattr(model, "stream_step") and getattr(model, "use_streaming_mask", False)):
        raise StudyError(f"{run_dir}: the model cannot stream (needs MyoStream with its streaming mask)")
    corpus = open_run_corpus(config)
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=mode)
    if not utterances:
        raise StudyError(f"{corpus.root}: no {config.data.condition}-vocabulary {split} utterances in mode {mode!r}")
    dataset = eval_dataset(loaded, corpus, utterances)
    chunk_samples = int(model.chunk) * int(model.input_per_output)

    streamed = []
    max_diff, length_mismatches = 0.0, 0
    with torch.inference_mode():
        for i in range(len(dataset)):
            item = dataset[i]
            full = model(collate([item]))
            full_lp = full["log_probs"][0, : int(full["lengths"][0])].float()
            pieces = stream_in_chunks(model, item["emg_raw"][None].float(), chunk_samples, item_session(item))
            lp = torch.cat([out[0] for out in pieces], dim=0).float()
            n = min(lp.shape[0], full_lp.shape[0])
            if lp.shape[0] != full_lp.shape[0]:
                length_mismatches += 1
            if n:
                max_diff = max(max_diff, float((lp[:n] - full_lp[:n]).abs().max()))
            streamed.append(lp.numpy())

    d = config.decode
    order = int(d.lm_order)
    home = RunFolder(evaluation_home(run_dir, out))
    lm = ensure_lm(home.lm(), corpus, config, order)
    alpha, beta = (weights["alpha"], weights["beta"]) if weights else (d.alpha, d.beta)
    beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=alpha, beta=beta,
                       beam=int(d.beam_size), lexicon=True, beam_threshold=DEFAULT_BEAM_THRESHOLD)
    ids = [utterance_id(u) for u in utterances]
    references = [u.text for u in utterances]
    decoded = {"greedy": ([greedy_decode(lp[None], vocab=loaded.vocab)[0] for lp in streamed], {"decoder": "greedy"}),
               "beam": ([beam.decode(lp[None])[0] for lp in streamed], dict(beam.settings, lm_order=order))}
    label = data_label(corpus)
    result = {"run": str(run_dir), "split": split, "mode": mode, "condition": config.data.condition,
              "data": label, "utterances": len(utterances), "chunk_samples": chunk_samples,
              "max_abs_logprob_diff": max_diff, "length_mismatches": length_mismatches,
              "tolerance": STREAM_MATCH_TOLERANCE,
              "matches_full_pass": length_mismatches == 0 and max_diff <= STREAM_MATCH_TOLERANCE,
              "decoders": {}}
    for decoder, (hypotheses, settings) in decoded.items():
        scored = score(references, hypotheses, ids)
        entry = {"wer": scored.wer, "cer": scored.cer, "counts": scored.counts, "decoder": settings}
        if write:
            out_dir = home.evaluation(split, mode, decoder, streamed=True)
            metrics = {"data": label, "run": str(run_dir), "checkpoint": str(loaded.checkpoint),
                       "epoch": loaded.epoch, "config": config.name, "model": config.model.name,
                       "split": split, "mode": mode, "condition": config.data.condition,
                       "corpus": str(corpus.root), "wer": scored.wer, "cer": scored.cer, "counts": scored.counts,
                       "decoder": settings, "inference": {"streamed": True, "chunk_samples": chunk_samples},
                       "lm": ({**lm.as_dict(), "lexicon_words": len(lm.words),
                               "built_from": "train split transcripts only"} if decoder == "beam" else None),
                       "manifest": manifest_reference(run_dir, loaded.manifest or {}),
                       "predictions": str(predictions_path(out_dir)),
                       "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
            write_evaluation(out_dir, scored, references, metrics)
            entry["metrics"] = str(out_dir / METRICS)
        result["decoders"][decoder] = entry
    return result
