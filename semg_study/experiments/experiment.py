"""What a chapter's runner returns (:class:`Experiment`) and the two descriptions every runner shares."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Experiment:
    """What a runner returns: rows for ``study.table`` and what they came from."""

    name: str
    rows: list[dict]
    manifests: list[list[str]]
    runs: list[Path]
    config: dict
    caption: str
    details: list[dict] = field(default_factory=list)  # per run: spec, metrics, ... (for figures)
    comparisons: list[dict] = field(default_factory=list)  # paired bootstrap rows (seed_comparison_rows)


def config_summary(p: dict, key: str, specs: list[dict]) -> dict:
    """The configuration a chapter's table states: its configs, every override's values, seeds, plan and profile."""
    configs = sorted({s["config"] for s in specs})
    overrides = {}
    for s in specs:
        for k, v in s["overrides"].items():
            overrides.setdefault(k, set()).add(json.dumps(v))
    return {"configs": configs, "overrides": {k: sorted(v) for k, v in overrides.items()},
            "seeds": sorted({s["seed"] for s in specs}), "plan": key, "profile": p["profile"]}


def decoder_label(decoder: str) -> str:
    """How a table names a decoder."""
    return "greedy" if decoder == "greedy" else "beam + word 3-gram LM"

