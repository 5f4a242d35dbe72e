"""Chapter 05's runner: MyoStream on both vocabularies, and MyoStream against each EMG baseline."""
from __future__ import annotations

import json
from pathlib import Path

from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments.comparisons import comparison_rows
from semg_study.experiments.experiment import Experiment, config_summary, decoder_label
from semg_study.experiments.plan_runs import train_spec, train_specs
from semg_study.experiments.run_evaluation import ci_columns, evaluate_decoder, manifest_of, run_source
from semg_study.run_folder import RunFolder


def myostream_run(study, p: dict | None = None, force: bool | None = None) -> Path:
    """The (first) MyoStream run of the plan: trained by 05, looked into by 02, benchmarked by 07."""
    p = p or study_plan(study.profile)
    return train_spec(study, p["myostream"]["runs"][0], force=force)


def run_myostream(study, p: dict | None = None) -> Experiment:
    """Notebook 05: MyoStream, greedy and beam + LM, corpus-level WER/CER."""
    p = p or study_plan(study.profile)
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
                         "decoder": decoder_label(decoder), **ci_columns(m),
                         "utterances": m["counts"]["utterances"], "parameters": manifest.get("n_parameters"),
                         **run_source(run_dir)})
            manifests.append([manifest_of(run_dir)])
            details.append({"spec": spec, "run": run_dir, "decoder": decoder, "metrics": m})
    caption = (f"MyoStream: corpus-level WER/CER (%, 95 % bootstrap CIs over utterances) on the {section['split']} split "
               f"({section['mode']} EMG), open and closed vocabulary, greedy CTC decoding and beam search with a word "
               f"3-gram LM (training transcripts and held-out LM text, never a dev/test sentence; weights chosen on dev)")
    return Experiment("05_myostream", rows, manifests, runs, config_summary(p, "myostream", section["runs"]),
                      caption, details)


def run_model_comparisons(study, p: dict | None = None) -> Experiment:
    """Notebook 05: MyoStream against each EMG baseline, per condition, paired on the same test utterances.

    Beam search + LM (weights chosen on dev for each run), silent EMG: the setting of the
    study's headline. Every seed of a model in the plan (``myostream_seeds``, ``emg_seeds``)
    takes part: each model's seed mean, sd and seed-and-utterance CI, and the verdict from
    a bootstrap that resamples both models' seeds and the shared utterances (one seed per
    model: the utterance bootstrap). Runs come through ``train_cached`` (reused, never retrained here).
    """
    p = p or study_plan(study.profile)
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
    return Experiment("05_comparisons", rows, manifests, runs, config_summary(p, "myostream", p["myostream"]["runs"]),
                      caption)

