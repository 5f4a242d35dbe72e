"""Chapter 03's runner: DeepSpeech2 on audio trained through ``train_cached``, evaluated, Table 3.1's rows."""
from __future__ import annotations

from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments.experiment import Experiment, config_summary
from semg_study.experiments.plan_runs import train_specs
from semg_study.experiments.run_evaluation import ci_columns, evaluate_decoder, manifest_of, run_source

VOCABULARY = "38 symbols: CTC blank, space, a-z, 0-9"


def run_table31(study, p: dict | None = None) -> Experiment:
    """Notebook 03: DeepSpeech2 on audio, Table 3.1 regenerated with the six defects fixed."""
    p = p or study_plan(study.profile)
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
    return Experiment("03_table31", rows, manifests, runs, config_summary(p, "table31", section["runs"]),
                      caption, details)

