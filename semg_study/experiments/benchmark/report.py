"""The model comparison's report: every model's entry, the ratios, the JSON written and read back.

``<out>/<YYYY-MM-DD>-<profile>.json`` (UTC date) and a Markdown report beside it
(:mod:`semg_study.experiments.benchmark.markdown`); :func:`latest_benchmark`
finds the newest one of a profile (there is no ``latest`` copy).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semg_study import io
from semg_study.errors import DataError
from semg_study.evaluation.lm_weights import LM_GRID, LM_TUNING_SPLIT
from semg_study.evaluation.targets import dotted_get, evaluate_targets, finite_number
from semg_study.experiments.benchmark import findings
from semg_study.experiments.benchmark.markdown import markdown_report
from semg_study.experiments.benchmark.plan import (FULL_CONTEXT, HEADLINE, HEADLINE_TEXT, PROPOSED, RATIO_FIELDS,
                                                   REFERENCE, comparison_specs)
from semg_study.provenance import git_info, keeps_tmp, machine_info, package_versions, portable, repo_root
from semg_study.run_folder import METRICS, RunFolder


def ratio(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    num, den = finite_number(numerator), finite_number(denominator)
    if num is None or den is None or den == 0:
        return None
    return num / den


def compute_ratios(models: dict, proposed: str = PROPOSED, reference: str = REFERENCE,
                   fields: dict | None = None) -> dict:
    """``proposed / reference`` of each field in ``fields`` (default :data:`RATIO_FIELDS`)."""
    fields = RATIO_FIELDS if fields is None else fields
    return {name: ratio(dotted_get(models.get(proposed), path), dotted_get(models.get(reference), path))
            for name, path in fields.items()}


def relative_change(value: Any, baseline: Any) -> float | None:
    """(value - baseline) / baseline; None when either is missing or the baseline is 0."""
    v, b = finite_number(value), finite_number(baseline)
    if v is None or b is None or b == 0:
        return None
    return (v - b) / b



def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def default_out_dir() -> Path:
    """``<repo>/reports/benchmarks`` (where notebook 07 looks, its ``out_dir`` being ``reports``)."""
    return repo_root() / "reports" / "benchmarks"



_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-(?P<profile>[a-z]+)\.json$")


def latest_benchmark(out_dir: str | os.PathLike | None, profile: str) -> Path | None:
    """The newest ``<YYYY-MM-DD>-<profile>.json`` in ``out_dir`` (by the date in its name: one per day)."""
    folder = Path(out_dir) if out_dir is not None else default_out_dir()
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"*-{profile}.json")
             if (m := _DATED.match(p.name)) and m.group("profile") == profile]
    return max(found, key=lambda p: p.name, default=None)


REQUIRED_KEYS = ("models", "ratios", "streaming", "targets", "budget", "machine", "data", "synthetic", "profile",
                 "created", "git", "package_versions", "wall_s", "manifests")


def load_benchmark(path: str | os.PathLike) -> dict:
    """Read a benchmark JSON back, checking it is one (clear error naming the file otherwise)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(path, f"cannot read the benchmark JSON ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not JSON ({exc})") from exc
    missing = [k for k in REQUIRED_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise DataError(path, f"not a benchmark JSON of `make bench` (missing {', '.join(missing)})")
    data["path"] = str(path)
    return data



def result_row(spec: dict, run_dir: Path, metrics: dict) -> dict:
    return {"run": run_dir.name, "model": spec["model"], "variant": spec["variant"], "condition": spec["condition"],
            "split": metrics["split"], "mode": metrics["mode"],
            "decoder": "greedy" if metrics["decoder"]["decoder"] == "greedy" else "beam",
            "wer": metrics["wer"], "cer": metrics["cer"], "wer_ci": metrics.get("wer_ci"),
            "cer_ci": metrics.get("cer_ci"), "utterances": metrics["counts"]["utterances"],
            "metrics": str(Path(metrics["out_dir"]) / METRICS)}


def _find(results: list[dict], **where) -> dict | None:
    return next((r for r in results if all(r.get(k) == v for k, v in where.items())), None)


def _model_entry(spec: dict, runs: dict[str, Path], resources: dict[str, dict], results: list[dict],
                 bench: dict | None, plan: dict) -> dict:
    """One model's (or variant's) headline numbers, training resources and every evaluation."""
    h = {**plan["headline"], "condition": spec["condition"]}  # the entry's own (comparison) condition
    mine = [r for r in results if r["model"] == spec["model"] and r["variant"] == spec["variant"]]
    head = _find(mine, condition=h["condition"], split=h["split"], mode=h["mode"], decoder="beam") or {}
    greedy = _find(mine, condition=h["condition"], split=h["split"], mode=h["mode"], decoder="greedy") or {}
    dev = _find(mine, condition=h["condition"], split="dev", mode=h["mode"], decoder="beam") or {}
    dev_greedy = _find(mine, condition=h["condition"], split="dev", mode=h["mode"], decoder="greedy") or {}
    keys = [k for k in runs if k.startswith((spec["variant"] or spec["model"]) + "/")]
    train = resources.get(spec["key"], {})
    b = bench or {}
    return {
        "label": spec["label"], "config": spec["config"], "run": str(runs[spec["key"]]),
        "runs": {k.split("/", 1)[1]: str(runs[k]) for k in keys},
        "headline": HEADLINE_TEXT,
        "wer": head.get("wer"), "cer": head.get("cer"),
        "wer_greedy": greedy.get("wer"), "cer_greedy": greedy.get("cer"),
        "dev_wer": dev.get("wer"), "dev_cer": dev.get("cer"),
        "dev_wer_greedy": dev_greedy.get("wer"), "dev_cer_greedy": dev_greedy.get("cer"),
        "test_utterances": head.get("utterances"),
        "parameters": b.get("parameters"),
        "checkpoint_bytes": dotted_get(b, "size.checkpoint_bytes"), "state_dict_bytes": dotted_get(b, "size.state_dict_bytes"),
        "latency_p50_ms": dotted_get(b, "latency.p50_ms"), "latency_p95_ms": dotted_get(b, "latency.p95_ms"),
        "rtf_p50": dotted_get(b, "rtf.p50"), "rtf_p95": dotted_get(b, "rtf.p95"),
        "bench": None if bench is None else {
            "split": b["split"], "mode": b["mode"], "utterances": b["utterances"], "repeats": b["repeats"],
            "warmup": b["warmup"], "threads": b["machine"]["torch_threads"], "batch_size": b["batch_size"],
            "file": b.get("out")},
        "train": _train_summary(train),
        "train_by_condition": {k.split("/", 1)[1]: _train_summary(resources.get(k, {})) for k in keys},
        "results": mine,
    }


def _train_summary(r: dict) -> dict:
    return {"wall_s": r.get("wall_s"), "epochs": r.get("epochs"), "utterances_per_s": r.get("utterances_per_s"),
            "peak_rss_mb": r.get("peak_rss_mb"), "train_utterances": r.get("train_utterances"),
            "epoch_seconds_total": r.get("epoch_seconds_total"), "process_wall_s": r.get("process_wall_s"),
            "source": r.get("source"), "origin": r.get("origin"), "measured_at": r.get("measured_at"),
            "file": r.get("file")}


def _streaming_entry(plan: dict, streamed: dict, stream_bench: dict | None, models: dict, variants: dict,
                     results: list[dict] | None = None) -> dict:
    s = (stream_bench or {}).get("streaming") or {}
    beam, greedy = streamed["decoders"]["beam"], streamed["decoders"]["greedy"]
    where = {"model": PROPOSED, "variant": FULL_CONTEXT, "condition": plan["streaming"]["condition"],
             "split": plan["streaming"]["split"], "mode": plan["streaming"]["mode"]}
    fb = _find(results or [], decoder="beam", **where) or {}
    fg = _find(results or [], decoder="greedy", **where) or {}
    full = {"run": fb.get("run"), "wer": fb.get("wer"), "cer": fb.get("cer"), "wer_greedy": fg.get("wer"),
            "cer_greedy": fg.get("cer")}
    entry = {
        "model": plan["streaming"]["model"], "run": streamed["run"], "full_context_run": full.get("run"),
        "split": streamed["split"], "mode": streamed["mode"], "condition": streamed["condition"],
        "utterances": streamed["utterances"], "threads": dotted_get(stream_bench, "machine.torch_threads"),
        "chunk_frames": s.get("chunk_frames"), "lookahead_frames": s.get("lookahead_frames"),
        "chunk_ms": s.get("chunk_ms"), "chunk_p50_ms": dotted_get(s, "chunk_compute.p50_ms"),
        "chunk_p95_ms": dotted_get(s, "chunk_compute.p95_ms"), "algorithmic_ms": s.get("algorithmic_latency_ms"),
        "total_response_ms": s.get("total_response_latency_ms"),
        "total_response_definition": "algorithmic latency (chunk + look-ahead) + p95 compute per chunk",
        "streaming_wer": beam["wer"], "streaming_cer": beam["cer"],
        "full_context_wer": full.get("wer"), "full_context_cer": full.get("cer"),
        "wer_relative_change": relative_change(beam["wer"], full.get("wer")),
        "streaming_wer_greedy": greedy["wer"], "streaming_cer_greedy": greedy["cer"],
        "full_context_wer_greedy": full.get("wer_greedy"), "full_context_cer_greedy": full.get("cer_greedy"),
        "wer_relative_change_greedy": relative_change(greedy["wer"], full.get("wer_greedy")),
        "offline_wer": (_find(results or [], model=PROPOSED, variant=None, decoder="beam",
                              **{k: v for k, v in where.items() if k not in ("model", "variant")}) or {}).get("wer"),
        "offline_wer_note": "the streaming model's own full-sequence pass, same split and decoder",
        "max_abs_logprob_diff": streamed["max_abs_logprob_diff"], "length_mismatches": streamed["length_mismatches"],
        "matches_full_pass": streamed["matches_full_pass"], "tolerance": streamed["tolerance"],
        "decoder": beam["decoder"],
        "metrics": {k: v.get("metrics") for k, v in streamed["decoders"].items()},
    }
    return entry


def _machine(threads: int) -> dict:
    import torch  # deferred: reading a benchmark back needs no torch

    return {**machine_info(), "processor": platform.processor() or platform.machine(), "torch": torch.__version__,
            "torch_threads": threads, "torch_threads_note": "bench and training children use this many threads"}


def _manifests(runs: dict[str, Path]) -> dict:
    """Every run's manifest, embedded (the JSON stands alone) with its path and digest."""
    out = {}
    for key, run_dir in runs.items():
        path = RunFolder(run_dir).manifest
        raw = path.read_bytes()
        out[run_dir.name] = {"benchmark_key": key, "path": str(path), "sha256": hashlib.sha256(raw).hexdigest(),
                             "manifest": json.loads(raw)}
    return out


def _lm_weights_entry(tuned: dict | None) -> dict | None:
    if not tuned:
        return None
    return {k: tuned.get(k) for k in ("alpha", "beta", "dev_wer", "dev_cer", "split", "mode", "utterances",
                                      "config_default")}


def _strict_json(value: Any) -> Any:
    """NaN and infinities (a diverged loss in an embedded manifest) as null: the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value


def write_report(report: dict, out_dir: str | os.PathLike) -> dict:
    """Write ``<out>/<YYYY-MM-DD>-<profile>.json`` and ``.md`` atomically; return their paths."""
    out_dir = Path(out_dir)
    stem = f"{report['created'][:10]}-{report['profile']}"
    paths = {"json": str(out_dir / f"{stem}.json"), "markdown": str(out_dir / f"{stem}.md")}
    body = _strict_json({k: v for k, v in report.items() if k != "paths"})
    body = portable(body, keep_tmp=keeps_tmp(out_dir))  # committed: repo-relative paths only
    io.write_json(paths["json"], body)
    io.write_text(paths["markdown"], markdown_report(body))
    return paths



@dataclass
class Measurements:
    """What the benchmark's stages measured, keyed by run key (``<model>/<condition>``)."""

    features: dict
    runs: dict[str, Path] = field(default_factory=dict)
    resources: dict[str, dict] = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)
    benches: dict[str, dict] = field(default_factory=dict)
    lm_weights: dict[str, dict] = field(default_factory=dict)
    streamed: dict | None = None
    stream_key: str | None = None
    stage_timings: list[dict] = field(default_factory=list)


