"""Chapter 05's plan: MyoStream on both vocabularies and every seed of the profile (``myostream_seeds``).

The open-vocabulary run comes first: it is the run notebook 02 looks into and the first row of notebook 05.
"""
from __future__ import annotations

from semg_study.experiments.specs import epochs, open_emg_epochs, spec


def section(profile: str, k: dict) -> dict:
    """The ``myostream`` section of the study plan (``k``: the profile's knobs)."""
    runs = [spec("myostream", profile, overrides={**epochs(k, "myostream"), **open_emg_epochs(k, condition),
                                                  "data.condition": condition},
                 seed=seed, label="MyoStream", condition=condition)
            for condition in ("open", "closed") for seed in k["myostream_seeds"]]
    return {"runs": runs, "split": "test", "mode": "silent", "decoders": ["greedy", "beam"]}
