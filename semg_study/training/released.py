"""Released trained runs: the runs behind the study's tables, trained once and committed.

Training everything the study reports takes longer than an examiner waits, so
the finished runs are packed small (best checkpoint without the resume-only
optimiser/RNG state, manifest, per-epoch metrics) into one folder of the
repository, ``released/runs/<config>-<fingerprint>/``
(:func:`semg_study.locations.released_runs_root`; ``train_cached(released_root=...)``
names another folder). :func:`semg_study.training.cache.train_cached` looks there after
the local ``runs/`` folder:

* a released run whose **run fingerprint** (resolved config + data fingerprint +
  training code version) equals the requested one is copied into ``runs/`` and
  reused; its manifest then says ``"source": "released"``;
* a released run with the same config and data but another training code
  version is **stale**: it is never reused, the study trains afresh and lists the
  stale run (``stale_released.json`` in the runs folder, and a warning);
* ``--retrain`` (``train_cached(reuse_released=False)``, the notebooks' ``reuse_released``
  parameter) ignores the released runs altogether.

Scores, figures and tables are always recomputed from the checkpoint; only the
training is reused.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from pathlib import Path

from semg_study import io
from semg_study.locations import released_runs_root, repo_relative
from semg_study.provenance import portable_text
from semg_study.run_folder import (LM_WEIGHTS, METRICS, PREDICTIONS, STREAMED, TRAIN_RESOURCES, BENCH, RunFolder,
                                   read_manifest)
from semg_study.training.fingerprint import run_folder_name

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
REPO_ROOT = PACKAGE_ROOT.parent
# Training-only checkpoint state a reused run does not need (it is never resumed).
RESUME_ONLY_KEYS = ("optimizer", "scheduler", "scaler", "rng", "sampler")
STALE_LOG = "stale_released.json"
_DIGESTS: dict[str, str] = {}  # restamp: inputs digests computed in this process, by data config


def released_root() -> Path:
    """Where released runs are looked for and packed when no folder is named: ``<repo>/released/runs``."""
    return released_runs_root()


def read_only_run(run_dir: str | os.PathLike) -> bool:
    """True for a run folder nothing may write into: a released run (committed under
    ``released/``) or any checksummed release folder (``semg-study release-model``)."""
    from semg_study.checksums import CHECKSUM_FILE

    folder = Path(run_dir).resolve()
    if (folder / CHECKSUM_FILE).is_file():
        return True
    for root in {released_root().resolve(), (REPO_ROOT / "released").resolve()}:
        if folder == root or root in folder.parents:
            return True
    return False


def spec_key(resolved_config: dict, data_fp: str) -> str:
    """What a run is apart from the code: its resolved config and its data."""
    return hashlib.sha256(json.dumps({"config": resolved_config, "data": data_fp}, sort_keys=True).encode()
                          ).hexdigest()


def _read(path: Path) -> dict:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        return value if isinstance(value, dict) else {}
    except (OSError, ValueError):
        return {}


def find_released(name: str, fingerprint: str, key: str, root: Path | None = None) -> tuple[str, Path] | None:
    """``("fresh", folder)``, ``("stale", folder)`` or None for a requested run.

    ``name`` is the config name; ``key`` its :func:`spec_key`.
    """
    root = released_root() if root is None else Path(root)
    if not root.is_dir():
        return None
    exact = RunFolder(root / run_folder_name(name, fingerprint))
    if exact.read_manifest().get("run_fingerprint") == fingerprint and exact.best.is_file():
        return "fresh", exact.path
    for folder in sorted(root.glob(f"{name}-*")):
        m = read_manifest(folder)
        if m.get("spec_key") == key and m.get("run_fingerprint") != fingerprint:
            return "stale", folder
    return None


def reuse(folder: Path, run_dir: Path, data_root: str | None = None) -> Path:
    """Copy a released run into ``run_dir`` (evaluations then write there, not into the repository).

    ``data_root``: the corpus the study reads now (the fingerprint says it is the same data,
    wherever it lies), written into the copy's config so evaluation reads it.
    """
    import torch

    tmp = run_dir.with_name(f".{run_dir.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(folder, tmp)
    copy = RunFolder(tmp)
    manifest = copy.read_manifest()
    manifest["source"] = "released"
    manifest["released_folder"] = _repo_relative(folder)
    if data_root is not None:
        # as a repository path where the corpus lies in the repository: the copy's manifest is hashed
        # into the evaluations made from it, which must not depend on where the clone lies
        data_root = _repo_relative(data_root)
        best = copy.best
        ckpt = torch.load(best, map_location="cpu", weights_only=False)
        ckpt["config"]["data"]["root"] = data_root
        io.torch_save(best, ckpt)
        manifest["config"]["data"]["root"] = data_root
        manifest["data_root"] = data_root
    io.write_json(copy.manifest, manifest)
    if run_dir.exists():
        shutil.rmtree(run_dir)
    tmp.rename(run_dir)
    return run_dir


def record_stale(runs_root: Path, folder: Path, fingerprint: str) -> None:
    log = Path(runs_root) / STALE_LOG
    entries = _read(log).get("stale", []) if log.is_file() else []
    entry = {"released": _repo_relative(folder), "requested_fingerprint": fingerprint,
             "reason": "training code changed since it was trained"}
    if entry not in entries:
        entries.append(entry)
    io.write_json(log, {"stale": entries})
    print(f"warning: released run {_repo_relative(folder)} is stale (the training code changed since it was "
          f"trained); training afresh instead", file=sys.stderr, flush=True)


def stale_runs(runs_root: str | os.PathLike) -> list[dict]:
    """The stale released runs met by trainings into ``runs_root``."""
    return _read(Path(runs_root) / STALE_LOG).get("stale", [])


def _repo_relative(path: Path | str) -> str:
    return repo_relative(path, REPO_ROOT) or ""


def pack(run_dir: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Pack a finished run into the released folder under its own name; return the folder."""
    import torch

    run = RunFolder(run_dir)
    root = released_root() if root is None else Path(root)
    manifest = run.read_manifest()
    best = run.best
    if not manifest.get("finished") or not best.is_file() or not manifest.get("run_fingerprint"):
        raise ValueError(f"{run.path}: not a finished cached run (no run_fingerprint, or no best checkpoint)")
    out = RunFolder(root / run.name)
    ckpt = torch.load(best, map_location="cpu", weights_only=False)
    for k in RESUME_ONLY_KEYS:
        ckpt.pop(k, None)
    manifest = dict(manifest)
    manifest.pop("source", None)
    manifest.pop("released_folder", None)
    manifest["data_root"] = _repo_relative(manifest.get("data_root") or "")
    if manifest.get("testset"):
        manifest["testset"] = _repo_relative(manifest["testset"])
    # the corpus and the runs folder of the machine that trained it, as repository paths: a released
    # run (and every model card made from it) must not carry that machine's absolute paths
    for config in (ckpt.get("config"), manifest.get("config")):
        if isinstance(config, dict):
            config.setdefault("data", {})["root"] = _repo_relative(config["data"].get("root") or "")
            if config.get("train", {}).get("out"):
                config["train"]["out"] = _repo_relative(config["train"]["out"])
    if not _same_checkpoint(out.best, ckpt):  # torch.save's bytes vary run to run
        io.torch_save(out.best, ckpt)
    io.write_json(out.manifest, manifest)
    for name in (METRICS, f"{BENCH}/{TRAIN_RESOURCES}"):
        if (run.path / name).is_file():
            _copy_portable(run.path / name, out.path / name)
    # decoded outputs, keyed by the weights' digest (training.fingerprint.weights_digest): a study
    # reusing this run re-scores them instead of decoding again; streamed decodings are redone
    for path in sorted(run.evaluations.glob("*")) if run.evaluations.is_dir() else []:
        if path.is_file() and path.name.startswith(LM_WEIGHTS):
            _copy_portable(path, out.evaluations / path.name)
        elif path.is_dir() and not path.name.endswith(STREAMED):
            for name in (METRICS, PREDICTIONS):
                if (path / name).is_file():
                    _copy_portable(path / name, out.evaluations / path.name / name)
    return out.path


