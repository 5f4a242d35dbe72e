"""Reuse finished runs: a run is identified by (resolved config, data, code).

``train_cached`` puts each run in ``runs_root/<config name>-<fingerprint>``; a
folder whose manifest says it finished with the same fingerprint is returned as
is, an unfinished one is resumed, and ``force=True`` trains again from scratch.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

from semg_study.training import released
from semg_study.recipes.config import load_config

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# Settings that do not change what a run computes.
_IGNORED_TRAIN_KEYS = ("out", "progress", "threads")
# The code that decides what a trained model is: the models, what turns a corpus into their
# inputs and targets, and the training loop. A change here makes every finished (and released)
# run stale. Reading, validation, decoding, evaluation, reporting and capture are left out: they
# do not change the weights (which utterances are trained on is part of the data fingerprint).
# Two parts: the model and its optimisation (MODEL_CODE), and what turns a corpus into the model's
# inputs and targets (INPUT_CODE). A released run may be carried over to new INPUT_CODE only when
# the inputs it was trained on are proven identical under it (released.restamp).
MODEL_CODE = ("models", "text.py", "training/loop.py", "training/checkpoint.py")
INPUT_CODE = ("features", "data/dataset.py", "data/textgrid.py", "recipes/selection.py", "training/data.py")
TRAINING_CODE = MODEL_CODE + INPUT_CODE


def training_code_files(entries=TRAINING_CODE) -> list[Path]:
    files = []
    for entry in entries:
        path = PACKAGE_ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [p for p in files if "__pycache__" not in p.parts]


def code_version(entries=TRAINING_CODE) -> str:
    """sha256 over the training code (path + content of every file of ``entries``)."""
    from semg_study.training.code_identity import byte_digest, current_sources

    return byte_digest(current_sources(entries), entries)


def code_parts() -> dict:
    """The code digests a manifest records: the bytes of the model and input code, and the model
    code's syntax trees without docstrings and import origins (``code_identity``), which a restamp
    compares when only the bytes changed."""
    from semg_study.training.code_identity import current_sources, semantic_digest

    return {"model_code": code_version(MODEL_CODE), "input_code": code_version(INPUT_CODE),
            "model_code_semantics": semantic_digest(current_sources(MODEL_CODE), MODEL_CODE)}


def _resolved_for_fingerprint(cfg) -> dict:
    resolved = cfg.to_dict()
    for key in _IGNORED_TRAIN_KEYS:
        resolved["train"].pop(key, None)
    resolved["data"].pop("root", None)  # the data fingerprint stands for the corpus, wherever it lies
    return resolved


def run_fingerprint(cfg, data_fp: str, code: str | None = None) -> str:
    resolved = _resolved_for_fingerprint(cfg)
    payload = json.dumps({"config": resolved, "data": data_fp, "code": code if code is not None else code_version()},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def train_cached(config_name, overrides=None, runs_root: str | Path = "runs", force: bool = False) -> Path:
    """Train ``config_name`` with ``overrides`` unless an identical finished run exists; return its folder."""
    from semg_study.training.data import data_fingerprint
    from semg_study.training.loop import train

    overrides = list(overrides.items()) if isinstance(overrides, dict) else list(overrides or [])
    overrides = [o if isinstance(o, str) else f"{o[0]}={json.dumps(o[1])}" for o in overrides]
    cfg = load_config(config_name, overrides + [f"out={Path(runs_root)}"])
    data_fp, code = data_fingerprint(cfg), code_version()
    fingerprint = run_fingerprint(cfg, data_fp, code)
    run_dir = Path(runs_root) / f"{cfg.name or cfg.model.name}-{fingerprint[:12]}"
    manifest_path = run_dir / "manifest.json"
    key = released.spec_key(_resolved_for_fingerprint(cfg), data_fp)
    extra = {"run_fingerprint": fingerprint, "spec_key": key, "code_version": code, "source": "trained",
             **code_parts()}
    if run_dir.exists() and not force:
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("run_fingerprint") == fingerprint:
            if manifest.get("finished") and (run_dir / "checkpoints" / "best.pt").is_file():
                return run_dir
            if (run_dir / "checkpoints" / "last.pt").is_file():  # interrupted: continue it
                # the inputs digest is computed when a run starts; a resumed run keeps its own
                if manifest.get("inputs_digest"):
                    extra = {**extra, "inputs_digest": manifest["inputs_digest"]}
                return train(cfg, resume=True, run_dir=run_dir, extra_manifest=extra)
    if not force and released.released_enabled():
        found = released.find_released(cfg.name or cfg.model.name, fingerprint, key)
        if found is not None and found[0] == "fresh":
            return released.reuse(found[1], run_dir, data_root=cfg.data.root)
        if found is not None:
            released.record_stale(Path(runs_root), found[1], fingerprint)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    return train(cfg, run_dir=run_dir, extra_manifest=extra)
