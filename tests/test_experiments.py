"""The chapters: plans of every profile, and the runners end to end on the smoke corpus."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from semg_study import experiments as exp
from semg_study.chapters.ablations.plan import COMPONENTS
from semg_study.chapters.ablations.runner import run_ablations
from semg_study.chapters.latency.runner import latency_specs
from semg_study.chapters.myostream.runner import myostream_run, run_model_comparisons, run_myostream
from semg_study.chapters.plan import plan, run_specs
from semg_study.errors import ConfigError
from semg_study.recipes import available_configs, load_config
from semg_study.recipes.profiles import PROFILE_SIZE, config_name

PROFILES = ("smoke", "quick", "full")


# ------------------------------------------------------------------------ plans

@pytest.mark.parametrize("profile", PROFILES)
def test_every_planned_run_resolves_to_a_valid_config(profile):
    p = plan(profile)
    specs = run_specs(p) + latency_specs(p)
    assert specs
    known = set(available_configs())
    size = PROFILE_SIZE[profile]
    for spec in specs:
        assert spec["config"] in known, spec["config"]
        assert spec["config"].endswith(f"-{size}")
        # every override key exists (load_config raises ConfigError on an unknown key)
        cfg = load_config(spec["config"], [f"{k}={json.dumps(v)}" for k, v in spec["overrides"].items()])
        for key, value in spec["overrides"].items():
            section, name = key.split(".")
            got = cfg.model.kwargs[name] if section == "model" else getattr(getattr(cfg, section), name)
            assert got == value, (key, got, value)


def test_profile_maps_to_config_size():
    assert config_name("ds2emg", "smoke") == "ds2emg-smoke"
    assert config_name("ds2emg", "quick") == "ds2emg-quick"
    assert config_name("ds2emg", "full") == "ds2emg-paper"
    with pytest.raises(ConfigError):
        plan("medium")


@pytest.mark.parametrize("profile,min_seeds", [("smoke", 1), ("quick", 2), ("full", 3)])
def test_ablations_switch_each_component_off_once_per_seed(profile, min_seeds):
    p = plan(profile)["ablations"]
    seeds = p["seeds"]
    assert len(seeds) >= min_seeds
    assert set(p["components"]) == set(COMPONENTS)
    off = Counter(s["switched_off"] for s in p["runs"])
    assert off[None] == len(seeds)  # the full model, once per seed
    for component in COMPONENTS:
        assert off[component] == len(seeds), component
    for spec in p["runs"]:
        switched = {k.split(".")[1] for k, v in spec["overrides"].items() if k.startswith("model.") and v is False}
        assert switched == ({spec["switched_off"]} if spec["switched_off"] else set())
    # same budget: every variant has the same non-model overrides
    budgets = {json.dumps({k: v for k, v in s["overrides"].items() if not k.startswith("model.")}, sort_keys=True)
               for s in p["runs"]}
    assert len(budgets) == 1


@pytest.mark.parametrize("profile", PROFILES)
def test_table31_and_baseline_plans(profile):
    p = plan(profile)
    rows = p["table31"]["runs"]
    assert rows[0]["corpus"] == "ljspeech" and rows[0]["original_wer"] is None  # no LJSpeech WER reported
    assert [r["label"] for r in rows] == ["ASR-LJSpeech", "ASR-SilentSpeechVocal-Closed",
                                          "ASR-SilentSpeechVocal-Full"]
    assert [r["base"] for r in rows] == ["ds2audio_ljspeech", "ds2audio_closed", "ds2audio_full"]
    assert {r["corpus"] for r in rows[1:]} == {"dv"}
    assert len(p["table31"]["fixes"]) == 6
    emg = p["emg_baselines"]
    expected = {(m, c) for m in ("ds2emg", "gaddy2022") for c in ("closed", "open")}
    if profile == "quick":  # DS2 on EMG features: closed vocabulary only at quick size (plans._PROFILE)
        expected -= {("ds2emg", "open")}
    assert {(s["base"], s["condition"]) for s in emg["runs"]} == expected
    assert set(emg["modes"]) == {"silent", "voiced"}


# --------------------------------------------------------- runners, end to end

@pytest.fixture(scope="session")
def smoke_study(smoke_corpus, tmp_path_factory):
    from semg_study.report.context import start_notebook

    out = tmp_path_factory.mktemp("experiments_out")
    return start_notebook("test_experiments", profile="smoke", data_root=smoke_corpus, out_dir=out,
                          runs_root=out / "runs", device="cpu", seed=0)


@pytest.fixture(scope="session")
def myostream_result(smoke_study):
    return run_myostream(smoke_study)


def test_myostream_runner_rows_cite_their_run(myostream_result, smoke_study):
    res = myostream_result
    assert [r["decoder"] for r in res.rows] == ["greedy", "beam + word 3-gram LM"] * 2  # open, then closed
    assert [r["condition"] for r in res.rows] == ["open", "open", "closed", "closed"]
    for row in res.rows:  # every rate with its CI, every row naming its run and where it came from
        assert row["WER % CI low"] is None or row["WER % CI low"] <= row["WER %"] <= row["WER % CI high"]
        assert row["run"] and row["source"] in ("released", "trained now", "local cache")
    assert len(res.manifests) == len(res.rows)
    for row, manifests in zip(res.rows, res.manifests):
        manifest = json.loads(Path(manifests[0]).read_text())
        assert manifest["config_name"] == row["config"] == "myostream-smoke"
        assert manifest["synthetic"] is True
        assert 0.0 <= row["CER %"]
    saved = smoke_study.table(res.rows, "test_05", res.caption, manifests=res.manifests, config=res.config)
    assert saved.rows == res.rows


def test_runs_and_evaluations_are_reused(myostream_result, smoke_study):
    run_dir = myostream_result.runs[0]
    manifest_mtime = (run_dir / "manifest.json").stat().st_mtime_ns
    assert myostream_run(smoke_study) == run_dir  # through train_cached: not retrained
    assert (run_dir / "manifest.json").stat().st_mtime_ns == manifest_mtime
    metrics_file = run_dir / "eval" / "test-silent-greedy" / "metrics.json"
    before = metrics_file.stat().st_mtime_ns
    again = exp.evaluate_cached(run_dir, "test", "greedy", "silent")
    assert metrics_file.stat().st_mtime_ns == before
    assert again["wer"] == myostream_result.details[0]["metrics"]["wer"]


def test_worst_utterances_come_from_the_predictions(myostream_result):
    beam = myostream_result.details[1]["metrics"]
    rows, text = exp.worst_utterances(beam, k=2)
    predictions = [json.loads(line) for line in Path(beam["predictions"]).read_text().splitlines()]
    assert 1 <= len(rows) <= 2
    by_id = {p["id"]: p for p in predictions}
    for row in rows:
        assert row["hypothesis"] == by_id[row["utterance"]]["hypothesis"]
        assert f"[{row['utterance']}]" in text
    errors = [r["substitutions"] + r["deletions"] + r["insertions"] for r in rows]
    assert errors == sorted(errors, reverse=True)


def test_attention_weights_follow_the_streaming_mask(myostream_result, smoke_study):
    from semg_study.chapters.myostream.figures import attention_view
    from semg_study.models.myostream import streaming_mask

    view = attention_view(myostream_result.runs[0], smoke_study.corpus)
    assert view["streaming"]
    for layer, w in enumerate(view["weights"]):
        heads, T, T2 = w.shape
        assert T == T2
        np.testing.assert_allclose(w.sum(-1), 1.0, atol=1e-4)
        allowed = streaming_mask(T, view["chunk"], view["left_chunks"], view["lookahead"] if layer == 0 else 0).numpy()
        assert np.all(w[:, ~allowed] == 0)


def test_first_conv_activations_of_a_trained_run(myostream_result, smoke_study):
    from semg_study.chapters.features import views as fv

    view = fv.first_conv_activations(myostream_result.runs[0], smoke_study.corpus)
    assert view["activations"].ndim == 2 and view["activations"].shape[1] > 0
    assert np.isfinite(view["activations"]).all()


def test_ablation_runner_reports_mean_std_and_per_seed(smoke_study):
    p = plan("smoke")
    keep = {"full model", "without streaming_mask"}
    runs = [s for s in p["ablations"]["runs"] if s["variant"] in keep]
    runs += [dict(s, seed=1) for s in runs]  # two seeds, as in the quick profile
    p["ablations"]["runs"], p["ablations"]["seeds"] = runs, [0, 1]
    res = run_ablations(smoke_study, p)
    assert [r["variant"] for r in res.rows] == ["full model", "without streaming_mask"]
    from semg_study.report.thesis.records import ABLATION_COLUMNS

    # the rows carry every column the one reader of the ablation table (the dissertation's records) needs
    assert all(set(ABLATION_COLUMNS) <= set(row) for row in res.rows)
    for row, manifests, detail in zip(res.rows, res.manifests, res.details):
        assert row["seeds"] == "0, 1" and len(manifests) == 2 and len(set(manifests)) == 2
        assert row["WER % mean"] == pytest.approx(np.mean(detail["wers"]), abs=0.01)
        assert row["WER % std"] == pytest.approx(np.std(detail["wers"], ddof=1), abs=0.01)
        assert len(row["WER % per seed"].split(", ")) == 2
    assert res.rows[0]["ΔWER vs full model (points)"] == 0
    for row in res.rows:  # the seeds' mean with a CI over utterances
        assert row["WER % CI low"] is None or row["WER % CI low"] <= row["WER %"] <= row["WER % CI high"]
    full, variant = res.rows
    assert full["verdict vs full model"] is None and full["difference CI low"] is None
    wer_vs_full = next(c for c in res.comparisons if c["metric"] == "WER %")
    assert variant["verdict vs full model"] == wer_vs_full["verdict"]  # the ablation row states its comparison
    assert variant["ΔWER vs full model (points)"] == wer_vs_full["difference (points)"]
    assert (variant["difference CI low"], variant["difference CI high"]) == \
        (wer_vs_full["difference CI low"], wer_vs_full["difference CI high"])
    assert {(c["seeds A"], c["seeds B"]) for c in res.comparisons} == {(2, 2)}
    assert {c["comparison"] for c in res.comparisons} == {"without streaming_mask vs full model"}
    assert {c["metric"] for c in res.comparisons} == {"WER %", "CER %"}
    for c in res.comparisons:
        assert c["verdict"] in ("better", "worse", "no significant difference", "not enough utterances")
    from semg_study.chapters.ablations.figures import plot_ablations

    fig = plot_ablations(res)
    assert len(fig.axes) == 2


def test_parallel_training_gives_the_runs_of_sequential_training(smoke_corpus, tmp_path):
    """Two worker processes train the same seeded runs as one process does, one by one."""
    import torch

    from semg_study.report.context import start_notebook
    from semg_study.training import load_run

    p = plan("smoke")
    specs = [s for s in p["ablations"]["runs"] if s["variant"] in ("full model", "without conv_module")]
    assert len(specs) == 2
    parallel = start_notebook("test_parallel", profile="smoke", data_root=smoke_corpus, out_dir=tmp_path / "a",
                              runs_root=tmp_path / "a" / "runs")
    sequential = start_notebook("test_sequential", profile="smoke", data_root=smoke_corpus, out_dir=tmp_path / "b",
                                runs_root=tmp_path / "b" / "runs")
    runs_parallel = exp.train_specs(parallel, specs, workers=2)
    runs_sequential = exp.train_specs(sequential, specs, workers=1)
    assert [r.parent for r in runs_parallel] == [tmp_path / "a" / "runs"] * 2
    for a, b in zip(runs_parallel, runs_sequential):
        assert a.name == b.name  # same fingerprint
        sa, sb = load_run(a).model.state_dict(), load_run(b).model.state_dict()
        assert sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_a_model_with_several_seeds_is_compared_over_its_seeds(myostream_result, smoke_study):
    """Adding seeds to the plan is all it takes: each model's mean, sd and seed-and-utterance CI."""
    p = plan("smoke")
    closed = [s for s in p["myostream"]["runs"] if s["condition"] == "closed"]
    p["myostream"]["runs"] = closed + [dict(s, seed=1) for s in closed]
    p["emg_baselines"]["runs"] = [s for s in p["emg_baselines"]["runs"]
                                  if s["condition"] == "closed" and s["label"].startswith("Gaddy")]
    res = run_model_comparisons(smoke_study, p)
    assert [r["metric"] for r in res.rows] == ["WER %", "CER %"]
    for row, manifests in zip(res.rows, res.manifests):
        assert (row["seeds A"], row["seeds B"]) == (2, 1) and len(manifests) == 3
        assert len(row["run A"].split(", ")) == 2
        assert row["A sd (points)"] is not None and row["B sd (points)"] is None
        assert row["A CI low"] is None or row["A CI low"] <= row["A %"] <= row["A CI high"]
        assert row["verdict"] in ("better", "worse", "no significant difference", "not enough utterances")


