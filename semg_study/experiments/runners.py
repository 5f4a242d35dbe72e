"""Run the plans of notebooks 03-07: train through ``train_cached``, evaluate, return table rows.

Every runner takes the notebook's study object (``semg_study.report.context``)
and returns an :class:`Experiment`: the table rows, one list of run manifests
per row (``<run>/manifest.json``), the run folders, the config the table states
and a caption. Training only ever goes through
:func:`semg_study.training.train_cached`, so a second notebook (07) or a rerun
reuses the finished runs; ``study.force`` retrains the runs a notebook owns.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from semg_study.experiments.plans import plan as make_plan
from semg_study.experiments.plans import run_specs

VOCABULARY = "38 symbols: CTC blank, space, a-z, 0-9"


@dataclass
class Experiment:
    """What a runner returns: rows for ``study.table`` and what they came from."""

    name: str
    rows: list[dict]
    manifests: list[list[str]]
    runs: list[Path]
    config: dict
    caption: str
    details: list[dict] = field(default_factory=list)  # per run: spec, metrics, ... (for figures)


# ----------------------------------------------------------------- training

def overrides_for(study, spec: dict) -> list[str]:
    """``key=value`` overrides of one run spec: data root, seed, device, plus the plan's own."""
    root = study.paths.ljspeech_root if spec.get("corpus") == "ljspeech" else study.paths.data_root
    items = {"data_root": str(root), "seed": spec["seed"], "device": study.device, "train.progress": False}
    testset = getattr(study.paths, "testset", None)
    if testset is not None and spec.get("corpus") != "ljspeech":
        items["data.testset"] = str(testset)  # `semg-study study --testset`: every run trains and scores on it
    items.update(spec.get("overrides") or {})
    return [f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in items.items()]


def train_spec(study, spec: dict, force: bool | None = None) -> Path:
    """Train (or find) the run of one spec; ``force=None`` takes the notebook's ``force`` parameter."""
    from semg_study.training import train_cached

    force = study.force if force is None else force
    return Path(train_cached(spec["config"], overrides_for(study, spec), runs_root=study.paths.runs_root,
                             force=bool(force)))


def _train_in_worker(config: str, overrides: list[str], runs_root: str, force: bool) -> str:
    """One training in a worker process: one torch thread, so two workers share two cores."""
    import torch

    from semg_study.training import train_cached

    torch.set_num_threads(1)
    return str(train_cached(config, overrides, runs_root=runs_root, force=force))


def train_specs(study, specs: list[dict], workers: int = 1, force: bool | None = None) -> list[Path]:
    """Train (or find) several independent runs, ``workers`` at a time.

    Runs are independent, seeded and cached by fingerprint, so training them in
    parallel processes gives the same run folders as training them one by one;
    it only uses the second core of a small machine. ``workers=1`` trains in
    this process.
    """
    if workers <= 1 or len(specs) <= 1:
        return [train_spec(study, spec, force) for spec in specs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    force = study.force if force is None else force
    # spawn: a fresh interpreter per worker, no forked torch or kernel state
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_train_in_worker, spec["config"], overrides_for(study, spec),
                               str(study.paths.runs_root), bool(force)) for spec in specs]
        return [Path(f.result()) for f in futures]


def manifest_of(run_dir: Path) -> str:
    return str(Path(run_dir) / "manifest.json")


def evaluate_cached(run_dir: Path, split: str = "dev", decoder: str = "greedy", mode: str | None = None) -> dict:
    """``evaluate_run``, reusing its ``metrics.json`` when it is newer than the run's best checkpoint."""
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.training import load_config

    run_dir = Path(run_dir)
    if mode is None:
        manifest = json.loads((run_dir / "manifest.json").read_text())
        mode = load_config(manifest["config"]).data.eval_mode
    metrics_path = run_dir / "eval" / f"{split}-{mode}-{decoder}" / "metrics.json"
    best = run_dir / "checkpoints" / "best.pt"
    if metrics_path.is_file() and best.is_file() and metrics_path.stat().st_mtime >= best.stat().st_mtime:
        metrics = json.loads(metrics_path.read_text())
        metrics["out_dir"] = str(metrics_path.parent)
        return metrics
    return evaluate_run(run_dir, split=split, decoder=decoder, mode=mode)


def _plan(study) -> dict:
    return make_plan(study.profile)


def _config_summary(p: dict, key: str, specs: list[dict]) -> dict:
    configs = sorted({s["config"] for s in specs})
    overrides = {}
    for s in specs:
        for k, v in s["overrides"].items():
            overrides.setdefault(k, set()).add(json.dumps(v))
    return {"configs": configs, "overrides": {k: sorted(v) for k, v in overrides.items()},
            "seeds": sorted({s["seed"] for s in specs}), "plan": key, "profile": p["profile"]}


