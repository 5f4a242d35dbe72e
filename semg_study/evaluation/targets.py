"""The study's targets, in one table, and how a report is checked against them.

Every row of :data:`TARGETS` names the report it is read from:

* ``"benchmark"``: the model comparison of ``make bench``
  (``reports/benchmarks/<date>-<profile>.json``): the findings' error rates with
  their CIs and paired ratios, the MyoStream / gaddy2022 ratios, the streaming
  numbers, the study's own wall time and memory;
* ``"latency"``: one run's inference cost (``semg-study latency RUN``);
* ``"response"``: the response latency of the models side by side
  (:mod:`semg_study.evaluation.response`, ``benchmarks/response_latency.py``);
* ``"headline"``: the comparison over seeds under one budget rule (``benchmarks/headline_report.py``:
  ``reports/benchmarks/<date>-<profile>-headline.json``), the comparison the study's verdicts rest on.

``quantity`` is a dotted path into that report. The value must be ``<=``,
``<`` or ``>=`` (``comparison``) the ``threshold``, or, for a row with ``limit``,
another quantity of the same report. ``requires`` names a boolean that must
hold too. Why each target was chosen: ``benchmarks/README.md``.
"""
from __future__ import annotations

import math
from typing import Any

TARGETS = [
    # the findings (test split, beam search + LM with weights chosen on dev)
    {"name": "ds2audio_closed_wer", "report": "benchmark", "quantity": "findings.ds2audio_closed.wer",
     "comparison": "<=", "threshold": 0.03,
     "description": "DeepSpeech2 on voiced TTS audio, closed vocabulary: test WER (LM)"},
    {"name": "ds2audio_open_cer", "report": "benchmark", "quantity": "findings.ds2audio_open.cer",
     "comparison": "<=", "threshold": 0.10,
     "description": "DeepSpeech2 on voiced TTS audio, open vocabulary: test CER (LM)"},
    {"name": "myostream_closed_wer", "report": "benchmark", "quantity": "findings.myostream_closed.wer",
     "comparison": "<=", "threshold": 0.10,
     "description": "MyoStream, closed vocabulary, silent EMG: test WER (LM)"},
    {"name": "myostream_closed_wer_stretch", "report": "benchmark", "quantity": "findings.myostream_closed.wer",
     "comparison": "<=", "threshold": 0.05,
     "description": "stretch: MyoStream, closed vocabulary, silent EMG: test WER (LM)"},
    {"name": "myostream_open_cer", "report": "benchmark", "quantity": "findings.myostream_open.cer",
     "comparison": "<=", "threshold": 0.35,
     "description": "MyoStream, open vocabulary, silent EMG: test CER (LM)"},
    {"name": "gaddy_over_myostream_closed_wer", "report": "benchmark",
     "quantity": "findings.gaddy_vs_myostream_closed.wer_ratio", "comparison": ">=", "threshold": 1.25,
     "requires": "findings.gaddy_vs_myostream_closed.wer_ratio_ci_excludes_1",
     "description": "gaddy2022 / MyoStream closed-vocabulary test WER (LM), one budget rule (each run its own "
                    "epochs); the paired CI of the "
                    "ratio must exclude 1"},
    {"name": "study_wall_s", "report": "benchmark", "quantity": "study_run.wall_s", "comparison": "<=",
     "threshold": 900.0,
     "description": "`make study` wall time, seconds (the full study run whose record the benchmark last read; 2 cores)"},
    {"name": "study_peak_rss_mb", "report": "benchmark", "quantity": "study_run.peak_rss_mb", "comparison": "<=",
     "threshold": 2048.0,
     "description": "`make study` peak resident memory, MB (the full study run whose record the benchmark last read)"},
    # the model comparison: ratios are MyoStream / gaddy2022, both measured by the same benchmark
    {"name": "parameters_ratio", "report": "benchmark", "quantity": "ratios.parameters", "comparison": "<=",
     "threshold": 1 / 3, "description": "MyoStream / gaddy2022 parameters (at most a third)"},
    {"name": "latency_p50_ratio", "report": "benchmark", "quantity": "ratios.latency_p50", "comparison": "<=",
     "threshold": 0.5, "description": "MyoStream / gaddy2022 CPU latency per utterance, p50 (at most half)"},
    {"name": "chunk_p95_ms", "report": "benchmark", "quantity": "streaming.chunk_p95_ms", "comparison": "<=",
     "threshold": 50.0, "description": "MyoStream streaming compute per chunk, p95 (ms)"},
    {"name": "algorithmic_ms", "report": "benchmark", "quantity": "streaming.algorithmic_ms", "comparison": "<=",
     "threshold": 250.0, "description": "MyoStream algorithmic latency, chunk + look-ahead (ms)"},
    {"name": "streaming_wer_relative_change", "report": "benchmark", "quantity": "streaming.wer_relative_change",
     "comparison": "<=", "threshold": 0.10,
     "description": "streaming test WER relative to the full-context model's, with the LM "
                    "(within 10 %; an improvement counts as met)"},
    # one run's latency measurement
    {"name": "offline_rtf_p95", "report": "latency", "quantity": "rtf.p95", "comparison": "<", "threshold": 1.0,
     "description": "offline decoding faster than real time: real-time factor p95"},
    {"name": "streaming_chunk_p95_below_chunk_duration", "report": "latency",
     "quantity": "streaming.chunk_compute.p95_ms", "comparison": "<", "limit": "streaming.chunk_ms",
     "description": "streaming is real time: p95 chunk compute < chunk duration"},
    {"name": "total_response_latency_ms", "report": "latency", "quantity": "streaming.total_response_latency_ms",
     "comparison": "<", "threshold": 300.0,
     "description": "the dissertation's project document: a response within 300 ms (algorithmic latency + "
                    "p95 chunk compute)"},
    # the response latency side by side (semg_study.evaluation.response): 2 CPU threads, 5 s of EMG, batch 1,
    # the paper-size configs (random weights where no trained run exists)
    {"name": "response_p50_ratio_paper_greedy", "report": "response", "quantity": "ratios.paper.response_greedy_p50",
     "comparison": "<=", "threshold": 0.25,
     "description": "paper size: MyoStream / reproduction response latency p50, greedy decoding"},
    {"name": "response_p50_ratio_paper_beam", "report": "response", "quantity": "ratios.paper.response_beam_p50",
     "comparison": "<=", "threshold": 0.25,
     "description": "paper size: MyoStream / reproduction response latency p50, beam + LM"},
    {"name": "response_p50_ms_paper_greedy", "report": "response",
     "quantity": "paper.myostream.response_greedy.p50_ms", "comparison": "<=", "threshold": 200.0,
     "description": "paper size: MyoStream response latency p50 (ms), greedy decoding"},
    {"name": "response_p50_ms_paper_beam", "report": "response", "quantity": "paper.myostream.response_beam.p50_ms",
     "comparison": "<=", "threshold": 200.0,
     "description": "paper size: MyoStream response latency p50 (ms), beam + LM"},
    {"name": "chunk_p95_ms_paper", "report": "response", "quantity": "paper.myostream.chunk_compute.p95_ms",
     "comparison": "<=", "threshold": 50.0,
     "description": "paper size: MyoStream streaming compute per chunk, p95 (ms)"},
    # the comparison over seeds under one budget rule (experiments.headline): seed means, their ratio with an
    # interval that resamples seeds and test utterances, and the streaming rule over seeds
    {"name": "seeds_gaddy_over_myostream_closed_wer", "report": "headline",
     "quantity": "closed.gaddy_over_myostream.wer_ratio", "comparison": ">=", "threshold": 1.25,
     "requires": "closed.gaddy_over_myostream.ci_excludes_1",
     "description": "over seeds, one budget rule: reproduction / MyoStream closed-vocabulary test WER (LM); the "
                    "interval of the ratio (seeds and utterances resampled) must exclude 1"},
    {"name": "seeds_gaddy_over_myostream_open_wer", "report": "headline",
     "quantity": "open.gaddy_over_myostream.wer_ratio", "comparison": ">=", "threshold": 1.25,
     "requires": "open.gaddy_over_myostream.ci_excludes_1",
     "description": "over seeds, one budget rule: reproduction / MyoStream open-vocabulary test WER (LM); the "
                    "interval of the ratio (seeds and utterances resampled) must exclude 1"},
    {"name": "seeds_streaming_relative_change", "report": "headline",
     "quantity": "streaming.lowest_relative_change", "comparison": "<=", "threshold": 0.10,
     "description": "over seeds: the lowest streaming test WER cost relative to full context (LM) of the settings "
                    "with at most 250 ms algorithmic latency (within 10 %)"},
]

