"""Chapter 07's plan: which runs are benchmarked (those of chapters 03-05 and two ablation variants) and how.

The runs are reused through ``train_cached``, never retrained; the timing settings (repeats, warm-up,
utterances) are the profile's ``bench`` knobs.
"""
from __future__ import annotations

from semg_study.chapters.ablations.plan import FULL_MODEL


def section(profile: str, k: dict) -> dict:
    """The ``latency`` section of the study plan (``k``: the profile's knobs)."""
    return {"sources": ["table31", "emg_baselines", "myostream"],
            "ablation_variants": [FULL_MODEL, "without streaming_mask"],
            "threads": 1, **k["bench"]}
