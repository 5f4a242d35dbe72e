"""Chapter 04's plan: DeepSpeech2 on EMG features and the reproduction of Gaddy and Klein (2022), per profile.

Each model per vocabulary the profile trains it on (``<base>_conditions``) and per seed (``emg_seeds``),
scored on the test split, silent and voiced, greedy and beam search + LM.
"""
from __future__ import annotations

from semg_study.experiments.specs import epochs, open_emg_epochs, spec


def section(profile: str, k: dict) -> dict:
    """The ``emg_baselines`` section of the study plan (``k``: the profile's knobs)."""
    emg = []
    for base, name in (("ds2emg", "DeepSpeech2 (EMG features)"), ("gaddy2022", "Gaddy 2022 reproduction")):
        for condition in ("closed", "open"):
            if condition not in k.get(f"{base}_conditions", ("closed", "open")):
                continue
            for seed in k["emg_seeds"]:
                emg.append(spec(base, profile, overrides={**epochs(k, base), **open_emg_epochs(k, condition),
                                                          "data.condition": condition},
                                seed=seed, label=name, condition=condition))
    return {"runs": emg, "split": "test", "modes": ["silent", "voiced"], "decoders": ["greedy", "beam"]}