def _pct(x: float | None) -> float | None:
    return None if x is None else round(100.0 * x, 2)


# ------------------------------------------------------------ 03: Table 3.1

def run_table31(study, p: dict | None = None) -> Experiment:
    """Notebook 03: DeepSpeech2 on audio, Table 3.1 regenerated with the six defects fixed."""
    p = p or _plan(study)
    section = p["table31"]
    rows, manifests, runs, details = [], [], [], []
    trained = train_specs(study, section["runs"], p.get("workers", 1))
    for spec, run_dir in zip(section["runs"], trained):
        row = {"model": spec["label"], "dataset": spec["dataset"], "encoding vocabulary": VOCABULARY,
               "config": spec["config"], "seed": spec["seed"]}
        evals = {}
        for decoder in section["decoders"]:
            m = evaluate_cached(run_dir, section["split"], decoder)
            evals[decoder] = m
            tag = "greedy" if decoder == "greedy" else "beam + LM"
            # fractions, as the dissertation's Table 3.1 gives WER
            row[f"WER ({tag})"] = None if m["wer"] is None else round(m["wer"], 4)
            row[f"CER ({tag})"] = None if m["cer"] is None else round(m["cer"], 4)
        row["dev utterances"] = next(iter(evals.values()))["counts"]["utterances"]
        original = spec["original_wer"]
        row[f"WER {section['original_label']}"] = "none reported" if original is None else original
        rows.append(row)
        manifests.append([manifest_of(run_dir)])
        runs.append(run_dir)
        details.append({"spec": spec, "run": run_dir, "evals": evals})
    fixes = "; ".join(f"({i}) {f}" for i, f in enumerate(section["fixes"], 1))
    caption = (f"Table 3.1 regenerated: DeepSpeech2 on audio, corpus-level WER/CER (fractions) on the {section['split']} split "
               f"(voiced audio), greedy and beam search with a word 3-gram LM from the training transcripts. "
               f"The last column quotes the dissertation's own figures, {section['original_label']}: they are "
               f"not results of this study. Fixed here: {fixes}.")
    return Experiment("03_table31", rows, manifests, runs, _config_summary(p, "table31", section["runs"]),
                      caption, details)


# ------------------------------------------------------- 04: EMG baselines

def run_emg_baselines(study, p: dict | None = None) -> Experiment:
    """Notebook 04: DeepSpeech2 on EMG features and the gaddy2022 reproduction, per condition and mode."""
    p = p or _plan(study)
    section = p["emg_baselines"]
    rows, manifests, runs, details = [], [], [], []
    trained = train_specs(study, section["runs"], p.get("workers", 1))
    for spec, run_dir in zip(section["runs"], trained):
        runs.append(run_dir)
        for mode in section["modes"]:
            m = evaluate_cached(run_dir, section["split"], section["decoder"], mode)
            rows.append({"model": spec["label"], "config": spec["config"], "condition": spec["condition"],
                         "evaluated on": mode, "seed": spec["seed"], "WER %": _pct(m["wer"]),
                         "CER %": _pct(m["cer"]), "utterances": m["counts"]["utterances"]})
            manifests.append([manifest_of(run_dir)])
            details.append({"spec": spec, "run": run_dir, "mode": mode, "metrics": m})
    caption = (f"EMG baselines: corpus-level WER/CER on the {section['split']} split, {section['decoder']} decoding, "
               f"trained per condition (closed or open vocabulary) on silent and voiced EMG, evaluated on silent "
               f"and on voiced utterances")
    return Experiment("04_emg_baselines", rows, manifests, runs,
                      _config_summary(p, "emg_baselines", section["runs"]), caption, details)


# ------------------------------------------------------------ 05: MyoStream

def myostream_run(study, p: dict | None = None, force: bool | None = None) -> Path:
    """The (first) MyoStream run of the plan: trained by 05, looked into by 02, benchmarked by 07."""
    p = p or _plan(study)
    return train_spec(study, p["myostream"]["runs"][0], force=force)


