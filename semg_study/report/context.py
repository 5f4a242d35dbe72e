"""What a study notebook sets up in its first code cell.

``start_notebook(name, **parameters)`` resolves the paths (``study_paths``),
opens the corpus, writes the study manifest ``<reports>/manifests/<name>.json``
and returns a :class:`NotebookStudy` whose :meth:`~NotebookStudy.figure` and
:meth:`~NotebookStudy.table` fill in the output folders, profile, config,
synthetic label and manifest references, so notebook cells stay one line each.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Sequence

from semg_study.report.paths import StudyPaths, study_paths


class SavedTable:
    """A written table; shows itself as Markdown in a notebook."""

    def __init__(self, sidecar: dict[str, Any], markdown_path: Path):
        self.sidecar = sidecar
        self.path = markdown_path

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r["values"] for r in self.sidecar["rows"]]

    def _repr_markdown_(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def __repr__(self) -> str:
        return f"SavedTable({self.sidecar['name']!r}, rows={len(self.sidecar['rows'])})"


class NotebookStudy:
    def __init__(self, name: str, paths: StudyPaths, device: str = "cpu", force: bool = False,
                 config: Any = None, open_data: bool = True):
        self.name = name
        self.paths = paths
        self.device = device
        self.force = force
        self.config = config
        self._corpus = None
        if open_data:
            _ = self.corpus
        from semg_study.report.notebook_manifest import write_study_manifest

        self.manifest = write_study_manifest(name, paths, config=config, corpus=self._corpus,
                                             extra={"device": device, "force": force})

    @property
    def profile(self) -> str:
        return self.paths.profile

    @property
    def synthetic(self) -> bool:
        return self.paths.synthetic

    @property
    def corpus(self):
        """The Digital Voicing-layout corpus (``semg_study.data.open_corpus``)."""
        if self._corpus is None:
            from semg_study.data import open_corpus

            self._corpus = open_corpus(self.paths.data_root, testset=self.paths.testset)
        return self._corpus

    def figure(self, fig, name: str, caption: str) -> dict[str, Any]:
        """Save ``fig`` as ``<reports>/figures/<name>.{png,pdf}`` with its caption."""
        from semg_study.report.figures import save_figure

        return save_figure(fig, name, self.paths.figures, caption=caption, synthetic=self.synthetic,
                           notebook=self.name)

    def table(self, rows: list[dict], name: str, caption: str,
              manifests: Sequence[str | os.PathLike | Sequence] | None = None, config: Any = None) -> SavedTable:
        """Save ``rows`` as ``<reports>/tables/<name>.{csv,md,tex,json}``.

        ``manifests`` (one per row, or one for all) defaults to this notebook's
        study manifest; pass run manifests (``<run>/manifest.json``) for rows
        that come from training runs.
        """
        from semg_study.report.tables import save_table

        sidecar = save_table(rows, name, self.paths.tables, caption=caption, profile=self.profile,
                             config=config if config is not None else self.config,
                             manifests=list(manifests) if manifests is not None else [self.manifest],
                             synthetic=self.synthetic, notebook=self.name, manifests_dir=self.paths.manifests)
        return SavedTable(sidecar, self.paths.tables / f"{name}.md")


def start_notebook(name: str, *, profile: str | None = None, data_root=None, ljspeech_root=None,
                   corpus: str | None = None, device: str = "cpu", seed: int = 0, out_dir=None, runs_root=None,
                   force: bool = False, config: Any = None, open_data: bool = True, testset=None,
                   reuse_released: bool = True) -> NotebookStudy:
    """Resolve paths from the notebook's parameters and write its study manifest.

    ``testset`` (the split file, ``semg-study study --testset``) and ``reuse_released``
    (False under ``semg-study study --retrain``) are the notebooks' parameters of the same name.
    """
    from semg_study.report.figures import apply_style

    if corpus is not None and corpus not in ("synthetic", "digital-voicing"):
        from semg_study.errors import ConfigError

        raise ConfigError(f"corpus must be 'synthetic' or 'digital-voicing', got {corpus!r}")
    apply_style()
    paths = study_paths(profile, out_dir, data_root, runs_root, ljspeech_root, seed, corpus, testset=testset,
                        reuse_released=reuse_released)
    return NotebookStudy(name, paths, device=device, force=force, config=config, open_data=open_data)
