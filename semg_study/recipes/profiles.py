"""The study's profiles in one place: smoke | quick | full.

A profile is how big the study runs: which size of every config family it
trains (``size``: ``<family>-<size>``), the knobs of the notebooks' plan
(``plan``: read by :func:`semg_study.experiments.plans.plan`) and those of the
model comparison (``benchmark``: read by ``make bench``). The synthetic corpus
of a profile (how many speakers and utterances) is the generator's
(``semg_study.synth.profiles.PROFILES``).

No profile trims epochs to fit a time budget: each config trains until its dev
metric stops improving (``train.patience``). ``make study`` stays fast because
the quick runs are trained once and released (``semg_study.training.released``).
"""
from __future__ import annotations

import copy

from semg_study.errors import ConfigError

PROFILES: dict[str, dict] = {
    "smoke": {
        "size": "smoke",
        "plan": {
            "table31_decoders": ["greedy", "beam"],
            "emg_seeds": [0], "myostream_seeds": [0], "ablation_seeds": [0],
            "ablation_condition": "closed",
            "epochs": {},
            "workers": 1,
            # notebook 07's latency measurement of each run
            "bench": {"repeats": 1, "warmup": 0, "max_utterances": 3},
            # notebook 08's new participants: only that adaptation runs end to end
            "calibration": {"corpus": "participants-smoke", "minutes": [0.1], "methods": ["adapter", "scratch"],
                            "seed": 0, "adapt": {"epochs": 2, "patience": 5}, "scratch": {"epochs": 2, "patience": 8},
                            "target_minutes": 0.1, "scratch_minutes": 0.1, "target_ratio": 1.5, "workers": 1},
        },
        "benchmark": {
            "epochs": 2,
            # smoke only checks that the pipeline runs
            "threads": 1,
            "bench": {"repeats": 1, "warmup": 0, "max_utterances": 3},
        },
    },
    "quick": {
        "size": "quick",
        "plan": {
            "table31_decoders": ["greedy", "beam"],
            "emg_seeds": [0], "myostream_seeds": [0], "ablation_seeds": [0, 1, 2],
            "ablation_condition": "closed",
            # no epoch trims: every quick config trains until its dev CER stops improving
            # (train.patience), with train.epochs as a ceiling. The ablations alone compare their 21
            # runs (7 variants x 3 seeds) at one equal, shorter ceiling of 20 epochs: the full model's
            # dev CER is within a few points of its best by then, and 21 full-length runs would not fit.
            # Every open-vocabulary run (EMG models on 2,000 training utterances, DeepSpeech2 on 1,600
            # voiced recordings or the LJSpeech-layout clips) shares a 30-epoch ceiling too, for the same
            # reason; the benchmark gives its runs the same.
            "epochs": {"ablation": 20, "open_emg": 30},
            # DeepSpeech2 on EMG features is trained on the closed vocabulary only at this size: its
            # recurrent layers make it the slowest model per epoch by far (a 2,000-utterance open run
            # would cost as much as all ablations together); gaddy2022 and MyoStream cover both.
            "ds2emg_conditions": ["closed"],
            # independent runs of a notebook train two at a time (one torch thread each): 2 cores
            "workers": 2,
            "bench": {"repeats": 3, "warmup": 1, "max_utterances": 8},
            # issue 22's comparison, being trained (benchmarks/headline_queue.py; not yet read by the
            # notebooks): every model of a comparison under one budget rule, a 120-epoch ceiling with
            # early stopping after 8 epochs without a better dev CER (the reproduction still improved at the
            # old 60-epoch ceiling); 5 seeds on the closed vocabulary, 3 on the open; 3-4 sizes of MyoStream
            # and the reproduction spanning over 10x in parameters; MyoStream's chunk and look-ahead swept
            # against full context; the ablations again under the same rule.
            "headline": {
                "budget": {"train.epochs": 120, "train.patience": 8},
                "models": ["myostream", "gaddy2022", "ds2emg"],
                "closed_seeds": [0, 1, 2, 3, 4], "open_seeds": [0, 1, 2],
                "size_seeds": [0, 1, 2],
                # 11k / 31k (the study's) / 104k / 327k and 27k / 94k (the study's) / 344k parameters
                "sizes": {"myostream": [{"model.d_model": 16}, {"model.d_model": 64},
                                        {"model.d_model": 96, "model.n_layers": 3}],
                          "gaddy2022": [{"model.d_model": 24, "model.d_ff": 48},
                                        {"model.d_model": 96, "model.d_ff": 192}]},
                "streaming_seeds": [0, 1, 2],
                # chunk x look-ahead in encoder frames (the study's: chunk 4, look-ahead 2), and full context
                "streaming": [{"model.chunk": 2, "model.lookahead": 0}, {"model.chunk": 4, "model.lookahead": 0},
                              {"model.chunk": 8, "model.lookahead": 2}, {"model.chunk": 16, "model.lookahead": 4},
                              {"model.streaming_mask": False}],
            },
            # notebook 08's new participants (semg_study.experiments.calibration): the closed-vocabulary
            # MyoStream adapted to each synthetic participant of the `participants` corpus with 1-20
            # minutes of their calibration EMG, against the same architecture trained from scratch on
            # those minutes. Fine-tuning: at most 30 epochs, stopped after 5 without a better dev CER on
            # the participant's own dev sentences; from scratch: the study's budget rule for its models
            # (a 120-epoch ceiling, patience 8). The targets: adaptation with `target_minutes`
            # within `target_ratio` x the released model's WER on its own test split, and better than
            # training from scratch on `scratch_minutes`.
            "calibration": {"corpus": "participants", "minutes": [1, 2, 5, 10, 20],
                            "methods": ["adapter", "all", "scratch"], "seed": 0,
                            "adapt": {"epochs": 30, "patience": 5}, "scratch": {"epochs": 120, "patience": 8},
                            "target_minutes": 5, "scratch_minutes": 20, "target_ratio": 1.5, "workers": 2},
        },
        "benchmark": {
            # no shared override; every quick config has the same ceiling (train.epochs) and
            # early-stopping patience, so the budget is equal and each model trains until dev stops
            # improving (check_equal_budget refuses configs that differ). The runs are then the study's own.
            "epochs": None,
            # the issue states its latency targets at 2 CPU threads
            "threads": 2,
            "bench": {"repeats": 3, "warmup": 1, "max_utterances": 25},
        },
    },
    "full": {
        "size": "paper",
        "plan": {
            "table31_decoders": ["greedy", "beam"],
            "emg_seeds": [0], "myostream_seeds": [0], "ablation_seeds": [0, 1, 2],
            "ablation_condition": "closed",
            "epochs": {},
            "workers": 1,  # paper-size runs: one at a time (a GPU, or all cores for one run)
            "bench": {"repeats": 5, "warmup": 2, "max_utterances": 20},
            # notebook 08's new participants, as the quick profile (see there), one run at a time
            "calibration": {"corpus": "participants", "minutes": [1, 2, 5, 10, 20],
                            "methods": ["adapter", "all", "scratch"], "seed": 0,
                            "adapt": {"epochs": 30, "patience": 5}, "scratch": {"epochs": 120, "patience": 8},
                            "target_minutes": 5, "scratch_minutes": 20, "target_ratio": 1.5, "workers": 1},
        },
        "benchmark": {
            # the reference model's published budget (200 epochs, Gaddy 2022) for every model, so the
            # epochs are equal here too (the paper-size configs' own epochs differ: 10 / 200 / 100)
            "epochs": 200,
            "threads": 2,
            "bench": {"repeats": 5, "warmup": 2, "max_utterances": 50},
        },
    },
}
PROFILE_NAMES = tuple(PROFILES)
PROFILE_SIZE = {name: p["size"] for name, p in PROFILES.items()}


def check_profile(profile: str) -> str:
    if profile not in PROFILES:
        raise ConfigError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    return profile


def config_name(base: str, profile: str) -> str:
    """``ds2emg`` + ``quick`` -> ``ds2emg-quick``; ``full`` uses the ``-paper`` configs."""
    return f"{base}-{PROFILES[check_profile(profile)]['size']}"


def plan_knobs(profile: str) -> dict:
    """The knobs of the notebooks' plan (a copy)."""
    return copy.deepcopy(PROFILES[check_profile(profile)]["plan"])


def benchmark_knobs(profile: str) -> dict:
    """The knobs of the model comparison (a copy)."""
    return copy.deepcopy(PROFILES[check_profile(profile)]["benchmark"])
