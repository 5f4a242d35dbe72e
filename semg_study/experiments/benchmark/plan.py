"""The model comparison's plan, as data: which runs ``make bench`` trains and compares, on equal terms.

``deepspeech2`` on the 112 EMG features (configs ``ds2emg-<size>``), ``gaddy2022``
(the dataset authors' transformer on raw EMG) and ``myostream`` (the proposed
streaming model), each on the open and the closed vocabulary with the same
corpus, seed and number of epochs (the overrides differ only in
``data.condition``), plus a full-context MyoStream (``model.streaming_mask=false``)
that the streaming one is compared with, and DeepSpeech2 on voiced TTS audio.
The conditions each model family trains in follow the study plan
(:mod:`semg_study.chapters.plan`), so the comparison and the study share runs.
"""
from __future__ import annotations

import copy
import json

from semg_study.errors import ConfigError
from semg_study.evaluation.targets import targets_for
from semg_study.experiments.specs import open_emg_epochs
from semg_study.recipes.profiles import PROFILE_SIZE, benchmark_knobs, check_profile, config_name, plan_knobs

# The profile table (semg_study.recipes.profiles) as the benchmark reads it: shared epochs
# (None: each config's own ceiling and patience), torch threads, latency measurement.
EPOCHS = {p: benchmark_knobs(p)["epochs"] for p in PROFILE_SIZE}
THREADS = {p: benchmark_knobs(p)["threads"] for p in PROFILE_SIZE}
BENCH = {p: benchmark_knobs(p)["bench"] for p in PROFILE_SIZE}
SEED = 0

# name -> (config base, label)
MODELS = {
    "deepspeech2": ("ds2emg", "DeepSpeech2 (EMG features)"),
    "gaddy2022": ("gaddy2022", "Gaddy & Klein 2022 reproduction"),
    "myostream": ("myostream", "MyoStream (proposed)"),
}
PROPOSED = "myostream"
REFERENCE = "gaddy2022"
# The full-context MyoStream: the same model with full attention, for the streaming comparison
# (closed vocabulary: the same run as notebook 06's "without streaming_mask" ablation, seed 0).
FULL_CONTEXT = "myostream_full_context"
FULL_CONTEXT_OVERRIDES = {"model.streaming_mask": False}
FULL_CONTEXT_CONDITION = "closed"
# DeepSpeech2 on voiced TTS audio (Table 3.1's closed and open rows): the audio targets.
AUDIO_RUNS = {"closed": "ds2audio_closed", "open": "ds2audio_full"}

CONDITIONS = ["open", "closed"]
SPLITS = ["dev", "test"]
MODES = ["silent", "voiced"]
DECODERS = ["greedy", "beam"]
# The setting every headline number and target is measured in.
HEADLINE = {"condition": "open", "split": "test", "mode": "silent", "decoder": "beam"}
HEADLINE_TEXT = ("test split, open vocabulary, silent EMG, lexicon beam search with the run's word 3-gram LM "
                 "(training transcripts and, per decode.lm_text, the corpus's held-out LM text; no dev/test "
                 "sentence), LM weight and word bonus chosen per run on the dev split from one grid")

# ratio name -> field of a model entry (dotted); each ratio is PROPOSED / REFERENCE
RATIO_FIELDS = {
    "wer": "wer", "cer": "cer", "parameters": "parameters",
    "latency_p50": "latency_p50_ms", "latency_p95": "latency_p95_ms", "rtf_p50": "rtf_p50",
    "checkpoint_bytes": "checkpoint_bytes", "train_peak_rss": "train.peak_rss_mb",
    "train_utterances_per_s": "train.utterances_per_s", "train_wall_s": "train.wall_s",
}