def test_comparison_rows_of_seeds_reduce_to_one_seed_rows():
    from semg_study.experiments.comparisons import comparison_rows_from, seed_comparison_rows, seed_summary_columns

    rng = np.random.default_rng(2)
    words = rng.integers(3, 9, 40)

    def records(rate):
        errors = rng.binomial(words, rate)
        return [{"id": f"u{i}", "word_errors": int(e), "words": int(w), "character_errors": int(2 * e),
                 "characters": int(5 * w)} for i, (e, w) in enumerate(zip(errors, words))]

    a, b = [records(0.2), records(0.3)], [records(0.4)]
    one = comparison_rows_from("a vs b", a[0], b[0])
    assert [r["seeds A"] for r in one] == [1, 1] and one[0]["A sd (points)"] is None
    rows = seed_comparison_rows("a vs b", a, b)
    assert rows[0]["A %"] == pytest.approx(np.mean([sum(r["word_errors"] for r in s) / words.sum() for s in a]) * 100,
                                           abs=0.01)
    summary = seed_summary_columns(a)
    assert summary["WER %"] == rows[0]["A %"] and summary["WER % std"] == rows[0]["A sd (points)"]
    assert (summary["WER % CI low"], summary["WER % CI high"]) == (rows[0]["A CI low"], rows[0]["A CI high"])


