"""The Digital Voicing folder layout (``ROOT/emg_data/<condition folder>/<session>/{i}_*``): where
``emg_data/`` is, what each condition folder holds, the scan of every session's ``{i}_info.json``,
the alignment folders and the synthetic label.

The corpus reader (:mod:`semg_study.data.corpus`) and ``validate`` walk the layout through these.
(:mod:`semg_study.data.layouts` only decides which layout a root holds.)
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from semg_study.data.recording_files import read_info
from semg_study.errors import DataError

# folder (relative to emg_data) -> (condition, mode, parallel)
CONDITION_FOLDERS: dict[str, tuple[str, str, bool]] = {
    "silent_parallel_data": ("open", "silent", True),
    "voiced_parallel_data": ("open", "voiced", True),
    "nonparallel_data": ("open", "voiced", False),
    "closed_vocab/silent": ("closed", "silent", True),
    "closed_vocab/voiced": ("closed", "voiced", True),
}
_INFO = re.compile(r"^(\d+)_info\.json$")


def locate_emg_data(root: Path) -> tuple[Path, Path]:
    """Return ``(base, emg_data)`` for a root that is the parent of ``emg_data/`` or ``emg_data/`` itself."""
    root = Path(root)
    if (root / "emg_data").is_dir():
        return root, root / "emg_data"
    if any((root / f).is_dir() for f in CONDITION_FOLDERS):
        return root.parent, root
    raise DataError(root, "no emg_data/ folder and none of the condition folders "
                          f"({', '.join(CONDITION_FOLDERS)}) here; not a Digital Voicing layout "
                          "(and no metadata.csv + wavs/ for LJSpeech)")


@dataclass
class RawRecord:
    """One ``{i}_info.json`` found while scanning (info is None when unreadable)."""

    folder: str
    session: str
    session_dir: Path
    index: int
    info: dict | None
    error: DataError | None
    alias: bool = False  # a name like 03_info.json: reported, never loaded (its prefix would be 3_)


def session_dirs(emg_data: Path, problems: list[DataError] | None = None) -> list[tuple[str, Path]]:
    """``(condition folder, session folder)`` of every session, each real folder once.

    A session reached twice (a link to another session's folder, or a condition
    folder linked into another) would be loaded twice: the link is reported
    (``problems``, else raised) and skipped.
    """
    found = []
    for folder in CONDITION_FOLDERS:
        fdir = emg_data / folder
        if fdir.is_dir():
            found += [(folder, p) for p in sorted(fdir.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    # the folder reached without any link keeps its name; the others are the duplicates
    real = {}
    for folder, d in sorted(found, key=lambda fd: os.path.realpath(fd[1]) != os.path.abspath(fd[1])):
        real.setdefault(os.path.realpath(d), d)
    out = []
    for folder, d in found:
        first = real[os.path.realpath(d)]
        if first != d:
            err = DataError(d, f"the same folder as {first} (reached through a link): "
                               "its utterances would be loaded twice")
            if problems is None:
                raise err
            problems.append(err)
            continue
        out.append((folder, d))
    return out


def scan_layout(emg_data: Path, problems: list[DataError] | None = None) -> list[RawRecord]:
    """Every ``{i}_info.json`` of the layout. Session-level problems (linked duplicates) go to
    ``problems`` when given, else are raised."""
    records = []
    for folder, session_dir in session_dirs(emg_data, problems):
        infos = [(f, _INFO.match(f.name)) for f in sorted(session_dir.iterdir())]
        names = {f.name for f, m in infos if m}
        for f, m in infos:
            if not m:
                continue
            index = int(m.group(1))
            if m.group(1) != str(index):
                canonical = f"{index}_info.json"
                problem = (f"the same utterance index as {canonical} (a duplicate)" if canonical in names else
                           f"utterance index written with a leading zero; the layout names it {canonical}")
                records.append(RawRecord(folder, session_dir.name, session_dir, index, None,
                                         DataError(f, problem), alias=True))
                continue
            try:
                info, err = read_info(f), None
            except DataError as exc:
                info, err = None, exc
            records.append(RawRecord(folder, session_dir.name, session_dir, index, info, err))
    records.sort(key=lambda r: (r.folder, r.session, r.index, r.alias))
    return records


def alignment_dirs(root: Path, base: Path, emg_data: Path, alignments=None) -> list[Path]:
    if alignments is not None and not Path(alignments).is_dir():
        raise DataError(alignments, "alignments folder not found")
    found = []
    for d in ([Path(alignments)] if alignments is not None else []) + [
            base / "text_alignments", emg_data / "text_alignments", root / "text_alignments"]:
        if d.is_dir() and d.resolve() not in [f.resolve() for f in found]:
            found.append(d)
    return found
