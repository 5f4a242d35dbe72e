"""One run's evaluation as the tables use it: decoded once and reused while the weights are the same.

``evaluate_cached`` / ``evaluate_with_weights`` / ``evaluate_decoder`` reuse a stored
decoding only when it was made from the same weights, and rescore it every time;
``ci_columns``, ``run_source`` and ``worst_utterances`` turn an evaluation into table rows.
"""
from __future__ import annotations

import json
from pathlib import Path

from semg_study.evaluation.output import evaluation_home
from semg_study.run_folder import METRICS, PREDICTIONS, RunFolder, read_manifest


def percent(x: float | None) -> float | None:
    """A rate as the tables print it: percent, two decimals (None stays None)."""
    return None if x is None else round(100.0 * x, 2)


def manifest_of(run_dir: Path) -> str:
    """The path of a run's ``manifest.json`` (what a table row names as its source)."""
    return str(RunFolder(run_dir).manifest)


def run_vocabulary(run_dir: Path) -> str:
    """The vocabulary a run was trained on ("closed" or "open"), from its manifest: a caption that
    names a run names its vocabulary too, so a figure of the open-vocabulary run is not read as the headline."""
    return RunFolder(run_dir).read_manifest()["config"]["data"]["condition"]


def evaluate_cached(run_dir: Path, split: str = "dev", decoder: str = "greedy", mode: str | None = None,
                    out: Path | None = None) -> dict:
    """``evaluate_run``, reusing its decoded output when it was made from the run's current weights.

    Only the decoding is reused: the scores and their confidence intervals are
    recomputed from ``predictions.jsonl`` every time (:func:`rescore`). ``out``: where the
    decodings live (default :func:`evaluation_home`: the run folder).
    """
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.recipes.config import load_config

    run_dir = Path(run_dir)
    if mode is None:
        manifest = json.loads(RunFolder(run_dir).manifest.read_text())
        mode = load_config(manifest["config"]).data.eval_mode
    # the plain folder name: decoded on the run's own data (evaluation.evaluate.other_data is None)
    metrics_path = RunFolder(evaluation_home(run_dir, out)).evaluation(split, mode, decoder) / METRICS
    if cached_decoding_valid(run_dir, metrics_path):
        return rescore(metrics_path.parent)
    return evaluate_run(run_dir, split=split, decoder=decoder, mode=mode, out=out)


def cached_decoding_valid(run_dir: Path, metrics_path: Path) -> bool:
    """A stored decoding is reused only if it was made from the same weights (content, not mtime)."""
    from semg_study.training.fingerprint import weights_digest

    try:
        stored = json.loads(Path(metrics_path).read_text(encoding="utf-8")).get("weights_digest")
    except (OSError, ValueError):
        return False
    return stored is not None and stored == weights_digest(run_dir) and \
        (Path(metrics_path).parent / PREDICTIONS).is_file()


def evaluate_with_weights(run_dir: Path, split: str, decoder: str, mode: str, weights: dict | None,
                          out: Path | None = None) -> dict:
    """``evaluate_cached``, except that a beam evaluation uses ``weights`` (alpha, beta) and is
    redone when the stored one was decoded with other weights."""
    from semg_study.evaluation.evaluate import evaluate_run

    if decoder != "beam" or not weights:
        return evaluate_cached(run_dir, split, decoder, mode, out)
    metrics_path = RunFolder(evaluation_home(run_dir, out)).evaluation(split, mode, "beam") / METRICS
    if cached_decoding_valid(run_dir, metrics_path):
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            metrics = {}
        d = metrics.get("decoder") or {}
        if d.get("alpha") == weights["alpha"] and d.get("beta") == weights["beta"]:
            metrics["out_dir"] = str(metrics_path.parent)
            return metrics
    return evaluate_run(run_dir, split=split, decoder="beam", mode=mode, alpha=weights["alpha"],
                        beta=weights["beta"], out=out)


def rescore(out_dir: Path) -> dict:
    """An evaluation folder's metrics with WER/CER and their CIs recomputed from its predictions."""
    from semg_study.evaluation.confidence import utterance_interval
    from semg_study.evaluation.output import read_evaluation
    from semg_study.evaluation.metrics import score

    metrics, utterances = read_evaluation(out_dir)
    scored = score([u.reference for u in utterances], [u.hypothesis for u in utterances],
                   [u.id for u in utterances])
    metrics.update(wer=scored.wer, cer=scored.cer, counts=scored.counts,
                   predictions=str(Path(out_dir) / PREDICTIONS))
    for key in ("wer", "cer"):
        interval = utterance_interval(scored.utterances, key)
        metrics[f"{key}_ci"] = None if interval.low is None else [interval.low, interval.high]
    metrics["out_dir"] = str(out_dir)
    return metrics


def evaluate_decoder(run_dir: Path, split: str, decoder: str, mode: str | None = None) -> dict:
    """Greedy as is; the beam search with its LM weight and word bonus chosen on dev for this run.

    The test split never takes part in choosing (alpha, beta): they come from
    ``tune_lm_weights`` on the dev split of the same mode, from one grid for every model.
    """
    if decoder != "beam":
        return evaluate_cached(run_dir, split, decoder, mode)
    from semg_study.evaluation.lm_weights import tune_lm_weights
    from semg_study.recipes.config import load_config

    if mode is None:
        manifest = json.loads(RunFolder(run_dir).manifest.read_text())
        mode = load_config(manifest["config"]).data.eval_mode
    tuned = tune_lm_weights(run_dir, mode=mode, split="dev")
    metrics = evaluate_with_weights(Path(run_dir), split, "beam", mode, {"alpha": tuned["alpha"], "beta": tuned["beta"]})
    metrics = rescore(Path(metrics["out_dir"]))
    metrics["lm_weights"] = {"alpha": tuned["alpha"], "beta": tuned["beta"], "chosen_on": f"dev ({mode})"}
    return metrics


def ci_columns(metrics: dict) -> dict:
    """``WER %``/``CER %`` with their 95 % bootstrap CI bounds (the report's table contract)."""
    out = {}
    for key, label in (("wer", "WER %"), ("cer", "CER %")):
        interval = metrics.get(f"{key}_ci") or [None, None]
        out[label] = percent(metrics.get(key))
        out[f"{label} CI low"] = percent(interval[0])
        out[f"{label} CI high"] = percent(interval[1])
    return out


def run_source(run_dir: Path) -> dict:
    """Which run a row came from, and whether it was released or trained in this invocation."""
    manifest = read_manifest(run_dir)
    source = manifest.get("source")
    return {"run": Path(run_dir).name,
            "source": "released" if source == "released" else "trained now" if source == "trained" else "local cache",
            "epochs trained": manifest.get("epochs_completed")}


def worst_utterances(metrics: dict, k: int = 5) -> tuple[list[dict], str]:
    """Rows and jiwer alignments of the ``k`` utterances of an evaluation with the most word errors."""
    from semg_study.evaluation.metrics import alignment_report, score
    from semg_study.evaluation.metrics import worst_utterances as worst

    lines = [json.loads(line) for line in Path(metrics["predictions"]).read_text().splitlines() if line.strip()]
    scored = score([r["reference"] for r in lines], [r["hypothesis"] for r in lines], [r["id"] for r in lines])
    rows = [{"utterance": u.id, "reference words": u.words, "substitutions": u.substitutions,
             "deletions": u.deletions, "insertions": u.insertions,
             "WER %": percent(u.wer), "reference": u.reference, "hypothesis": u.hypothesis}
            for u in worst(scored.utterances, k)]
    return rows, alignment_report(scored.utterances, k)
