"""The study's plan, per profile: each chapter's section, from that chapter's ``plan.py``.

A plan says which configs are trained, with which overrides and seeds, on which condition, and how they are
evaluated (decoders, modes, splits). What differs between profiles (config size, seeds, epoch ceilings,
workers) is the profile's knobs (``semg_study/configs/study/profiles.yaml``, read by
:mod:`semg_study.recipes.profiles`). Reported numbers are on the test split; dev chooses checkpoints and the
LM weights.
"""
from __future__ import annotations

import copy

from semg_study.recipes.profiles import PROFILE_SIZE, plan_knobs

TRAINING_SECTIONS = ("table31", "emg_baselines", "myostream", "ablations")


def plan(profile: str) -> dict:
    """The whole study's plan for ``profile`` (smoke | quick | full).

    Keys: ``table31`` (chapter 03, audio baselines), ``emg_baselines`` (04), ``myostream`` (05, and the
    trained model notebook 02 looks into), ``ablations`` (06), ``latency`` (07). Each training entry ("run
    spec", :mod:`semg_study.experiments.specs`) has ``config``, ``overrides`` (dotted keys), ``seed``,
    ``corpus`` ("dv" or "ljspeech") and a ``label``.
    """
    # the chapters' plans are imported here, not at the top: each chapter's runner reads this module
    from semg_study.chapters.ablations.plan import section as ablations
    from semg_study.chapters.audio_baselines.plan import section as audio_baselines
    from semg_study.chapters.emg_baselines.plan import section as emg_baselines
    from semg_study.chapters.latency.plan import section as latency
    from semg_study.chapters.myostream.plan import section as myostream

    k = plan_knobs(profile)
    return copy.deepcopy({
        "profile": profile,
        "size": PROFILE_SIZE[profile],
        "workers": k["workers"],
        "table31": audio_baselines(profile, k),
        "emg_baselines": emg_baselines(profile, k),
        "myostream": myostream(profile, k),
        "ablations": ablations(profile, k),
        "latency": latency(profile, k),
    })


def run_specs(p: dict, *keys: str) -> list[dict]:
    """Every run spec of the named plan sections (all training sections when none are named)."""
    keys = keys or TRAINING_SECTIONS
    return [spec for key in keys for spec in p[key]["runs"]]

