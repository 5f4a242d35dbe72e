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

from semg_study.training.config import load_config

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
# Settings that do not change what a run computes.
_IGNORED_TRAIN_KEYS = ("out", "progress")
# Parts of the package that never run during training: editing them must not
# invalidate finished runs (the notebooks of one study reuse each other's runs).
_NOT_TRAINING_CODE = ("report", "capture", "experiments", "cli.py", "__main__.py",
                      "release.py", "data_release.py", "checksums.py")  # release runs after training


def code_version() -> str:
    """sha256 over the Python sources and configs that training runs (path + content)."""
    h = hashlib.sha256()
    for path in sorted(list(PACKAGE_ROOT.rglob("*.py")) + list(PACKAGE_ROOT.rglob("*.yaml"))):
        if "__pycache__" in path.parts or path.relative_to(PACKAGE_ROOT).parts[0] in _NOT_TRAINING_CODE:
            continue
        h.update(str(path.relative_to(PACKAGE_ROOT)).encode() + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


def run_fingerprint(cfg, data_fp: str, code: str | None = None) -> str:
    resolved = cfg.to_dict()
    for key in _IGNORED_TRAIN_KEYS:
        resolved["train"].pop(key, None)
    resolved["data"].pop("root", None)  # the data fingerprint stands for the corpus, wherever it lies
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
    fingerprint = run_fingerprint(cfg, data_fingerprint(cfg))
    run_dir = Path(runs_root) / f"{cfg.name or cfg.model.name}-{fingerprint[:12]}"
    manifest_path = run_dir / "manifest.json"
    if run_dir.exists() and not force:
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            manifest = {}
        if manifest.get("run_fingerprint") == fingerprint:
            if manifest.get("finished") and (run_dir / "checkpoints" / "best.pt").is_file():
                return run_dir
            if (run_dir / "checkpoints" / "last.pt").is_file():  # interrupted: continue it
                return train(cfg, resume=True, run_dir=run_dir, extra_manifest={"run_fingerprint": fingerprint})
    if run_dir.exists():
        shutil.rmtree(run_dir)
    return train(cfg, run_dir=run_dir, extra_manifest={"run_fingerprint": fingerprint})
