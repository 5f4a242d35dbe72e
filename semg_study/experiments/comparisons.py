"""Paired comparisons of two models on the same utterances, each with one or more seeds.

``seed_comparison_rows`` are the paired-bootstrap table rows of model A against
model B (each model's seed mean, sd over seeds and seed-and-utterance CI; the
difference and ratio with their CIs; a verdict), ``seed_summary_columns`` one
model's mean, sd and seed-and-utterance CI as table columns
(:mod:`semg_study.evaluation.confidence` does the statistics); ``seed_mean_std``
/ ``mean_std_label`` give the seeds' spread as the ablation table prints it.
With one seed per model every number is the utterance bootstrap's.
"""
from __future__ import annotations

import statistics

from semg_study.experiments.run_evaluation import percent

METRICS = (("wer", "WER %"), ("cer", "CER %"))


def comparison_rows(label: str, a_metrics: list[dict] | dict, b_metrics: list[dict] | dict,
                    what: str = "") -> list[dict]:
    """Paired bootstrap rows (WER and CER) of model A against model B on the same utterances.

    ``a_metrics`` / ``b_metrics``: one evaluation (``metrics`` with its ``out_dir``) per seed
    of the model, or a single evaluation for a single seed."""
    from semg_study.evaluation.output import read_evaluation

    def records(metrics):
        return [read_evaluation(m["out_dir"])[1] for m in (metrics if isinstance(metrics, list) else [metrics])]

    return seed_comparison_rows(label, records(a_metrics), records(b_metrics), what)


def comparison_rows_from(label: str, a: list, b: list, what: str = "") -> list[dict]:
    """:func:`seed_comparison_rows` of two single-seed models' per-utterance records."""
    return seed_comparison_rows(label, [a], [b], what)


def seed_comparison_rows(label: str, a: list[list], b: list[list], what: str = "") -> list[dict]:
    """Rows (WER, CER) of model A (per-seed record lists) against model B, seeds and utterances resampled.

    Column names are the comparison-table contract the narrative reads
    (``difference (points)``, ``difference CI low/high``, ``verdict``); the
    ``A``/``B`` columns are each model's seed mean, sd over seeds and its own
    seed-and-utterance CI."""
    from semg_study.evaluation.confidence import compare_seed_utterances, seed_utterance_interval

    rows = []
    for key, name in METRICS:
        c = compare_seed_utterances(a, b, key)
        sa, sb = seed_utterance_interval(a, key), seed_utterance_interval(b, key)
        rows.append({"comparison": label, "evaluated on": what, "metric": name,
                     "A %": percent(c.a), "B %": percent(c.b),
                     "difference (points)": percent(c.difference.value),
                     "difference CI low": percent(c.difference.low), "difference CI high": percent(c.difference.high),
                     "ratio A/B": None if c.ratio.value is None else round(c.ratio.value, 3),
                     "ratio CI low": None if c.ratio.low is None else round(c.ratio.low, 3),
                     "ratio CI high": None if c.ratio.high is None else round(c.ratio.high, 3),
                     "verdict": c.verdict or "not enough utterances", "utterances": c.difference.n,
                     "seeds A": sa.seeds, "seeds B": sb.seeds,
                     "A sd (points)": percent(sa.sd), "B sd (points)": percent(sb.sd),
                     "A CI low": percent(sa.interval.low), "A CI high": percent(sa.interval.high),
                     "B CI low": percent(sb.interval.low), "B CI high": percent(sb.interval.high)})
    return rows


def seed_summary_columns(per_seed: list[list]) -> dict:
    """One model's seeds as table columns: ``WER %`` (the seeds' mean), its seed-and-utterance
    CI (``WER % CI low/high``, the report's CI contract), ``WER % mean`` / ``WER % std`` and the
    same for CER."""
    from semg_study.evaluation.confidence import seed_utterance_interval

    out = {}
    for key, name in METRICS:
        s = seed_utterance_interval(per_seed, key)
        out[name] = percent(s.mean)
        out[f"{name} CI low"] = percent(s.interval.low)
        out[f"{name} CI high"] = percent(s.interval.high)
        out[f"{name} mean"] = percent(s.mean)
        out[f"{name} std"] = percent(s.sd)
    return out


def seed_mean_std(values: list[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None from a single seed)."""
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def mean_std_label(mean: float, std: float | None) -> str:
    return f"{mean:.1f} ± {std:.1f}" if std is not None else f"{mean:.1f} (1 seed, no spread)"
