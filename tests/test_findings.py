"""Findings machinery: bootstrap CIs and paired verdicts, early stopping, released runs, the study split, targets."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from semg_study import locations
from semg_study.evaluation.confidence import (compare_seed_utterances, compare_utterances, paired_comparison,
                                              rate_interval, seed_paired_comparison, seed_rate_interval,
                                              seed_utterance_interval, utterance_interval, verdict)

FAST = ["train.progress=false", "data.max_train_utterances=6", "train.batch_samples=6000"]


# ------------------------------------------------------------- confidence intervals
def test_rate_interval_is_a_corpus_rate_with_a_ci_that_shrinks_with_more_utterances():
    rng = np.random.default_rng(3)
    totals = rng.integers(2, 12, 400)
    errors = rng.binomial(totals, 0.25)
    small = rate_interval(errors[:40], totals[:40])
    large = rate_interval(errors, totals)
    assert large.value == pytest.approx(errors.sum() / totals.sum())  # ratio of sums, not a mean of rates
    for ci in (small, large):
        assert ci.low <= ci.value <= ci.high
    assert (large.high - large.low) < (small.high - small.low)
    assert rate_interval(errors, totals) == large  # fixed seed: the same interval every time


def test_degenerate_and_tiny_sets_do_not_fail():
    perfect = rate_interval([0, 0, 0], [3, 4, 5])
    assert (perfect.value, perfect.low, perfect.high) == (0.0, 0.0, 0.0)
    assert rate_interval([1], [4]).low is None  # one utterance: no interval
    assert rate_interval([], []).value is None


def test_paired_verdicts():
    rng = np.random.default_rng(0)
    totals = rng.integers(3, 10, 200)
    good = rng.binomial(totals, 0.10)
    bad = rng.binomial(totals, 0.30)
    assert paired_comparison(good, bad, totals).verdict == "better"
    assert paired_comparison(bad, good, totals).verdict == "worse"
    same = paired_comparison(good, good, totals)
    assert same.verdict == "no significant difference" and same.difference.value == 0
    c = paired_comparison(bad, good, totals)
    assert c.ratio.low > 1 and c.ratio.value == pytest.approx(bad.sum() / good.sum())
    assert verdict(None, 1.0) is None and verdict(-0.2, -0.1) == "better" and verdict(-0.1, 0.1).startswith("no")


def test_pairing_needs_the_same_utterances():
    a = [{"id": "u1", "word_errors": 1, "words": 3, "character_errors": 2, "characters": 10},
         {"id": "u2", "word_errors": 0, "words": 2, "character_errors": 0, "characters": 8}]
    b = [dict(a[0], word_errors=2), dict(a[1], id="u3")]
    with pytest.raises(ValueError, match="same utterances"):
        compare_utterances(a, b)
    c = compare_utterances(a, [dict(a[0], word_errors=2), a[1]], "wer")
    assert c.a == pytest.approx(1 / 5) and c.b == pytest.approx(2 / 5)
    assert utterance_interval(a, "cer").value == pytest.approx(2 / 18)


# ------------------------------------------------- seeds and utterances resampled together
def _seeds(rng, totals, rates):
    """Per-seed errors on the same utterances: one row per seed, each with its own error rate."""
    return np.stack([rng.binomial(totals, r) for r in rates])


def test_one_seed_reduces_to_the_utterance_bootstrap():
    rng = np.random.default_rng(5)
    totals = rng.integers(2, 12, 150)
    a, b = rng.binomial(totals, 0.3), rng.binomial(totals, 0.35)
    one, plain = seed_rate_interval(a[None, :], totals), rate_interval(a, totals)
    assert one.seeds == 1 and one.sd is None and one.mean == plain.value
    assert (one.interval.low, one.interval.high) == pytest.approx((plain.low, plain.high), rel=1e-12)
    seeded, paired = seed_paired_comparison(a, b, totals), paired_comparison(a, b, totals)
    assert seeded.verdict == paired.verdict
    for got, want in ((seeded.difference, paired.difference), (seeded.ratio, paired.ratio)):
        assert (got.value, got.low, got.high) == pytest.approx((want.value, want.low, want.high), rel=1e-12)


def test_a_seed_spread_wider_than_the_utterance_spread_widens_the_interval():
    rng = np.random.default_rng(7)
    totals = rng.integers(4, 12, 300)
    close = _seeds(rng, totals, [0.30, 0.30, 0.30])
    spread = _seeds(rng, totals, [0.15, 0.30, 0.45])
    tight, wide = seed_rate_interval(close, totals), seed_rate_interval(spread, totals)
    assert wide.sd > 5 * tight.sd
    assert wide.mean == pytest.approx(spread.sum() / (3 * totals.sum()))  # the mean of the seeds' corpus rates
    width = lambda s: s.interval.high - s.interval.low  # noqa: E731
    assert width(wide) > 2 * width(tight)
    # the seeds pooled into one bootstrap over utterances would miss the seed spread
    pooled = rate_interval(spread.sum(axis=0), 3 * totals)
    assert width(wide) > 2 * (pooled.high - pooled.low)
    for s in (tight, wide):
        assert s.interval.low <= s.mean <= s.interval.high
    assert seed_rate_interval(spread, totals) == wide  # fixed seed, fixed resample count


def test_seed_aware_verdicts():
    rng = np.random.default_rng(11)
    totals = rng.integers(3, 10, 200)
    good = _seeds(rng, totals, [0.10, 0.12, 0.11])
    bad = _seeds(rng, totals, [0.30, 0.33, 0.31, 0.29, 0.32])
    assert seed_paired_comparison(good, bad, totals).verdict == "better"
    assert seed_paired_comparison(bad, good, totals).verdict == "worse"
    same = seed_paired_comparison(good, good, totals)
    assert same.verdict == "no significant difference" and same.difference.value == 0
    # a gap smaller than the seeds' spread is no finding, though each seed differs clearly over utterances
    a = _seeds(rng, totals, [0.15, 0.30, 0.45])
    b = _seeds(rng, totals, [0.20, 0.35, 0.50])
    assert paired_comparison(a.sum(0), b.sum(0), 3 * totals).verdict == "better"
    assert seed_paired_comparison(a, b, totals).verdict == "no significant difference"


def test_seed_records_are_matched_by_utterance_id():
    rec = lambda i, w, n: {"id": i, "word_errors": w, "words": n, "character_errors": w, "characters": 4 * n}  # noqa: E731
    seed0 = [rec("u1", 1, 4), rec("u2", 0, 3), rec("u3", 2, 5)]
    seed1 = [rec("u3", 1, 5), rec("u1", 2, 4), rec("u2", 1, 3)]  # another order, same utterances
    s = seed_utterance_interval([seed0, seed1], "wer")
    assert s.per_seed == pytest.approx((3 / 12, 4 / 12)) and s.mean == pytest.approx(7 / 24)
    c = compare_seed_utterances([seed0, seed1], [seed0], "cer")
    assert c.a == pytest.approx(7 / 96) and c.b == pytest.approx(3 / 48)
    with pytest.raises(ValueError, match="same utterances"):
        seed_utterance_interval([seed0, seed1[:2]])
    with pytest.raises(ValueError, match="same utterances"):
        compare_seed_utterances([seed0], [[rec("u1", 1, 4), rec("u2", 0, 3), rec("u4", 2, 5)]])
    with pytest.raises(ValueError, match="reference lengths"):
        seed_utterance_interval([seed0, [rec("u1", 1, 4), rec("u2", 0, 3), rec("u3", 2, 6)]])


# ------------------------------------------------------------------ early stopping
def test_training_stops_when_dev_stops_improving(smoke_corpus, tmp_path):
    from semg_study.training import train

    # lr 0: dev CER never improves after the first epoch, so patience 2 stops after epoch 3 of 10
    run = train("myostream-smoke", [f"data_root={smoke_corpus}", f"out={tmp_path}", *FAST, "train.lr=0",
                                    "train.epochs=10", "train.patience=2", "train.warmup_batches=0"])
    manifest = json.loads((run / "manifest.json").read_text())
    stop = manifest["early_stopping"]
    assert stop["stopped_early"] and stop["epochs_trained"] == 3 and stop["best_epoch"] == 1
    assert len(json.loads((run / "metrics.json").read_text())) == 3


# ------------------------------------------------------------------- released runs
def test_a_released_run_is_reused_without_training_and_a_stale_one_never(smoke_corpus, tmp_path, monkeypatch):
    from semg_study.training import fingerprint, loop, released, train_cached

    store = tmp_path / "released"
    monkeypatch.setattr(locations, "RELEASED_RUNS_ROOT", store)
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v1")
    args = [f"data_root={smoke_corpus}", *FAST, "train.epochs=1"]
    first = train_cached("myostream-smoke", args, runs_root=tmp_path / "a")
    packed = released.pack(first)
    assert (packed / "checkpoints" / "best.pt").stat().st_size < (first / "checkpoints" / "last.pt").stat().st_size

    def no_training(*a, **k):
        raise AssertionError("a released run was retrained")

    real_train = loop.train
    monkeypatch.setattr(loop, "train", no_training)
    reused = train_cached("myostream-smoke", args, runs_root=tmp_path / "b")
    manifest = json.loads((reused / "manifest.json").read_text())
    assert reused.name == first.name and manifest["source"] == "released"
    assert reused.parent == tmp_path / "b"  # a copy: evaluations never write into the released folder

    # the training code changes: the released run is stale, reported, and a new run is trained
    monkeypatch.setattr(loop, "train", real_train)
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v2")
    fresh = train_cached("myostream-smoke", args, runs_root=tmp_path / "c")
    assert json.loads((fresh / "manifest.json").read_text())["source"] == "trained"
    stale = released.stale_runs(tmp_path / "c")
    assert [Path_name(s["released"]) for s in stale] == [packed.name]
    # --retrain (force) ignores the released store altogether
    monkeypatch.setattr(fingerprint, "code_version", lambda *a, **k: "code-v1")
    monkeypatch.setattr(loop, "train", no_training)
    with pytest.raises(AssertionError, match="retrained"):
        train_cached("myostream-smoke", args, runs_root=tmp_path / "d", force=True)
    # and so does reuse_released=False (`semg-study study --retrain`: the notebooks' reuse_released)
    with pytest.raises(AssertionError, match="retrained"):
        train_cached("myostream-smoke", args, runs_root=tmp_path / "e", reuse_released=False)
    # a store named as a parameter is the one looked in
    monkeypatch.setattr(locations, "RELEASED_RUNS_ROOT", tmp_path / "empty")
    assert train_cached("myostream-smoke", args, runs_root=tmp_path / "f", released_root=store).name == first.name


def Path_name(p: str) -> str:
    from pathlib import Path

    return Path(p).name


def test_the_code_fingerprint_covers_training_code_only(monkeypatch):
    from semg_study.training import code_identity as ci, fingerprint

    names = {str(p.relative_to(ci.PACKAGE_ROOT)) for p in ci.training_code_files(fingerprint.TRAINING_CODE)}
    assert "training/loop.py" in names and "models/myostream.py" in names and "features/preprocessing.py" in names
    assert not any(n.startswith(("report/", "evaluation/", "decoding/", "capture/")) for n in names)
    assert "data/validate.py" not in names


def test_decoded_outputs_are_cached_by_weights_not_file_times(smoke_corpus, tmp_path):
    import os

    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.training.fingerprint import weights_digest
    from semg_study.experiments.run_evaluation import cached_decoding_valid, evaluate_cached
    from semg_study.training import train

    run = train("myostream-smoke", [f"data_root={smoke_corpus}", f"out={tmp_path}", *FAST, "train.epochs=1"])
    m = evaluate_run(run, split="dev", decoder="greedy")
    path = tmp_path / "myostream-smoke" / "eval" / "dev-silent-greedy" / "metrics.json"
    assert m["weights_digest"] == weights_digest(run) and m["wer_ci"] is None or len(m["wer_ci"]) == 2
    os.utime(run / "checkpoints" / "best.pt")  # a newer file time, same weights (a git checkout does this)
    assert cached_decoding_valid(run, path)
    again = evaluate_cached(run, "dev", "greedy")
    assert again["wer"] == m["wer"] and again["out_dir"] == str(path.parent)


# ------------------------------------------------------------------------ the split
def test_a_split_file_listing_closed_sentences_decides_the_closed_split(smoke_corpus, tmp_path):
    from semg_study.data import open_corpus

    root = tmp_path / "corpus"
    shutil.copytree(smoke_corpus, root)
    split = json.loads((root / "testset.json").read_text())
    closed_train = open_corpus(root).utterances("closed", "train", "silent")
    keys = sorted({(u.book, u.sentence_index) for u in closed_train})
    split["dev"].append(list(keys[0]))
    split["test"].append(list(keys[1]))
    (root / "testset.json").write_text(json.dumps(split))
    corpus = open_corpus(root)
    assert {(u.book, u.sentence_index) for u in corpus.utterances("closed", "dev")} == {keys[0]}
    assert {(u.book, u.sentence_index) for u in corpus.utterances("closed", "test")} == {keys[1]}
    train_keys = {(u.book, u.sentence_index) for u in corpus.utterances("closed", "train")}
    assert keys[0] not in train_keys and keys[1] not in train_keys  # neither mode leaks into training


def test_the_study_corpus_profile_has_the_real_closed_size_and_big_held_out_sets():
    from semg_study.synth.profiles import PROFILES

    q = PROFILES["quick"]
    assert q.closed_sentences - q.closed_dev_sentences - q.closed_test_sentences == 370  # real training size
    assert q.closed_dev_sentences >= 100 and q.closed_test_sentences >= 100
    assert q.open_parallel_sentences >= 600 and q.dev_sentences >= 100 and q.test_sentences >= 100
    assert q.nonparallel_utterances > 0


# ------------------------------------------------------------------------- targets
def test_targets_read_either_direction_and_a_required_condition():
    from semg_study.evaluation.targets import evaluate_targets

    targets = [{"name": "low", "quantity": "a.x", "threshold": 0.1, "description": ""},
               {"name": "high", "quantity": "a.r", "comparison": ">=", "threshold": 1.25, "requires": "a.ok",
                "description": ""},
               {"name": "missing", "quantity": "a.none", "threshold": 1, "description": ""}]
    got = {t["name"]: t["met"] for t in evaluate_targets({"a": {"x": 0.05, "r": 1.5, "ok": False}}, targets)}
    assert got == {"low": True, "high": False, "missing": None}
    got = {t["name"]: t["met"] for t in evaluate_targets({"a": {"x": 0.5, "r": 1.5, "ok": True}}, targets)}
    assert got == {"low": False, "high": True, "missing": None}


def test_one_targets_table_serves_the_benchmark_and_the_latency_measurement():
    from semg_study.evaluation.targets import TARGETS, evaluate_targets, targets_for, threshold_of

    assert [t["name"] for t in targets_for("benchmark")] + [t["name"] for t in targets_for("latency")] + \
        [t["name"] for t in targets_for("response")] + [t["name"] for t in targets_for("headline")] == \
        [t["name"] for t in TARGETS]
    assert len({t["name"] for t in TARGETS}) == len(TARGETS)  # one row per target
    assert threshold_of("total_response_latency_ms") == 300.0 and threshold_of("offline_rtf_p95") == 1.0
    with pytest.raises(KeyError):
        threshold_of("streaming_chunk_p95_below_chunk_duration")  # its limit is another quantity
    with pytest.raises(ValueError):
        targets_for("nothing")
    # a latency result: "<" is strict, and a row with a limit compares two quantities of the report
    result = {"rtf": {"p95": 1.0}, "streaming": {"chunk_compute": {"p95_ms": 20.0}, "chunk_ms": 40.0,
                                                 "total_response_latency_ms": 299.0}}
    got = {t["name"]: (t["met"], t["threshold"]) for t in evaluate_targets(result, targets_for("latency"))}
    assert got == {"offline_rtf_p95": (False, 1.0), "streaming_chunk_p95_below_chunk_duration": (True, 40.0),
                   "total_response_latency_ms": (True, 300.0)}
    got = {t["name"]: t["met"] for t in evaluate_targets({"rtf": {"p95": 0.5}, "streaming": None},
                                                           targets_for("latency"))}
    assert got == {"offline_rtf_p95": True, "streaming_chunk_p95_below_chunk_duration": None,
                   "total_response_latency_ms": None}


def test_every_model_of_the_benchmark_has_the_same_budget():
    from semg_study.experiments.benchmark.plan import benchmark_plan, check_equal_budget

    check_equal_budget(benchmark_plan("quick"))  # raises when epochs / patience / metric differ


def test_a_released_run_is_carried_over_only_when_its_inputs_are_proven_identical(smoke_corpus, tmp_path,
                                                                                  monkeypatch):
    from semg_study.training import code_identity, fingerprint, released, train_cached

    store = tmp_path / "released"
    monkeypatch.setattr(locations, "RELEASED_RUNS_ROOT", store)
    versions = {"input": "inputs-v1", "model": "model-v1", "semantics": "trees-v1"}

    def fake_code_version(entries=fingerprint.TRAINING_CODE):
        if entries == fingerprint.MODEL_CODE:
            return versions["model"]
        if entries == fingerprint.INPUT_CODE:
            return versions["input"]
        return f"{versions['model']}+{versions['input']}"

    monkeypatch.setattr(fingerprint, "code_version", fake_code_version)
    # the model code's normalised syntax trees (imports reduced to the names they bind)
    monkeypatch.setattr(code_identity, "semantic_digest", lambda sources, entries: versions["semantics"])
    args = [f"data_root={smoke_corpus}", *FAST, "train.epochs=1"]
    run = train_cached("myostream-smoke", args, runs_root=tmp_path / "a")
    packed = released.pack(run)
    assert released.restamp(packed)[1] == "current"
    versions["input"] = "inputs-v2"  # e.g. a new validation check in data/dataset.py: same inputs
    moved, what = released.restamp(packed)
    assert what == "restamped" and moved != packed and moved.is_dir() and not packed.exists()
    manifest = json.loads((moved / "manifest.json").read_text())
    assert manifest["restamped"][0]["inputs_digest"] == manifest["inputs_digest"]
    assert train_cached("myostream-smoke", args, runs_root=tmp_path / "b").name == moved.name  # reused
    versions["model"] = "model-v2"  # a module the loop imports moved: same syntax trees, carried over
    moved, what = released.restamp(moved)
    assert what == "restamped"
    assert "only in imports" in json.loads((moved / "manifest.json").read_text())["restamped"][-1]["check"]
    versions["model"], versions["semantics"] = "model-v3", "trees-v2"  # the model or the loop changed
    assert released.restamp(moved)[1].startswith("stale")
