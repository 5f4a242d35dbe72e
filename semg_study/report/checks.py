"""The checks the committed reports must pass (a test runs them on ``reports/``).

:func:`absolute_paths`: no absolute path of this machine (nor a temporary folder) in any text file;
:func:`uncommitted_manifests`: every manifest a table cites is committed; :func:`committed_copy` gives them the
reports as committed. They read
the tables (``report.tables``) and the path rules (``semg_study.provenance``), which do
not read them back.
"""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from semg_study.provenance import ABSOLUTE_PATH, repo_root
from semg_study.report.portability import text_files
from semg_study.report.tables import read_tables


# a folder of the temporary folder, as :func:`semg_study.provenance.portable_text` writes it:
# the study named a throwaway folder by where it lay on one machine instead of by its role
TEMPORARY_PATH = re.compile(r"<tmp>/[\w.\-]+")


def absolute_paths(folder: str | os.PathLike, repo: str | os.PathLike | None = None) -> list[str]:
    """``"<file>: <path>"`` for every absolute path of this machine found in a text file under ``folder``,
    and every folder of a temporary folder (``<tmp>/...``: random, and gone after the run)."""
    root = Path(repo) if repo is not None else repo_root()
    own = [str(root), os.path.realpath(root)]
    found = []
    for path, text in text_files(folder):
        hits = {m.group(0) for m in ABSOLUTE_PATH.finditer(text)}
        hits |= {m.group(0) for m in TEMPORARY_PATH.finditer(text)}
        hits |= {p for p in own if p in text}
        for hit in sorted(hits):
            found.append(f"{Path(path).relative_to(folder).as_posix()}: {hit}")
    return found


def cited_manifests(folder: str | os.PathLike) -> list[str]:
    """Every manifest a table sidecar of ``<folder>/tables`` cites, relative to ``folder``."""
    refs: dict[str, None] = {}
    for table in read_tables(Path(folder) / "tables"):
        for row in table.get("rows", []):
            for ref in row.get("manifests", []):
                refs.setdefault(ref, None)
    return list(refs)


def tracked_files(folder: str | os.PathLike) -> set[str] | None:
    """Files git tracks under ``folder``, relative to it (None when git cannot tell)."""
    try:
        res = subprocess.run(["git", "ls-files", "-z", "--", "."], cwd=str(folder), capture_output=True,
                             timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if res.returncode != 0:
        return None
    return {p for p in res.stdout.decode("utf-8").split("\0") if p}


def committed_copy(folder: str | os.PathLike, dest: str | os.PathLike) -> Path | None:
    """``folder`` as the last commit holds it, written under ``dest`` (None when git cannot tell).

    The checks judge what is committed, not a working tree that ``make study`` has just rewritten: a study run
    after new runs were released cites their manifests before anyone has committed them, and that is the
    next commit's business, not a defect of this one."""
    import io
    import tarfile

    try:
        # run inside ``folder``, git archive writes its files relative to it
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD", "--", "."], cwd=str(folder),
                                 capture_output=True, timeout=120, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return Path(dest)


def uncommitted_manifests(folder: str | os.PathLike, tracked: set[str] | None = None) -> list[str]:
    """Cited manifests that are absolute, missing, or not tracked by git (``tracked``: the files known to be
    committed, default: what git tracks under ``folder``)."""
    tracked = tracked_files(folder) if tracked is None else tracked
    problems = []
    for ref in cited_manifests(folder):
        if os.path.isabs(ref):
            problems.append(f"{ref}: absolute path")
        elif not (Path(folder) / ref).is_file():
            problems.append(f"{ref}: missing")
        elif tracked is None:
            problems.append(f"{ref}: git cannot say whether it is committed")
        elif ref not in tracked:
            problems.append(f"{ref}: not committed")
    return problems