def _copy_portable(src: Path, dest: Path) -> None:
    """Copy a run's text file with the packing machine's absolute paths made repository-relative
    (or placeholders, :func:`semg_study.provenance.portable_text`): the decoded outputs
    name the run, checkpoint, corpus and LM they came from, and a released run is read elsewhere.
    Nothing that decides reuse is a path (decodings are keyed by the weights' digest)."""
    io.write_text(dest, portable_text(src.read_text(encoding="utf-8"), REPO_ROOT))


def _same_checkpoint(path: Path, ckpt: dict) -> bool:
    """True when ``path`` already holds ``ckpt`` (same keys, values and tensors)."""
    import torch

    if not path.is_file():
        return False
    try:
        old = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError):
        return False

    def same(a, b) -> bool:
        if torch.is_tensor(a) or torch.is_tensor(b):
            return torch.is_tensor(a) and torch.is_tensor(b) and a.shape == b.shape and a.dtype == b.dtype \
                and torch.equal(a, b)
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
            return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        return a == b

    return same(old, ckpt)


def pack_all(runs: list[str | os.PathLike], root: str | os.PathLike | None = None) -> list[Path]:
    """Pack several runs; released runs of the same config and data but other code are removed (stale)."""
    root = released_root() if root is None else Path(root)
    packed = [pack(r, root) for r in runs]
    keep = {p.name for p in packed}
    for p in packed:
        key = read_manifest(p).get("spec_key")
        for other in root.glob("*"):
            if other.name not in keep and other.is_dir() and read_manifest(other).get("spec_key") == key:
                shutil.rmtree(other)
    return packed


