"""What a plan spec is (one training run of a chapter's plan) and the epoch ceilings a profile sets.

A spec is a dict: ``config`` (the profile's config name), ``base`` (the config family), ``corpus`` ("dv" or
"ljspeech"), ``overrides`` (dotted keys, as data), ``seed``, ``label`` and whatever the chapter groups by
(``condition``, ``variant``, ...); only config, overrides, seed and corpus enter a run's fingerprint. Each
chapter's ``plan.py`` builds its specs with :func:`spec`; the study plan (:mod:`semg_study.chapters.plan`)
puts the chapters' sections together.
"""
from __future__ import annotations

from semg_study.recipes.profiles import config_name


def open_emg_epochs(knobs: dict, condition: str) -> dict:
    """The shared epoch ceiling of the open-vocabulary EMG runs, where the profile sets one."""
    n = knobs["epochs"].get("open_emg")
    return {"train.epochs": n} if n and condition == "open" else {}


def epochs(knobs: dict, key: str) -> dict:
    """The epoch ceiling the profile sets for ``key`` (a chapter or a config family), as an override."""
    n = knobs["epochs"].get(key)
    return {"train.epochs": n} if n else {}


def spec(base: str, profile: str, *, corpus: str = "dv", overrides: dict | None = None, seed: int = 0,
         label: str | None = None, **extra) -> dict:
    """One planned run of config family ``base`` at the profile's size (``extra``: what a chapter groups by)."""
    return {"config": config_name(base, profile), "base": base, "corpus": corpus,
            "overrides": dict(overrides or {}), "seed": seed, "label": label or base, **extra}

