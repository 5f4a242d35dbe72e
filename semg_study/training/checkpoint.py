"""Checkpoints and loading a finished run (:func:`load_run`).

A checkpoint is one ``torch.save``d dict (written atomically): the model's
registry name and arguments, its weights, the optimiser, schedule, grad-scaler
and RNG states, the finished epoch, the metrics so far, the resolved config,
the feature normaliser and feature config, and the vocabulary.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from semg_study.errors import StudyError
from semg_study.text import VOCAB, CharVocab


def capture_rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state: dict) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def load_checkpoint_file(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise StudyError(f"{path}: no such checkpoint")
    try:
        # Our own files: they hold RNG states and config dicts, not only tensors.
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # a truncated or foreign file
        raise StudyError(f"{path}: not a readable checkpoint ({type(exc).__name__}: {exc})") from exc
    if not isinstance(ckpt, dict) or "model_name" not in ckpt or "model_state" not in ckpt:
        raise StudyError(f"{path}: not a semg-study checkpoint (no model_name/model_state)")
    return ckpt


def check_model_name(ckpt: dict, expected: str, path: str | Path) -> None:
    if ckpt["model_name"] != expected:
        raise StudyError(f"{path}: the checkpoint holds a {ckpt['model_name']!r} model; "
                         f"it cannot be loaded into a {expected!r} model")


def load_weights(model: torch.nn.Module, path: str | Path) -> torch.nn.Module:
    """Load a checkpoint's weights into an existing model, refusing another model's checkpoint."""
    ckpt = load_checkpoint_file(path)
    name = getattr(model, "registry_name", type(model).__name__)
    check_model_name(ckpt, name, path)
    try:
        model.load_state_dict(ckpt["model_state"])
    except RuntimeError as exc:
        raise StudyError(f"{path}: the {name!r} checkpoint was made with other model settings "
                         f"({ckpt.get('model_kwargs')}): {str(exc).splitlines()[0]}") from exc
    return model


@dataclass
class LoadedRun:
    model: torch.nn.Module          # eval mode, on CPU
    config: Any                     # semg_study.recipes.config.Config
    normalizer: Any                 # semg_study.data FeatureNormalizer (or None if the model reads no features)
    vocab: CharVocab
    manifest: dict
    feature_config: Any             # semg_study.features.FeatureConfig
    sessions: dict | None           # session name -> session_index of training ("<unknown>": 0)
    run_dir: Path
    checkpoint: Path
    epoch: int
    metrics: list
    mel_normalizer: Any = None      # FeatureNormalizer of the log-mels (FeatureConfig.mel_normalize), or None


def load_run(run_dir: str | Path, which: str = "best") -> LoadedRun:
    """Load the ``best`` (by dev metric) or ``last`` checkpoint of a run folder."""
    from semg_study.features import FeatureConfig
    from semg_study.models.registry import build_model
    from semg_study.recipes.config import config_from_dict
    from semg_study.training.data import normalizer_from_state

    run_dir = Path(run_dir)
    if which not in ("best", "last"):
        raise StudyError(f"which must be 'best' or 'last', not {which!r}")
    path = run_dir / "checkpoints" / f"{which}.pt"
    ckpt = load_checkpoint_file(path)
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    model = build_model(ckpt["model_name"], **ckpt["model_kwargs"])
    load_weights(model, path)
    model.eval()
    vocab = CharVocab(tuple(ckpt["vocab"][1:])) if ckpt.get("vocab") else VOCAB
    config = config_from_dict(ckpt["config"], source=str(path), name=ckpt["config"].get("name", ""))
    features = dict(ckpt["feature_config"])
    # checkpoints from before these settings existed were trained on unnormalised log-mels of
    # resample_poly audio (their edge filtering, one padded sosfiltfilt, is no longer offered)
    features.setdefault("mel_normalize", False)
    features["mel"] = {"resampler": "poly", **features.get("mel", {})}
    return LoadedRun(model=model, config=config, normalizer=normalizer_from_state(ckpt.get("normalizer")),
                     mel_normalizer=normalizer_from_state(ckpt.get("mel_normalizer")),
                     vocab=vocab, manifest=manifest, feature_config=FeatureConfig.from_dict(features),
                     sessions=ckpt.get("sessions"), run_dir=run_dir, checkpoint=path, epoch=int(ckpt["epoch"]), metrics=ckpt.get("metrics", []))
