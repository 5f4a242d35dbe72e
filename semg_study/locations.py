"""Where the study keeps what it makes when no folder is named.

One place for these defaults, at the bottom of the package, so that every stage
(training, evaluation, the notebooks' paths, the benchmark) agrees on them
without importing one another. Behaviour is passed as parameters (function
arguments, command-line flags, the notebooks' papermill parameters); these are
only the folders used when none is passed:

- :data:`REPO_ROOT`: the checkout that holds this package;
- :func:`default_runs_root`: ``<repo>/runs`` (ignored by git), where runs are trained and a
  released run's evaluations written when no runs folder is named;
- :func:`released_runs_root`: ``<repo>/released/runs``, the committed released runs;
- :func:`cache_root`: where the content-keyed caches go (feature cache).

:func:`cache_root` reads the package's one environment variable, ``SEMG_STUDY_CACHE``:
a cache location is a property of the machine (a scratch disk, a shared cache), not of a
run, and every process of a study (papermill kernels, training workers) must agree on it.
No other ``SEMG_STUDY_*`` variable is read (``tests/test_environment_reads.py`` checks it);
torchrun's ``RANK`` / ``WORLD_SIZE`` are read by the training loop and its manifest, as
torchrun's convention is.

The tests point :data:`RUNS_ROOT` and :data:`RELEASED_RUNS_ROOT` at folders of their own
(``tests/conftest.py``): the functions read them when called.
"""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RUNS_ROOT = REPO_ROOT / "runs"
RELEASED_RUNS_ROOT = REPO_ROOT / "released" / "runs"
CACHE_ENV = "SEMG_STUDY_CACHE"


def repo_relative(path: str | os.PathLike | None, repo_root: str | os.PathLike | None = None) -> str | None:
    """An absolute path inside the repository (``repo_root``, default this checkout) as a repository path, so
    that nothing written depends on where the clone lies; any other path as given. A relative path is
    already one (the config reader resolves it against the cwd, then the repository), and resolving it
    here against the cwd would be wrong from a notebook's folder. None or "" come back unchanged."""
    if not path or not Path(path).is_absolute():
        return None if path is None else str(path)
    root = Path(repo_root) if repo_root is not None else REPO_ROOT
    try:
        return str(Path(path).resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def default_runs_root() -> Path:
    """Where runs are trained, and their outputs written, when no folder is named: ``<repo>/runs``."""
    return Path(RUNS_ROOT)


def released_runs_root() -> Path:
    """The released runs (committed): ``<repo>/released/runs``."""
    return Path(RELEASED_RUNS_ROOT)


def cache_root() -> Path:
    """Where the caches keyed on content live: ``$SEMG_STUDY_CACHE``, else ``~/.cache/semg_study``.

    The one environment variable the package reads (see the module doc); nothing is ever
    cached inside a dataset.
    """
    env = os.environ.get(CACHE_ENV)
    return Path(env).expanduser() if env else Path.home() / ".cache" / "semg_study"
