"""``manifest.json``: everything needed to say what a run was and to redo it."""
from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import sys
from pathlib import Path

import torch

from semg_study import io
from semg_study.data.participants import training_participants
from semg_study.data.rates import input_rate
from semg_study.run_folder import RunFolder

PACKAGES = ("torch", "numpy", "scipy", "jiwer", "flashlight-text", "soundfile", "pyyaml", "semg-study")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def git_state(repo: Path = REPO_ROOT) -> dict:
    """Commit and dirty flag of the source tree (None when it is not a git checkout).

    The same rule as the study manifests (``semg_study.report.notebook_manifest.git_info``):
    changes under ``reports/``, the study's own outputs, do not count as dirty.
    """
    from semg_study.provenance import git_info

    return git_info(repo)


def package_versions() -> dict:
    versions = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def start_manifest(run_dir: Path, cfg, data, device, n_parameters: int, model_kwargs: dict,
                   resumed_from_epoch=None, extra: dict | None = None) -> dict:
    manifest = {
        "config_name": cfg.name,
        "model": cfg.model.name,
        "n_parameters": n_parameters,
        "model_kwargs": model_kwargs,
        "config": cfg.to_dict(),
        "data_root": str(data.root),
        "data_fingerprint": data.fingerprint,
        "synthetic": data.synthetic,
        "n_train_utterances": data.n_train,
        # whose recordings the weights carry: release-model checks these against the consent register
        "participants": training_participants(data.train_set.utterances, data.corpus),
        "n_dev_utterances": data.n_dev,
        "feature_config": data.feature_config.to_dict(),
        # the EMG rate the run's features are built for: live decoding and evaluation resample faster
        # recordings down to it and refuse slower ones (semg_study.data.rates)
        "input_rate_hz": input_rate(data.feature_config),
        "testset": getattr(data, "testset", None),
        # the training statistics evaluation reuses (the checkpoint holds the same)
        "normalizers": {"emg_features": getattr(data, "normalizer_state", None),
                        "audio_features": getattr(data, "mel_normalizer_state", None)},
        "seed": cfg.train.seed,
        "git": git_state(),
        "packages": package_versions(),
        "device": str(device),
        "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine(),
        "cpu_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "world_size": int(os.environ.get("WORLD_SIZE", 1)),
        "start_time": now(),
        "end_time": None,
        "finished": False,
        "resumed_from_epoch": resumed_from_epoch,
    }
    if extra:
        manifest.update(extra)
    previous = RunFolder(run_dir).manifest
    if resumed_from_epoch is not None and previous.is_file():
        import json

        manifest["first_start_time"] = json.loads(previous.read_text()).get("start_time")
    io.write_json(previous, manifest)
    return manifest


def finish_manifest(run_dir: Path, manifest: dict, metrics: list) -> None:
    manifest = dict(manifest)
    manifest.update(end_time=now(), finished=True, epochs_completed=len(metrics),
                    final=metrics[-1] if metrics else None)
    io.write_json(RunFolder(run_dir).manifest, manifest)
