"""Evaluate a trained run: decode a split and score corpus-level WER/CER.

``evaluate_run(run_dir, split, decoder, mode)``:

1. ``load_run`` gives the model, its resolved config, its FeatureConfig and its
   feature normaliser; the dataset is rebuilt from those (never from new
   defaults, and the normaliser is never refitted on evaluation data).
2. The corpus is the run's ``data.root`` (or ``data_root``), with the run's
   testset unless one is given.
3. Greedy or beam decoding. The beam search's LM is built from the **train
   split** transcripts of the same corpus object (so the evaluated dev/test
   sentences cannot be in it), cached in ``HOME/lm/`` and rebuilt whenever the
   fingerprint of those training texts changes (a different testset moves
   sentences between splits).
4. ``HOME/eval/<split>-<mode>-<decoder>[-lexfree][-data-<fp>]/predictions.jsonl``
   (one line per utterance: id, reference, hypothesis, per-utterance errors) and
   ``metrics.json`` (corpus WER/CER, counts, decoder settings, the LM and the
   fingerprint of its training texts, the data's fingerprint, a reference to the
   run's manifest), all written atomically.

``HOME`` is the run folder, or for a released run (read-only) a folder under the
runs root (:func:`semg_study.evaluation.output.evaluation_home`). Outputs on the
data the run was trained on (same data fingerprint) have the plain folder names;
on any other corpus or split file the folder names end in ``-data-`` and the
corpus's fingerprint (which covers its split file), so results on two corpora
never share a folder.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Sequence

import numpy as np

from semg_study.decoding.lm import METHOD as LM_METHOD
from semg_study.decoding.lm import (LMBuild, build_lm_from_corpus, lm_paths, text_fingerprint,
                                    training_transcripts, utterance_id)
from semg_study.data.fingerprint import feature_cache_dir
from semg_study.data.rates import conform_utterances, run_input_rate
from semg_study.errors import ConfigError, StudyError
from semg_study.evaluation.metrics import score
from semg_study.evaluation.output import evaluation_home, manifest_reference, predictions_path, write_evaluation
from semg_study.run_folder import RunFolder
from semg_study.training.fingerprint import weights_digest

DECODERS = ("greedy", "beam")
SPLITS = ("train", "dev", "test")
DEFAULT_BEAM_THRESHOLD = 25.0
# One utterance at a time by default: some models (BatchNorm/RNN baselines) give
# slightly different outputs for padded inputs, and a score must not depend on
# which utterances happened to share a batch.
INFERENCE_BATCH = 1


# ----------------------------------------------------------------------- data

def data_label(corpus) -> str:
    """How results on ``corpus`` are labelled: "synthetic" or "real" (``Corpus.synthetic``, which the
    corpus readers set from :func:`semg_study.data.synthetic_label.is_synthetic`)."""
    return "synthetic" if getattr(corpus, "synthetic", False) else "real"


def open_run_corpus(config, data_root: str | Path | None = None, testset: str | Path | None = None):
    """The corpus a run was trained on (or ``data_root``), with its testset unless one is given."""
    from semg_study.data import open_corpus
    from semg_study.recipes.config import resolve_data_root

    root = Path(data_root).expanduser() if data_root is not None else resolve_data_root(config.data.root)
    chosen = testset if testset is not None else config.data.testset
    key = _corpus_key(root, chosen)
    if key is not None and key in _OPENED:
        return _OPENED[key]
    corpus = open_corpus(root, testset=chosen)
    if key is not None:
        if len(_OPENED) >= 4:
            _OPENED.pop(next(iter(_OPENED)))
        _OPENED[key] = corpus
    return corpus


# Corpora opened in this process, so that scoring many runs of one corpus (a seed comparison: dozens of
# runs) scans and checks it once, not once per run. The key holds the modification times of the root,
# its split file and its corpus.json: a corpus regenerated in place is opened again.
_OPENED: dict[tuple, object] = {}


def _corpus_key(root: Path, testset) -> tuple | None:
    try:
        root = root.resolve()
        stamps = [root.stat().st_mtime_ns]
        for extra in ([Path(testset)] if testset else []) + [root / "corpus.json", root / "testset.json",
                                                               root / "testset_largedev.json"]:
            stamps.append(extra.stat().st_mtime_ns if extra.is_file() else None)
    except OSError:
        return None
    return (str(root), str(testset) if testset else None, tuple(stamps))


def _train_modes(config) -> list[str | None]:
    modes = list(getattr(config.data, "train_modes", None) or [])
    return modes or [None]


def session_map(loaded, corpus) -> dict[str, int]:
    """Session indices exactly as training assigned them.

    Taken from the run when it records them; otherwise rebuilt the way training
    built them (sorted session names of the training utterances, after the
    ``max_train_utterances`` cap), from the same corpus and testset.
    """
    recorded = getattr(loaded, "sessions", None)
    if recorded:
        return dict(recorded)
    from semg_study.data.dataset import session_mapping
    from semg_study.recipes.selection import train_utterances

    return session_mapping(train_utterances(loaded.config, corpus))


def eval_dataset(loaded, corpus, utterances: Sequence):
    """A dataset of ``utterances`` under the run's own FeatureConfig and normaliser."""
    from semg_study.data.dataset import AudioDataset, EMGDataset

    feature_config = loaded.feature_config
    cache_dir = feature_cache_dir(corpus.root)  # the cache training filled
    mel_normalizer = getattr(loaded, "mel_normalizer", None)
    if feature_config.mel_normalize and "audio_features" in feature_config.streams and mel_normalizer is None:
        raise StudyError(f"{loaded.checkpoint}: the run normalises its log-mels but its checkpoint has no "
                         f"mel normaliser; refusing to fit one on evaluation data")
    if getattr(loaded.model, "input_key", "emg_raw") == "audio_features":
        return AudioDataset(utterances, feature_config, vocab=loaded.vocab, cache_dir=cache_dir,
                            mel_normalizer=mel_normalizer)
    if "emg_features" in feature_config.streams and loaded.normalizer is None:
        raise StudyError(f"{loaded.checkpoint}: the run reads EMG features but its checkpoint has no "
                         f"feature normaliser; refusing to fit one on evaluation data")
    return EMGDataset(utterances, feature_config, vocab=loaded.vocab, normalizer=loaded.normalizer,
                      cache_dir=cache_dir, sessions=session_map(loaded, corpus), mel_normalizer=mel_normalizer)