def restamp(folder: str | os.PathLike, root: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Carry a released run over to the current training code, if and only if that is provably safe.

    Allowed when the model code (``fingerprint.MODEL_CODE``) is unchanged, or changed only in imports,
    comments or docstrings (``training.code_identity``: its normalised syntax trees are the same as
    those of the code the run was trained with, found in the manifest or the git history), and the inputs the run was
    trained on, recomputed under the current input code, have the same digest as recorded at
    training (``training.data.inputs_digest``): the run would be trained bit for bit on the same
    data by the same model code. The manifest keeps the history (``restamped``). Returns the
    (possibly renamed) folder and what happened: "current", "restamped" or the reason it stays stale.
    """
    from semg_study.training import fingerprint as fp
    from semg_study.recipes.config import load_config
    from semg_study.training.data import data_fingerprint, inputs_digest, make_training_data

    folder = Path(folder)
    root = released_root() if root is None else Path(root)
    manifest = read_manifest(folder)
    cfg = load_config(manifest["config"])
    data_fp, code = data_fingerprint(cfg), fp.code_version()
    fingerprint = fp.run_fingerprint(cfg, data_fp, code)
    if manifest.get("run_fingerprint") == fingerprint:
        return folder, "current"
    if spec_key(fp.resolved_for_fingerprint(cfg), data_fp) != manifest.get("spec_key"):
        return folder, "stale: config or data differ"
    parts = fp.code_parts()
    model_check = "model code unchanged"
    if manifest.get("model_code") != parts["model_code"]:
        reasons = _model_code_differences(manifest)
        if reasons is None:
            return folder, "stale: the model or training-loop code changed (its earlier version is not in the history)"
        if reasons:
            return folder, f"stale: the model or training-loop code changed ({'; '.join(reasons[:3])})"
        model_check = ("model code changed only in imports, comments or docstrings, or lost a file nothing "
                       "imports (same normalised syntax trees)")
    recorded = manifest.get("inputs_digest")
    if not recorded:
        return folder, "stale: no inputs digest recorded"
    # the inputs depend on the data section and the model's input stream, not on the model's
    # other settings or the seed: runs that share them (the ablations) share one digest
    from semg_study.training.data import model_input_key

    memo_key = json.dumps({"data": cfg.to_dict()["data"], "input": model_input_key(cfg)}, sort_keys=True)
    if memo_key not in _DIGESTS:
        _DIGESTS[memo_key] = inputs_digest(make_training_data(cfg))
    now = _DIGESTS[memo_key]
    if now != recorded:
        return folder, "stale: the training inputs differ under the current code"
    history = list(manifest.get("restamped") or [])
    history.append({"from_code_version": manifest.get("code_version"), "from_input_code": manifest.get("input_code"),
                    "to_code_version": code, "inputs_digest": now,
                    "from_model_code": manifest.get("model_code"),
                    "check": f"{model_check}; inputs recomputed under the new input code are identical"})
    manifest.update(run_fingerprint=fingerprint, code_version=code, restamped=history, **parts)
    out = root / run_folder_name(folder.name.rsplit('-', 1)[0], fingerprint)
    io.write_json(RunFolder(folder).manifest, manifest)
    if out != folder:
        if out.exists():
            shutil.rmtree(out)
        folder.rename(out)
    return out, "restamped"


def _model_code_differences(manifest: dict) -> list[str] | None:
    """Why the current model code may compute something else than the run's (``code_identity``);
    None when the run's model code is neither in the manifest's digest nor in the git history."""
    from semg_study.training.fingerprint import MODEL_CODE
    from semg_study.training.code_identity import current_sources, differences, semantic_digest, sources_at

    now = current_sources(MODEL_CODE)
    then = sources_at(manifest.get("model_code"), tuple(MODEL_CODE)) if manifest.get("model_code") else None
    if then is not None:
        return differences(then, now)
    recorded = manifest.get("model_code_semantics")
    if recorded is None:
        return None
    return [] if recorded == semantic_digest(now, MODEL_CODE) else ["normalised syntax trees differ"]


def backfill_inputs_digest(run_dir: str | os.PathLike) -> str:
    """Record a finished run's inputs digest when its manifest lacks one (a run resumed before
    resumed runs kept theirs), but only under the very training code it was trained with."""
    from semg_study.training import fingerprint as fp
    from semg_study.recipes.config import load_config
    from semg_study.training.data import inputs_digest, make_training_data

    run = RunFolder(run_dir)
    manifest = run.read_manifest()
    if manifest.get("inputs_digest"):
        return "present"
    if manifest.get("code_version") != fp.code_version():
        return "not recorded: the training code changed since the run was trained"
    manifest["inputs_digest"] = inputs_digest(make_training_data(load_config(manifest["config"])))
    manifest["inputs_digest_recorded"] = "after training, under the training code of the run (same code version)"
    io.write_json(run.manifest, manifest)
    return "recorded"
