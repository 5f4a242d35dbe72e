"""Chapter 06's plan: MyoStream with one component switched off at a time, same budget and seeds.

:data:`COMPONENTS` is the one list of what the ablation study switches off: each is a boolean keyword
argument of :class:`semg_study.models.myostream.MyoStream` (``True`` in ``configs/myostream.yaml``), with the
words the chapter's text and notebook use for it. Adding a component is a new switch in the model and a new
entry here; the plan, the runner, the table, the figures and the text follow from this list.
"""
from __future__ import annotations

from semg_study.experiments.specs import epochs, spec

# component (the model's keyword argument) -> how the text names it
COMPONENTS = {
    "electrode_frontend": "the electrode-aware front end",
    "conv_module": "the convolution module of each block",
    "streaming_mask": "the streaming attention mask",
    "phoneme_aux_loss": "the auxiliary phoneme loss",
    "session_adaptation": "the per-session channel adaptation",
    "augmentation": "the EMG augmentation",
}
FULL_MODEL = "full model"


def variants() -> list[dict]:
    """The full model, then each component switched off (``variant``, ``switched_off``, ``overrides``)."""
    return ([{"variant": FULL_MODEL, "switched_off": None, "overrides": {}}]
            + [{"variant": f"without {c}", "switched_off": c, "overrides": {f"model.{c}": False}}
               for c in COMPONENTS])


def section(profile: str, k: dict) -> dict:
    """The ``ablations`` section of the study plan (``k``: the profile's knobs)."""
    base = {**epochs(k, "ablation"), "data.condition": k["ablation_condition"]}
    runs = []
    for v in variants():
        for seed in k["ablation_seeds"]:
            runs.append(spec("myostream", profile, overrides={**base, **v["overrides"]}, seed=seed,
                             label=v["variant"], variant=v["variant"], switched_off=v["switched_off"],
                             condition=k["ablation_condition"]))
    return {"runs": runs, "split": "test", "mode": "silent", "decoder": "greedy",
            "seeds": list(k["ablation_seeds"]), "components": list(COMPONENTS),
            "condition": k["ablation_condition"]}
