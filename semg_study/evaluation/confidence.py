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

A model trained with several seeds is scored with a two-level bootstrap that
also resamples its seeds (:func:`seed_rate_interval`, :func:`seed_paired_comparison`;
the note above them says why and how); with one seed it is the utterance bootstrap.

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


# ------------------------------------------------------------ several seeds of one model
#
# One training run is one draw from the training procedure: another seed gives
# another model. A model trained with k seeds and scored on the same n test
# utterances therefore has two sources of variation, and an interval that
# resamples only utterances ignores the first. The two-level bootstrap below
# draws, per resample, n utterances with replacement (the same indices for every
# seed, because the seeds share the test set and their errors on one utterance
# are correlated) and k seeds with replacement, and takes the mean over the
# drawn seeds of each drawn seed's corpus rate on the drawn utterances.
#
# The utterance indices are drawn first, with the same generator call scipy's
# paired bootstrap makes, so with one seed (the seed draw is then constant) the
# interval is exactly :func:`rate_interval`'s and the comparison exactly
# :func:`paired_comparison`'s.

SEED_METHOD = "bootstrap over seeds and utterances (percentile)"


@dataclass(frozen=True)
class SeedSummary:
    """One model's corpus rate over several seeds on the same utterances."""
    per_seed: tuple          # each seed's corpus rate (fraction)
    mean: float | None
    sd: float | None         # sample standard deviation over seeds (None from one seed)
    interval: Interval       # the mean with its seed-and-utterance CI

    @property
    def seeds(self) -> int:
        return len(self.per_seed)

    def as_dict(self) -> dict:
        return {"per_seed": list(self.per_seed), "mean": self.mean, "sd": self.sd, "seeds": self.seeds,
                "interval": {**self.interval.as_dict(), "method": SEED_METHOD}}


def _seed_matrix(errors, totals) -> tuple[np.ndarray, np.ndarray]:
    e, t = np.asarray(errors, dtype=float), np.asarray(totals, dtype=float)
    if e.ndim == 1:
        e = e[None, :]
    if e.ndim != 2 or t.ndim != 1 or e.shape[1] != t.shape[0] or e.shape[0] == 0:
        raise ValueError(f"errors must be (seeds, utterances) and totals (utterances,), got {e.shape} and {t.shape}")
    return e, t


def _draw_utterances(n: int, n_resamples: int, seed: int) -> tuple[np.random.Generator, np.ndarray]:
    # the same call scipy.stats.bootstrap(paired=True) makes on a fresh generator (see the note above)
    rng = np.random.default_rng(seed)
    return rng, rng.integers(0, n, (n_resamples, n))


