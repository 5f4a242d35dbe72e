"""The study's notebooks: the nine slots, their parameters, and papermill running one of them.

Everything a notebook needs reaches it as a papermill parameter, never through the
environment: the convention's parameters (:data:`CONVENTION`, every notebook) and the
study-wide optional ones (:data:`OPTIONAL_DEFAULTS`: ``testset`` from ``--testset``,
``reuse_released`` False under ``--retrain``, ``interactive`` False), injected into the
notebooks that declare them (``notebooks/README.md``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from semg_study.errors import ConfigError, StudyError
from semg_study.io import atomic_path

# Every slot of the study, in order: (number, file stem, title).
SLOTS: tuple[tuple[str, str, str], ...] = (
    ("01", "dataset_exploration", "dataset exploration"),
    ("02", "feature_visualisation", "feature visualisation"),
    ("03", "deepspeech2_audio_baselines", "DeepSpeech2 audio baselines"),
    ("04", "emg_baselines", "EMG baselines"),
    ("05", "transformer_training", "transformer training"),
    ("06", "ablations", "ablations"),
    ("07", "inference_latency", "inference latency"),
    ("08", "live_capture", "live OpenBCI capture"),
    ("09", "report", "report"),
)

# The parameters every notebook declares (notebooks/README.md), and the optional ones a notebook
# gets when its parameters cell declares them.
CONVENTION = ("profile", "data_root", "ljspeech_root", "corpus", "device", "seed", "out_dir", "runs_root", "force")
# the optional ones, with the defaults of the notebooks' parameters cells
OPTIONAL_DEFAULTS = {"testset": None, "reuse_released": True, "interactive": None}


class NotebookFailed(StudyError):
    """A notebook raised: names it, the failing cell and the executed copy."""

    def __init__(self, notebook: str, executed: Path | None, cell_index: int | None = None,
                 source: str | None = None, error: str | None = None):
        self.notebook = notebook
        self.executed = executed
        self.cell_index = cell_index
        self.source = source
        self.error = error
        lines = [f"notebook {notebook} failed"
                 + (f" in cell {cell_index} (index in the executed copy)" if cell_index is not None else "")]
        if source:
            lines.append("  cell source: " + excerpt(source).replace("\n", "\n               "))
        if error:
            lines.append(f"  error: {error}")
        lines.append(f"  executed copy: {executed if executed else '(not written)'}")
        super().__init__("\n".join(lines))


def excerpt(source: str, max_lines: int = 6, max_chars: int = 400) -> str:
    lines = source.strip("\n").splitlines()
    text = "\n".join(lines[:max_lines])
    if len(lines) > max_lines:
        text += "\n..."
    return text[:max_chars] + ("..." if len(text) > max_chars else "")


@dataclass
class Slot:
    number: str
    stem: str
    title: str
    path: Path | None  # None: not yet present

    @property
    def name(self) -> str:
        return self.path.stem if self.path else f"{self.number}_{self.stem}"


def discover(notebooks_dir: str | os.PathLike) -> list[Slot]:
    """All nine slots, each with the notebook found for it (``NN_*.ipynb``) or None."""
    folder = Path(notebooks_dir)
    slots = []
    for number, stem, title in SLOTS:
        found = sorted(folder.glob(f"{number}_*.ipynb")) if folder.is_dir() else []
        exact = [p for p in found if p.stem == f"{number}_{stem}"]
        if len(found) > 1 and not exact:
            names = ", ".join(p.name for p in found)
            raise ConfigError(f"slot {number} has several notebooks ({names}); keep one")
        slots.append(Slot(number, stem, title, (exact or found or [None])[0]))
    return slots


def parse_only(text: str | None) -> set[str] | None:
    if not text:
        return None
    known = {number for number, _, _ in SLOTS}
    chosen = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit() or f"{int(part):02d}" not in known:
            raise ConfigError(f"--only: unknown notebook slot {part!r}; slots are {', '.join(sorted(known))}")
        chosen.add(f"{int(part):02d}")
    return chosen


def notebook_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters`` (empty when it has none)."""
    import ast
    import re

    import nbformat

    nb = nbformat.read(str(path), as_version=4)
    names: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            names |= set(re.findall(r"^([A-Za-z_]\w*)\s*=", cell.source, re.M))
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign) else []
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def notebook_values(parameters: dict[str, Any], optional: dict[str, Any], declared: set[str]) -> dict[str, Any]:
    """What papermill injects into one notebook: every convention parameter, and the optional ones
    (:data:`OPTIONAL_DEFAULTS`) that its parameters cell declares."""
    return {**parameters, **{k: v for k, v in optional.items() if k in declared}}


def execute(slot: Slot, dest: Path, parameters: dict[str, Any], cwd: Path, progress: bool = True,
            timeout: int | None = None, optional: dict[str, Any] | None = None) -> None:
    """Run one notebook with papermill into ``dest`` (atomically); raise NotebookFailed.

    ``optional``: values of :data:`OPTIONAL_DEFAULTS`, injected where the notebook declares them
    (``interactive`` is always False: no frontend under papermill, static figures).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    assert slot.path is not None
    params = notebook_values(parameters, {**(optional or {}), "interactive": False}, notebook_parameters(slot.path))
    failure: BaseException | None = None
    written = False
    try:
        with atomic_path(dest, suffix=".ipynb") as tmp:
            try:
                papermill.execute_notebook(str(slot.path), str(tmp), parameters=params, kernel_name="python3",
                                           language="python", progress_bar=progress, cwd=str(cwd),
                                           execution_timeout=timeout)
            except Exception as exc:  # keep papermill's copy (it has the error banner)
                failure = exc
            if tmp.stat().st_size == 0:
                raise _NothingWritten
            # papermill names its temporary output and this machine's folders in the metadata
            from semg_study.provenance import keeps_tmp, portable_text
            from semg_study.report.portability import portable_notebook

            keep = keeps_tmp(dest)
            portable_notebook(tmp, portable_text(str(dest), keep_tmp=keep), portable_text(str(slot.path), keep_tmp=keep))
        written = True
    except _NothingWritten:
        written = False
    if failure is None:
        return
    executed = dest if written else None
    if isinstance(failure, PapermillExecutionError):
        raise NotebookFailed(slot.name, executed, failure.cell_index, failure.source,
                             f"{failure.ename}: {failure.evalue}") from failure
    raise NotebookFailed(slot.name, executed, None, None, f"{type(failure).__name__}: {failure}") from failure


class _NothingWritten(Exception):
    pass