def run_myostream(study, p: dict | None = None) -> Experiment:
    """Notebook 05: MyoStream, greedy and beam + LM, corpus-level WER/CER."""
    p = p or _plan(study)
    section = p["myostream"]
    rows, manifests, runs, details = [], [], [], []
    for spec in section["runs"]:
        run_dir = train_spec(study, spec)
        runs.append(run_dir)
        manifest = json.loads((run_dir / "manifest.json").read_text())
        for decoder in section["decoders"]:
            m = evaluate_cached(run_dir, section["split"], decoder, section["mode"])
            rows.append({"model": spec["label"], "config": spec["config"], "seed": spec["seed"],
                         "condition": manifest["config"]["data"]["condition"], "evaluated on": section["mode"],
                         "decoder": "greedy" if decoder == "greedy" else "beam + word 3-gram LM",
                         "WER %": _pct(m["wer"]), "CER %": _pct(m["cer"]),
                         "utterances": m["counts"]["utterances"], "parameters": manifest.get("n_parameters")})
            manifests.append([manifest_of(run_dir)])
            details.append({"spec": spec, "run": run_dir, "decoder": decoder, "metrics": m})
    caption = (f"MyoStream: corpus-level WER/CER on the {section['split']} split ({section['mode']} EMG), greedy CTC "
               f"decoding and beam search with a word 3-gram LM built from the training transcripts only")
    return Experiment("05_myostream", rows, manifests, runs, _config_summary(p, "myostream", section["runs"]),
                      caption, details)


def worst_utterances(metrics: dict, k: int = 5) -> tuple[list[dict], str]:
    """Rows and jiwer alignments of the ``k`` utterances of an evaluation with the most word errors."""
    from semg_study.evaluation.metrics import alignment_report, score
    from semg_study.evaluation.metrics import worst_utterances as worst

    lines = [json.loads(line) for line in Path(metrics["predictions"]).read_text().splitlines() if line.strip()]
    scored = score([r["reference"] for r in lines], [r["hypothesis"] for r in lines], [r["id"] for r in lines])
    rows = [{"utterance": u.id, "reference words": u.words, "substitutions": u.substitutions,
             "deletions": u.deletions, "insertions": u.insertions,
             "WER %": _pct(u.wer), "reference": u.reference, "hypothesis": u.hypothesis}
            for u in worst(scored.utterances, k)]
    return rows, alignment_report(scored.utterances, k)


# ------------------------------------------------------------- 06: ablations

def _mean_std(values: list[float]) -> tuple[float, float | None]:
    """Mean and sample standard deviation (None from a single seed)."""
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else None
    return mean, std


def _pm(mean: float, std: float | None) -> str:
    return f"{mean:.1f} ± {std:.1f}" if std is not None else f"{mean:.1f} (1 seed, no spread)"


def run_ablations(study, p: dict | None = None) -> Experiment:
    """Notebook 06: each MyoStream component switched off in turn, same budget and seeds."""
    p = p or _plan(study)
    section = p["ablations"]
    by_variant: dict[str, list[dict]] = {}
    runs = []
    trained = train_specs(study, section["runs"], p.get("workers", 1))
    for spec, run_dir in zip(section["runs"], trained):
        runs.append(run_dir)
        m = evaluate_cached(run_dir, section["split"], section["decoder"], section["mode"])
        by_variant.setdefault(spec["variant"], []).append({"spec": spec, "run": run_dir, "metrics": m})
    rows, manifests, details = [], [], []
    full_wer = None
    for variant, entries in by_variant.items():
        wers = [100.0 * e["metrics"]["wer"] for e in entries]
        cers = [100.0 * e["metrics"]["cer"] for e in entries]
        (wm, ws), (cm, cs) = _mean_std(wers), _mean_std(cers)
        if entries[0]["spec"]["switched_off"] is None:
            full_wer = wm
        rows.append({"variant": variant, "switched off": entries[0]["spec"]["switched_off"] or "(none)",
                     "seeds": ", ".join(str(e["spec"]["seed"]) for e in entries),
                     "WER % mean": round(wm, 2), "WER % std": None if ws is None else round(ws, 2),
                     "WER % (mean ± std)": _pm(wm, ws),
                     "CER % (mean ± std)": _pm(cm, cs),
                     "WER % per seed": ", ".join(f"{w:.1f}" for w in wers),
                     "CER % per seed": ", ".join(f"{c:.1f}" for c in cers),
                     "ΔWER vs full model (points)": None if full_wer is None else round(wm - full_wer, 2)})
        manifests.append([manifest_of(e["run"]) for e in entries])
        details.append({"variant": variant, "wers": wers, "cers": cers, "entries": entries})
    caption = (f"MyoStream ablations: one component switched off at a time, {section['condition']} vocabulary, "
               f"same epochs and seeds ({', '.join(map(str, section['seeds']))}) for every variant; corpus-level "
               f"WER/CER on the {section['split']} split ({section['mode']} EMG, {section['decoder']} decoding), "
               f"mean ± sample std over seeds")
    return Experiment("06_ablations", rows, manifests, runs, _config_summary(p, "ablations", section["runs"]),
                      caption, details)


# ---------------------------------------------------------- 07: latency

