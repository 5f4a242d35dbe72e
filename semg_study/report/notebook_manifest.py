"""Study-level manifests: what produced a set of figures and tables.

``write_study_manifest`` writes ``<reports>/manifests/<notebook>.json`` with the
git commit (and whether the tree was dirty), package versions, profile, data
fingerprint, seed, config and the machine. Run manifests come from
``semg_study.training`` (``<run>/manifest.json``); ``save_table`` copies the ones
a table cites into ``<reports>/manifests/runs/``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from semg_study.io import write_json
from semg_study.provenance import git_info, keeps_tmp, machine_info, now_utc, package_versions, portable_text


def _portable_path(path: str | os.PathLike | None) -> str | None:
    """Repo-relative where possible: manifests are committed (semg_study.provenance)."""
    if path is None:
        return None
    return portable_text(str(path), keep_tmp=keeps_tmp(path))


def study_manifest(notebook: str, *, profile: str, seed: int, config: Any = None,
                   data_root: str | os.PathLike | None = None, data_fingerprint: str | None = None,
                   synthetic: bool = True, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "kind": "study-manifest",
        "notebook": notebook,
        "created": now_utc(),
        "git": git_info(),
        "packages": package_versions(),
        "machine": machine_info(),
        "profile": profile,
        "seed": seed,
        "config": config,
        "data_root": _portable_path(data_root),
        "data_fingerprint": data_fingerprint,
        "synthetic": bool(synthetic),
        **(extra or {}),
    }


def write_study_manifest(notebook: str, paths, *, config: Any = None, data_fingerprint: str | None = None,
                         corpus=None, extra: dict[str, Any] | None = None) -> Path:
    """Write ``<paths.manifests>/<notebook>.json`` and return its path.

    ``paths`` is a :class:`~semg_study.report.paths.StudyPaths`. The data
    fingerprint is ``corpus.fingerprint()`` when a corpus is given.
    """
    if data_fingerprint is None and corpus is not None:
        data_fingerprint = corpus.fingerprint()
    manifest = study_manifest(notebook, profile=paths.profile, seed=paths.seed, config=config,
                              data_root=paths.data_root, data_fingerprint=data_fingerprint,
                              synthetic=paths.synthetic, extra=extra)
    target = Path(paths.manifests) / f"{notebook}.json"
    write_json(target, manifest)
    return target