def _resampled_means(e: np.ndarray, idx: np.ndarray, tot: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per resample: the mean over k drawn seeds of the seeds' error sums on the drawn utterances.

    ``e``: (seeds, utterances), ``idx``: (resamples, utterances); returns (resamples,)
    error sums, to be divided by the drawn utterances' total (the same for every seed)."""
    sums = e[:, idx].sum(axis=-1).T                       # (resamples, seeds)
    k = e.shape[0]
    drawn = rng.integers(0, k, (idx.shape[0], k))         # seeds drawn per resample
    return np.take_along_axis(sums, drawn, axis=1).mean(axis=1)


def _percentile(values: np.ndarray) -> tuple[float, float]:
    alpha = (1 - CONFIDENCE) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return float(low), float(high)


def seed_rate_interval(errors, totals, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> SeedSummary:
    """Mean, sd over seeds and the seed-and-utterance CI of one model's corpus rate.

    ``errors[s][i]``: seed ``s``'s errors on utterance ``i`` (a 1-d array is one seed);
    ``totals[i]``: utterance ``i``'s reference length.
    """
    e, t = _seed_matrix(errors, totals)
    n = e.shape[1]
    if n == 0 or t.sum() <= 0:
        return SeedSummary(tuple(None for _ in e), None, None, Interval(None, None, None, n))
    rates = e.sum(axis=1) / t.sum()
    mean = float(rates.mean())
    sd = float(rates.std(ddof=1)) if len(rates) > 1 else None
    if n < 2:
        return SeedSummary(tuple(map(float, rates)), mean, sd, Interval(mean, None, None, n))
    rng, idx = _draw_utterances(n, n_resamples, seed)
    low, high = _percentile(_safe_ratio(_resampled_means(e, idx, t, rng), t[idx].sum(axis=-1)))
    return SeedSummary(tuple(map(float, rates)), mean, sd, Interval(mean, low, high, n))


def seed_paired_comparison(errors_a, errors_b, totals, n_resamples: int = N_RESAMPLES,
                           seed: int = SEED) -> Comparison:
    """Model A (>= 1 seeds) against model B (>= 1 seeds) on the same utterances.

    Each resample draws the utterances once for both models (paired) and each
    model's seeds independently (their runs are unrelated); the difference and
    the ratio are of the two models' seed-mean corpus rates, the verdict is from
    the difference's CI. One seed each: exactly :func:`paired_comparison`.
    """
    ea, t = _seed_matrix(errors_a, totals)
    eb, _ = _seed_matrix(errors_b, totals)
    n = len(t)
    if n == 0 or t.sum() <= 0:
        empty = Interval(None, None, None, n)
        return Comparison(None, None, empty, empty, None)
    a, b = float(ea.sum(axis=1).mean() / t.sum()), float(eb.sum(axis=1).mean() / t.sum())
    ratio_value = a / b if b > 0 else None
    if n < 2:
        return Comparison(a, b, Interval(a - b, None, None, n), Interval(ratio_value, None, None, n), None)
    rng, idx = _draw_utterances(n, n_resamples, seed)
    sum_a = _resampled_means(ea, idx, t, rng)
    sum_b = _resampled_means(eb, idx, t, rng)
    d_low, d_high = _percentile(_safe_ratio(sum_a - sum_b, t[idx].sum(axis=-1)))
    if b > 0:
        r_low, r_high = _percentile(_safe_ratio(sum_a, sum_b))
    else:
        r_low = r_high = None
    return Comparison(a, b, Interval(a - b, d_low, d_high, n), Interval(ratio_value, r_low, r_high, n),
                      verdict(d_low, d_high))


def _seed_records(per_seed: Sequence[Sequence], metric: str, ids: list | None = None):
    """(ids, errors (seeds, utterances), totals) of per-seed record lists, matched by utterance id.

    Every seed must hold the same utterances with the same reference lengths: a
    model's seeds are scored on one test set, and a mismatch is an error."""
    err, tot = _key(metric)
    if not per_seed:
        raise ValueError("at least one seed's records are needed")
    tables = [{r["id"]: r for r in map(_errors, records)} for records in per_seed]
    ids = sorted(tables[0]) if ids is None else ids
    errors, totals = [], None
    for s, table in enumerate(tables):
        if set(table) != set(ids):
            only_here, missing = sorted(set(table) - set(ids)), sorted(set(ids) - set(table))
            raise ValueError(f"seed {s}: not the same utterances ({len(only_here)} extra, e.g. {only_here[:2]}; "
                             f"{len(missing)} missing, e.g. {missing[:2]})")
        if totals is None:
            totals = [table[i][tot] for i in ids]
        for i, total in zip(ids, totals):
            if table[i][tot] != total:
                raise ValueError(f"utterance {i}: reference lengths differ between seeds ({table[i][tot]} vs {total})")
        errors.append([table[i][err] for i in ids])
    return ids, np.asarray(errors, dtype=float), np.asarray(totals, dtype=float)


def seed_utterance_interval(per_seed: Sequence[Sequence], metric: str = "wer", **kw) -> SeedSummary:
    """:func:`seed_rate_interval` of per-seed lists of per-utterance records."""
    _, e, t = _seed_records(per_seed, metric)
    return seed_rate_interval(e, t, **kw)


def compare_seed_utterances(a: Sequence[Sequence], b: Sequence[Sequence], metric: str = "wer", **kw) -> Comparison:
    """:func:`seed_paired_comparison` of two models' per-seed record lists, matched by utterance id."""
    ids, ea, t = _seed_records(a, metric)
    try:
        _, eb, tb = _seed_records(b, metric, ids)
    except ValueError as exc:
        raise ValueError(f"paired comparison needs the same utterances in A and B: {exc}") from None
    if not np.array_equal(t, tb):
        raise ValueError("paired comparison: reference lengths differ between A and B")
    return seed_paired_comparison(ea, eb, t, **kw)


def seed_contrast(terms: Sequence[tuple[float, object]], totals, n_resamples: int = N_RESAMPLES,
                  seed: int = SEED) -> Interval:
    """A weighted sum of several models' seed-mean corpus rates on the same utterances, with its CI.

    ``terms``: ``(weight, errors)`` per model, ``errors`` (seeds, utterances) as in
    :func:`seed_rate_interval`. Each resample draws the utterances once for every model
    (paired) and each model's seeds independently, in the order of ``terms``; the
    statistic is ``sum(weight * rate)``. ``[(1, A), (-1, B)]`` is exactly the difference of
    :func:`seed_paired_comparison`; weights ``(1 - w, w)`` on two models minus a third compare
    a model interpolated between two of its sizes with another model.
    """
    if not terms:
        raise ValueError("at least one term is needed")
    t = np.asarray(totals, dtype=float)
    matrices = [(float(w), _seed_matrix(e, t)[0]) for w, e in terms]
    n = len(t)
    if n == 0 or t.sum() <= 0:
        return Interval(None, None, None, n)
    value = float(sum(w * e.sum(axis=1).mean() for w, e in matrices) / t.sum())
    if n < 2:
        return Interval(value, None, None, n)
    rng, idx = _draw_utterances(n, n_resamples, seed)
    sums = sum(w * _resampled_means(e, idx, t, rng) for w, e in matrices)
    low, high = _percentile(_safe_ratio(sums, t[idx].sum(axis=-1)))
    return Interval(value, low, high, n)


def seed_contrast_utterances(terms: Sequence[tuple[float, Sequence[Sequence]]], metric: str = "wer",
                             **kw) -> Interval:
    """:func:`seed_contrast` of per-seed record lists (every model on the same utterances, matched by id)."""
    if not terms:
        raise ValueError("at least one term is needed")
    ids, first, t = _seed_records(terms[0][1], metric)
    matrices = [(terms[0][0], first)]
    for w, records in terms[1:]:
        try:
            _, e, other = _seed_records(records, metric, ids)
        except ValueError as exc:
            raise ValueError(f"a contrast needs the same utterances in every model: {exc}") from None
        if not np.array_equal(t, other):
            raise ValueError("contrast: reference lengths differ between models")
        matrices.append((w, e))
    return seed_contrast(matrices, t, **kw)


# ------------------------------------------------------------ several participants, the same sentences
#
# A new-participants result pools people who each read the same test sentences. Its
# uncertainty has the same two sources as a model's seeds: which people happened to
# take part, and which sentences. The bootstrap below draws, per resample, the
# sentence positions once (the same for every participant, since they read the same
# sentences) and the participants with replacement, and takes the pooled rate (errors
# over reference length, summed over the drawn participant-sentence pairs). A paired
# comparison of two systems on the same participants draws both once for both systems.

GROUP_METHOD = "bootstrap over participants and sentences (percentile)"


def _group_arrays(errors, totals) -> tuple[np.ndarray, np.ndarray]:
    e, t = np.asarray(errors, dtype=float), np.asarray(totals, dtype=float)
    if e.ndim != 2 or e.shape != t.shape or 0 in e.shape:
        raise ValueError(f"errors and totals must both be (participants, sentences), got {e.shape} and {t.shape}")
    return e, t


def _group_draws(groups: int, items: int, n_resamples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, items, (n_resamples, items)), rng.integers(0, groups, (n_resamples, groups))


def _group_sums(x: np.ndarray, items: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """(resamples,) sums of ``x`` (participants, sentences) over each resample's drawn pairs."""
    per_group = x[:, items].sum(axis=-1).T                      # (resamples, participants)
    return np.take_along_axis(per_group, groups, axis=1).sum(axis=1)


def group_rate_interval(errors, totals, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> Interval:
    """The pooled rate of several participants on the same sentences, with its participant-and-sentence CI.

    ``errors[p][i]`` and ``totals[p][i]``: participant ``p``'s errors on sentence ``i`` and its
    reference length. ``n`` of the interval is the number of participant-sentence pairs."""
    e, t = _group_arrays(errors, totals)
    n = e.size
    value = float(e.sum() / t.sum()) if t.sum() > 0 else None
    if value is None or e.shape[1] < 2:
        return Interval(value, None, None, n)
    items, groups = _group_draws(*e.shape, n_resamples, seed)
    low, high = _percentile(_safe_ratio(_group_sums(e, items, groups), _group_sums(t, items, groups)))
    return Interval(value, low, high, n)


def group_paired_comparison(errors_a, errors_b, totals, n_resamples: int = N_RESAMPLES,
                            seed: int = SEED) -> Comparison:
    """System A against system B on the same participants and sentences (both drawn once for both)."""
    ea, t = _group_arrays(errors_a, totals)
    eb, _ = _group_arrays(errors_b, totals)
    n = t.size
    if t.sum() <= 0:
        empty = Interval(None, None, None, n)
        return Comparison(None, None, empty, empty, None)
    a, b = float(ea.sum() / t.sum()), float(eb.sum() / t.sum())
    ratio_value = a / b if b > 0 else None
    if t.shape[1] < 2:
        return Comparison(a, b, Interval(a - b, None, None, n), Interval(ratio_value, None, None, n), None)
    items, groups = _group_draws(*t.shape, n_resamples, seed)
    sa, sb, st = (_group_sums(x, items, groups) for x in (ea, eb, t))
    d_low, d_high = _percentile(_safe_ratio(sa - sb, st))
    r_low, r_high = _percentile(_safe_ratio(sa, sb)) if b > 0 else (None, None)
    return Comparison(a, b, Interval(a - b, d_low, d_high, n), Interval(ratio_value, r_low, r_high, n),
                      verdict(d_low, d_high))
