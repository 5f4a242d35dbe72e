"""Every model family's smoke config trains, evaluates (greedy and beam with the LM) and has its latency measured."""
from __future__ import annotations

import json

import pytest

FAMILIES = ["ds2audio_closed-smoke", "ds2emg-smoke", "gaddy2022-smoke", "myostream-smoke"]


@pytest.mark.parametrize("config", FAMILIES)
def test_smoke_config_trains_evaluates_and_benches(config, smoke_corpus, tmp_path_factory):
    from semg_study.evaluation.latency import measure_latency
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.training import train_cached

    runs = tmp_path_factory.getbasetemp() / "family-runs"
    run = train_cached(config, [f"data_root={smoke_corpus}", "train.progress=false"], runs_root=runs)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["config_name"] == config and manifest["synthetic"] is True

    scores = {}
    for decoder in ("greedy", "beam"):
        m = evaluate_run(run, split="dev", decoder=decoder)
        assert m["counts"]["utterances"] > 0
        assert 0.0 <= m["cer"] and m["wer"] is not None
        assert (run / "eval" / f"dev-{m['mode']}-{decoder}" / "predictions.jsonl").is_file()
        scores[decoder] = m
    assert scores["beam"]["lm"] and not scores["greedy"]["lm"]

    result = measure_latency(run, threads=1, repeats=1, warmup=0, max_utterances=2)
    assert result["parameters"] == manifest["n_parameters"]
    assert result["latency"]["p50_ms"] > 0 and result["rtf"]["p50"] > 0
    assert bool(result.get("streaming")) == config.startswith("myostream")  # only MyoStream streams
