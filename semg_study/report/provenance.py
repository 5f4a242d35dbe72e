"""Portable provenance: what the study writes names no folder of this machine.

Everything under ``reports/`` is committed and read on other machines, so a path
in it is only useful relative to the repository (``data/synthetic-quick``,
``runs/myostream-quick-...``, ``reports/executed/...``). :func:`portable_text`
rewrites the absolute prefixes a run leaves behind: the checkout itself (made
relative), the Python installation (``<python>``), the system's temporary folder
(``<tmp>``) and the home folder (``~``). The pipeline applies it to the study
run record, to every executed notebook (papermill's metadata included) and, at
the end of a run, to every text file of the results folder.

:mod:`semg_study.report.checks` holds the checks a test
runs on the committed ``reports/``: no absolute path, and every manifest a table
cites is tracked by git.
"""
from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterable

from semg_study.checksums import CHECKSUM_FILE
from semg_study.io import write_text

# files of the results folder that are text (checkpoints, images and PDFs are not read)
TEXT_SUFFIXES = (".json", ".jsonl", ".md", ".ipynb", ".html", ".csv", ".tex", ".txt", ".yaml", ".yml", ".typ")
# an absolute POSIX path under a usual top-level folder, not part of a URL or a relative path
ABSOLUTE_PATH = re.compile(r"(?<![\w.:/~<>\-])/(?:home|work|tmp|Users|root|var|private|mnt|opt|srv|scratch|"
                           r"media|usr/local|builds|runner|github)/[\w.\-]+")


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
    from semg_study.report.paths import repo_root

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
