"""The model comparison's Markdown report, beside its JSON: models, targets, findings, streaming, every evaluation.

Also the caption of notebook 07's WER-against-latency figure. Everything here
only reads a report dict (:mod:`semg_study.experiments.benchmark.report`).
"""
from __future__ import annotations

import json
from typing import Any

from semg_study.evaluation.targets import finite_number
from semg_study.experiments.benchmark.plan import PROPOSED, REFERENCE
from semg_study.markdown import markdown_table


def _f(value: Any, spec: str = ".1f", scale: float = 1.0) -> str:
    v = finite_number(value)
    return "n/a" if v is None else format(v * scale, spec)


def _pct(value: Any) -> str:
    return _f(value, ".1f", 100.0)


def _met(flag: Any) -> str:
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def _tag(report: dict) -> str:
    return " (synthetic data)" if report.get("synthetic") else ""


def targets_markdown(report: dict) -> str:
    """The ratio/target table: each target's value, threshold and whether it is met."""
    rows = [[t["name"], t["description"], _f(t["value"], ".3f"), f"{t['comparison']} {t['threshold']:.3g}",
             _met(t["met"])] for t in report["targets"]]
    lines = [f"**Targets{_tag(report)}**: ratios are {report.get('proposed', PROPOSED)} / "
             f"{report.get('reference', REFERENCE)}, both measured in this benchmark", ""]
    lines += markdown_table(["target", "what", "value", "threshold", "met"], rows)
    ratio_rows = [[name, _f(value, ".3f")] for name, value in report["ratios"].items()]
    lines += ["", f"**All ratios, {report.get('proposed', PROPOSED)} / {report.get('reference', REFERENCE)}"
                  f"{_tag(report)}**", ""]
    lines += markdown_table(["ratio", "value"], ratio_rows)
    return "\n".join(lines) + "\n"


def markdown_report(report: dict) -> str:
    """The Markdown beside the JSON: models, targets, streaming, every evaluation."""
    tag = _tag(report)
    threads = report["budget"]["threads"]
    m = report["machine"]
    git = report.get("git") or {}
    lines = [
        f"# Benchmark: MyoStream against the baselines, profile {report['profile']}{tag}", "",
        f"Created {report['created']}; commit {git.get('commit') or 'unknown'}{' (dirty)' if git.get('dirty') else ''}; "
        f"{m.get('processor')}, {m.get('cpu_count')} CPUs, torch {m.get('torch')}, {threads} CPU thread(s); "
        f"whole benchmark {report['wall_s']:.0f} s.", "",
        *(["**Warning**: the training code changed while this benchmark ran (`code_version` in the JSON); "
           "its runs may come from different code. Run it again on a quiet tree.", ""]
          if (report.get("code_version") or {}).get("changed_during_benchmark") else []),
        f"Data: {report['data']['root']} ({report['data']['label']}, fingerprint {report['data']['fingerprint'][:12]})."
        + (" **Synthetic data**: these numbers show that the pipeline works end to end, not how well silent "
           "speech can be recognised." if report.get("synthetic") else ""), "",
        f"Budget: {report['budget']['epochs'] if report['budget']['epochs'] is not None else 'each config’s own'} "
        f"epochs for every model (equal: {'yes' if report['budget']['equal_epochs'] else 'no'}), seed "
        f"{report['budget']['seed']}, identical overrides {json.dumps(report['budget']['identical_overrides'])} "
        f"plus data.condition. Headline numbers: {report['headline']}. Latency: batch 1, "
        f"torch.inference_mode, {threads} thread(s), test split, silent EMG; measurements on this machine, "
        f"not guarantees.", "",
        f"## Models{tag}", "",
    ]
    rows = []
    for name, e in {**report["models"], **{f"{k} (variant)": v for k, v in report.get("variants", {}).items()}}.items():
        t = e["train"]
        rows.append([f"{name}: {e['label']}", f"{e['parameters']:,}" if e.get("parameters") is not None else "n/a",
                     _f(e.get("checkpoint_bytes"), ".2f", 1 / 2**20), _f(t.get("wall_s")), _f(t.get("utterances_per_s")),
                     _f(t.get("peak_rss_mb"), ".0f"), _f(e.get("latency_p50_ms"), ".2f"), _f(e.get("latency_p95_ms"), ".2f"),
                     _f(e.get("rtf_p50"), ".4f"), _pct(e.get("wer_greedy")), _pct(e.get("cer_greedy")), _pct(e.get("wer")),
                     _pct(e.get("cer")), _pct(e.get("dev_wer")), _pct(e.get("dev_cer")),
                     "n/a" if not e.get("lm_weights") else f"{e['lm_weights']['alpha']:g} / {e['lm_weights']['beta']:g}",
                     str(t.get("source"))])
    lines += markdown_table(["model", "params", "checkpoint MB", "train wall s", "train utts/s", "peak train MB",
                     f"latency p50 ms ({threads} thr)", f"latency p95 ms ({threads} thr)", "RTF p50",
                     "test WER % greedy", "test CER % greedy", "test WER % LM", "test CER % LM",
                     "dev WER % LM", "dev CER % LM", "LM alpha / beta (dev)", "training numbers"], rows)
    lines += ["", f"{str(report.get('comparison_condition') or 'open').capitalize()} vocabulary, silent EMG. "
                  "\"training numbers\": measured by this invocation, or cached from "
                  "the invocation that trained the run (\"run files\": reconstructed, memory not sampled). "
                  f"LM alpha / beta: chosen per run and mode on that mode's dev split (shown: silent) from alpha {report['lm_weights']['grid']['alpha']} "
                  f"x beta {report['lm_weights']['grid']['beta']}, so the dev LM numbers are optimistic and the test "
                  "ones are not.", "",
              f"## Ratios and targets{tag}", "", targets_markdown(report).rstrip("\n"), "",
              *findings_markdown(report),
              f"## Streaming{tag}", ""]
    s = report["streaming"]
    lines += markdown_table(["quantity", "value"], [
        ["chunk (frames / ms)", f"{s.get('chunk_frames')} / {_f(s.get('chunk_ms'))}"],
        ["look-ahead frames", str(s.get("lookahead_frames"))],
        [f"chunk compute p50 / p95 ms ({s.get('threads')} thr)", f"{_f(s.get('chunk_p50_ms'), '.2f')} / "
                                                                 f"{_f(s.get('chunk_p95_ms'), '.2f')}"],
        ["algorithmic latency ms (chunk + look-ahead)", _f(s.get("algorithmic_ms"))],
        ["total response latency ms", _f(s.get("total_response_ms"))],
        ["streaming test WER / CER % (LM)", f"{_pct(s.get('streaming_wer'))} / {_pct(s.get('streaming_cer'))}"],
        ["full-context test WER / CER % (LM)", f"{_pct(s.get('full_context_wer'))} / {_pct(s.get('full_context_cer'))}"],
        ["WER relative change (LM)", _f(s.get("wer_relative_change"), "+.3f")],
        ["streaming test WER / CER % (greedy)", f"{_pct(s.get('streaming_wer_greedy'))} / "
                                                f"{_pct(s.get('streaming_cer_greedy'))}"],
        ["full-context test WER / CER % (greedy)", f"{_pct(s.get('full_context_wer_greedy'))} / "
                                                   f"{_pct(s.get('full_context_cer_greedy'))}"],
        ["WER relative change (greedy)", _f(s.get("wer_relative_change_greedy"), "+.3f")],
        ["streamed vs full pass, max |Δ log-prob|", _f(s.get("max_abs_logprob_diff"), ".2e")],
        ["streamed output matches the full pass", "yes" if s.get("matches_full_pass") else "**no**"],
    ])
    lines += ["", f"## Every evaluation{tag}", ""]
    every = [r for e in [*report["models"].values(), *report.get("variants", {}).values()] for r in e["results"]]
    lines += markdown_table(["model", "variant", "condition", "split", "mode", "decoder", "WER %", "CER %", "utterances", "run"],
                    [[r["model"], r["variant"] or "", r["condition"], r["split"], r["mode"],
                      "beam + LM" if r["decoder"] == "beam" else "greedy", _pct(r["wer"]), _pct(r["cer"]),
                      str(r["utterances"]), r["run"]] for r in every])
    lines += ["", "Every run's manifest is embedded in the JSON beside this file (`manifests`)."]
    return "\n".join(lines) + "\n"


