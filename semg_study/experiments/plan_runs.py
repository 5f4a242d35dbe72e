"""The plan's runs: the overrides of a plan spec, its run trained (or found) through ``train_cached``.

The notebooks (``train_spec``, ``train_specs``), the release scripts (``plan_run``,
``locate_run``) and notebook 08 (``evaluation_corpus``) all find a spec's run here,
so each of them reaches the same run folder for the same spec.
"""
from __future__ import annotations

import json
from pathlib import Path

from semg_study.recipes.config import load_config, run_overrides
from semg_study.run_folder import RunFolder


def overrides_for(study, spec: dict) -> dict:
    """The overrides of one run spec, as data: data root, seed, device, plus the plan's own."""
    root = study.paths.ljspeech_root if spec.get("corpus") == "ljspeech" else study.paths.data_root
    # `semg-study study --testset`: every run trains and scores on it (the LJSpeech runs excepted)
    testset = getattr(study.paths, "testset", None) if spec.get("corpus") != "ljspeech" else None
    return run_overrides(root, spec.get("overrides"), testset, {"seed": spec["seed"], "device": study.device})


def released_for(study) -> dict:
    """``train_cached``'s released-run arguments for a study: reuse the released runs of
    ``study.paths.released_root``, or none when it is None (``semg-study study --retrain``)."""
    root = getattr(study.paths, "released_root", None)
    return {"reuse_released": root is not None, "released_root": str(root) if root is not None else None}


def train_spec(study, spec: dict, force: bool | None = None) -> Path:
    """Train (or find) the run of one spec; ``force=None`` takes the notebook's ``force`` parameter."""
    from semg_study.training import train_cached

    force = study.force if force is None else force
    return Path(train_cached(spec["config"], overrides_for(study, spec), runs_root=study.paths.runs_root,
                             force=bool(force), **released_for(study)))


class _PlanContext:
    """What ``train_spec`` needs of a notebook's study, for code outside the experiment notebooks."""

    def __init__(self, paths, device: str = "cpu"):
        self.paths, self.device, self.force = paths, device, False


def plan_run(spec: dict, profile: str, runs_root=None, device: str = "cpu", data_root=None, *, testset=None,
             reuse_released: bool = True) -> Path:
    """The run of one plan spec, found (or, when missing, trained) exactly as the notebooks find it.

    ``reuse_released=False`` trains it unless ``runs_root`` already holds it (never a released copy).
    """
    from semg_study.report.paths import study_paths

    paths = study_paths(profile, None, data_root, runs_root, testset=testset, reuse_released=reuse_released)
    return train_spec(_PlanContext(paths, device), spec, force=False)


def spec_run_dir(spec: dict, profile: str, runs_root: str | Path, data_root=None,
                 corpora: dict | None = None) -> tuple[Path, str]:
    """The folder a plan spec's run has under ``runs_root`` and its run fingerprint (nothing is trained).

    ``corpora``: a dict this call may keep the opened corpora in, so that several specs on one
    corpus open it once (the fingerprint is the same either way)."""
    from semg_study.recipes.selection import open_configured_corpus
    from semg_study.report.paths import study_paths
    from semg_study.training.fingerprint import run_fingerprint, run_folder_name
    from semg_study.training.data import data_fingerprint

    paths_key = ("<study paths>", profile, str(data_root), str(runs_root))
    if corpora is not None and paths_key in corpora:
        paths = corpora[paths_key]
    else:
        paths = study_paths(profile, None, data_root, runs_root)
        if corpora is not None:
            corpora[paths_key] = paths
    overrides = overrides_for(_PlanContext(paths), spec)
    cfg = load_config(spec["config"], {**overrides, "out": str(Path(runs_root))})
    corpus = None
    if corpora is not None:
        key = (str(cfg.data.root), str(cfg.data.testset), str(cfg.data.layout))
        if key not in corpora:
            corpora[key] = open_configured_corpus(cfg)[1]
        corpus = corpora[key]
    fingerprint = run_fingerprint(cfg, data_fingerprint(cfg, corpus))
    return Path(runs_root) / run_folder_name(cfg.name or cfg.model.name, fingerprint), fingerprint


def finished_run(run_dir: Path, fingerprint: str) -> bool:
    """True when ``run_dir`` holds a finished run of ``fingerprint`` with its best checkpoint."""
    return RunFolder(run_dir).finished(fingerprint)


def locate_run(spec: dict, profile: str, runs_root: str | Path, data_root=None) -> Path | None:
    """The finished local run of a plan spec under ``runs_root`` (no training, no released copy), or None.

    ``data_root``: the corpus the spec's run reads (default: the profile's synthetic corpus)."""
    run_dir, fingerprint = spec_run_dir(spec, profile, runs_root, data_root)
    return run_dir if finished_run(run_dir, fingerprint) else None


def evaluation_corpus(run_dir: Path, data_root=None):
    """The corpus a run evaluates on (its own, or ``data_root``), with its split."""
    from semg_study.evaluation.evaluate import open_run_corpus

    manifest = json.loads(RunFolder(run_dir).manifest.read_text())
    return open_run_corpus(load_config(manifest["config"]), data_root)


def _train_in_worker(config: str, overrides: dict, runs_root: str, force: bool, released: dict) -> str:
    """One training in a worker process: one torch thread, so two workers share two cores.

    ``released``: :func:`released_for` of the parent's study (a fresh interpreter knows nothing else).
    """
    import torch

    from semg_study.training import train_cached

    torch.set_num_threads(1)
    return str(train_cached(config, overrides, runs_root=runs_root, force=force, **released))


def train_specs(study, specs: list[dict], workers: int = 1, force: bool | None = None) -> list[Path]:
    """Train (or find) several independent runs, ``workers`` at a time.

    Runs are independent, seeded and cached by fingerprint, so training them in
    parallel processes gives the same run folders as training them one by one;
    it only uses the second core of a small machine. ``workers=1`` trains in
    this process.
    """
    if workers <= 1 or len(specs) <= 1:
        return [train_spec(study, spec, force) for spec in specs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    force = study.force if force is None else force
    # spawn: a fresh interpreter per worker, no forked torch or kernel state
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_train_in_worker, spec["config"], overrides_for(study, spec),
                               str(study.paths.runs_root), bool(force), released_for(study)) for spec in specs]
        return [Path(f.result()) for f in futures]
