"""The new-participants chapter's findings (semg_study.chapters.participants.calibration) and the
participant-and-sentence bootstrap (semg_study.evaluation.confidence): built from hand-made
decodings, so nothing is trained here. Behaviour only: no accuracy targets."""
from __future__ import annotations

import numpy as np
import pytest

from semg_study.evaluation.confidence import group_paired_comparison, group_rate_interval, rate_interval
from semg_study.chapters.participants import calibration as cal


def test_group_interval_pools_participants_and_holds_its_estimate():
    rng = np.random.default_rng(1)
    totals = rng.integers(3, 8, size=(5, 40)).astype(float)
    errors = np.minimum(totals, rng.integers(0, 5, size=(5, 40)))
    iv = group_rate_interval(errors, totals)
    assert iv.value == pytest.approx(errors.sum() / totals.sum())
    assert iv.low <= iv.value <= iv.high and iv.n == 200
    # one participant: only the sentences vary, as the utterance bootstrap's interval (same width order)
    one = group_rate_interval(errors[:1], totals[:1])
    plain = rate_interval(errors[0], totals[0])
    assert one.value == pytest.approx(plain.value)
    assert (one.high - one.low) == pytest.approx(plain.high - plain.low, rel=0.35)
    # participants who differ widen the interval over participants that are copies of one another
    copies = group_rate_interval(np.repeat(errors[:1], 5, axis=0), np.repeat(totals[:1], 5, axis=0))
    spread = errors.copy()
    spread[0] = 0
    spread[4] = totals[4]
    differ = group_rate_interval(spread, totals)
    assert (differ.high - differ.low) > (copies.high - copies.low)
    with pytest.raises(ValueError):
        group_rate_interval(errors, totals[:, :3])


def test_group_paired_comparison_verdicts():
    totals = np.full((5, 30), 4.0)
    a = np.zeros((5, 30))
    b = np.full((5, 30), 2.0)
    better = group_paired_comparison(a, b, totals)
    assert better.verdict == "better" and better.difference.value == pytest.approx(-0.5)
    assert group_paired_comparison(b, a, totals).verdict == "worse"
    same = group_paired_comparison(b, b, totals)
    assert same.verdict == "no significant difference" and same.difference.value == 0


def _scored(method, minutes, participant, errors, decoder="beam", texts=("a b", "c d", "e f")):
    records = [{"id": f"{participant}/{i}", "text": t, "hypothesis": "", "word_errors": e, "words": 2,
                "character_errors": e, "characters": 3} for i, (t, e) in enumerate(zip(texts, errors))]
    return cal.Scored(participant, method, minutes, decoder, records, f"{method}-{participant}-{minutes:g}",
                      f"runs/{method}-{participant}/manifest.json",
                      {"calibration_utterances": int(minutes * 10), "calibration_seconds": minutes * 60,
                       "epochs": 3 if method != cal.ZERO_SHOT else 0, "n_trainable": 10, "source": "released"})


def _study():
    out = []
    for p in ("S1", "S2", "S3"):
        out.append(_scored(cal.ZERO_SHOT, 0.0, p, [2, 2, 2]))
        out.append(_scored("adapter", 5.0, p, [1, 1, 0]))
        out.append(_scored("all", 5.0, p, [0, 0, 0]))
        out.append(_scored("scratch", 20.0, p, [2, 2, 1]))
    return out


def test_rows_pool_participants_and_name_their_labels():
    rows = cal.calibration_rows(_study(), "beam")
    assert [(r["method"], r["calibration (min)"]) for r in rows] == [
        (cal.METHOD_LABELS[cal.ZERO_SHOT], 0.0), (cal.METHOD_LABELS["adapter"], 5.0),
        (cal.METHOD_LABELS["all"], 5.0), (cal.METHOD_LABELS["scratch"], 20.0)]
    zero, adapter = rows[0], rows[1]
    assert zero["WER %"] == 100.0 and adapter["WER %"] == pytest.approx(100 * 6 / 18, abs=0.01)
    assert cal.participant_rows(_study(), "beam")[1]["WER % S3"] == pytest.approx(100 * 2 / 6, abs=0.01)
    assert adapter["participants"] == 3 and cal.scoring_note(_study(), "beam")["sentences"] == 3
    assert cal.scoring_note(_study(), "beam")["decoder"] == "beam search + LM"
    assert cal.calibration_rows(_study(), "greedy") == []  # no greedy decodings given
    assert len(cal.row_manifests(_study(), "beam")) == len(rows)


def test_targets_compare_with_the_threshold_and_with_scratch():
    plan = cal.CalibrationPlan(corpus="participants", minutes=(5.0, 20.0), methods=("adapter", "all", "scratch"),
                               seed=0, adapt_epochs=30, adapt_patience=5, scratch_epochs=120, scratch_patience=8,
                               target_minutes=5.0, scratch_minutes=20.0, target_ratio=1.5)
    rows = cal.calibration_targets(_study(), plan, own_test_wer=0.25)
    by = {r["target"]: r for r in rows}
    adapter_wer = next(r for t, r in by.items() if t.startswith(cal.METHOD_LABELS["adapter"]) and "<=" in t)
    assert adapter_wer["threshold"] == 37.5 and adapter_wer["met"] is True  # 33.3 % <= 1.5 x 25 %
    all_vs_scratch = next(r for t, r in by.items() if t.startswith(cal.METHOD_LABELS["all"]) and "scratch" in t)
    assert all_vs_scratch["verdict"] == "better" and all_vs_scratch["met"] is True
    strict = cal.calibration_targets(_study(), plan, own_test_wer=0.1)
    assert not next(r for r in strict if r["target"].startswith(cal.METHOD_LABELS["adapter"]) and "<=" in r["target"])["met"]


def test_unaligned_test_sentences_are_an_error():
    from semg_study.errors import StudyError

    study = _study() + [_scored(cal.ZERO_SHOT, 0.0, "S4", [1, 1, 1], texts=("x", "y", "z"))]
    with pytest.raises(StudyError, match="test sentences differ"):
        cal._check_aligned(study)


def test_plan_is_read_from_the_profiles_and_the_figure_draws():
    import matplotlib

    matplotlib.use("Agg")
    for profile in ("smoke", "quick", "full"):
        plan = cal.calibration_plan(profile)
        assert plan.methods and all(m in ("adapter", "top", "all", "scratch") for m in plan.methods)
        assert plan.settings("scratch", "S1", plan.minutes[0]).epochs == plan.scratch_epochs
        assert plan.settings("adapter", "S1", plan.minutes[0]).epochs == plan.adapt_epochs
    fig = cal.calibration_figure(_study(), "beam", {"wer": 0.25, "cer": 0.1}, 1.5)
    assert len(fig.axes) == 2 and all(ax.get_xlabel().startswith("calibration EMG") for ax in fig.axes)
