"""Study-level manifests: what produced a set of figures and tables.

``write_study_manifest`` writes ``<reports>/manifests/<notebook>.json`` with the
git commit (and whether the tree was dirty), package versions, profile, data
fingerprint, seed, config and the machine. Run manifests come from
``semg_study.training`` (``<run>/manifest.json``); ``save_table`` copies the ones
a table cites into ``<reports>/manifests/runs/``.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from semg_study.io import write_json

PACKAGES = ("semg-study", "torch", "numpy", "scipy", "soundfile", "jiwer", "flashlight-text", "brainflow",
            "matplotlib", "seaborn", "pandas", "scikit-learn", "papermill", "nbformat", "ipykernel", "ipywidgets",
            "jupyterlab", "typst")


# the study's output folder, relative to the repository root
OUTPUT_DIR = "reports"


def git_info(repo: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the repository at ``repo``."""
    from semg_study.report.paths import repo_root

    cwd = str(repo or repo_root())

    def git(*args: str) -> str | None:
        try:
            res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return res.stdout if res.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    # reports/ is what the study writes: its own outputs, rewritten while it runs, must not
    # mark the code that produced them as modified (every manifest after the first was "dirty")
    status = git("status", "--porcelain", "--untracked-files=no", "--", ".", f":(exclude){OUTPUT_DIR}")
    return {"commit": commit.strip() if commit else None,
            "dirty": (bool(status.strip()) if status is not None else None)}


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cpu_count": os.cpu_count()}
    try:
        import psutil

        info["memory_gb"] = round(psutil.virtual_memory().total / 2**30, 2)
        info["physical_cores"] = psutil.cpu_count(logical=False)
    except ImportError:  # pragma: no cover - psutil is a dependency
        pass
    return info


def _portable_path(path: str | os.PathLike | None) -> str | None:
    """Repo-relative where possible: manifests are committed (semg_study.report.provenance)."""
    if path is None:
        return None
    from semg_study.report.provenance import keeps_tmp, portable_text

    return portable_text(str(path), keep_tmp=keeps_tmp(path))


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


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