def latency_specs(p: dict) -> list[dict]:
    """The runs notebook 07 benchmarks: those of 03-05 and two ablation variants (first seed)."""
    section = p["latency"]
    specs = run_specs(p, *section["sources"])
    wanted = set(section["ablation_variants"])
    first_seed = min(p["ablations"]["seeds"])
    specs += [s for s in p["ablations"]["runs"] if s["variant"] in wanted and s["seed"] == first_seed]
    return specs


def _label(spec: dict) -> str:
    label = spec["label"]
    if spec.get("variant"):
        label = f"MyoStream ({spec['variant']}, {spec['condition']})"
    elif spec.get("condition"):
        label = f"{label} ({spec['condition']})"
    return label


def run_latency(study, p: dict | None = None) -> Experiment:
    """Notebook 07: parameters, CPU latency p50/p95, RTF, streaming chunk latency, WER, for every model.

    The runs are those trained by notebooks 03-06, found through ``train_cached``
    (never with ``force``): a missing run is trained once, a finished one reused.
    """
    from semg_study.evaluation.bench import bench_run

    p = p or _plan(study)
    section = p["latency"]
    rows, manifests, runs, details = [], [], [], []
    for spec in latency_specs(p):
        run_dir = train_spec(study, spec, force=False)
        result = bench_run(run_dir, threads=section["threads"], repeats=section["repeats"],
                           warmup=section["warmup"], max_utterances=section["max_utterances"],
                           out=run_dir / "bench" / "latency.json")
        m = evaluate_cached(run_dir, "dev", "greedy")
        s = result.get("streaming") or {}
        rows.append({
            "model": _label(spec), "config": spec["config"], "input": result["input"],
            "evaluated on": m["mode"], "parameters": result["parameters"],
            "latency p50 ms": round(result["latency"]["p50_ms"], 2),
            "latency p95 ms": round(result["latency"]["p95_ms"], 2),
            "RTF p50": round(result["rtf"]["p50"], 4), "RTF p95": round(result["rtf"]["p95"], 4),
            "chunk ms": round(s["chunk_ms"], 1) if s else None,
            "chunk compute p95 ms": round(s["chunk_compute"]["p95_ms"], 2) if s else None,
            "algorithmic latency ms": round(s["algorithmic_latency_ms"], 1) if s else None,
            "total response latency ms": round(s["total_response_latency_ms"], 1) if s else None,
            "WER % (greedy)": _pct(m["wer"]), "CER % (greedy)": _pct(m["cer"]),
        })
        manifests.append([manifest_of(run_dir)])
        runs.append(run_dir)
        details.append({"spec": spec, "run": run_dir, "bench": result, "metrics": m, "label": _label(spec)})
    machine = details[0]["bench"]["machine"] if details else {}
    caption = (f"Inference cost on this machine's CPU ({machine.get('torch_threads', section['threads'])} thread, batch 1, "
               f"torch.inference_mode; {section['repeats']} timed passes after {section['warmup']} warm-up passes "
               f"over up to {section['max_utterances']} dev utterances per model): parameters, latency per utterance "
               f"p50/p95, real-time factor, and for MyoStream the streaming chunk compute and total response "
               f"latency (chunk + look-ahead + p95 chunk compute); WER/CER greedy on dev. Audio models are "
               f"scored on voiced audio, EMG models on their own evaluation mode")
    return Experiment("07_latency", rows, manifests, runs, _config_summary(p, "latency", latency_specs(p)),
                      caption, details)


# ---------------------------------------------------------- released models

def release_name(spec: dict) -> str:
    """``ds2emg-quick`` + closed -> ``ds2emg-quick-closed``; ablation variants are not released."""
    name = spec["config"]
    if spec.get("condition") and not spec["config"].startswith(("ds2audio", "myostream")):
        name += f"-{spec['condition']}"
    return name


def release_models(study, latency: Experiment) -> list[dict]:
    """Pack the runs of notebooks 03-05 (one per model and condition) into ``<reports>/models/``.

    Each folder loads like a run (``semg-study evaluate``, ``bench``, ``live --run``)
    and has a model card built from the run's own evaluation metrics
    (:mod:`semg_study.release`). Ablation variants are left out.
    """
    from semg_study.release import release_run

    rows = []
    for detail in latency.details:
        spec = detail["spec"]
        if spec.get("variant"):
            continue
        out = release_run(detail["run"], models_dir=study.paths.out / "models", name=release_name(spec))
        size = (out / "checkpoints" / "best.pt").stat().st_size
        rows.append({"model": detail["label"], "folder": str(out.relative_to(study.paths.out)),
                     "parameters": detail["bench"]["parameters"], "checkpoint MB": round(size / 2**20, 2),
                     "WER % (greedy)": _pct(detail["metrics"]["wer"]), "CER % (greedy)": _pct(detail["metrics"]["cer"])})
    return rows