def infer(model, dataset, batch_size: int = INFERENCE_BATCH) -> list[np.ndarray]:
    """Per-item (T, V) log-probabilities, in dataset order (batches of similar length)."""
    import torch

    from semg_study.data.dataset import collate

    order = list(range(len(dataset)))
    lengths = None
    if hasattr(dataset, "frame_lengths"):
        lengths = dataset.frame_lengths()
        order.sort(key=lambda i: lengths[i])
    outputs: list[np.ndarray | None] = [None] * len(dataset)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            idx = order[start: start + batch_size]
            batch = collate([dataset[i] for i in idx])
            out = model(batch)
            log_probs = out["log_probs"].float().cpu().numpy()
            lens = out["lengths"].cpu().numpy()
            for j, i in enumerate(idx):
                outputs[i] = log_probs[j, : int(lens[j])]
    return outputs  # type: ignore[return-value]


# ------------------------------------------------------------------------ LM

def lm_text_pairs(corpus, config) -> list:
    """(id, text) of everything the run's LM is estimated from (training transcripts [+ held-out LM text])."""
    from semg_study.decoding.lm import held_out_lm_text

    pairs = training_transcripts(corpus, config.data.condition, _train_modes(config))
    if getattr(config.decode, "lm_text", "train") == "train+corpus":
        pairs = pairs + held_out_lm_text(corpus, config.data.condition)[1]
    return pairs


def lm_fingerprint(corpus, config) -> str:
    """The fingerprint of the LM's text, without building the LM (for caches of decoded outputs)."""
    return text_fingerprint(text for _, text in lm_text_pairs(corpus, config))


