"""``make bench`` (the package ``semg_study.experiments.benchmark``) on the smoke profile: every field, no timing assertions.

The smoke benchmark runs once for the module (seven small runs, each trained in
a child process); a second invocation must reuse every run.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from semg_study import errors
from semg_study.evaluation import lm_weights
from semg_study.evaluation import targets as study_targets
from semg_study.experiments.benchmark import cli as bcli
from semg_study.experiments.benchmark import markdown as bmarkdown
from semg_study.experiments.benchmark import notebook as bnotebook
from semg_study.experiments.benchmark import plan as bplan
from semg_study.experiments.benchmark import report as breport
from semg_study.experiments.benchmark import stages

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def smoke_bench(smoke_corpus, tmp_path_factory):
    base = tmp_path_factory.mktemp("benchmark")
    report = stages.run_benchmark("smoke", data_root=smoke_corpus, out_dir=base / "out", runs_root=base / "runs",
                              progress=False)
    return {"report": report, "base": base, "corpus": smoke_corpus,
            "json": json.loads(Path(report["paths"]["json"]).read_text())}


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def test_plan_is_data_with_equal_budgets():
    quick = bplan.benchmark_plan("quick")
    assert quick["epochs"] == bplan.EPOCHS["quick"] and quick["threads"] == 2 and quick["seed"] == 0
    assert quick["models"] == {"deepspeech2": {"config": "ds2emg-quick", "label": bplan.MODELS["deepspeech2"][1]},
                               "gaddy2022": {"config": "gaddy2022-quick", "label": bplan.MODELS["gaddy2022"][1]},
                               "myostream": {"config": "myostream-quick", "label": bplan.MODELS["myostream"][1]}}
    assert quick["conditions"] == ["open", "closed"] and quick["splits"] == ["dev", "test"]
    assert quick["modes"] == ["silent", "voiced"] and quick["decoders"] == ["greedy", "beam"]
    # models x conditions (at quick size DS2 on EMG features is closed only: recipes.profiles),
    # full-context MyoStream, DS2 on audio x 2
    assert len(quick["runs"]) == 5 + 1 + 2
    for condition in ("open", "closed"):
        overrides = [r["overrides"] for r in quick["runs"] if r["condition"] == condition and not r["variant"]]
        assert len(overrides) == (3 if condition == "closed" else 2) and all(o == overrides[0] for o in overrides)
        # quick: the configs' equal ceilings and patience are the budget (open: one shared 30-epoch ceiling)
        ceiling = {"train.epochs": 30} if condition == "open" else {}
        assert bplan.EPOCHS["quick"] is None and overrides[0] == {"seed": 0, "device": "cpu", **ceiling,
                                                            "data.condition": condition}
    variant = [r for r in quick["runs"] if r["variant"] == bplan.FULL_CONTEXT]
    assert len(variant) == 1 and variant[0]["overrides"]["model.streaming_mask"] is False
    assert variant[0]["condition"] == "closed" and variant[0]["config"] == "myostream-quick"
    audio = [r for r in quick["runs"] if r["model"] == "ds2audio"]
    assert {r["config"] for r in audio} == {"ds2audio_closed-quick", "ds2audio_full-quick"}
    assert {r["config"] for r in bplan.benchmark_plan("smoke")["runs"] if r["model"] == "ds2audio"} == {
        "ds2audio_closed-smoke", "ds2audio_full-smoke"}
    assert all(r["modes"] == ["voiced"] for r in audio)
    full = bplan.benchmark_plan("full")
    assert full["epochs"] == bplan.EPOCHS["full"]
    assert {r["overrides"]["train.epochs"] for r in full["runs"]} == {bplan.EPOCHS["full"]}
    assert bplan.benchmark_plan("full")["models"]["myostream"]["config"] == "myostream-paper"
    assert bplan.benchmark_plan("smoke", epochs=1)["runs"][0]["overrides"]["train.epochs"] == 1
    with pytest.raises(errors.ConfigError):
        bplan.benchmark_plan("huge")


def test_ratio_and_target_logic_on_a_hand_built_report():
    models = {"myostream": {"wer": 0.4, "cer": 0.2, "parameters": 100, "latency_p50_ms": 5.0, "latency_p95_ms": None,
                            "rtf_p50": 0.01, "checkpoint_bytes": 10, "train": {"peak_rss_mb": 300.0,
                                                                               "utterances_per_s": 50.0, "wall_s": 10.0}},
              "gaddy2022": {"wer": 0.5, "cer": 0.0, "parameters": 400, "latency_p50_ms": 20.0, "latency_p95_ms": 30.0,
                            "rtf_p50": 0.04, "checkpoint_bytes": 40, "train": {"peak_rss_mb": None,
                                                                               "utterances_per_s": 25.0, "wall_s": 0}}}
    ratios = breport.compute_ratios(models)
    assert ratios["wer"] == pytest.approx(0.8) and ratios["parameters"] == pytest.approx(0.25)
    assert ratios["latency_p50"] == pytest.approx(0.25) and ratios["train_utterances_per_s"] == pytest.approx(2.0)
    # a 0 or missing denominator (or numerator) gives None, never a division error
    assert ratios["cer"] is None and ratios["train_wall_s"] is None and ratios["train_peak_rss"] is None
    assert ratios["latency_p95"] is None
    assert breport.relative_change(0.55, 0.5) == pytest.approx(0.1) and breport.relative_change(0.3, 0.0) is None
    assert breport.relative_change(None, 0.5) is None

    report = {"ratios": ratios, "streaming": {"chunk_p95_ms": 60.0, "algorithmic_ms": 250.0,
                                              "wer_relative_change": -0.3}}
    targets = {t["name"]: t for t in study_targets.evaluate_targets(report)}
    assert {"parameters_ratio", "latency_p50_ratio", "chunk_p95_ms", "algorithmic_ms",
            "streaming_wer_relative_change", "myostream_closed_wer", "gaddy_over_myostream_closed_wer",
            "ds2audio_closed_wer", "ds2audio_open_cer", "myostream_open_cer", "study_wall_s"} <= set(targets)
    assert targets["myostream_closed_wer"]["met"] is None  # not measured in this hand-built report
    assert targets["parameters_ratio"]["met"] is True and targets["parameters_ratio"]["threshold"] == pytest.approx(1 / 3)
    assert targets["chunk_p95_ms"]["met"] is False and targets["algorithmic_ms"]["met"] is True
    assert targets["streaming_wer_relative_change"]["met"] is True  # an improvement is met
    report["ratios"]["parameters"] = None
    assert [t for t in study_targets.evaluate_targets(report) if t["name"] == "parameters_ratio"][0] == {
        **targets["parameters_ratio"], "value": None, "met": None}
    report["findings"] = {"gaddy_vs_myostream_closed": {"wer_ratio": 1.5, "wer_ratio_ci_excludes_1": False}}
    target = [t for t in study_targets.evaluate_targets(report) if t["name"] == "gaddy_over_myostream_closed_wer"][0]
    assert target["comparison"] == ">=" and target["met"] is False  # the CI of the ratio must exclude 1
    report["findings"]["gaddy_vs_myostream_closed"]["wer_ratio_ci_excludes_1"] = True
    assert [t for t in study_targets.evaluate_targets(report) if t["name"] == "gaddy_over_myostream_closed_wer"][0]["met"]


def test_benchmark_json_has_every_field(smoke_bench):
    report, data = smoke_bench["report"], smoke_bench["json"]
    assert Path(report["paths"]["json"]).name.endswith("-smoke.json")
    for key in breport.REQUIRED_KEYS:
        assert key in data, key
    assert data["profile"] == "smoke" and data["synthetic"] is True and data["data"]["label"] == "synthetic"
    assert data["data"]["root"] == str(Path(smoke_bench["corpus"]).resolve()) and len(data["data"]["fingerprint"]) == 64
    assert set(data["models"]) == {"deepspeech2", "gaddy2022", "myostream"}
    for name, m in data["models"].items():
        assert m["config"] == data["budget"]["configs"][name] and Path(m["run"]).is_dir()
        assert "test split" in m["headline"] and "LM" in m["headline"]
        for field in ("wer", "cer", "wer_greedy", "cer_greedy", "dev_wer", "dev_cer", "latency_p50_ms",
                      "latency_p95_ms", "rtf_p50"):
            assert _is_number(m[field]) and m[field] >= 0, (name, field)
        assert isinstance(m["parameters"], int) and m["parameters"] > 0
        assert isinstance(m["checkpoint_bytes"], int) and m["checkpoint_bytes"] > 0
        train = m["train"]
        assert train["epochs"] == data["budget"]["epochs"] == 2 and train["source"] == "this invocation"
        assert all(_is_number(train[k]) and train[k] > 0 for k in ("wall_s", "utterances_per_s", "peak_rss_mb"))
        assert set(m["runs"]) == {"open", "closed"}
        results = m["results"]
        assert len(results) == 2 * 2 * 2 * 2  # conditions x splits x modes x decoders
        assert {(r["condition"], r["split"], r["mode"], r["decoder"]) for r in results} == {
            (c, s, mo, d) for c in ("open", "closed") for s in ("dev", "test") for mo in ("silent", "voiced")
            for d in ("greedy", "beam")}
        for r in results:
            assert _is_number(r["wer"]) and _is_number(r["cer"]) and r["utterances"] > 0
            assert Path(r["metrics"]).is_file()
        head = [r for r in results if (r["condition"], r["split"], r["mode"], r["decoder"]) ==
                ("open", "test", "silent", "beam")][0]
        assert (m["wer"], m["cer"]) == (head["wer"], head["cer"])
        resources = json.loads((Path(m["run"]) / "bench" / "train_resources.json").read_text())
        assert resources["peak_rss_mb"] == train["peak_rss_mb"] and resources["source"] == "this invocation"
    assert data["variants"]["myostream_full_context"]["results"]
    budget = data["budget"]
    assert budget["equal_epochs"] is True and budget["seed"] == 0 and budget["threads"] == 1
    assert budget["identical_overrides"] == {"seed": 0, "device": "cpu", "train.epochs": 2}
    assert len(data["manifests"]) == 9
    for entry in data["manifests"].values():
        assert entry["manifest"]["finished"] is True and Path(entry["path"]).is_file()
    assert data["machine"]["torch_threads"] == 1 and data["machine"]["cpu_count"] >= 1
    assert "commit" in data["git"] and "torch" in data["package_versions"]
    assert _is_number(data["wall_s"]) and data["wall_s"] > 0

    s = data["streaming"]
    for field in ("chunk_p95_ms", "chunk_ms", "algorithmic_ms", "total_response_ms", "streaming_wer",
                  "full_context_wer", "streaming_wer_greedy", "full_context_wer_greedy", "max_abs_logprob_diff"):
        assert _is_number(s[field]) and s[field] >= 0, field
    full = [r for r in data["variants"]["myostream_full_context"]["results"]
            if (r["condition"], r["split"], r["mode"], r["decoder"]) == ("closed", "test", "silent", "beam")][0]
    assert s["full_context_wer"] == full["wer"] and s["condition"] == "closed"
    f = data["findings"]
    assert f["myostream_closed"]["wer_ci"][0] <= f["myostream_closed"]["wer"] <= f["myostream_closed"]["wer_ci"][1]
    assert f["gaddy_vs_myostream_closed"]["wer"]["verdict"] in ("better", "worse", "no significant difference")
    assert f["streaming_vs_full_context"]["utterances"] == s["utterances"]
    assert s["wer_relative_change"] == breport.relative_change(s["streaming_wer"], s["full_context_wer"])
    assert isinstance(s["matches_full_pass"], bool) and s["length_mismatches"] >= 0
    assert all(Path(p).is_file() for p in s["metrics"].values())


def test_ratios_are_quotients_of_the_models_fields(smoke_bench):
    data = smoke_bench["json"]
    proposed, reference = data["models"]["myostream"], data["models"]["gaddy2022"]
    assert set(data["ratios"]) == set(bplan.RATIO_FIELDS)
    for name, path in bplan.RATIO_FIELDS.items():
        num, den = study_targets.dotted_get(proposed, path), study_targets.dotted_get(reference, path)
        if not den:
            assert data["ratios"][name] is None, name
        else:
            assert data["ratios"][name] == pytest.approx(num / den), name


def test_targets_are_consistent(smoke_bench):
    data = smoke_bench["json"]
    names = [t["name"] for t in data["targets"]]
    assert names == [t["name"] for t in study_targets.targets_for("benchmark")]
    for t in data["targets"]:
        assert _is_number(t["threshold"]) and t["comparison"] in ("<=", ">=")
        assert t["value"] == study_targets.dotted_get(data, t["quantity"])
        if t["value"] is None:
            assert t["met"] is None
        elif not t.get("requires"):
            assert t["met"] is (t["value"] <= t["threshold"] if t["comparison"] == "<=" else t["value"] >= t["threshold"])


def test_lm_weights_are_chosen_on_dev_and_used_for_every_beam_result(smoke_bench):
    data = smoke_bench["json"]
    grid = data["lm_weights"]["grid"]
    per_run = data["lm_weights"]["per_run"]
    assert set(per_run) == {r["key"] for r in bplan.benchmark_plan("smoke")["runs"]}
    for key, w in per_run.items():
        assert w["alpha"] in grid["alpha"] and w["beta"] in grid["beta"] and w["split"] == "dev"
    for name, entry in data["models"].items():
        for row in entry["results"]:
            if row["decoder"] == "beam" and row["condition"] == "open":
                # the weights chosen on the dev split of the mode decoded (the study's rule)
                metrics = json.loads(Path(row["metrics"]).read_text())
                tuned_on_mode = json.loads((Path(entry["run"]) / "eval" / f"lm-weights-dev-{metrics['mode']}.json")
                                           .read_text())
                assert (metrics["decoder"]["alpha"], metrics["decoder"]["beta"]) == \
                    (tuned_on_mode["alpha"], tuned_on_mode["beta"]), (name, row)
                if metrics["mode"] == "silent":  # the report shows the headline mode's weights
                    w = entry["lm_weights"]
                    assert (w["alpha"], w["beta"]) == (tuned_on_mode["alpha"], tuned_on_mode["beta"])
    run = Path(data["models"]["myostream"]["run"])
    tuned = json.loads((run / "eval" / "lm-weights-dev-silent.json").read_text())
    best = min(tuned["points"], key=lambda q: (q["wer"], q["cer"], q["alpha"], q["beta"]))
    assert (best["alpha"], best["beta"]) == (tuned["alpha"], tuned["beta"])
    assert len(tuned["points"]) == len(grid["alpha"]) * len(grid["beta"])
    with pytest.raises(errors.ConfigError, match="never on the test split"):
        lm_weights.tune_lm_weights(run, split="test")


def test_markdown_report_says_synthetic(smoke_bench):
    text = Path(smoke_bench["report"]["paths"]["markdown"]).read_text()
    assert text.startswith("# Benchmark") and "synthetic data" in text.splitlines()[0]
    for heading in ("## Models (synthetic data)", "## Ratios and targets (synthetic data)",
                    "## Streaming (synthetic data)", "## Every evaluation (synthetic data)"):
        assert heading in text
    assert "myostream_closed_wer" in text and "| myostream |" in text and "## Findings (synthetic data)" in text
    # one long-table row per evaluation of every run
    data = smoke_bench["json"]
    n = sum(len(e["results"]) for e in [*data["models"].values(), *data["variants"].values()])
    assert text.count("| beam + LM |") + text.count("| greedy |") == n == 6 * 8 + 8 + 2 * 4


def test_figure_of_the_benchmark(smoke_bench):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from semg_study.report.figures import plot_benchmark_wer_vs_latency

    data = smoke_bench["json"]
    fig = plot_benchmark_wer_vs_latency(data)
    ax = fig.axes[0]
    assert "synthetic data" in ax.get_title() and ax.get_xscale() == "log"
    assert len(ax.collections) == 3 + 1  # one point per model, plus the streaming star
    assert "synthetic data" in bmarkdown.figure_caption(data)
    plt.close(fig)

    real = {**data, "synthetic": False, "streaming": {}}
    real["models"] = {**data["models"], "gaddy2022": {**data["models"]["gaddy2022"], "wer": None}}
    fig = plot_benchmark_wer_vs_latency(real)
    assert "synthetic" not in fig.axes[0].get_title() and len(fig.axes[0].collections) == 2
    assert "synthetic" not in bmarkdown.figure_caption(real)
    plt.close(fig)


def test_latest_and_load_benchmark(smoke_bench, tmp_path):
    out = Path(smoke_bench["report"]["paths"]["json"]).parent
    assert breport.latest_benchmark(out, "smoke") == Path(smoke_bench["report"]["paths"]["json"])
    assert breport.latest_benchmark(out, "quick") is None and breport.latest_benchmark(tmp_path / "none", "smoke") is None
    older = tmp_path / "2000-01-01-smoke.json"
    older.write_text(json.dumps(smoke_bench["json"]))
    (tmp_path / "2999-01-01-quick.json").write_text("{}")
    assert breport.latest_benchmark(tmp_path, "smoke") == older
    with pytest.raises(errors.DataError, match="2999-01-01-quick.json.*missing"):
        breport.load_benchmark(tmp_path / "2999-01-01-quick.json")
    assert bnotebook.notebook_benchmark("quick", out_dir=tmp_path / "none") is None  # quick/full never invent one
    assert bnotebook.notebook_benchmark("smoke", out_dir=out)["created"] == smoke_bench["json"]["created"]


def test_rerun_reuses_every_cached_run(smoke_bench, capsys):
    base = smoke_bench["base"]
    checkpoints = {p: p.stat().st_mtime for p in (base / "runs").glob("*/checkpoints/last.pt")}
    assert len(checkpoints) == 9
    code = bcli.main(["--profile", "smoke", "--data-root", str(smoke_bench["corpus"]), "--out-dir", str(base / "out"),
                    "--runs-root", str(base / "runs"), "--no-progress"])
    printed = capsys.readouterr().out
    assert code == 0 and "| myostream_closed_wer |" in printed and "-smoke.json" in printed
    data = json.loads(Path(smoke_bench["report"]["paths"]["json"]).read_text())
    if data["code_version"]["start"] != smoke_bench["json"]["code_version"]["end"]:
        # a run's fingerprint includes the training code: edited in between, nothing can be reused
        pytest.skip("the training code changed between the two invocations (a working tree edited meanwhile)")
    assert {p: p.stat().st_mtime for p in checkpoints} == checkpoints  # nothing retrained
    for name, m in {**data["models"], **data["variants"]}.items():
        assert m["train"]["source"] == "cached", name
        first = smoke_bench["json"]["models"].get(name) or smoke_bench["json"]["variants"][name]
        assert m["train"]["peak_rss_mb"] == first["train"]["peak_rss_mb"]  # the numbers measured when trained
        assert json.loads((Path(m["run"]) / "bench" / "train_resources.json").read_text())["source"] == "cached"
        assert m["run"] == first["run"]


def test_bad_data_root_is_a_clear_error(tmp_path, capsys):
    missing = tmp_path / "no-such-dataset"
    assert bcli.main(["--profile", "smoke", "--data-root", str(missing), "--out-dir", str(tmp_path / "out"),
                    "--runs-root", str(tmp_path / "runs"), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert str(missing) in err and "does not exist" in err and "Traceback" not in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert bcli.main(["--profile", "smoke", "--data-root", str(empty), "--no-progress",
                    "--out-dir", str(tmp_path / "out")]) == 1
    assert str(empty) in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_run_script_is_a_thin_entry_point():
    import subprocess
    import sys

    res = subprocess.run([sys.executable, str(REPO / "benchmarks" / "run.py"), "--profile", "smoke", "--data-root",
                          "/nonexistent/dv-root"], capture_output=True, text=True, timeout=120)
    assert res.returncode == 1 and "/nonexistent/dv-root" in res.stderr
    assert "bench" in (REPO / "Makefile").read_text()


def test_an_empty_split_is_a_clear_error_and_notebook_07_goes_on(tmp_path, capsys):
    from layout_fixture import make_layout_fixture

    from semg_study import io

    fx = make_layout_fixture(tmp_path / "data")
    io.write_json(fx.root / "testset_largedev.json", {"dev": [["books/War_of_the_Worlds.txt", 11]], "test": []})
    with pytest.raises(stages.EmptySplitError, match="open test silent") as err:
        stages.resolve_corpus("smoke", fx.root)
    assert str(fx.root / "testset_largedev.json") in str(err.value)
    assert bnotebook.notebook_benchmark("smoke", out_dir=tmp_path / "bench", data_root=fx.root,
                                 runs_root=tmp_path / "runs") is None
    assert "comparison figure is skipped" in capsys.readouterr().out
    assert not (tmp_path / "runs").exists()  # nothing was trained
