"""Reuse finished runs: a run is identified by (resolved config, data, code).

``train_cached`` puts each run in ``runs_root/<config name>-<fingerprint>``; a
folder whose manifest says it finished with the same fingerprint is returned as
is, an unfinished one is resumed, and ``force=True`` trains again from scratch.
Before training, a released run with the same fingerprint is copied in and reused
(``training.released``), unless ``reuse_released=False`` (``semg-study study --retrain``).
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from semg_study.recipes.config import load_config, override_items
from semg_study.run_folder import RunFolder
from semg_study.training import fingerprint as fp, released

def train_cached(config_name, overrides=None, runs_root: str | Path = "runs", force: bool = False,
                 reuse_released: bool = True, released_root: str | os.PathLike | None = None) -> Path:
    """Train ``config_name`` with ``overrides`` unless an identical finished run exists; return its folder.

    ``reuse_released``: copy in a released run of the same fingerprint instead of training (False:
    never; ``force`` implies it). ``released_root``: where released runs are looked for (default:
    :func:`semg_study.training.released.released_root`, the repository's ``released/runs``).
    """
    from semg_study.training.data import data_fingerprint
    from semg_study.training.loop import train

    # overrides as data (a dict) or as the command line's ``key=value`` strings, read once
    cfg = load_config(config_name, {**dict(override_items(overrides)), "out": str(Path(runs_root))})
    data_fp, code = data_fingerprint(cfg), fp.code_version()
    fingerprint = fp.run_fingerprint(cfg, data_fp, code)
    run = RunFolder(Path(runs_root) / fp.run_folder_name(cfg.name or cfg.model.name, fingerprint))
    run_dir = run.path
    key = released.spec_key(fp.resolved_for_fingerprint(cfg), data_fp)
    extra = {"run_fingerprint": fingerprint, "spec_key": key, "code_version": code, "source": "trained",
             **fp.code_parts()}
    if run_dir.exists() and not force:
        manifest = run.read_manifest()
        if manifest.get("run_fingerprint") == fingerprint:
            if manifest.get("finished") and run.best.is_file():
                return run_dir
            if run.last.is_file():  # interrupted: continue it
                # the inputs digest is computed when a run starts; a resumed run keeps its own
                if manifest.get("inputs_digest"):
                    extra = {**extra, "inputs_digest": manifest["inputs_digest"]}
                return train(cfg, resume=True, run_dir=run_dir, extra_manifest=extra)
    if not force and reuse_released:
        found = released.find_released(cfg.name or cfg.model.name, fingerprint, key,
                                       root=Path(released_root) if released_root is not None else None)
        if found is not None and found[0] == "fresh":
            return released.reuse(found[1], run_dir, data_root=cfg.data.root)
        if found is not None:
            released.record_stale(Path(runs_root), found[1], fingerprint)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    return train(cfg, run_dir=run_dir, extra_manifest=extra)