def benchmark_plan(profile: str, epochs: int | None = None, device: str = "cpu") -> dict:
    """The benchmark of ``profile`` (smoke | quick | full) as data.

    ``epochs`` replaces the profile's shared epoch count. Every run's overrides
    are the same dict except ``data.condition`` (and the full-context variant's
    ``model.streaming_mask``): the models differ only in their config.
    """
    check_profile(profile)
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs must be at least 1, got {epochs}")
    shared_epochs = epochs if epochs is not None else EPOCHS[profile]
    shared = {"seed": SEED, "device": device}
    if shared_epochs is not None:
        shared["train.epochs"] = shared_epochs
    models = {name: {"config": config_name(base, profile), "label": label} for name, (base, label) in MODELS.items()}
    runs = []
    for condition in CONDITIONS:
        # the study plan's ceiling of the open-vocabulary EMG runs (quick), so both use the same runs
        ceiling = {} if epochs is not None else open_emg_epochs(plan_knobs(profile), condition)
        for name, model in models.items():
            base = MODELS[name][0]
            if condition not in plan_knobs(profile).get(f"{base}_conditions", CONDITIONS):
                continue  # the study plan's choice (recipes.profiles), so both use the same runs
            runs.append({"key": f"{name}/{condition}", "model": name, "variant": None, "config": model["config"],
                         "label": model["label"], "condition": condition,
                         "overrides": {**shared, **ceiling, "data.condition": condition},
                         # benched later: the comparison condition's runs and the streaming model
                         "bench": False})
    runs.append({"key": f"{FULL_CONTEXT}/{FULL_CONTEXT_CONDITION}", "model": PROPOSED, "variant": FULL_CONTEXT,
                 "config": models[PROPOSED]["config"], "label": "MyoStream, full context (streaming mask off)",
                 "condition": FULL_CONTEXT_CONDITION,
                 "overrides": {**shared, "data.condition": FULL_CONTEXT_CONDITION, **FULL_CONTEXT_OVERRIDES},
                 "bench": False})
    for condition, base in AUDIO_RUNS.items():
        runs.append({"key": f"ds2audio/{condition}", "model": "ds2audio", "variant": f"ds2audio_{condition}",
                     "config": config_name(base, profile), "label": f"DeepSpeech2 on voiced audio ({condition})",
                     "condition": condition,
                     "overrides": {**shared, **({} if epochs is not None else
                                               open_emg_epochs(plan_knobs(profile), condition))},
                     "bench": False, "modes": ["voiced"]})
    probe = {"runs": runs, "conditions": list(CONDITIONS), "models": models}
    shared_condition = comparison_condition(probe)
    for r in runs:
        r["bench"] = r["variant"] is None and (r["condition"] == shared_condition or
                                               (r["model"] == PROPOSED and r["condition"] == FULL_CONTEXT_CONDITION))
    return copy.deepcopy({
        "profile": profile,
        "size": PROFILE_SIZE[profile],
        "seed": SEED,
        "comparison_condition": shared_condition,
        "epochs": shared_epochs,
        "epochs_source": "plan" if shared_epochs is not None else "each config's own epochs",
        "device": device,
        "threads": THREADS[profile],
        "models": models,
        "proposed": PROPOSED,
        "reference": REFERENCE,
        "conditions": list(CONDITIONS),
        "splits": list(SPLITS),
        "modes": list(MODES),
        "decoders": list(DECODERS),
        "headline": dict(HEADLINE, text=HEADLINE_TEXT),
        "bench": {"split": HEADLINE["split"], "mode": HEADLINE["mode"], "condition": HEADLINE["condition"],
                  **BENCH[profile]},
        "streaming": {"model": PROPOSED, "full_context": FULL_CONTEXT, "split": HEADLINE["split"],
                      "mode": HEADLINE["mode"], "condition": FULL_CONTEXT_CONDITION},
        "shared_overrides": shared,
        "runs": runs,
        "ratio_fields": dict(RATIO_FIELDS),
        "targets": targets_for("benchmark"),
    })


def check_equal_budget(plan: dict) -> None:
    """Refuse a plan whose models would not train on equal terms (same overrides per condition)."""
    from semg_study.recipes.config import load_config  # deferred: the training package imports torch

    for condition in plan["conditions"]:
        compared = [r for r in plan["runs"] if r["condition"] == condition and r["variant"] is None]
        overrides = {json.dumps(r["overrides"], sort_keys=True) for r in compared}
        if len(overrides) != 1:
            raise ConfigError(f"benchmark plan: the models of the {condition} condition have different overrides")
        budgets = {}
        for r in compared:
            t = load_config(r["config"], r["overrides"]).train
            budgets[r["config"]] = (t.epochs, t.patience, t.best_metric)
        if len(set(budgets.values())) != 1:
            raise ConfigError(f"benchmark plan: unequal training budgets (epochs, patience, best metric) in the "
                              f"{condition} condition: {budgets}")



def comparison_condition(plan: dict) -> str | None:
    """The condition every model of the plan has a run in: the headline one if possible."""
    runs = [r for r in plan["runs"] if r["variant"] is None]
    shared = [c for c in [HEADLINE["condition"], *plan["conditions"]]
              if all(any(r["model"] == m and r["condition"] == c for r in runs) for m in plan["models"])]
    return shared[0] if shared else None


def comparison_specs(specs: list[dict], plan: dict) -> dict:
    condition = comparison_condition(plan)
    return {s["model"]: s for s in specs if s["variant"] is None and s["condition"] == condition}

