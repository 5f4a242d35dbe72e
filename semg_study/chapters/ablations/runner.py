"""Chapter 06's runner: every variant of the plan (:mod:`.plan`), its seeds pooled and compared with the full
model."""
from __future__ import annotations

from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments.comparisons import mean_std_label, seed_comparison_rows, seed_mean_std, seed_summary_columns
from semg_study.experiments.experiment import Experiment, config_summary
from semg_study.experiments.plan_runs import train_specs
from semg_study.experiments.run_evaluation import evaluate_cached, manifest_of, run_source


def run_ablations(study, p: dict | None = None) -> Experiment:
    """Notebook 06: each MyoStream component switched off in turn, same budget and seeds."""
    p = p or study_plan(study.profile)
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
    experiment = Experiment("06_ablations", rows, manifests, runs, config_summary(p, "ablations", section["runs"]),
                            caption, details)
    experiment.comparisons = comparisons
    return experiment

