"""Issue 22's analysis (``semg_study.chapters.headline``): the queue, located runs grouped by
setting, the seed-level table, summaries over seeds, verdicts, the budget rule, the size and
streaming analyses. Hand-made runs and records for the behaviour; two tiny smoke runs (slow) for
the path through located, evaluated and timed runs. No accuracy or timing is asserted."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest

from semg_study.errors import ConfigError
from semg_study.evaluation import confidence
from semg_study.chapters import headline as h

VERDICTS = {"better", "worse", "no significant difference", h.NOT_DETERMINABLE}


# ------------------------------------------------------------------ hand-made runs

def _records(errors, words=5, chars=20):
    return [{"id": f"u{i:03d}", "word_errors": int(e), "words": words, "character_errors": 2 * int(e),
             "characters": chars} for i, e in enumerate(errors)]


def _write_run(folder: Path, *, seed=0, params=1000, epochs=30, best=22, ceiling=120, patience=8,
               stopped_early=True, history=None, wall=12.5, extra=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {"n_parameters": params, "seed": seed, "finished": True, "source": "trained",
                "train_process_wall_s": wall,
                "config": {"train": {"epochs": ceiling, "patience": patience}},
                "early_stopping": {"patience": patience, "epochs_trained": epochs, "max_epochs": ceiling,
                                   "stopped_early": stopped_early, "best_epoch": best, "plateau_cer": 0.95},
                **(extra or {})}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "metrics.json").write_text(json.dumps(history or []))
    return folder


def _group(tmp_path, part, model, present, missing=(), *, setting=None, label="study", reference=False,
           spec=None, **run_kw):
    runs = []
    for seed in present:
        run_dir = _write_run(tmp_path / f"{part}-{model}-{label}-{seed}".replace(" ", "_"), seed=seed, **run_kw)
        runs.append(h.HeadlineRun(spec or {}, part, model, "closed", setting or {}, label, seed, run_dir, "found",
                                  "trained", reference))
    runs += [h.HeadlineRun(spec or {}, part, model, "closed", setting or {}, label, seed, None, "missing", None,
                           reference) for seed in missing]
    return h.HeadlineGroup(part, model, "closed", setting or {}, label, reference, runs)


def _score(scores, group, per_seed_errors, decoder="beam"):
    for run, errors in zip(group.present, per_seed_errors):
        recs = _records(errors)
        wer = sum(r["word_errors"] for r in recs) / sum(r["words"] for r in recs)
        scores.setdefault(str(run.run_dir), {})[decoder] = h.run_scores(
            run.run_dir, decoder, {"wer": wer, "cer": wer / 2}, records=recs)
    return scores


def _errors(rng, n, low, high, seeds):
    return [rng.integers(low, high, n) for _ in range(seeds)]


# ------------------------------------------------------------------ the queue

def test_queue_is_the_scripts_list_with_grouping_keys():
    spec = importlib.util.spec_from_file_location("headline_queue", Path(__file__).resolve().parents[1]
                                                  / "benchmarks" / "headline_queue.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.queue is h.queue and script.PARTS == h.PARTS

    specs = h.queue("quick")
    knobs = h.headline_knobs("quick")
    budget = knobs["budget"]
    closed = [s for s in specs if s["part"] == "closed"]
    assert len(closed) == len(knobs["closed_seeds"]) * len(knobs["models"])
    assert [s["seed"] for s in closed[:len(knobs["models"])]] == [knobs["closed_seeds"][0]] * len(knobs["models"])
    for s in specs:
        assert {"config", "overrides", "seed", "corpus", "label", "base", "condition", "part", "setting"} <= set(s)
        assert all(s["overrides"][k] == v for k, v in budget.items())   # one budget rule for every run
        assert not set(s["setting"]) & (set(budget) | {"data.condition"})
    sizes = [s["setting"] for s in specs if s["part"] == "sizes" and s["base"] == "myostream" and s["seed"] == 0]
    assert sizes == knobs["sizes"]["myostream"]
    ablations = [s for s in specs if s["part"] == "ablations"]
    assert {s["label"] for s in ablations} >= {"ablation full model", "ablation without conv_module"}
    assert h.queue("quick", "open,closed")[0]["part"] == "open"
    # the study's own setting on the size and streaming curves is the closed part's run itself
    references = h._reference_specs("quick", ("sizes", "streaming"), knobs)
    assert {(s["part"], s["base"]) for s in references} == {("sizes", "myostream"), ("sizes", "gaddy2022"),
                                                            ("streaming", "myostream")}
    assert {h._spec_key(s) for s in references} <= {h._spec_key(s) for s in closed}


def test_queue_refuses_unknown_parts_and_profiles_without_knobs():
    with pytest.raises(ConfigError, match="unknown part"):
        h.queue("quick", ("closed", "bogus"))
    with pytest.raises(ConfigError, match="no headline knobs"):
        h.queue("smoke")
    empty = h.headline_runs("smoke")
    assert empty.groups == [] and "no headline comparison" in empty.note and empty.missing == []


def test_setting_labels():
    assert h.setting_label("sizes", {}, reference=True) == h.STUDY_SIZE
    assert h.setting_label("sizes", {"model.d_model": 96, "model.n_layers": 3}) == "d_model=96, n_layers=3"
    assert h.setting_label("streaming", {"model.chunk": 2, "model.lookahead": 0}) == "chunk 2, look-ahead 0"
    assert h.setting_label("streaming", {"model.streaming_mask": False}) == h.FULL_CONTEXT
    assert h.setting_label("ablations", {}) == "full model"
    assert h.setting_label("ablations", {"model.conv_module": False}) == "without conv_module"
    assert h.setting_label("closed", {}) == "study"


# ------------------------------------------------------------------ budget

def _history(cers, losses=None):
    losses = losses or [1.0] * len(cers)
    return [{"epoch": i + 1, "dev_cer": c, "dev_loss": l} for i, (c, l) in enumerate(zip(cers, losses))]


def test_budget_use_tells_early_stops_from_ceilings_still_improving():
    def manifest(epochs, best, stopped_early, ceiling=10, patience=3):
        return {"early_stopping": {"patience": patience, "epochs_trained": epochs, "max_epochs": ceiling,
                                   "stopped_early": stopped_early, "best_epoch": best, "plateau_cer": 0.95}}

    early = h.budget_use(manifest(7, 4, True), _history([0.9, 0.8, 0.7, 0.6, 0.7, 0.7, 0.7]))
    assert early.stopped == "early" and early.improving_at_ceiling is False

    improving = h.budget_use(manifest(10, 10, False), _history([0.9 - 0.05 * i for i in range(10)]))
    assert improving.stopped == "at ceiling" and improving.improving_at_ceiling is True
    assert improving.last_progress_epoch == 10

    flat = h.budget_use(manifest(10, 6, False), _history([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.5, 0.5, 0.5, 0.5]))
    assert flat.stopped == "at ceiling" and flat.improving_at_ceiling is False

    # still on CTC's blank plateau, dev loss falling: progress by the training loop's rule
    plateau = h.budget_use(manifest(10, 1, False), _history([1.0] * 10, [3.0 - 0.1 * i for i in range(10)]))
    assert plateau.improving_at_ceiling is True and plateau.last_progress_epoch == 10

    # without per-epoch metrics the best epoch stands for the last progress
    assert h.budget_use(manifest(10, 9, False)).improving_at_ceiling is True
    unknown = h.budget_use({})
    assert unknown.stopped == "unknown" and unknown.improving_at_ceiling is None


def test_budget_rule():
    def row(run, ceiling=120, patience=8, stopped="early", improving=False):
        return h.SeedRow("closed", "m", "closed", "study", 10, 0, run, "trained", 30, 22, ceiling, patience,
                         stopped, improving, None, None, None, None, None, None)

    assert h.budget_rule([row("a"), row("b")]).holds is True
    differ = h.budget_rule([row("a"), row("b", ceiling=60)])
    assert differ.holds is False and differ.ceilings == (60, 120) and "ceilings differ" in differ.reasons[0]
    assert h.budget_rule([row("a"), row("b", patience=10)]).holds is False
    still = h.budget_rule([row("a"), row("b", stopped="at ceiling", improving=True)])
    assert still.holds is False and still.improving_at_ceiling == ("b",)
    assert h.budget_rule([row("a"), row("b", ceiling=None)]).holds is None
    assert h.budget_rule([]).holds is None


def test_train_wall_seconds():
    assert h.train_wall_seconds({"train_process_wall_s": 81.5})[0] == 81.5
    wall, source = h.train_wall_seconds({"start_time": "2026-12-02T08:08:22+00:00",
                                         "end_time": "2026-12-02T08:12:09+00:00"})
    assert wall == 227.0 and "start_time" in source
    assert h.train_wall_seconds({}) == (None, None)
    # a resumed run's process measured only its last part: every epoch's own wall time is summed
    resumed = {"train_process_wall_s": 20.0, "resumed_from_epoch": 3}
    wall, source = h.train_wall_seconds(resumed, [{"seconds": 10.0}, {"seconds": 11.5}, {"seconds": 9.0}])
    assert wall == 30.5 and "resumed" in source


# ------------------------------------------------------------------ seeds, summaries, verdicts

def test_seed_rows_summaries_and_one_seed_fallback(tmp_path):
    rng = np.random.default_rng(0)
    mine = _group(tmp_path, "closed", "myostream", [0, 1, 2], [3, 4], params=30000)
    theirs = _group(tmp_path, "closed", "gaddy2022", [0], [1, 2, 3, 4], params=94000)
    nobody = _group(tmp_path, "closed", "ds2emg", [], [0, 1])
    scores = _score({}, mine, _errors(rng, 40, 0, 2, 3))
    _score(scores, theirs, _errors(rng, 40, 3, 5, 1))
    _score(scores, mine, _errors(rng, 40, 0, 3, 3), decoder="greedy")

    rows = h.seed_rows([mine, theirs, nobody], scores)
    assert [(r.model, r.seed) for r in rows] == [("myostream", 0), ("myostream", 1), ("myostream", 2),
                                                 ("gaddy2022", 0)]
    first = rows[0]
    assert first.parameters == 30000 and first.epochs_trained == 30 and first.ceiling == 120
    assert first.stopped == "early" and first.improving_at_ceiling is False and first.train_wall_s == 12.5
    assert first.wer_beam is not None and first.wer_greedy is not None and rows[3].wer_greedy is None

    summaries = {s.model: s for s in h.model_summaries([mine, theirs, nobody], scores)}
    s = summaries["myostream"]
    assert s.seeds == (0, 1, 2) and s.missing_seeds == (3, 4) and s.interval_method == h.SEEDS_AND_UTTERANCES
    assert s.wer == pytest.approx(np.mean(s.wer_per_seed)) and s.wer_sd == pytest.approx(np.std(s.wer_per_seed, ddof=1))
    assert s.wer_low <= s.wer <= s.wer_high
    one = summaries["gaddy2022"]
    assert one.interval_method == h.UTTERANCES_ONLY and one.wer_sd is None
    plain = confidence.utterance_interval(list(scores[str(theirs.present[0].run_dir)]["beam"].records))
    assert (one.wer_low, one.wer_high) == (plain.low, plain.high)   # exactly the utterance bootstrap
    none = summaries["ds2emg"]
    assert none.interval_method == h.NO_RUN and none.wer is None and none.missing_seeds == (0, 1)

    text = h.seed_table_markdown(rows)
    assert all(r.run in text for r in rows) and "WER % beam+LM" in text
    json.dumps(h.as_rows(rows) + h.as_rows(summaries.values()))


def test_pairwise_verdicts_from_seeds_and_utterances(tmp_path):
    rng = np.random.default_rng(1)
    mine = _group(tmp_path, "closed", "myostream", [0, 1, 2])
    theirs = _group(tmp_path, "closed", "gaddy2022", [0, 1, 2])
    single = _group(tmp_path, "closed", "ds2emg", [0])
    other_part = _group(tmp_path, "sizes", "gaddy2022", [0], setting={"model.d_model": 24}, label="d_model=24")
    scores = _score({}, mine, _errors(rng, 60, 0, 2, 3))
    _score(scores, theirs, _errors(rng, 60, 3, 5, 3))
    _score(scores, single, _errors(rng, 60, 0, 2, 1))
    verdicts = h.pairwise_verdicts([mine, theirs, single, other_part], scores)
    assert {(v.b, v.metric) for v in verdicts} == {("gaddy2022", "wer"), ("gaddy2022", "cer"), ("ds2emg", "wer"),
                                                   ("ds2emg", "cer")}
    assert all(v.verdict in VERDICTS and v.a == "myostream" for v in verdicts)
    vs_gaddy = next(v for v in verdicts if v.b == "gaddy2022" and v.metric == "wer")
    assert vs_gaddy.verdict == "better" and vs_gaddy.high < 0 and vs_gaddy.method == h.SEEDS_AND_UTTERANCES
    records = lambda g: [list(scores[str(r.run_dir)]["beam"].records) for r in g.present]  # noqa: E731
    expected = confidence.compare_seed_utterances(records(mine), records(theirs), "wer")
    assert (vs_gaddy.low, vs_gaddy.high) == (expected.difference.low, expected.difference.high)
    vs_single = next(v for v in verdicts if v.b == "ds2emg")
    assert vs_single.seeds_b == 1 and "one seed" in vs_single.method
    # a baseline without any finished run: no numbers, and it says so
    empty = _group(tmp_path, "closed", "ds2emg", [], [0])
    v = h.pairwise_verdicts([mine, empty], scores, metrics=("wer",))[0]
    assert v.verdict == h.NOT_DETERMINABLE and v.method == h.NO_RUN and v.difference is None


def test_notebook_tables_carry_the_typed_rows_and_trace_each_row_to_its_runs(tmp_path):
    rng = np.random.default_rng(3)
    mine = _group(tmp_path, "closed", "myostream", [0, 1, 2], [3], params=30000)
    theirs = _group(tmp_path, "closed", "gaddy2022", [0, 1, 2], params=94000, epochs=120, best=120,
                    stopped_early=False, history=_history([0.9 - 0.005 * i for i in range(120)]))
    scores = _score({}, mine, _errors(rng, 40, 0, 2, 3))
    _score(scores, theirs, _errors(rng, 40, 2, 4, 3))
    groups = [mine, theirs]
    rows = h.seed_rows(groups, scores)
    summaries = h.model_summaries(groups, scores)
    verdicts = h.pairwise_verdicts(groups, scores, metrics=("wer",))
    budget = {"closed": h.budget_rule(rows)}
    study = h.SeedStudy(h.HeadlineRuns("quick", ("closed",), tmp_path, groups), scores, rows, summaries, verdicts,
                        budget)

    summary = h.summary_table(summaries)
    s = summaries[0]
    assert summary[0]["WER %"] == round(100 * s.wer, 2) and summary[0]["WER % sd"] == round(100 * s.wer_sd, 2)
    assert summary[0]["WER % CI low"] <= summary[0]["WER %"] <= summary[0]["WER % CI high"]
    assert summary[0]["seeds"] == 3 and summary[0]["seeds missing"] == "3" and summary[0]["decoder"] == "beam + LM"
    assert summary[0]["WER % per seed"] == ", ".join(f"{100 * w:.1f}" for w in s.wer_per_seed)

    verdict = h.verdict_table(verdicts)[0]
    assert (verdict["A"], verdict["B"], verdict["verdict"]) == ("myostream", "gaddy2022", verdicts[0].verdict)
    assert verdict["difference (points)"] == round(100 * verdicts[0].difference, 2)

    runs = h.run_table(rows)
    assert [r["run"] for r in runs] == [r.run for r in rows]
    assert runs[3]["stopped"].endswith("while improving") and runs[0]["epochs"] == 30

    rule = h.budget_table(budget)[0]
    assert rule["rule holds"] == "no" and rule["stopped at the ceiling while improving"] == 3

    # each row names the manifests of exactly the runs it was computed from
    manifests = study.row_manifests(summary)
    assert manifests[0] == [str(r.run_dir / "manifest.json") for r in mine.present]
    assert study.row_manifests(runs)[4] == [str(theirs.present[1].run_dir / "manifest.json")]
    both = study.row_manifests(h.verdict_table(verdicts))[0]
    assert set(both) == {str(r.run_dir / "manifest.json") for r in mine.present + theirs.present}

    import matplotlib.pyplot as plt

    fig = h.plot_seeds(rows, summaries)
    assert len(fig.axes[0].collections) >= 2   # the seeds' dots and the means' bars
    plt.close(fig)


def test_part_verdicts_compare_each_variant_with_the_reference(tmp_path):
    rng = np.random.default_rng(6)
    full = _group(tmp_path, "ablations", "myostream", [0, 1, 2], label="full model")
    off = _group(tmp_path, "ablations", "myostream", [0, 1, 2], setting={"model.conv_module": False},
                 label="without conv_module")
    half = _group(tmp_path, "ablations", "myostream", [0], [1, 2], setting={"model.augmentation": False},
                  label="without augmentation")
    scores = _score({}, full, _errors(rng, 50, 0, 2, 3), decoder="greedy")
    _score(scores, off, _errors(rng, 50, 2, 4, 3), decoder="greedy")
    _score(scores, half, _errors(rng, 50, 0, 2, 1), decoder="greedy")
    verdicts = h.part_verdicts([full, off, half], scores, decoder="greedy", metrics=("wer",))
    assert [(v.a, v.b) for v in verdicts] == [("myostream (without conv_module)", "myostream"),
                                              ("myostream (without augmentation)", "myostream")]
    assert verdicts[0].verdict == "worse" and verdicts[1].seeds_a == 1 and "one seed" in verdicts[1].method


def test_seed_contrast_is_the_paired_difference_and_interpolates():
    rng = np.random.default_rng(2)
    t = rng.integers(3, 8, 50)
    a, b, c = rng.integers(0, 4, (3, 50)), rng.integers(0, 4, (2, 50)), rng.integers(0, 4, (1, 50))
    paired = confidence.seed_paired_comparison(a, b, t)
    contrast = confidence.seed_contrast([(1, a), (-1, b)], t)
    assert (contrast.low, contrast.high) == (paired.difference.low, paired.difference.high)
    assert contrast.value == pytest.approx(paired.difference.value)
    mixed = confidence.seed_contrast([(0.25, a), (0.75, c), (-1, b)], t)
    rate = lambda e: e.sum(axis=1).mean() / t.sum()  # noqa: E731
    assert mixed.value == pytest.approx(0.25 * rate(a) + 0.75 * rate(c) - rate(b))
    assert mixed.low <= mixed.value <= mixed.high


# ------------------------------------------------------------------ size

def _point(model, setting, params, wer, response_ms=None, seeds=(0, 1, 2)):
    return h.SizePoint(f"sizes/{model}/closed/{setting}", model, "closed", setting, params, seeds, wer, 0.01,
                       wer - 0.02, wer + 0.02, h.SEEDS_AND_UTTERANCES, "beam", response_ms, None,
                       "full context", "greedy", None)


def test_equal_findings_interpolate_in_log_x_and_never_extrapolate():
    rng = np.random.default_rng(3)
    sizes = [("myostream", "a", 10_000, 20.0, 0, 2), ("myostream", "b", 100_000, 40.0, 0, 2),
             ("gaddy2022", "x", 31_623, 30.0, 2, 4), ("gaddy2022", "y", 1_000_000, 80.0, 2, 4)]
    records, points = {}, []
    for model, setting, params, ms, low, high in sizes:
        recs = [_records(rng.integers(low, high, 40)) for _ in range(3)]
        point = _point(model, setting, params, confidence.seed_utterance_interval(recs).mean, ms)
        records[point.key] = recs
        points.append(point)
    mine, theirs = points[:2], points[2:]

    found = h.equal_findings(mine + theirs, records, axis="parameters")
    at_x = next(f for f in found if f.measured == "gaddy2022: x")
    # 31,623 is half way between 10^4 and 10^5 in log10: the mean of MyoStream's two points
    assert at_x.proposed_wer == pytest.approx((mine[0].wer + mine[1].wer) / 2, abs=1e-5)
    assert at_x.reference_wer == theirs[0].wer
    assert at_x.difference == pytest.approx(at_x.proposed_wer - at_x.reference_wer)
    assert at_x.verdict == "better" and at_x.low <= at_x.difference <= at_x.high
    outside = [f for f in found if f.verdict == h.NOT_DETERMINABLE]
    assert {f.measured for f in outside} == {"myostream: a", "gaddy2022: y"}
    assert all("no extrapolation" in f.reason for f in outside)
    at_b = next(f for f in found if f.measured == "myostream: b")
    assert at_b.interpolated.startswith("gaddy2022:") and at_b.verdict == "better"
    summary = h.overall(found)
    assert summary["verdict"] == "better" and summary["counts"][h.NOT_DETERMINABLE] == 2

    # at equal latency: the response latency is the x axis
    latency = h.equal_findings(mine + theirs, records, axis="latency")
    assert next(f for f in latency if f.measured == "gaddy2022: x").at == 30.0
    # without per-utterance records nothing is decided
    bare = h.equal_findings(mine + theirs, None)
    assert {f.verdict for f in bare} == {h.NOT_DETERMINABLE}
    assert any(f.reason == "no per-utterance records" for f in bare)
    assert h.overall([])["verdict"] == h.NOT_DETERMINABLE
    with pytest.raises(ValueError):
        h.equal_findings(mine, records, axis="epochs")


def test_size_points_read_the_timed_latency_and_the_figure_draws(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(4)
    study = _group(tmp_path, "sizes", "myostream", [0, 1], [2], label=h.STUDY_SIZE, reference=True, params=30000)
    small = _group(tmp_path, "sizes", "myostream", [0], [1, 2], setting={"model.d_model": 16}, label="d_model=16",
                   params=11000)
    missing = _group(tmp_path, "sizes", "gaddy2022", [], [0, 1, 2], setting={"model.d_model": 96},
                     label="d_model=96")
    scores = _score({}, study, _errors(rng, 30, 0, 3, 2))
    _score(scores, small, _errors(rng, 30, 1, 4, 1))
    latency = {"models": [{"size": study.key, "kind": "streaming", "weights": "trained (x)",
                           "response_greedy": {"p50_ms": 150.0, "p95_ms": 170.0}, "response_beam": None}]}
    points = h.size_points([study, small, missing], scores, latency)
    assert [p.setting for p in points] == [h.STUDY_SIZE, "d_model=16"]   # no point without a run
    assert points[0].response_ms == 150.0 and points[0].response_decoder == "greedy"
    assert points[0].parameters == 30000 and points[1].response_ms is None
    assert points[1].interval_method == h.UTTERANCES_ONLY
    assert set(h.point_records([study, small, missing], scores)) == {study.key, small.key}
    fig = h.plot_size(points)
    assert len(fig.axes) == 2 and fig.axes[0].get_xscale() == "log"
    import matplotlib.pyplot as plt

    plt.close(fig)


# ------------------------------------------------------------------ streaming

def test_algorithmic_latency_is_the_models_own():
    from semg_study.recipes.config import load_config
    from semg_study.training.data import feature_config_from

    cfg = load_config("myostream-quick")
    kw = cfg.model.kwargs
    rate = feature_config_from(cfg).raw_rate / math.prod(kw["strides"])
    assert h.algorithmic_latency_ms("myostream-quick") == pytest.approx(1000 * (kw["chunk"] + kw["lookahead"]) / rate)
    wider = h.algorithmic_latency_ms("myostream-quick", {"model.chunk": 16, "model.lookahead": 4})
    assert wider == pytest.approx(1000 * 20 / rate)
    assert h.algorithmic_latency_ms("myostream-quick", {"model.streaming_mask": False}) is None
    assert h.algorithmic_latency_ms("gaddy2022-quick") is None


def _stream(setting, ms, wer, ratio, ratio_high=None, streaming=True):
    return h.StreamingPoint(setting, None, None, streaming, ms, (0, 1, 2), (), wer, 0.01, wer - 0.02, wer + 0.02,
                            h.SEEDS_AND_UTTERANCES, "beam", ratio, None if ratio is None else ratio - 0.05,
                            ratio_high, None if ratio is None else ratio - 1, None, None, None,
                            "no significant difference")


def test_select_streaming_rule_and_frontier():
    full = _stream(h.FULL_CONTEXT, None, 0.20, 1.0, streaming=False)
    points = [full, _stream("c2", 50.0, 0.30, 1.5, 1.7), _stream("c4", 100.0, 0.215, 1.075, 1.2),
              _stream("c8", 200.0, 0.21, 1.05, 1.08), _stream("c16", 400.0, 0.20, 1.0, 1.05),
              _stream("worse", 300.0, 0.35, 1.75, 1.9)]
    chosen = h.select_streaming(points)
    assert chosen.outcome == "chosen" and chosen.chosen.setting == "c4"   # the lowest latency that fits
    assert chosen.established is False                                    # its interval reaches past 10 %
    assert [p.setting for p in chosen.frontier] == ["c2", "c4", "c8", "c16"]
    assert h.select_streaming(points, max_relative_cost=0.06).chosen.setting == "c8"
    none = h.select_streaming(points, max_algorithmic_ms=60.0)
    assert none.outcome == "none" and none.chosen is None and len(none.frontier) == 4 and "60 ms" in none.reason
    undecided = h.select_streaming([p for p in points if p.streaming])
    assert undecided.outcome == h.NOT_DETERMINABLE and "full context" in undecided.reason


def test_streaming_points_against_full_context(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    rng = np.random.default_rng(5)
    spec = lambda o: {"config": "myostream-quick", "overrides": {"data.condition": "closed", **o}, "seed": 0}  # noqa: E731
    study = _group(tmp_path, "streaming", "myostream", [0, 1], [2], label="chunk 4, look-ahead 2 (study)",
                   reference=True, spec=spec({}))
    fast = _group(tmp_path, "streaming", "myostream", [0], [1, 2], setting={"model.chunk": 2, "model.lookahead": 0},
                  label="chunk 2, look-ahead 0", spec=spec({"model.chunk": 2, "model.lookahead": 0}))
    full = _group(tmp_path, "streaming", "myostream", [0, 1, 2], setting={"model.streaming_mask": False},
                  label=h.FULL_CONTEXT, spec=spec({"model.streaming_mask": False}))
    scores = _score({}, study, _errors(rng, 40, 0, 3, 2))
    _score(scores, fast, _errors(rng, 40, 1, 4, 1))
    _score(scores, full, _errors(rng, 40, 0, 3, 3))
    points = {p.setting: p for p in h.streaming_points([study, fast, full], scores)}
    assert points[h.FULL_CONTEXT].algorithmic_ms is None and points[h.FULL_CONTEXT].ratio == 1.0
    assert points[h.FULL_CONTEXT].streaming is False and points[h.FULL_CONTEXT].verdict == "reference"
    s = points["chunk 4, look-ahead 2 (study)"]
    assert (s.chunk, s.lookahead) == (4, 2) and s.algorithmic_ms == h.algorithmic_latency_ms("myostream-quick")
    assert s.relative_cost == pytest.approx(s.ratio - 1) and s.verdict in VERDICTS
    assert points["chunk 2, look-ahead 0"].interval_method == h.UTTERANCES_ONLY
    selection = h.select_streaming(list(points.values()))
    assert selection.outcome in ("chosen", "none")
    json.dumps(h.as_rows([selection]))
    fig = h.plot_streaming(list(points.values()), selection)
    import matplotlib.pyplot as plt

    plt.close(fig)


# ------------------------------------------------------------------ tiny smoke runs (slow)

SMOKE_KNOBS = {"budget": {"train.epochs": 2, "train.patience": 8}, "models": ["myostream", "gaddy2022"],
               "closed_seeds": [], "open_seeds": [0, 1], "size_seeds": [], "sizes": {}, "streaming_seeds": [],
               "streaming": []}


@pytest.mark.slow
def test_smoke_runs_located_evaluated_timed_and_never_trained(smoke_corpus, tmp_path, monkeypatch):
    from semg_study.experiments.plan_runs import plan_run
    from semg_study.training import released

    monkeypatch.setenv("SEMG_STUDY_RELEASED", str(tmp_path / "released"))
    runs_root = tmp_path / "runs"
    specs = h.queue("smoke", ("open",), SMOKE_KNOBS)
    wanted = [s for s in specs if s["base"] == "myostream" or s["seed"] == 0]   # gaddy2022 seed 1 left out
    trained = [plan_run(s, "smoke", runs_root=runs_root, data_root=smoke_corpus) for s in wanted]
    # one run only in the released folder: the analysis copies it through plan_run, training nothing
    released.pack(trained[-1], released.released_root())
    import shutil

    shutil.rmtree(trained[-1])
    # a run under way (an unfinished folder of its fingerprint) is listed as such, never resumed
    from semg_study.experiments.plan_runs import spec_run_dir

    left_out = next(s for s in specs if s["base"] == "gaddy2022" and s["seed"] == 1)
    under_way, fingerprint = spec_run_dir(left_out, "smoke", runs_root, smoke_corpus)
    under_way.mkdir()
    (under_way / "manifest.json").write_text(json.dumps({"finished": False, "run_fingerprint": fingerprint}))
    before = sorted(p.name for p in runs_root.iterdir())

    found = h.headline_runs("smoke", "open", runs_root=runs_root, data_root=smoke_corpus, knobs=SMOKE_KNOBS)
    rows = {g.model: g for g in found.groups}
    assert rows["myostream"].seeds_present == (0, 1) and rows["gaddy2022"].seeds_missing == (1,)
    assert [(r.model, r.seed, r.status) for r in found.missing] == [("gaddy2022", 1, "in progress")]
    assert sorted(p.name for p in under_way.iterdir()) == ["manifest.json"]
    assert sorted(p.name for p in runs_root.iterdir()) == sorted(before + [trained[-1].name])  # the copy, no more
    copied = next(r for g in found.groups for r in g.present if r.run_dir.name == trained[-1].name)
    assert copied.source == "released"
    in_place = h.headline_runs("smoke", "open", runs_root=tmp_path / "other", data_root=smoke_corpus,
                               knobs=SMOKE_KNOBS, copy_released=False)
    assert [r.run_dir.parent for r in in_place.present] == [released.released_root()]
    assert not (tmp_path / "other").exists() or not any((tmp_path / "other").iterdir())

    scores = h.evaluate_headline(found)
    assert set(scores) == {str(r.run_dir) for r in found.present}
    rows = h.seed_rows(found, scores)
    assert len(rows) == 3 and all(r.ceiling == 2 and r.patience == 8 for r in rows)
    assert all(r.stopped == "at ceiling" and r.wer_greedy is not None and r.wer_beam is not None for r in rows)
    check = h.budget_rule(rows)
    assert check.ceilings == (2,) and check.holds in (True, False)
    summaries = {s.model: s for s in h.model_summaries(found, scores)}
    assert summaries["myostream"].interval_method == h.SEEDS_AND_UTTERANCES
    assert summaries["gaddy2022"].interval_method == h.UTTERANCES_ONLY
    verdicts = h.pairwise_verdicts(found, scores, parts=("open",))
    assert {v.b for v in verdicts} == {"gaddy2022"} and all(v.verdict in VERDICTS for v in verdicts)

    latency = h.measure_size_latency(found, threads=1, repeats=1, warmup=0, seconds=1.0, part="open")
    points = h.size_points(found, scores, latency, part="open")
    assert {p.model for p in points} == {"myostream", "gaddy2022"}
    assert all(p.response_ms is not None and p.parameters for p in points)
    assert {p.response_kind for p in points} == {"streaming", "full context"}


def test_the_headline_targets_read_the_ratio_over_seeds_and_the_cheapest_streaming_setting():
    from dataclasses import fields

    from semg_study.evaluation.targets import evaluate_targets, targets_for

    def verdict(condition, ratio, low, high):
        values = {f.name: None for f in fields(h.PairVerdict)}
        values.update(part=condition, condition=condition, metric="wer", decoder="beam", a=h.PROPOSED,
                      b=h.REFERENCE, ratio=ratio, ratio_low=low, ratio_high=high, verdict="better", seeds_a=5,
                      seeds_b=5, utterances=100, method="bootstrap")
        return h.PairVerdict(**values)

    def setting(name, ms, cost, streaming=True):
        values = {f.name: None for f in fields(h.StreamingPoint)}
        values.update(setting=name, streaming=streaming, algorithmic_ms=ms, relative_cost=cost, seeds=(0, 1, 2),
                      missing_seeds=())
        return h.StreamingPoint(**values)

    q = h.target_quantities([verdict("closed", 0.5, 0.4, 0.8), verdict("open", 0.9, 0.8, 1.1)],
                            [setting("a", 46.4, 0.40), setting("b", 92.9, 0.19), setting("c", 464.4, 0.05),
                             setting("full context", None, None, streaming=False)])
    closed, open_ = q["closed"]["gaddy_over_myostream"], q["open"]["gaddy_over_myostream"]
    assert closed["wer_ratio"] == pytest.approx(2.0) and (closed["ci_low"], closed["ci_high"]) == pytest.approx((1.25, 2.5))
    assert closed["ci_excludes_1"] and not open_["ci_excludes_1"]  # 1/1.1 .. 1/0.8 holds 1
    # the cheapest setting within 250 ms; the 464 ms one is cheaper but over the bound
    assert q["streaming"]["setting"] == "b" and q["streaming"]["lowest_relative_change"] == pytest.approx(0.19)
    met = {t["name"]: t["met"] for t in evaluate_targets(q, targets_for("headline"))}
    assert met == {"seeds_gaddy_over_myostream_closed_wer": True, "seeds_gaddy_over_myostream_open_wer": False,
                   "seeds_streaming_relative_change": False}
    assert evaluate_targets({}, targets_for("headline"))[0]["met"] is None  # not measured yet: neither met nor missed


def test_training_time_counts_a_run_shared_between_parts_once():
    from types import SimpleNamespace

    rows = [SimpleNamespace(run="myostream-a", train_wall_s=600.0),   # the study size, in the sizes part
            SimpleNamespace(run="myostream-a", train_wall_s=600.0),   # the same run, in the streaming part
            SimpleNamespace(run="gaddy2022-b", train_wall_s=1200.0),
            SimpleNamespace(run="ds2emg-c", train_wall_s=None)]       # an old manifest without a wall time
    assert h.training_time(rows) == {"runs": 3, "worker_minutes": 30.0, "runs_without_wall": 1}
