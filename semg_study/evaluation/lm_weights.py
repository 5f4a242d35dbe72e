"""The beam search's LM weight (alpha) and word bonus (beta), chosen per run on the dev split.

The same grid for every model, test text never taking part: a weak acoustic
model wants a lighter LM than a strong one, so one fixed setting would favour
whichever model it happens to suit. The study's tables (``evaluate_decoder``)
and the model comparison (``make bench``) both read their weights from here.
"""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from semg_study import io
from semg_study.decoding.beam import BeamDecoder
from semg_study.errors import ConfigError, StudyError
from semg_study.evaluation.evaluate import (DEFAULT_BEAM_THRESHOLD, ensure_lm, eval_dataset, infer, lm_fingerprint,
                                            open_run_corpus)
from semg_study.evaluation.metrics import score
from semg_study.evaluation.output import evaluation_home
from semg_study.run_folder import RunFolder
from semg_study.training.fingerprint import weights_digest

LM_GRID = {"alpha": [0.5, 1.0, 1.5, 2.0], "beta": [0.0, 1.0, 2.0, 3.0]}
LM_TUNING_SPLIT = "dev"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def tune_lm_weights(run_dir: str | Path, mode: str = "silent", split: str = LM_TUNING_SPLIT,
                    grid: dict | None = None) -> dict:
    """Pick the beam search's (alpha, beta) for a run on ``split`` (never test) from ``grid``.

    The run's log-probabilities are computed once; every grid point decodes them
    with the run's LM and lexicon. The lowest WER wins, then the lowest CER, then
    the smaller alpha (a lighter LM). Returns the choice and every point's scores;
    cached in ``HOME/eval/lm-weights-<split>-<mode>.json`` (``HOME``: the run folder, or for a
    released run a folder outside it, :func:`evaluation_home`; reused while the best
    checkpoint, the grid and the LM are unchanged). Always on the run's own corpus.
    """
    from semg_study.training import load_run  # deferred: the training package imports torch

    if split == "test":
        raise ConfigError("LM weights are tuned on dev, never on the test split")
    grid = LM_GRID if grid is None else grid
    run_dir = Path(run_dir)
    home = RunFolder(evaluation_home(run_dir))
    cache = home.lm_weights(split, mode)
    best_ckpt = RunFolder(run_dir).best
    loaded = load_run(run_dir)
    config = loaded.config
    corpus = open_run_corpus(config)
    # the cache is checked before the LM is built: a reused run's choice costs no LM estimation
    digest, text_fp = weights_digest(run_dir), lm_fingerprint(corpus, config)
    if cache.is_file() and best_ckpt.is_file():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            stored = {}
        if (stored.get("grid") == grid and stored.get("lm_fingerprint") == text_fp
                and stored.get("weights_digest") == digest):
            return stored
    lm = ensure_lm(home.lm(), corpus, config, int(config.decode.lm_order))
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=mode)
    if not utterances:
        raise StudyError(f"{corpus.root}: no {config.data.condition}-vocabulary {split} utterances in mode "
                         f"{mode!r} to tune the LM weights on")
    log_probs = infer(loaded.model, eval_dataset(loaded, corpus, utterances))
    references = [u.text for u in utterances]
    points = []
    for alpha in grid["alpha"]:
        for beta in grid["beta"]:
            beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=alpha, beta=beta,
                               beam=int(config.decode.beam_size), lexicon=True,
                               beam_threshold=DEFAULT_BEAM_THRESHOLD)
            scored = score(references, [beam.decode(lp[None])[0] for lp in log_probs])
            points.append({"alpha": alpha, "beta": beta, "wer": scored.wer, "cer": scored.cer})
    best = min(points, key=lambda q: (q["wer"], q["cer"], q["alpha"], q["beta"]))
    result = {"run": str(run_dir), "split": split, "mode": mode, "condition": config.data.condition,
              "utterances": len(utterances), "grid": grid, "lm_fingerprint": lm.text_fingerprint,
              "alpha": best["alpha"], "beta": best["beta"], "dev_wer": best["wer"], "dev_cer": best["cer"],
              "config_default": {"alpha": config.decode.alpha, "beta": config.decode.beta},
              "points": points, "weights_digest": digest, "created": _now()}
    io.write_json(cache, result)
    return result

