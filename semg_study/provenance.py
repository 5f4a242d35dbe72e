"""Provenance: which commit, packages and machine produced a result, and paths that name no machine.

At the bottom of the package (every stage records provenance; this module imports
none of them). A path written into anything committed (run manifests, released
runs, reports) is only useful relative to the repository (``data/synthetic-quick``,
``runs/myostream-quick-...``): :func:`portable_text` rewrites the absolute prefixes a
run leaves behind: the checkout itself (made relative), the Python installation
(``<python>``), the system's temporary folder (``<tmp>``) and the home folder (``~``).
:func:`git_info`, :func:`package_versions` and :func:`machine_info` are what
manifests record of the code, the environment and the machine.
"""
from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

# an absolute POSIX path under a usual top-level folder, not part of a URL or a relative path
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~<>\-])/(?:home|work|tmp|Users|root|var|private|mnt|opt|srv|scratch|"
                           r"media|usr/local|builds|runner|github)/[\w.\-]+")


def repo_root(start: str | os.PathLike | None = None) -> Path:
    """The folder holding this project's ``pyproject.toml``.

    Walks up from ``start`` (default: the current directory), then from this
    package's own location (an editable install lives in the repository);
    falls back to the current directory.
    """
    candidates = [Path(start or os.getcwd()).resolve(), Path(__file__).resolve().parent]
    for origin in candidates:
        for folder in (origin, *origin.parents):
            if (folder / "pyproject.toml").is_file() and (folder / "semg_study").is_dir():
                return folder
    return Path(os.getcwd()).resolve()


def _prefixes(repo: Path, keep_tmp: bool) -> list[tuple[str, str]]:
    """(absolute prefix, replacement) pairs, the longest prefix first."""
    pairs: dict[str, str] = {}

    def add(path: Any, replacement: str) -> None:
        for variant in {str(path), os.path.realpath(str(path))}:
            if variant and variant != "/" and variant not in pairs:
                pairs[variant] = replacement

    add(repo, ".")
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        if not _inside(Path(prefix), repo):  # a venv inside the checkout becomes ".venv/..." above
            add(prefix, "<python>")
    if not keep_tmp:
        add(tempfile.gettempdir(), "<tmp>")
    home = os.path.expanduser("~")
    if home not in ("~", "/"):  # a checkout inside home is matched first: its prefix is longer
        add(home, "~")
    return sorted(pairs.items(), key=lambda kv: -len(kv[0]))


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
        return True
    except ValueError:
        return False


def keeps_tmp(out: str | os.PathLike) -> bool:
    """A results folder inside the temporary folder (tests, scratch runs) keeps its real paths there."""
    return _inside(Path(out), Path(tempfile.gettempdir()))


def portable_text(text: str, repo: str | os.PathLike | None = None, keep_tmp: bool = False) -> str:
    """``text`` with every absolute prefix of this machine replaced (see the module doc).

    ``<repo>/x`` becomes ``x`` and ``<repo>`` alone becomes ``.``; the other
    prefixes become placeholders. ``keep_tmp`` leaves the temporary folder as is.
    """
    root = Path(repo) if repo is not None else repo_root()
    for prefix, replacement in _prefixes(root, keep_tmp):
        if prefix not in text:
            continue
        if replacement == ".":
            # "<repo>/x" -> "x", then a bare "<repo>" (end of a string or path) -> "."
            text = text.replace(prefix + "/", "")
            text = re.sub(re.escape(prefix) + r"(?![\w.\-])", ".", text)
        else:
            text = re.sub(re.escape(prefix) + r"(?=/|(?![\w.\-]))", replacement, text)
    return text


def portable(value: Any, repo: str | os.PathLike | None = None, keep_tmp: bool = False) -> Any:
    """:func:`portable_text` applied to every string of a JSON-like value."""
    if isinstance(value, str):
        return portable_text(value, repo, keep_tmp)
    if isinstance(value, Path):
        return portable_text(str(value), repo, keep_tmp)
    if isinstance(value, dict):
        return {k: portable(v, repo, keep_tmp) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [portable(v, repo, keep_tmp) for v in value]
    return value


PACKAGES = ("semg-study", "torch", "numpy", "scipy", "soundfile", "jiwer", "flashlight-text", "brainflow",
            "matplotlib", "seaborn", "pandas", "scikit-learn", "papermill", "nbformat", "ipykernel", "ipywidgets",
            "jupyterlab", "typst")


# the study's output folder, relative to the repository root
OUTPUT_DIR = "reports"


def git_info(repo: str | os.PathLike | None = None) -> dict[str, Any]:
    """``{"commit": sha or None, "dirty": bool or None}`` of the repository at ``repo``."""
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


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
