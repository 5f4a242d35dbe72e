"""Where a notebook reads its data and writes its results.

A notebook works the same whether papermill runs it (parameters injected, cwd
``notebooks/``) or a person opens it in JupyterLab (the defaults of its ``parameters``
cell). Every choice is a parameter of :func:`study_paths` (a notebook's parameter of
the same name, ``notebooks/README.md``); none is read from the environment:

- ``profile``: smoke | quick | full (default quick);
- ``out_dir``: results folder; None: ``<repo>/.scratch/reports`` (git-ignored), so a notebook
  run by hand leaves the repository as it was. ``semg-study study`` passes ``out_dir``
  (``reports/`` unless ``--out``); to regenerate the committed reports by hand, set
  ``out_dir = "reports"`` (a relative ``out_dir`` is taken from the repository root, wherever
  the kernel runs);
- ``data_root``: the corpus; None: the cached synthetic corpus of the profile in
  ``data_dir`` (default ``<repo>/data``; ``semg-study study --data-dir``);
- ``runs_root``: runs folder; None: ``<repo>/runs`` (:func:`semg_study.locations.default_runs_root`);
- ``testset``: the split file of the Digital Voicing corpus (``semg-study study --testset FILE``
  passes it to the notebooks); None: the corpus's own split, else the packaged one, as
  ``semg_study.data.testsets.resolve_testset`` chooses;
- ``reuse_released``: False (``semg-study study --retrain``) never reuses a released run;
  :attr:`StudyPaths.released_root` is then None.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from semg_study.data.synthetic_label import is_synthetic
from semg_study.locations import default_runs_root, released_runs_root
from semg_study.provenance import repo_root
from semg_study.recipes.profiles import check_profile


# where a notebook run by hand (no out_dir) writes, relative to the repository
SCRATCH_OUT = Path(".scratch") / "reports"


def default_data_dir(repo: Path | None = None) -> Path:
    """The cache folder of the synthetic corpora when none is named: ``<repo>/data``."""
    return (repo or repo_root()) / "data"


def synthetic_corpus(profile: str, data_dir: str | os.PathLike | None = None, seed: int = 0,
                     layout: str = "dv", progress: bool = False) -> Path:
    """Path of the cached synthetic corpus of ``profile``, generated when missing.

    ``layout="dv"`` is the Digital Voicing layout (``data/synthetic-<profile>``),
    ``layout="ljspeech"`` the LJSpeech-layout TTS corpus (``data/ljspeech-<profile>``).
    ``semg_study.synth.generate_corpus`` skips the work when the cached corpus
    matches its fingerprint.
    """
    check_profile(profile)
    from semg_study.synth import generate_corpus

    base = Path(data_dir) if data_dir is not None else default_data_dir()
    name = f"synthetic-{profile}" if layout == "dv" else f"ljspeech-{profile}"
    root = base / name
    kwargs = {"profile": profile, "seed": seed, "progress": progress}
    if layout != "dv":
        kwargs["layout"] = layout
    # one writer at a time: two notebooks (or a test and a study run) asking for the same
    # corpus wait for each other instead of generating into the same folder together
    base.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(base / f".{name}.lock"):
        generate_corpus(root, **kwargs)
    return root


def scratch_folder(role: str, runs_root: str | os.PathLike | None = None) -> Path:
    """A fresh, empty folder for a notebook's throwaway data, named by its role:
    ``<runs root>/scratch/<role>`` (the runs root as the notebook's ``runs_root`` parameter, else
    the default, ``<repo>/runs``, ignored by git).

    Not the system's temporary folder: a path the study prints or records from it is then the
    same on every run and machine (``runs/scratch/08-capture/...``), never a random folder of one
    machine. Whatever an earlier run left there is removed first.
    """
    import shutil

    if not role or any(sep in role for sep in ("/", "\\")) or role in (".", ".."):
        raise ValueError(f"a scratch folder's role is a plain name, not {role!r}")
    folder = (Path(runs_root) if runs_root is not None else default_runs_root()).resolve() / "scratch" / role
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


@contextlib.contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    import fcntl

    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@dataclass
class StudyPaths:
    """Every folder a notebook needs, resolved once."""

    repo: Path
    profile: str
    out: Path
    data_root: Path
    runs_root: Path
    synthetic: bool
    seed: int = 0
    data_dir: Path | None = None
    _ljspeech_root: Path | None = field(default=None, repr=False)
    testset: Path | None = None  # None: the corpus's own split, else the packaged one
    # the released runs a training may reuse (train_cached); None: reuse none (--retrain)
    released_root: Path | None = field(default_factory=released_runs_root)

    @property
    def figures(self) -> Path:
        return self.out / "figures"

    @property
    def tables(self) -> Path:
        return self.out / "tables"

    @property
    def manifests(self) -> Path:
        return self.out / "manifests"

    @property
    def executed(self) -> Path:
        return self.out / "executed"

    @property
    def corpus(self) -> str:
        return "synthetic" if self.synthetic else "digital-voicing"

    @property
    def ljspeech_root(self) -> Path:
        """The LJSpeech-layout corpus (generated on first use when synthetic)."""
        if self._ljspeech_root is None:
            self._ljspeech_root = synthetic_corpus(self.profile, self.data_dir, self.seed, layout="ljspeech")
        return self._ljspeech_root

    def as_dict(self) -> dict[str, str | bool]:
        return {"repo": str(self.repo), "profile": self.profile, "out": str(self.out),
                "data_root": str(self.data_root), "runs_root": str(self.runs_root),
                "synthetic": self.synthetic}


def study_paths(profile: str | None = None, out_dir: str | os.PathLike | None = None,
                data_root: str | os.PathLike | None = None, runs_root: str | os.PathLike | None = None,
                ljspeech_root: str | os.PathLike | None = None, seed: int = 0,
                corpus: str | None = None, *, testset: str | os.PathLike | None = None,
                data_dir: str | os.PathLike | None = None, reuse_released: bool = True) -> StudyPaths:
    """Resolve the folders of one notebook run (see the module doc for the defaults).

    With ``data_root=None`` the synthetic corpus of ``profile`` is made (or found
    in the cache, ``data_dir``). ``corpus`` is a name only; the synthetic label is read from
    the corpus itself (``semg_study.synth.describe``).
    """
    profile = check_profile(profile or "quick")
    # ``corpus`` is a name only: whether data is synthetic is read from the corpus itself.
    del corpus
    repo = repo_root()
    data_dir = Path(data_dir).resolve() if data_dir is not None else default_data_dir(repo)
    if out_dir is None:
        out_dir = repo / SCRATCH_OUT
    elif not Path(out_dir).is_absolute():
        out_dir = repo / out_dir  # JupyterLab's kernel runs in notebooks/: "reports" means <repo>/reports
    if runs_root is None:
        runs_root = default_runs_root()
    if data_root is None:
        data = synthetic_corpus(profile, data_dir, seed)
        synthetic = True
    else:
        data = Path(data_root).resolve()
        if not data.exists():
            from semg_study.errors import DataError

            raise DataError(data, "data root does not exist")
        synthetic = is_synthetic(data)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    return StudyPaths(repo=repo, profile=profile, out=out, data_root=data,
                      runs_root=Path(runs_root).resolve(), synthetic=synthetic, seed=seed,
                      data_dir=data_dir,
                      _ljspeech_root=Path(ljspeech_root).resolve() if ljspeech_root else None,
                      testset=Path(testset).expanduser().resolve() if testset else None,
                      released_root=released_runs_root() if reuse_released else None)
