"""What a run's fingerprint covers: its resolved config, its data and the training code.

``run_fingerprint`` names a run folder (``runs/<config>-<fingerprint[:12]>``,
:func:`run_folder_name`); :func:`weights_digest` is the digest of a trained run's weights,
which decoded outputs are keyed by. The
released runs (``training.released``) and the local cache (``training.cache``) both
compare it. The code part is the bytes of ``TRAINING_CODE``, in two halves a restamp
can tell apart (``code_parts``).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from semg_study.run_folder import RunFolder
from semg_study.training import code_identity

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
INPUT_CODE = ("features", "data/dataset.py", "data/feature_cache.py", "data/normalize.py", "data/textgrid.py",
              "recipes/selection.py", "training/data.py")
TRAINING_CODE = MODEL_CODE + INPUT_CODE


def code_version(entries=TRAINING_CODE) -> str:
    """sha256 over the training code (path + content of every file of ``entries``)."""
    return code_identity.byte_digest(code_identity.current_sources(entries), entries)


def code_parts() -> dict:
    """The code digests a manifest records: the bytes of the model and input code, and the model
    code's syntax trees without docstrings and import origins (``code_identity``), which a restamp
    compares when only the bytes changed."""
    return {"model_code": code_version(MODEL_CODE), "input_code": code_version(INPUT_CODE),
            "model_code_semantics": code_identity.semantic_digest(code_identity.current_sources(MODEL_CODE),
                                                                 MODEL_CODE)}


def resolved_for_fingerprint(cfg) -> dict:
    resolved = cfg.to_dict()
    for key in _IGNORED_TRAIN_KEYS:
        resolved["train"].pop(key, None)
    resolved["data"].pop("root", None)  # the data fingerprint stands for the corpus, wherever it lies
    return resolved


def run_folder_name(config_name: str, fingerprint: str) -> str:
    """A run's folder name, ``<config>-<fingerprint[:12]>``: the same name wherever the run lies
    (the runs folder, the released runs): :meth:`semg_study.run_folder.RunFolder.name_for`."""
    return RunFolder.name_for(config_name, fingerprint)


def run_fingerprint(cfg, data_fp: str, code: str | None = None) -> str:
    resolved = resolved_for_fingerprint(cfg)
    payload = json.dumps({"config": resolved, "data": data_fp, "code": code if code is not None else code_version()},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def weights_digest(run_dir: str | Path, which: str = "best") -> str | None:
    """sha256 of a run's model weights (tensor names, shapes, dtypes and bytes), or None without a checkpoint.

    Decoded outputs are cached under this key, not under file modification times:
    a copied or freshly cloned run keeps its cache exactly when its weights are the same.
    """
    import torch

    path = RunFolder(run_dir).checkpoint(which)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError):
        return None
    h = hashlib.sha256()
    state = ckpt.get("model_state") or {}
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        h.update(f"{name}:{tuple(t.shape)}:{t.dtype}".encode())
        h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else t.float().numpy().tobytes())
    return h.hexdigest()