def ensure_lm(lm_dir: Path, corpus, config, order: int) -> LMBuild:
    """The run's LM from its training transcripts, kept in ``lm_dir``; reused when those texts are unchanged."""
    pairs = lm_text_pairs(corpus, config)
    lm_text = getattr(config.decode, "lm_text", "train")
    if not pairs:
        raise StudyError(f"{corpus.root}: no training transcripts for condition={config.data.condition!r}: "
                         f"cannot build the beam search's language model")
    fingerprint = text_fingerprint(text for _, text in pairs)
    lm_dir = Path(lm_dir)
    arpa, lexicon, info_path = lm_paths(lm_dir, order)
    if arpa.is_file() and lexicon.is_file() and info_path.is_file():
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            info = {}
        if (info.get("text_fingerprint") == fingerprint and info.get("order") == order
                and info.get("method") == LM_METHOD):
            words = [w for w in lexicon.read_text(encoding="utf-8").split("\n") if w]
            return LMBuild(arpa, lexicon, info_path, order, int(info.get("effective_order", order)),
                           list(info.get("utterance_ids", [])), fingerprint, words)
    return build_lm_from_corpus(corpus, lm_dir, order, condition=config.data.condition,
                                mode=_train_modes(config), lm_text=lm_text)


# -------------------------------------------------------------------- evaluate

def other_data(loaded, config, corpus) -> str | None:
    """None when ``corpus`` (with its split file) is the data the run was trained on, else its
    fingerprint: every output folder made from it is keyed by it (``-data-<fingerprint[:12]>``,
    :func:`semg_study.run_folder.data_suffix`)."""
    from semg_study.training.data import data_fingerprint

    recorded = (loaded.manifest or {}).get("data_fingerprint")
    try:
        own = recorded is not None and data_fingerprint(config, corpus) == recorded
    except StudyError:  # the run's selection does not apply to this corpus: another corpus
        own = False
    return None if own else corpus.fingerprint()


def _ci(utterances, metric: str) -> list | None:
    from semg_study.evaluation.confidence import utterance_interval

    interval = utterance_interval(utterances, metric)
    return None if interval.low is None else [interval.low, interval.high]


