"""The study's profiles: smoke | quick | full, read from ``semg_study/configs/study/profiles.yaml``.

A profile is how big the study runs: which size of every config family it trains (``size``:
``<family>-<size>``), the knobs of the notebooks' plan (``plan``: read by
:func:`semg_study.chapters.plan.plan`; the epoch ceilings of the study's chapters, the seeds, the
comparison over seeds) and those of the model comparison (``benchmark``: read by ``make bench``). The file
says why each knob has its value; ``semg-study config --profile NAME`` prints one profile. The synthetic
corpus of a profile (how many speakers and utterances) is the generator's (``semg_study.synth.profiles``).
"""
from __future__ import annotations

import copy
from pathlib import Path

import yaml

from semg_study.errors import ConfigError

PROFILES_FILE = Path(__file__).resolve().parent.parent / "configs" / "study" / "profiles.yaml"


def _load(path: Path = PROFILES_FILE) -> dict[str, dict]:
    try:
        profiles = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the study's profiles ({exc})") from exc
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) and {"size", "plan", "benchmark"} <= set(p)
                                                  for p in profiles.values()):
        raise ConfigError(f"{path}: each profile needs 'size', 'plan' and 'benchmark'")
    return profiles


PROFILES: dict[str, dict] = _load()
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