def assemble_report(plan: dict, corpus, label: str, m: Measurements, study_run_json: Path,
                    code_versions: tuple[str, str]) -> dict[str, Any]:
    """The benchmark report from what its stages measured (everything but the wall time and paths)."""
    specs = plan["runs"]
    # each model's entry comes from one condition shared by every model: the headline condition when
    # every model has a run there, else the first condition they all have (ratios compare like with like)
    model_specs = comparison_specs(specs, plan)
    models = {name: _model_entry(model_specs[name], m.runs, m.resources, m.results,
                                 m.benches.get(model_specs[name]["key"]), plan) for name in plan["models"]}
    variants = {s["variant"]: _model_entry(s, m.runs, m.resources, m.results, m.benches.get(s["key"]), plan)
                for s in specs if s["variant"]}
    report: dict[str, Any] = {
        "kind": "semg-study-benchmark",
        "profile": plan["profile"],
        "created": utc_now(),
        "synthetic": label == "synthetic",
        "data": {"root": str(Path(corpus.root).resolve()), "label": label, "fingerprint": corpus.fingerprint(),
                 "note": "synthetic data: shows the pipeline works, not how well silent speech is recognised"
                 if label == "synthetic" else "real recordings"},
        "headline": HEADLINE_TEXT,
        "proposed": PROPOSED, "reference": REFERENCE,
        "models": models,
        "variants": variants,
    }
    for name, spec in model_specs.items():
        models[name]["lm_weights"] = _lm_weights_entry(m.lm_weights.get(spec["key"]))
    for s in specs:
        if s["variant"] in variants:
            variants[s["variant"]]["lm_weights"] = _lm_weights_entry(m.lm_weights.get(s["key"]))
    report["lm_weights"] = {"grid": LM_GRID, "split": LM_TUNING_SPLIT, "mode": HEADLINE["mode"],
                            "rule": "lowest dev WER, then CER, then the smaller alpha; the same grid for every run",
                            "per_run": {k: _lm_weights_entry(v) for k, v in m.lm_weights.items()}}
    report["comparison_condition"] = plan.get("comparison_condition")
    report["ratios"] = compute_ratios(models)
    report["ratio_definition"] = f"{PROPOSED} / {REFERENCE}, both measured in this benchmark"
    report["streaming"] = _streaming_entry(plan, m.streamed, m.benches.get(m.stream_key), models, variants,
                                           m.results)
    report["findings"] = findings.compute(m.results, m.streamed, plan, PROPOSED, REFERENCE)
    report["study_run"] = findings.study_run_summary(study_run_json)
    report["targets"] = evaluate_targets(report)
    report["features"] = {**m.features, "note": "extracted before training (stage 'prepare features'), so no "
                                                "model's training time includes feature extraction"}
    report["budget"] = {
        "epochs": plan["epochs"], "epochs_source": plan["epochs_source"],
        "epochs_per_run": {k: r.get("epochs") for k, r in m.resources.items()},
        "equal_epochs": len({r.get("epochs") for r in m.resources.values()}) == 1,
        "seed": plan["seed"], "threads": plan["threads"], "device": plan["device"],
        "identical_overrides": plan["shared_overrides"],
        "overrides_per_run": {s["key"]: s["overrides"] for s in specs},
        "identical_across_models": True,  # check_equal_budget refused the plan otherwise
        "configs": {name: entry["config"] for name, entry in plan["models"].items()},
        "bench": plan["bench"],
        "training": "one run at a time, each in a fresh child process (train_cached), torch threads = threads",
    }
    report["machine"] = _machine(plan["threads"])
    report["git"] = git_info()
    code_at_start, code_at_end = code_versions
    # Runs of one benchmark must come from one version of the training code; an edit while it
    # ran (another person's working tree) would compare models trained by different code.
    report["code_version"] = {"start": code_at_start, "end": code_at_end,
                              "changed_during_benchmark": code_at_start != code_at_end}
    report["package_versions"] = package_versions()
    report["plan"] = {k: plan[k] for k in ("conditions", "splits", "modes", "decoders", "headline", "streaming")}
    report["manifests"] = _manifests(m.runs)
    report["stages"] = m.stage_timings
    return report


def refresh_study_run(path: str | os.PathLike) -> dict:
    """Re-read the study's record (``reports/study_run.json``) into a written benchmark and re-check
    its targets: the study's time and memory targets follow the last ``make study``."""
    path = Path(path)
    report = load_benchmark(path)
    report.pop("path", None)
    report["study_run"] = findings.study_run_summary(path.parent.parent / "study_run.json")
    report["targets"] = evaluate_targets(report)
    body = _strict_json(report)
    io.write_json(path, body)
    io.write_text(path.with_suffix(".md"), markdown_report(body))
    return report