def test_myostream_is_compared_with_each_baseline_on_the_same_utterances(myostream_result, smoke_study):
    res = run_model_comparisons(smoke_study)
    labels = {r["comparison"] for r in res.rows}
    assert labels == {f"MyoStream vs {m} ({c})" for m in ("DeepSpeech2 (EMG features)", "Gaddy 2022 reproduction")
                      for c in ("open", "closed")}
    for row, manifests in zip(res.rows, res.manifests):
        assert len(manifests) == 2 and row["run A"] != row["run B"]
        assert row["difference (points)"] == pytest.approx(row["A %"] - row["B %"], abs=0.02)
        assert row["verdict"] in ("better", "worse", "no significant difference", "not enough utterances")


def test_first_conv_figure_panels_share_width_and_input_in_microvolts():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from semg_study.chapters.features import views as fv

    rng = np.random.default_rng(0)
    uv = rng.normal(size=(400, 8)) * 30.0
    view = {"input": 50.0 * np.tanh(uv / 20.0 / 50.0), "input_rate": 400.0, "activations": rng.normal(size=(24, 400)),
            "rate": 400.0, "utterance": "s/1", "model": "myostream", "layer": "conv", "raw_scale": 20.0,
            "raw_clip": 50.0}
    back, in_uv = fv._input_microvolts(view)
    assert in_uv and np.allclose(back, uv, atol=1e-3)
    fig = fv.plot_first_conv(view)
    fig.canvas.draw()
    top, bottom = fig.axes[0].get_position(), fig.axes[1].get_position()
    assert abs(top.x0 - bottom.x0) < 1e-6 and abs(top.x1 - bottom.x1) < 1e-6   # one time axis for both
    assert any("µV" in t.get_text() for t in fig.axes[0].texts)
    plt.close(fig)