def evaluate_run(run_dir: str | Path, split: str = "dev", decoder: str = "greedy", mode: str | None = None,
                 testset: str | Path | None = None, data_root: str | Path | None = None,
                 which: str = "best", lexicon: bool = True, alpha: float | None = None,
                 beta: float | None = None, beam_size: int | None = None, lm_order: int | None = None,
                 beam_threshold: float = DEFAULT_BEAM_THRESHOLD, batch_size: int = INFERENCE_BATCH,
                 loaded=None, out: str | Path | None = None) -> dict:
    """Decode ``split`` with a trained run, score it, write predictions and metrics; return the metrics.

    ``out``: the folder for the outputs (default :func:`evaluation_home`: never a released run)."""
    from semg_study.training import load_run

    started = time.time()
    run_dir = Path(run_dir)
    if split not in SPLITS:
        raise ConfigError(f"split must be one of {SPLITS}, not {split!r}")
    if decoder not in DECODERS:
        raise ConfigError(f"decoder must be one of {DECODERS}, not {decoder!r}")
    if batch_size < 1:
        raise ConfigError(f"batch size must be at least 1, got {batch_size}")
    loaded = loaded if loaded is not None else load_run(run_dir, which=which)
    config = loaded.config
    mode = mode or config.data.eval_mode
    corpus = open_run_corpus(config, data_root, testset)
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=mode)
    if not utterances:
        raise StudyError(f"{corpus.root}: no {config.data.condition}-vocabulary {split} utterances "
                         f"in mode {mode!r} to evaluate")
    if getattr(loaded.model, "input_key", "emg_raw") != "audio_features":
        # at the run's input rate: faster recordings resampled down (anti-aliased), slower ones refused here
        utterances = conform_utterances(utterances, run_input_rate(loaded))
    label = data_label(corpus)
    home = RunFolder(evaluation_home(run_dir, out))
    data = other_data(loaded, config, corpus)

    dataset = eval_dataset(loaded, corpus, utterances)
    log_probs = infer(loaded.model, dataset, batch_size)

    lm_record = None
    if decoder == "greedy":
        from semg_study.decoding.greedy import greedy_decode

        hypotheses = [greedy_decode(lp[None], vocab=loaded.vocab)[0] for lp in log_probs]
        settings = {"decoder": "greedy"}
    else:
        from semg_study.decoding.beam import BeamDecoder

        d = config.decode
        order = int(lm_order or d.lm_order)
        lm = ensure_lm(home.lm(data), corpus, config, order)
        beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab,
                           alpha=d.alpha if alpha is None else alpha, beta=d.beta if beta is None else beta,
                           beam=int(beam_size or d.beam_size), lexicon=lexicon, beam_threshold=beam_threshold)
        hypotheses = [beam.decode(lp[None])[0] for lp in log_probs]
        settings = dict(beam.settings, lm_order=order)
        lm_record = {**lm.as_dict(), "lexicon_words": len(lm.words),
                     "built_from": ("train split transcripts and the corpus's held-out LM text (never a dev/test sentence)"
                                   if lm.utterance_ids and any(i.startswith("lm_text:") for i in lm.utterance_ids)
                                   else "train split transcripts only")}

    ids = [utterance_id(u) for u in utterances]
    references = [u.text for u in utterances]
    result = score(references, hypotheses, ids)

    out_dir = home.evaluation(split, mode, decoder, lexfree=decoder != "greedy" and not lexicon, data=data)
    metrics = {
        "data": label,
        "run": str(run_dir), "checkpoint": str(loaded.checkpoint), "epoch": loaded.epoch,
        "config": config.name, "model": config.model.name,
        "split": split, "mode": mode, "condition": config.data.condition,
        "corpus": str(corpus.root), "testset": str(getattr(corpus, "testset_path", None)),
        "data_fingerprint": corpus.fingerprint(),
        "wer": result.wer, "cer": result.cer, "counts": result.counts,
        # 95 % bootstrap CIs over utterances of the corpus-level rates (evaluation.confidence)
        "wer_ci": _ci(result.utterances, "wer"), "cer_ci": _ci(result.utterances, "cer"),
        "decoder": settings, "lm": lm_record, "inference": {"batch_size": batch_size, "which": which},
        "features": {"digest": loaded.feature_config.digest(), "normalizer": "the run's own (from its checkpoint)"
                     if loaded.normalizer is not None else None,
                     "mel_normalizer": "the run's own (from its checkpoint)"
                     if getattr(loaded, "mel_normalizer", None) is not None else None},
        "manifest": manifest_reference(run_dir, loaded.manifest or {}),
        "weights_digest": weights_digest(run_dir, which),
        "predictions": str(predictions_path(out_dir)),
        "seconds": round(time.time() - started, 3),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    write_evaluation(out_dir, result, references, metrics)
    metrics["out_dir"] = str(out_dir)
    return metrics


def summary_line(metrics: dict) -> str:
    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f}%"

    def ci(key):
        interval = metrics.get(f"{key}_ci")
        return f" [95% CI {100 * interval[0]:.1f}-{100 * interval[1]:.1f}]" if interval else ""

    tag = " [synthetic data]" if metrics.get("data") == "synthetic" else ""
    dec = metrics["decoder"]
    how = dec["decoder"] if dec["decoder"] == "greedy" else (
        f"beam {dec['beam']} {'lexicon' if dec['lexicon'] else 'lexicon-free'} "
        f"alpha={dec['alpha']} beta={dec['beta']} {dec.get('lm_order')}-gram LM")
    return (f"{metrics['config'] or metrics['model']}: {metrics['split']} {metrics['mode']} "
            f"({metrics['counts']['utterances']} utterances), {how}: WER {pct(metrics['wer'])}{ci('wer')}  "
            f"CER {pct(metrics['cer'])}{ci('cer')}{tag}\n  written to {metrics['out_dir']}")
