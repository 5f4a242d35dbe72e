"""Confidence intervals for corpus-level error rates, and paired comparisons.

Every WER/CER the study reports is a *corpus-level* rate (total errors over
total reference words or characters). Its uncertainty comes from which
utterances happened to be in the evaluation set, so the interval is a
bootstrap over utterances: resample utterances with replacement and recompute
the corpus-level rate of each resample (the statistic is a ratio of sums, not a
mean of per-utterance rates).

Comparisons of two systems on the same utterances are paired: each resample
draws the same utterances for both, so the between-utterance variation they
share cancels. The difference ``A - B`` in points gets a CI, and a verdict:

* ``better``: the whole CI lies below 0 (A makes fewer errors),
* ``worse``: the whole CI lies above 0,
* ``no significant difference``: the CI contains 0.

The ratio ``A / B`` of corpus rates has its own paired CI (used by targets such
as "gaddy2022's WER at least 1.25 x MyoStream's").

``scipy.stats.bootstrap`` does the resampling (``paired=True``; percentile
intervals, which stay defined when a resample has no errors at all; BCa is
undefined on such degenerate data). The seed is fixed so a rerun of the
report prints the same intervals.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

CONFIDENCE = 0.95
N_RESAMPLES = 2000
SEED = 0
VERDICTS = ("better", "worse", "no significant difference")


@dataclass(frozen=True)
class Interval:
    value: float | None   # the point estimate on the full set
    low: float | None
    high: float | None
    n: int                # utterances

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "n": self.n,
                "confidence": CONFIDENCE, "resamples": N_RESAMPLES, "method": "bootstrap over utterances (percentile)"}

    def percent(self, digits: int = 1) -> tuple:
        return tuple(None if v is None else round(100 * v, digits) for v in (self.value, self.low, self.high))


def _bootstrap(arrays: Sequence[np.ndarray], statistic, n_resamples: int, seed: int) -> tuple[float, float]:
    from scipy.stats import bootstrap

    res = bootstrap(tuple(arrays), statistic, paired=True, vectorized=True, n_resamples=n_resamples,
                    confidence_level=CONFIDENCE, method="percentile", random_state=np.random.default_rng(seed))
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    return low, high


def _safe_ratio(num, den):
    den = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, np.asarray(num, dtype=float) / np.where(den > 0, den, 1.0), np.nan)


def rate_interval(errors: Sequence[float], totals: Sequence[float], n_resamples: int = N_RESAMPLES,
                  seed: int = SEED) -> Interval:
    """Corpus rate ``sum(errors) / sum(totals)`` and its bootstrap CI over utterances."""
    e, t = np.asarray(errors, dtype=float), np.asarray(totals, dtype=float)
    if e.shape != t.shape or e.ndim != 1:
        raise ValueError(f"errors and totals must be 1-d of equal length, got {e.shape} and {t.shape}")
    n = len(e)
    if n == 0 or t.sum() <= 0:
        return Interval(None, None, None, n)
    value = float(e.sum() / t.sum())
    if n < 2:
        return Interval(value, None, None, n)

    def stat(err, tot, axis=-1):
        return _safe_ratio(err.sum(axis=axis), tot.sum(axis=axis))

    low, high = _bootstrap((e, t), stat, n_resamples, seed)
    return Interval(value, low, high, n)


def verdict(low: float | None, high: float | None) -> str | None:
    """How A compares with B from the CI of ``A - B`` (error rates: lower is better)."""
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return None
    if high < 0:
        return "better"
    if low > 0:
        return "worse"
    return "no significant difference"


@dataclass(frozen=True)
class Comparison:
    """A paired comparison of system A against system B on the same utterances."""
    a: float | None
    b: float | None
    difference: Interval   # A - B (fraction)
    ratio: Interval        # A / B
    verdict: str | None

    def as_dict(self) -> dict:
        return {"a": self.a, "b": self.b, "difference": self.difference.as_dict(), "ratio": self.ratio.as_dict(),
                "verdict": self.verdict}


def paired_comparison(errors_a: Sequence[float], errors_b: Sequence[float], totals: Sequence[float],
                      n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Comparison:
    """A against B: the difference and the ratio of their corpus rates, each with a paired bootstrap CI.

    ``errors_a[i]`` and ``errors_b[i]`` are the two systems' errors on utterance ``i``,
    ``totals[i]`` its reference length (words or characters).
    """
    ea, eb, t = (np.asarray(x, dtype=float) for x in (errors_a, errors_b, totals))
    if not (ea.shape == eb.shape == t.shape) or ea.ndim != 1:
        raise ValueError(f"paired arrays must be 1-d of equal length, got {ea.shape}, {eb.shape}, {t.shape}")
    n = len(t)
    if n == 0 or t.sum() <= 0:
        empty = Interval(None, None, None, n)
        return Comparison(None, None, empty, empty, None)
    a, b = float(ea.sum() / t.sum()), float(eb.sum() / t.sum())
    ratio_value = a / b if b > 0 else None
    if n < 2:
        return Comparison(a, b, Interval(a - b, None, None, n), Interval(ratio_value, None, None, n), None)

    def diff(x, y, tot, axis=-1):
        return _safe_ratio(x.sum(axis=axis) - y.sum(axis=axis), tot.sum(axis=axis))

    def ratio(x, y, tot, axis=-1):
        return _safe_ratio(x.sum(axis=axis), y.sum(axis=axis))

    d_low, d_high = _bootstrap((ea, eb, t), diff, n_resamples, seed)
    if eb.sum() > 0:
        r_low, r_high = _bootstrap((ea, eb, t), ratio, n_resamples, seed)
    else:
        r_low = r_high = None
    return Comparison(a, b, Interval(a - b, d_low, d_high, n), Interval(ratio_value, r_low, r_high, n),
                      verdict(d_low, d_high))


# ------------------------------------------------------------ per-utterance records

def _key(metric: str) -> tuple[str, str]:
    if metric == "wer":
        return "word_errors", "words"
    if metric == "cer":
        return "character_errors", "characters"
    raise ValueError(f"metric must be 'wer' or 'cer', got {metric!r}")


def _errors(u) -> dict:
    if isinstance(u, dict):
        d = dict(u)
        d.setdefault("word_errors", d.get("substitutions", 0) + d.get("deletions", 0) + d.get("insertions", 0))
        return d
    return {"id": u.id, "word_errors": u.word_errors, "words": u.words, "character_errors": u.character_errors,
            "characters": u.characters}


def utterance_interval(utterances: Sequence, metric: str = "wer", **kw) -> Interval:
    """CI of the corpus WER or CER of per-utterance records (``UtteranceErrors`` or prediction dicts)."""
    err, tot = _key(metric)
    rows = [_errors(u) for u in utterances]
    return rate_interval([r[err] for r in rows], [r[tot] for r in rows], **kw)


def compare_utterances(a: Sequence, b: Sequence, metric: str = "wer", **kw) -> Comparison:
    """Paired comparison of two systems' per-utterance records, matched by utterance id.

    Both must hold the same utterances (the same split and mode); a mismatch is an error,
    not a silent intersection, because an unpaired comparison would mean something else.
    """
    err, tot = _key(metric)
    ra = {r["id"]: r for r in map(_errors, a)}
    rb = {r["id"]: r for r in map(_errors, b)}
    if set(ra) != set(rb):
        only_a, only_b = sorted(set(ra) - set(rb)), sorted(set(rb) - set(ra))
        raise ValueError(f"paired comparison needs the same utterances: {len(only_a)} only in A "
                         f"(e.g. {only_a[:2]}), {len(only_b)} only in B (e.g. {only_b[:2]})")
    ids = sorted(ra)
    for i in ids:
        if ra[i][tot] != rb[i][tot]:
            raise ValueError(f"utterance {i}: reference lengths differ ({ra[i][tot]} vs {rb[i][tot]})")
    return paired_comparison([ra[i][err] for i in ids], [rb[i][err] for i in ids], [ra[i][tot] for i in ids], **kw)
