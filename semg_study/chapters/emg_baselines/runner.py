"""Chapter 04's runner: the EMG baselines per condition, evaluated on silent and voiced EMG."""
from __future__ import annotations

from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments.experiment import Experiment, config_summary, decoder_label
from semg_study.experiments.plan_runs import train_specs
from semg_study.experiments.run_evaluation import ci_columns, evaluate_decoder, manifest_of, run_source


def run_emg_baselines(study, p: dict | None = None) -> Experiment:
    """Notebook 04: DeepSpeech2 on EMG features and the gaddy2022 reproduction, per condition and mode."""
    p = p or study_plan(study.profile)
    section = p["emg_baselines"]
    rows, manifests, runs, details = [], [], [], []
    trained = train_specs(study, section["runs"], p.get("workers", 1))
    for spec, run_dir in zip(section["runs"], trained):
        runs.append(run_dir)
        for mode in section["modes"]:
            for decoder in section["decoders"]:
                m = evaluate_decoder(run_dir, section["split"], decoder, mode)
                rows.append({"model": spec["label"], "config": spec["config"], "condition": spec["condition"],
                             "evaluated on": mode, "decoder": decoder_label(decoder), "seed": spec["seed"],
                             **ci_columns(m), "utterances": m["counts"]["utterances"], **run_source(run_dir)})
                manifests.append([manifest_of(run_dir)])
                details.append({"spec": spec, "run": run_dir, "mode": mode, "decoder": decoder, "metrics": m})
    caption = (f"EMG baselines: corpus-level WER/CER (%, 95 % bootstrap CIs over utterances) on the {section['split']} "
               f"split, greedy and beam + LM decoding (LM weights chosen on dev), "
               f"trained per condition (closed or open vocabulary) on silent and voiced EMG, evaluated on silent "
               f"and on voiced utterances")
    return Experiment("04_emg_baselines", rows, manifests, runs,
                      config_summary(p, "emg_baselines", section["runs"]), caption, details)