def _ci(entry: dict | None, key: str) -> str:
    if not entry or entry.get(key) is None:
        return "n/a"
    low, high = entry.get(f"{key}_ci") or (None, None)
    return f"{_pct(entry[key])} [{_pct(low)}, {_pct(high)}]" if low is not None else _pct(entry[key])


def findings_markdown(report: dict) -> list[str]:
    """The findings: each headline rate with its 95 % CI, and the paired comparisons with verdicts."""
    f = report.get("findings")
    if not f:
        return []
    tag = _tag(report)
    rates = [(k, v) for k, v in f.items() if isinstance(v, dict) and "wer" in v and "a_run" not in v
             and not isinstance(v.get("wer"), dict)]
    lines = [f"## Findings{tag}", "",
             f"Test split, beam search + LM (weights chosen on dev), {f['method']}. EMG models on silent EMG, "
             f"DeepSpeech2 on audio on voiced TTS audio.", ""]
    lines += markdown_table(["model / condition", "WER % [95 % CI]", "CER % [95 % CI]", "utterances", "run"],
                    [[k, _ci(v, "wer"), _ci(v, "cer"), str(v.get("utterances")), str(v.get("run"))]
                     for k, v in rates])
    comparisons = [(k, v) for k, v in f.items() if isinstance(v, dict) and "a_run" in v]
    if comparisons:
        lines += ["", "Paired comparisons (A vs B on the same utterances; difference A - B in points, ratio A / B):", ""]
        rows = []
        for k, v in comparisons:
            for metric in ("wer", "cer"):
                c = v[metric]
                lo, hi = c["difference_ci"]
                rlo, rhi = c["ratio_ci"]
                rows.append([k, metric.upper(), _pct(c["a"]), _pct(c["b"]),
                             f"{_f(c['difference'], '+.1f', 100)} [{_f(lo, '+.1f', 100)}, {_f(hi, '+.1f', 100)}]",
                             f"{_f(c['ratio'], '.2f')} [{_f(rlo, '.2f')}, {_f(rhi, '.2f')}]", str(c["verdict"])])
        lines += markdown_table(["comparison (A vs B)", "metric", "A %", "B %", "A - B points [95 % CI]",
                         "A / B [95 % CI]", "verdict for A"], rows)
    return lines + [""]


def figure_caption(report: dict) -> str:
    threads = report["budget"]["threads"]
    s = report.get("streaming") or {}
    text = (f"Test WER with the word 3-gram LM (open vocabulary, silent EMG; the streamed star: "
            f"{s.get('condition', 'open')} vocabulary) against CPU latency per utterance "
            f"(p50, batch 1, {threads} CPU thread{'' if threads == 1 else 's'}) of each model, trained with the same data, seed and "
            f"epochs by `make bench` (profile {report['profile']}); the star is MyoStream fed as a live stream "
            f"at its total response latency (chunk + look-ahead + p95 chunk compute)")
    return text + (" (synthetic data)." if report.get("synthetic") else ".")

