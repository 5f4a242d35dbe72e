"""``semg-study latency`` on a smoke run: every field present, with sane types and signs (no timing assertions)."""
from __future__ import annotations

import json
import math

import pytest


@pytest.fixture(scope="session")
def bench_smoke_run(smoke_corpus, tmp_path_factory):
    from semg_study.training import train_cached

    runs = tmp_path_factory.getbasetemp() / "evaluation-runs"  # shared with test_evaluation_run
    return train_cached("myostream-smoke", [f"data_root={smoke_corpus}", "train.progress=false"],
                        runs_root=runs)


def _positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def test_latency_reports_every_field(bench_smoke_run, tmp_path):
    from semg_study.evaluation.latency import measure_latency
    from semg_study.models.registry import count_parameters
    from semg_study.training import load_run

    out = tmp_path / "bench.json"
    result = measure_latency(bench_smoke_run, threads=1, repeats=2, warmup=1, max_utterances=2, out=out, beam=True)
    assert json.loads(out.read_text())["parameters"] == result["parameters"]
    loaded = load_run(bench_smoke_run)
    assert result["parameters"] == count_parameters(loaded.model)
    assert result["data"] == "synthetic" and result["machine"]["torch_threads"] == 1
    assert result["size"]["checkpoint_bytes"] == loaded.checkpoint.stat().st_size
    assert 0 < result["size"]["state_dict_bytes"] < result["size"]["checkpoint_bytes"]
    latency = result["latency"]
    assert latency["n"] == 2 * 2 and all(_positive(latency[k]) for k in ("p50_ms", "p95_ms", "mean_ms"))
    assert latency["min_ms"] <= latency["p50_ms"] <= latency["p95_ms"] <= latency["max_ms"]
    assert all(_positive(result["rtf"][k]) for k in ("p50", "p95", "overall"))
    assert _positive(result["signal_seconds"]["total"])
    decoding = result["decoding"]
    assert decoding["greedy"]["n"] == 2 * 2 and _positive(decoding["greedy"]["p95_ms"])
    assert decoding["beam"]["n"] == 2 and _positive(decoding["beam"]["p50_ms"])
    assert decoding["beam"]["settings"]["lexicon"] is True and (bench_smoke_run / "lm" / "3gram.arpa").is_file()
    assert result["memory"]["peak_rss_bytes"] > 10 * 2**20 and _positive(result["memory"]["lifetime_peak_rss_bytes"])

    s = result["streaming"]
    assert s is not None and s["chunk_samples"] == loaded.model.chunk * loaded.model.input_per_output
    assert s["chunk_ms"] == pytest.approx(1000 * s["chunk_samples"] / s["raw_rate_hz"])
    assert s["algorithmic_latency_ms"] == pytest.approx(loaded.model.algorithmic_latency_ms)
    assert s["chunk_compute"]["n"] > 0 and _positive(s["chunk_compute"]["p95_ms"])
    assert s["total_response_latency_ms"] == pytest.approx(s["algorithmic_latency_ms"] + s["chunk_compute"]["p95_ms"])
    assert isinstance(s["realtime"], bool) and s["frames_out"] > 0
    for name, target in result["targets"].items():
        assert isinstance(target["met"], bool), name


def test_latency_cli_one_run_and_several(bench_smoke_run, tmp_path, capsys):
    from semg_study.cli import main

    out = tmp_path / "cli.json"
    assert main(["latency", str(bench_smoke_run), "--repeats", "1", "--warmup", "0", "--max-utterances", "1",
                 "--no-stream", "--out", str(out), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["streaming"] is None and printed["targets"]["total_response_latency_ms"]["met"] is None
    assert printed["targets"]["offline_rtf_p95"]["threshold"] == 1.0
    assert printed["decoding"]["beam"] is None
    assert json.loads(out.read_text())["latency"]["n"] == 1

    # several runs (here: every run under --runs-root), each in its own process, written together
    report_dir = tmp_path / "reports"
    assert main(["latency", "--runs-root", str(bench_smoke_run.parent), "--repeats", "1", "--warmup", "0",
                 "--max-utterances", "1", "--out-dir", str(report_dir)]) == 0
    report = json.loads((report_dir / "latency.json").read_text())
    assert report["data"] == "synthetic" and str(bench_smoke_run) in {r["run"] for r in report["results"]}
    assert {t["name"]: t.get("threshold") for t in report["targets"]}["total_response_latency_ms"] == 300.0
    table = (report_dir / "latency.md").read_text()
    assert "(synthetic data)" in table and f"| {bench_smoke_run.name} | myostream |" in table
    assert main(["latency", "--runs-root", str(tmp_path / "nothing-here"), "--out-dir", str(report_dir)]) == 1
    assert "no run folders" in capsys.readouterr().err
    assert main(["latency", str(bench_smoke_run), str(bench_smoke_run), "--out", str(out)]) == 1


# ------------------------------------------------------------ response latency, side by side
def test_response_latency_of_a_streaming_and_a_full_context_model():
    """Tiny random models (the smoke configs), labelled as the paper size so every target is read."""
    from semg_study.evaluation import response
    from semg_study.evaluation.targets import targets_for

    candidates = [response.from_config("myostream-smoke", size="paper"),
                  response.from_config("gaddy2022-smoke", size="paper")]
    report = response.measure_response(candidates, threads=1, repeats=2, warmup=1, seconds=1.0)
    mine, ref = report["models"]
    assert (mine["kind"], ref["kind"]) == ("streaming", "full context")
    assert mine["weights"].startswith("random") and mine["parameters"] > 0
    # streaming: the algorithmic latency (chunk + look-ahead) is part of the response, a full pass has none
    model = candidates[0].model
    assert mine["algorithmic_ms"] == pytest.approx(1000 * (model.chunk + model.lookahead) / model.output_frame_rate)
    assert mine["response_greedy"]["p50_ms"] > mine["algorithmic_ms"] and ref["algorithmic_ms"] == 0
    assert mine["chunk_compute"]["n"] >= 2 and ref["chunk_compute"] is None
    assert mine["response_greedy"]["n"] == ref["response_greedy"]["n"] == 2 and mine["response_beam"] is None
    ratio = report["ratios"]["paper"]["response_greedy_p50"]
    assert ratio == pytest.approx(mine["response_greedy"]["p50_ms"] / ref["response_greedy"]["p50_ms"])
    assert report["ratios"]["paper"]["response_beam_p50"] is None
    targets = {t["name"]: t for t in report["targets"]}
    assert set(targets) == {t["name"] for t in targets_for("response")}
    assert isinstance(targets["response_p50_ratio_paper_greedy"]["met"], bool)
    assert targets["response_p50_ratio_paper_beam"]["met"] is None  # no beam search: not measured
    text = response.response_markdown(report)
    assert "myostream-smoke" in text and "gaddy2022-smoke" in text and "random" in text


def test_response_input_has_the_model_s_shape():
    from semg_study.evaluation import response

    c = response.from_config("ds2emg-smoke", size="paper")
    item = response.random_item(c, seconds=2.0)
    frames = item[c.model.input_key]
    assert frames.shape == (round(2.0 * c.frame_rate), c.model.n_feats)
    assert not response.streams(c.model)
