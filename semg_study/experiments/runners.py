"""Run the plans of notebooks 03-07: train through ``train_cached``, evaluate, return table rows.

Every runner takes the notebook's study object (``semg_study.report.context``)
and returns an :class:`Experiment`: the table rows, one list of run manifests
per row (``<run>/manifest.json``), the run folders, the config the table states
and a caption. Training only ever goes through
:func:`semg_study.training.train_cached`, so a second notebook (07) or a rerun
reuses the finished runs; ``study.force`` retrains the runs a notebook owns.
How a spec's run is found is :mod:`~semg_study.experiments.plan_runs`, how it is
evaluated :mod:`~semg_study.experiments.run_evaluation`, the paired comparisons and
pooled seeds :mod:`~semg_study.experiments.comparisons`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from semg_study.experiments.comparisons import (comparison_rows, mean_std_label, seed_comparison_rows, seed_mean_std,
                                                seed_summary_columns)
from semg_study.experiments.plan_runs import train_spec, train_specs
from semg_study.experiments.plans import plan as make_plan
from semg_study.experiments.plans import run_specs
from semg_study.run_folder import RunFolder
from semg_study.experiments.run_evaluation import (ci_columns, evaluate_cached, evaluate_decoder, manifest_of, percent,
                                                   run_source)

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
    comparisons: list[dict] = field(default_factory=list)  # paired bootstrap rows (seed_comparison_rows)


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


def _decoder_label(decoder: str) -> str:
    return "greedy" if decoder == "greedy" else "beam + word 3-gram LM"


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
            m = evaluate_decoder(run_dir, section["split"], decoder)
            evals[decoder] = m
            tag = "greedy" if decoder == "greedy" else "beam + LM"
            # percentages, as every table of the study (the original's fractions are shown as % too)
            for label, value in ci_columns(m).items():
                row[label.replace("%", f"% ({tag})", 1)] = value
        row[f"{section['split']} utterances"] = next(iter(evals.values()))["counts"]["utterances"]
        original = spec["original_wer"]
        row[f"WER % {section['original_label']}"] = "none reported" if original is None else round(100 * original, 1)
        row.update(run_source(run_dir))
        rows.append(row)
        manifests.append([manifest_of(run_dir)])
        runs.append(run_dir)
        details.append({"spec": spec, "run": run_dir, "evals": evals})
    fixes = "; ".join(f"({i}) {f}" for i, f in enumerate(section["fixes"], 1))
    caption = (f"Table 3.1 regenerated: DeepSpeech2 on audio, corpus-level WER/CER (%, with 95 % bootstrap CIs over "
               f"utterances) on the {section['split']} split (voiced audio), greedy and beam search with a word 3-gram "
               f"LM (training transcripts and held-out LM text; LM weight and word bonus chosen on dev). "
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
            for decoder in section["decoders"]:
                m = evaluate_decoder(run_dir, section["split"], decoder, mode)
                rows.append({"model": spec["label"], "config": spec["config"], "condition": spec["condition"],
                             "evaluated on": mode, "decoder": _decoder_label(decoder), "seed": spec["seed"],
                             **ci_columns(m), "utterances": m["counts"]["utterances"], **run_source(run_dir)})
                manifests.append([manifest_of(run_dir)])
                details.append({"spec": spec, "run": run_dir, "mode": mode, "decoder": decoder, "metrics": m})
    caption = (f"EMG baselines: corpus-level WER/CER (%, 95 % bootstrap CIs over utterances) on the {section['split']} "
               f"split, greedy and beam + LM decoding (LM weights chosen on dev), "
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
    trained = train_specs(study, section["runs"], p.get("workers", 1))
    for spec, run_dir in zip(section["runs"], trained):
        runs.append(run_dir)
        manifest = json.loads(RunFolder(run_dir).manifest.read_text())
        for decoder in section["decoders"]:
            m = evaluate_decoder(run_dir, section["split"], decoder, section["mode"])
            rows.append({"model": spec["label"], "config": spec["config"], "seed": spec["seed"],
                         "condition": manifest["config"]["data"]["condition"], "evaluated on": section["mode"],
                         "decoder": _decoder_label(decoder), **ci_columns(m),
                         "utterances": m["counts"]["utterances"], "parameters": manifest.get("n_parameters"),
                         **run_source(run_dir)})
            manifests.append([manifest_of(run_dir)])
            details.append({"spec": spec, "run": run_dir, "decoder": decoder, "metrics": m})
    caption = (f"MyoStream: corpus-level WER/CER (%, 95 % bootstrap CIs over utterances) on the {section['split']} split "
               f"({section['mode']} EMG), open and closed vocabulary, greedy CTC decoding and beam search with a word "
               f"3-gram LM (training transcripts and held-out LM text, never a dev/test sentence; weights chosen on dev)")
    return Experiment("05_myostream", rows, manifests, runs, _config_summary(p, "myostream", section["runs"]),
                      caption, details)


def run_model_comparisons(study, p: dict | None = None) -> Experiment:
    """Notebook 05: MyoStream against each EMG baseline, per condition, paired on the same test utterances.

    Beam search + LM (weights chosen on dev for each run), silent EMG: the setting of the
    study's headline. Every seed of a model in the plan (``myostream_seeds``, ``emg_seeds``)
    takes part: each model's seed mean, sd and seed-and-utterance CI, and the verdict from
    a bootstrap that resamples both models' seeds and the shared utterances (one seed per
    model: the utterance bootstrap). Runs come through ``train_cached`` (reused, never retrained here).
    """
    p = p or _plan(study)
    split, mode = p["myostream"]["split"], p["myostream"]["mode"]

    def grouped(specs):
        groups: dict[tuple, list[dict]] = {}
        for s in specs:
            groups.setdefault((s["label"], s["condition"]), []).append(s)
        return groups

    def evaluated(specs):
        found = [train_spec(study, s, force=False) for s in sorted(specs, key=lambda s: s["seed"])]
        return found, [evaluate_decoder(r, split, "beam", mode) for r in found]

    ours = grouped(p["myostream"]["runs"])
    theirs = grouped(p["emg_baselines"]["runs"])
    rows, manifests, runs = [], [], []
    for (_, condition), specs in sorted(ours.items(), key=lambda kv: kv[0][1]):
        mine, m_a = evaluated(specs)
        for (label, base_condition), base_specs in theirs.items():
            if base_condition != condition:
                continue
            other, m_b = evaluated(base_specs)
            for row in comparison_rows(f"MyoStream vs {label} ({condition})", m_a, m_b, f"{split} {mode}, beam + LM"):
                rows.append({**row, "run A": ", ".join(r.name for r in mine), "run B": ", ".join(r.name for r in other)})
                manifests.append([manifest_of(r) for r in mine + other])
            runs += mine + other
    caption = (f"MyoStream (A) against each EMG baseline (B): paired bootstrap over the same {split} utterances "
               f"({mode} EMG, beam search + LM with weights chosen on dev), resampling each model's seeds too "
               f"(seeds A / B; with one seed the bootstrap is over utterances only). A % / B %: mean over seeds, "
               f"with sd over seeds and each model's 95 % CI; difference A - B in points with its 95 % CI; ratio "
               f"A/B of corpus error rates with its CI; verdict 'better' when the whole CI of A - B is below 0, "
               f"'worse' when above, else 'no significant difference'")
    return Experiment("05_comparisons", rows, manifests, runs, _config_summary(p, "myostream", p["myostream"]["runs"]),
                      caption)


# ------------------------------------------------------------- 06: ablations

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
    from semg_study.evaluation.output import read_evaluation

    records = {v: [read_evaluation(e["metrics"]["out_dir"])[1] for e in entries] for v, entries in by_variant.items()}
    full = next((v for v, es in by_variant.items() if es[0]["spec"]["switched_off"] is None), None)
    comparisons = []
    if full is not None:
        for variant in by_variant:
            if variant != full:
                comparisons += seed_comparison_rows(f"{variant} vs full model", records[variant], records[full],
                                                    f"{section['split']} {section['mode']}, seeds and utterances "
                                                    f"resampled")
    versus = {(c["comparison"].removesuffix(" vs full model"), c["metric"]): c for c in comparisons}
    rows, manifests, details = [], [], []
    for variant, entries in by_variant.items():
        wers = [100.0 * e["metrics"]["wer"] for e in entries]
        cers = [100.0 * e["metrics"]["cer"] for e in entries]
        (wm, ws), (cm, cs) = seed_mean_std(wers), seed_mean_std(cers)
        # the seeds' mean with a CI that resamples seeds and (jointly for every seed) utterances
        summary = seed_summary_columns(records[variant])
        vs = versus.get((variant, "WER %")) or {}
        rows.append({"variant": variant, "switched off": entries[0]["spec"]["switched_off"] or "(none)",
                     "seeds": ", ".join(str(e["spec"]["seed"]) for e in entries),
                     "WER % mean": round(wm, 2), "WER % std": None if ws is None else round(ws, 2),
                     "WER % (mean ± std)": mean_std_label(wm, ws),
                     "CER % (mean ± std)": mean_std_label(cm, cs),
                     **{k: summary[k] for k in ("WER %", "WER % CI low", "WER % CI high",
                                                "CER %", "CER % CI low", "CER % CI high")},
                     "WER % per seed": ", ".join(f"{w:.1f}" for w in wers),
                     "CER % per seed": ", ".join(f"{c:.1f}" for c in cers),
                     # the seed-aware paired comparison with the full model (its row: none)
                     "ΔWER vs full model (points)": 0.0 if variant == full else vs.get("difference (points)"),
                     "difference CI low": vs.get("difference CI low"),
                     "difference CI high": vs.get("difference CI high"),
                     "verdict vs full model": vs.get("verdict"),
                     "epochs trained": ", ".join(str(run_source(e["run"])["epochs trained"]) for e in entries),
                     "runs": ", ".join(e["run"].name for e in entries),
                     "source": ", ".join(sorted({run_source(e["run"])["source"] for e in entries}))})
        manifests.append([manifest_of(e["run"]) for e in entries])
        details.append({"variant": variant, "wers": wers, "cers": cers, "entries": entries})
    caption = (f"MyoStream ablations: one component switched off at a time, {section['condition']} vocabulary, "
               f"same epochs and seeds ({', '.join(map(str, section['seeds']))}) for every variant; corpus-level "
               f"WER/CER on the {section['split']} split ({section['mode']} EMG, {section['decoder']} decoding), "
               f"mean ± sample std over seeds; the CI columns are 95 % bootstrap CIs of the seeds' mean that "
               f"resample seeds and utterances; ΔWER, its CI and the verdict are the paired comparison with the "
               f"full model (seeds of each variant resampled independently, the shared test utterances jointly)")
    experiment = Experiment("06_ablations", rows, manifests, runs, _config_summary(p, "ablations", section["runs"]),
                            caption, details)
    experiment.comparisons = comparisons
    return experiment


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
    from semg_study.evaluation.latency import measure_latency

    p = p or _plan(study)
    section = p["latency"]
    rows, manifests, runs, details = [], [], [], []
    for spec in latency_specs(p):
        run_dir = train_spec(study, spec, force=False)
        result = measure_latency(run_dir, threads=section["threads"], repeats=section["repeats"],
                           warmup=section["warmup"], max_utterances=section["max_utterances"],
                           out=RunFolder(run_dir).bench / "latency.json")
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
            "WER % (greedy)": percent(m["wer"]), "CER % (greedy)": percent(m["cer"]),
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
    """``ds2emg-quick`` + closed -> ``ds2emg-quick-closed`` (one folder per model and vocabulary);
    the DS2 audio configs name their vocabulary already. Ablation variants are not released."""
    name = spec["config"]
    if spec.get("condition") and not spec["config"].startswith("ds2audio"):
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
        size = RunFolder(out).best.stat().st_size
        rows.append({"model": detail["label"], "folder": str(out.relative_to(study.paths.out)),
                     "parameters": detail["bench"]["parameters"], "checkpoint MB": round(size / 2**20, 2),
                     "WER % (greedy)": percent(detail["metrics"]["wer"]), "CER % (greedy)": percent(detail["metrics"]["cer"])})
    return rows
