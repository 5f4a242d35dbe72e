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
