"""Where a notebook reads its data and writes its results.

A notebook works the same whether papermill runs it (parameters injected, cwd
``notebooks/``), a person opens it in JupyterLab (defaults of the ``parameters``
cell) or nbval runs it (defaults, plus environment variables set by the tests):

- ``SEMG_STUDY_PROFILE``: default profile of the ``parameters`` cell (smoke under tests);
- ``SEMG_STUDY_OUT``: results folder when ``out_dir`` is None (tests point it at a
  temporary folder so the committed ``reports/`` is never touched); unset, a notebook
  run by hand writes to ``<repo>/.scratch/reports`` (git-ignored), so exploring leaves
  the repository as it was. ``semg-study study`` passes ``out_dir`` (``reports/`` unless
  ``--out``); to regenerate the committed reports by hand, set ``out_dir = "reports"``
  (a relative ``out_dir`` is taken from the repository root, wherever the kernel runs);
- ``SEMG_STUDY_DATA_DIR``: folder of the cached synthetic corpora (default ``<repo>/data``);
- ``SEMG_STUDY_RUNS``: runs folder when ``runs_root`` is None (default ``<repo>/runs``);
- ``SEMG_STUDY_TESTSET``: the split file of the Digital Voicing corpus (``semg-study study
  --testset FILE`` sets it for the notebooks it runs; unset: the corpus's own split, else the
  packaged one, as ``semg_study.data.testsets.resolve_testset`` chooses).
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from semg_study.data.synthetic_label import labelled_synthetic
from semg_study.locations import default_runs_root
from semg_study.provenance import repo_root
from semg_study.recipes.profiles import check_profile


# where a notebook run by hand (no out_dir, no $SEMG_STUDY_OUT) writes, relative to the repository
SCRATCH_OUT = Path(".scratch") / "reports"


def default_data_dir(repo: Path | None = None) -> Path:
    env = os.environ.get("SEMG_STUDY_DATA_DIR")
    return Path(env).resolve() if env else (repo or repo_root()) / "data"


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


def study_testset() -> Path | None:
    """``$SEMG_STUDY_TESTSET`` as a path (None when unset)."""
    value = os.environ.get("SEMG_STUDY_TESTSET")
    return Path(value).expanduser().resolve() if value else None


def study_paths(profile: str | None = None, out_dir: str | os.PathLike | None = None,
                data_root: str | os.PathLike | None = None, runs_root: str | os.PathLike | None = None,
                ljspeech_root: str | os.PathLike | None = None, seed: int = 0,
                corpus: str | None = None) -> StudyPaths:
    """Resolve the folders of one notebook run (see the module doc for the defaults).

    With ``data_root=None`` the synthetic corpus of ``profile`` is made (or found
    in the cache). ``corpus`` is a name only; the synthetic label is read from the corpus itself (``semg_study.synth.describe``).
    """
    profile = check_profile(profile or os.environ.get("SEMG_STUDY_PROFILE", "quick"))
    # ``corpus`` is a name only: whether data is synthetic is read from the corpus itself.
    del corpus
    repo = repo_root()
    data_dir = default_data_dir(repo)
    if out_dir is None:
        out_dir = os.environ.get("SEMG_STUDY_OUT") or repo / SCRATCH_OUT
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
        synthetic = labelled_synthetic(data)
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    return StudyPaths(repo=repo, profile=profile, out=out, data_root=data,
                      runs_root=Path(runs_root).resolve(), synthetic=synthetic, seed=seed,
                      data_dir=data_dir,
                      _ljspeech_root=Path(ljspeech_root).resolve() if ljspeech_root else None,
                      testset=study_testset())
