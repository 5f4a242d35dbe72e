"""The benchmark's findings: the numbers the study's targets are stated in, with CIs and paired tests.

Input: the benchmark's evaluation rows (one per run x split x mode x decoder,
each pointing at its ``metrics.json`` and hence its ``predictions.jsonl``) and
the streamed decoding of the streaming model. Output: a dict that
the targets (:mod:`semg_study.evaluation.targets`) read by dotted path (``findings.<name>``):

* every headline error rate (test split, beam search + LM with weights chosen on
  dev) with its 95 % bootstrap CI over utterances;
* paired comparisons on the same test utterances: MyoStream against each
  baseline per condition, and the streamed MyoStream against the full-context
  one (:mod:`semg_study.evaluation.confidence`).

Nothing here trains or decodes; it only reads what the benchmark wrote.
"""
from __future__ import annotations

import json
from pathlib import Path

from semg_study.evaluation.confidence import compare_utterances, utterance_interval
from semg_study.run_folder import PREDICTIONS

SPLIT, DECODER = "test", "beam"


def _read_predictions(metrics_path: str | Path) -> list[dict]:
    path = Path(metrics_path).parent / PREDICTIONS
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _find(results: list[dict], **where) -> dict | None:
    return next((r for r in results if all(r.get(k) == v for k, v in where.items())), None)


def rate_entry(row: dict | None) -> dict | None:
    """A result row's WER/CER with their CIs, recomputed from its predictions."""
    if row is None:
        return None
    records = _read_predictions(row["metrics"])
    out = {"run": row["run"], "split": row["split"], "mode": row["mode"], "decoder": row["decoder"],
           "utterances": len(records)}
    for key in ("wer", "cer"):
        interval = utterance_interval(records, key)
        out[key], out[f"{key}_ci"] = interval.value, [interval.low, interval.high]
    return out


def compare_rows(a: dict | None, b: dict | None, a_records: list | None = None) -> dict | None:
    """Paired comparison A vs B (WER and CER): difference, ratio A/B, CIs, verdict."""
    if a is None or b is None:
        return None
    ra = a_records if a_records is not None else _read_predictions(a["metrics"])
    rb = _read_predictions(b["metrics"])
    out = {"a_run": a.get("run"), "b_run": b.get("run"), "utterances": len(rb)}
    for key in ("wer", "cer"):
        c = compare_utterances(ra, rb, key)
        out[key] = {"a": c.a, "b": c.b, "difference": c.difference.value,
                    "difference_ci": [c.difference.low, c.difference.high], "verdict": c.verdict,
                    "ratio": c.ratio.value, "ratio_ci": [c.ratio.low, c.ratio.high]}
    r = out["wer"]
    out["wer_ratio"] = r["ratio"]
    out["wer_ratio_ci"] = r["ratio_ci"]
    low, high = r["ratio_ci"]
    out["wer_ratio_ci_excludes_1"] = None if low is None else bool(low > 1 or high < 1)
    return out


def compute(results: list[dict], streamed: dict | None, plan: dict, proposed: str, reference: str) -> dict:
    """Every findings entry the targets and the report read (see module doc)."""
    f: dict = {"split": SPLIT, "decoder": DECODER, "confidence": 0.95,
               "method": "bootstrap over utterances (scipy.stats.bootstrap, percentile, 2000 resamples); "
                         "comparisons paired on the same utterances"}
    emg_mode = plan["headline"]["mode"]
    for condition in plan["conditions"]:
        for model in plan["models"]:
            row = _find(results, model=model, variant=None, condition=condition, split=SPLIT, mode=emg_mode,
                        decoder=DECODER)
            f[f"{model}_{condition}"] = rate_entry(row)
        ours = _find(results, model=proposed, variant=None, condition=condition, split=SPLIT, mode=emg_mode,
                     decoder=DECODER)
        for model in plan["models"]:
            if model == proposed:
                continue
            theirs = _find(results, model=model, variant=None, condition=condition, split=SPLIT, mode=emg_mode,
                           decoder=DECODER)
            # A = the baseline, B = MyoStream: the ratio is "baseline WER / MyoStream WER"
            f[f"{'gaddy' if model == reference else model}_vs_myostream_{condition}"] = compare_rows(theirs, ours)
    for condition in ("closed", "open"):
        row = _find(results, model="ds2audio", condition=condition, split=SPLIT, mode="voiced", decoder=DECODER)
        f[f"ds2audio_{condition}"] = rate_entry(row)
    if streamed is not None:
        condition = plan["streaming"]["condition"]
        full = _find(results, model=proposed, variant=plan["streaming"]["full_context"], condition=condition,
                     split=SPLIT, mode=plan["streaming"]["mode"], decoder=DECODER)
        metrics_path = (streamed.get("decoders", {}).get(DECODER) or {}).get("metrics")
        if full is not None and metrics_path:
            stream_row = {"run": Path(streamed["run"]).name, "metrics": metrics_path}
            f["streaming_vs_full_context"] = compare_rows(stream_row, full)
    return f


def study_run_summary(path: str | Path) -> dict | None:
    """Wall time and peak memory of the last ``make study`` (``reports/study_run.json``), when there is one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    # summed per notebook (plus step 0, the corpora), so that a later `study --only` of some
    # notebooks, which keeps the others' entries, still gives the whole study's time
    notebooks = [n for n in data.get("notebooks") or [] if isinstance(n.get("wall_s"), (int, float))]
    step0 = (data.get("step0") or {}).get("wall_s") or 0.0
    wall = round(step0 + sum(n["wall_s"] for n in notebooks), 1) if notebooks else None
    peaks = [n["peak_rss_mb"] for n in notebooks if isinstance(n.get("peak_rss_mb"), (int, float))]
    return {"wall_s": wall, "peak_rss_mb": max(peaks) if peaks else None, "status": data.get("status"),
            "notebooks": len(notebooks), "profile": data.get("profile"), "git": data.get("git"),
            "file": Path(path).name,
            "note": "step 0 (corpora) plus every notebook's wall time, and the largest notebook peak RSS, "
                    "from the study's own record"}