REPORTS = ("benchmark", "latency", "response", "headline")


def targets_for(report: str) -> list[dict]:
    """The rows of :data:`TARGETS` read from ``report`` ("benchmark" or "latency"), in table order."""
    if report not in REPORTS:
        raise ValueError(f"unknown report {report!r}; expected one of {', '.join(REPORTS)}")
    return [dict(t) for t in TARGETS if t["report"] == report]


def threshold_of(name: str) -> float:
    """The fixed threshold of the target ``name``."""
    for t in TARGETS:
        if t["name"] == name and "threshold" in t:
            return t["threshold"]
    raise KeyError(f"no target {name!r} with a fixed threshold")


def dotted_get(obj: Any, dotted: str) -> Any:
    """``obj["a"]["b"]`` for ``"a.b"``; None when a part is missing."""
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def finite_number(value: Any) -> float | None:
    """``value`` as a float when it is a finite int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _holds(value: float, comparison: str, threshold: float) -> bool:
    if comparison == "<=":
        return value <= threshold
    if comparison == "<":
        return value < threshold
    if comparison == ">=":
        return value >= threshold
    raise ValueError(f"unknown comparison {comparison!r}")


def evaluate_targets(report: dict, targets: list[dict] | None = None) -> list[dict]:
    """Each target with its value (from ``report``), threshold and whether it is met.

    ``targets`` defaults to the benchmark's rows. ``met`` is None when the value
    (or a row's limit) could not be measured: a missing run, a zero denominator,
    a model that does not stream.
    """
    out = []
    for t in targets_for("benchmark") if targets is None else targets:
        value = finite_number(dotted_get(report, t["quantity"]))
        comparison = t.get("comparison", "<=")
        threshold = finite_number(dotted_get(report, t["limit"])) if "limit" in t else t["threshold"]
        met = None if value is None or threshold is None else bool(_holds(value, comparison, threshold))
        if met and t.get("requires"):
            also = dotted_get(report, t["requires"])
            met = None if also is None else bool(also)
        out.append({"name": t["name"], "quantity": t["quantity"], "description": t["description"],
                    "comparison": comparison, "value": value, "threshold": threshold,
                    "requires": t.get("requires"), "met": met})
    return out
