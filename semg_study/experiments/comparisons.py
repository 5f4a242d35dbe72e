"""Paired comparisons of two systems on the same utterances, and several seeds pooled into one.

``comparison_rows`` are the paired-bootstrap table rows (difference and ratio with
their CIs, a verdict); ``pool_seeds`` sums each utterance's errors over seeds so a
bootstrap over utterances covers every seed; ``seed_mean_std`` / ``mean_std_label``
give the seeds' spread as the ablation table prints it.
"""
from __future__ import annotations

import statistics

from semg_study.experiments.run_evaluation import percent


def comparison_rows(label: str, a_metrics: dict, b_metrics: dict, what: str = "") -> list[dict]:
    """Paired bootstrap rows (WER and CER) of system A against system B on the same utterances."""
    from semg_study.evaluation.output import read_evaluation

    _, a = read_evaluation(a_metrics["out_dir"])
    _, b = read_evaluation(b_metrics["out_dir"])
    return comparison_rows_from(label, a, b, what)


def comparison_rows_from(label: str, a: list, b: list, what: str = "") -> list[dict]:
    from semg_study.evaluation.confidence import compare_utterances

    rows = []
    for key, name in (("wer", "WER %"), ("cer", "CER %")):
        c = compare_utterances(a, b, key)
        rows.append({"comparison": label, "evaluated on": what, "metric": name,
                     "A %": percent(c.a), "B %": percent(c.b),
                     "difference (points)": percent(c.difference.value),
                     "difference CI low": percent(c.difference.low), "difference CI high": percent(c.difference.high),
                     "ratio A/B": None if c.ratio.value is None else round(c.ratio.value, 3),
                     "ratio CI low": None if c.ratio.low is None else round(c.ratio.low, 3),
                     "ratio CI high": None if c.ratio.high is None else round(c.ratio.high, 3),
                     "verdict": c.verdict or "not enough utterances", "utterances": c.difference.n})
    return rows


def pool_seeds(per_seed: list[list]) -> list[dict]:
    """Per-utterance records of several seeds on the same utterances, errors summed per utterance.

    The corpus rate of the pooled records is the seeds' mean corpus rate (equal reference lengths)."""
    from semg_study.evaluation.confidence import _errors

    pooled: dict[str, dict] = {}
    for records in per_seed:
        for r in map(_errors, records):
            entry = pooled.setdefault(r["id"], {"id": r["id"], "word_errors": 0, "words": 0,
                                                "character_errors": 0, "characters": 0})
            for k in ("word_errors", "words", "character_errors", "characters"):
                entry[k] += r[k]
    return [pooled[k] for k in sorted(pooled)]


def pooled_metrics(records: list[dict]) -> dict:
    from semg_study.evaluation.confidence import utterance_interval

    out = {}
    for key in ("wer", "cer"):
        interval = utterance_interval(records, key)
        out[key] = interval.value
        out[f"{key}_ci"] = None if interval.low is None else [interval.low, interval.high]
    return out


def seed_mean_std(values: list[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None from a single seed)."""
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def mean_std_label(mean: float, std: float | None) -> str:
    return f"{mean:.1f} ± {std:.1f}" if std is not None else f"{mean:.1f} (1 seed, no spread)"
