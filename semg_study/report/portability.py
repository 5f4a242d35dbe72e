"""The results folder made portable: the study's last pass over ``reports/``.

The pipeline applies :func:`semg_study.provenance.portable_text` to every
executed notebook (papermill's metadata included, :func:`portable_notebook`) and,
at the end of a run, to every text file of the results folder
(:func:`make_portable`), except checksummed release folders, which their writer
made portable before checksumming. :mod:`semg_study.report.checks` holds the
checks a test runs on the committed ``reports/``: no absolute path, and every
manifest a table cites is tracked by git.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterable

from semg_study.checksums import CHECKSUM_FILE
from semg_study.io import write_text
from semg_study.provenance import keeps_tmp, portable, portable_text

# files of the results folder that are text (checkpoints, images and PDFs are not read)
TEXT_SUFFIXES = (".json", ".jsonl", ".md", ".ipynb", ".html", ".csv", ".tex", ".txt", ".yaml", ".yml", ".typ")


def text_files(folder: str | os.PathLike) -> Iterable[tuple[Path, str]]:
    """``(path, text)`` of every UTF-8 text file under ``folder`` outside hidden folders, by path;
    a file that cannot be read as UTF-8 text is passed over (it holds no path to check or rewrite)."""
    root = Path(folder)
    if not root.is_dir():
        return
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in TEXT_SUFFIXES
                       and not any(part.startswith(".") for part in p.relative_to(root).parts)):
        try:
            yield path, path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue


def checksummed(path: Path, top: Path) -> bool:
    """True when ``path`` lies in a checksummed release folder (one holding ``SHA256SUMS``) under ``top``."""
    return any((parent / CHECKSUM_FILE).is_file() for parent in path.parents
               if parent == top or top in parent.parents)


def make_portable(folder: str | os.PathLike, repo: str | os.PathLike | None = None) -> list[Path]:
    """Rewrite every text file under ``folder`` with :func:`portable_text`; return the files changed.

    Release folders (those holding ``SHA256SUMS``) are final when written: their writer made them
    portable before checksumming, and rewriting one here would break its checksums."""
    keep_tmp = keeps_tmp(folder)
    top = Path(folder)
    changed = []
    for path, text in text_files(folder):
        if checksummed(path, top):
            continue
        new = portable_text(text, repo, keep_tmp)
        if new != text:
            write_text(path, new)
            changed.append(path)
    return changed


def portable_notebook(path: str | os.PathLike, dest: str | os.PathLike, source: str | os.PathLike,
                      repo: str | os.PathLike | None = None) -> None:
    """Papermill's metadata of an executed notebook names the final copy, not the temporary file,
    and every path in it is portable."""
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.setdefault("metadata", {}).setdefault("papermill", {})
    meta["input_path"] = str(source)
    meta["output_path"] = str(dest)
    keep_tmp = keeps_tmp(dest)
    text = json.dumps(portable(nb, repo, keep_tmp), indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")  # ``path`` is already the atomic writer's temporary file
