"""The plan of every experiment notebook, per profile, as data.

A plan says which configs are trained, with which overrides and seeds, on which
condition, and how they are evaluated (decoders, modes, splits). What differs
between profiles (config size, seeds, epoch ceilings, workers) is
:mod:`semg_study.recipes.profiles`.

:func:`plan` returns the resolved plan of one profile; the runners in
:mod:`semg_study.experiments.runners` read nothing else.
"""
from __future__ import annotations

import copy

from semg_study.recipes.profiles import PROFILE_SIZE, config_name, plan_knobs

# The six defects of the dissertation's code, fixed in this study (docs: the
# dataset reference, "Defects found in the dissertation's original code").
FIXES = (
    "punctuation cleaned (normalised text reaches the model)",
    "reserved CTC blank (index 0, not a character)",
    "greedy decoder drops only the blank",
    "one feature pipeline for training and evaluation",
    "corpus-level WER (not a mean of sentence WERs)",
    "no split leakage (silent dev utterances never trained on)",
)

# The only result numbers typed in this package: the dissertation's own Table 3.1
# WERs, quoted from the seed (produced by code with the six defects above).
# LJSpeech: the dissertation reports none.
ORIGINAL_TABLE31_WER = {
    "ASR-LJSpeech": None,
    "ASR-SilentSpeechVocal-Closed": 0.33,
    "ASR-SilentSpeechVocal-Full": 0.45,
}
ORIGINAL_LABEL = "original (dissertation, defective code)"

# MyoStream components the ablation study switches off, one at a time
# (boolean keyword arguments of semg_study.models.myostream.MyoStream).
ABLATION_COMPONENTS = ("electrode_frontend", "conv_module", "streaming_mask", "phoneme_aux_loss",
                       "session_adaptation", "augmentation")

def open_emg_epochs(knobs: dict, condition: str) -> dict:
    """The shared epoch ceiling of the open-vocabulary EMG runs, where the profile sets one."""
    n = knobs["epochs"].get("open_emg")
    return {"train.epochs": n} if n and condition == "open" else {}


def _epochs(knobs: dict, key: str) -> dict:
    n = knobs["epochs"].get(key)
    return {"train.epochs": n} if n else {}


def _spec(base: str, profile: str, *, corpus: str = "dv", overrides: dict | None = None, seed: int = 0,
          label: str | None = None, **extra) -> dict:
    return {"config": config_name(base, profile), "base": base, "corpus": corpus,
            "overrides": dict(overrides or {}), "seed": seed, "label": label or base, **extra}


def plan(profile: str) -> dict:
    """The whole study's experiment plan for ``profile`` (smoke | quick | full).

    Keys: ``table31`` (notebook 03), ``emg_baselines`` (04), ``myostream`` (05,
    and the trained model notebook 02 looks into), ``ablations`` (06),
    ``latency`` (07). Each training entry ("run spec") has ``config``,
    ``overrides`` (dotted keys), ``seed``, ``corpus`` ("dv" or "ljspeech") and a
    ``label``.
    """
    k = plan_knobs(profile)
    table31 = [
        _spec("ds2audio_ljspeech", profile, corpus="ljspeech",
              overrides={**_epochs(k, "ds2audio_ljspeech"), **open_emg_epochs(k, "open")},
              label="ASR-LJSpeech", dataset="LJSpeech-layout TTS corpus (voiced audio)"),
        _spec("ds2audio_closed", profile, overrides=_epochs(k, "ds2audio_closed"),
              label="ASR-SilentSpeechVocal-Closed", dataset="Digital Voicing layout, closed vocabulary, voiced audio"),
        _spec("ds2audio_full", profile, overrides={**_epochs(k, "ds2audio_full"), **open_emg_epochs(k, "open")},
              label="ASR-SilentSpeechVocal-Full", dataset="Digital Voicing layout, open vocabulary, voiced audio"),
    ]
    for row in table31:
        row["original_wer"] = ORIGINAL_TABLE31_WER[row["label"]]

    emg = []
    for base, name in (("ds2emg", "DeepSpeech2 (EMG features)"), ("gaddy2022", "Gaddy 2022 reproduction")):
        for condition in ("closed", "open"):
            if condition not in k.get(f"{base}_conditions", ("closed", "open")):
                continue
            for seed in k["emg_seeds"]:
                emg.append(_spec(base, profile, overrides={**_epochs(k, base), **open_emg_epochs(k, condition),
                                                           "data.condition": condition},
                                 seed=seed, label=name, condition=condition))

    # open vocabulary first: the run notebook 02 looks into and the first row of notebook 05
    myostream = [_spec("myostream", profile, overrides={**_epochs(k, "myostream"), **open_emg_epochs(k, condition),
                                                        "data.condition": condition},
                       seed=seed, label="MyoStream", condition=condition)
                 for condition in ("open", "closed") for seed in k["myostream_seeds"]]

    ablation_base = {**_epochs(k, "ablation"), "data.condition": k["ablation_condition"]}
    variants = [{"variant": "full model", "switched_off": None, "overrides": {}}]
    variants += [{"variant": f"without {c}", "switched_off": c, "overrides": {f"model.{c}": False}}
                 for c in ABLATION_COMPONENTS]
    ablations = []
    for v in variants:
        for seed in k["ablation_seeds"]:
            ablations.append(_spec("myostream", profile, overrides={**ablation_base, **v["overrides"]}, seed=seed,
                                   label=v["variant"], variant=v["variant"], switched_off=v["switched_off"],
                                   condition=k["ablation_condition"]))

    return copy.deepcopy({
        "profile": profile,
        "size": PROFILE_SIZE[profile],
        "workers": k["workers"],
        # Reported numbers are on the test split; dev chooses checkpoints and the LM weights.
        "table31": {"runs": table31, "split": "test", "decoders": list(k["table31_decoders"]),
                    "fixes": list(FIXES), "original_label": ORIGINAL_LABEL},
        "emg_baselines": {"runs": emg, "split": "test", "modes": ["silent", "voiced"], "decoders": ["greedy", "beam"]},
        "myostream": {"runs": myostream, "split": "test", "mode": "silent", "decoders": ["greedy", "beam"]},
        "ablations": {"runs": ablations, "split": "test", "mode": "silent", "decoder": "greedy",
                      "seeds": list(k["ablation_seeds"]), "components": list(ABLATION_COMPONENTS),
                      "condition": k["ablation_condition"]},
        # Notebook 07 benchmarks the runs of 03-05 and the ablation's full model
        # and its non-streaming variant (through train_cached: reused, never retrained).
        "latency": {"sources": ["table31", "emg_baselines", "myostream"],
                    "ablation_variants": ["full model", "without streaming_mask"],
                    "threads": 1, **k["bench"]},
    })


def run_specs(p: dict, *keys: str) -> list[dict]:
    """Every run spec of the named plan sections (all training sections when none are named)."""
    keys = keys or ("table31", "emg_baselines", "myostream", "ablations")
    return [spec for key in keys for spec in p[key]["runs"]]
