"""Training measured from outside: one run trained (or found) in a child process while the parent samples its memory.

:func:`train_measured` is how the model comparison (``make bench``) trains: each
run in a clean child process of its own (a fork server that preloads torch, else
a fresh interpreter), one at a time, with torch limited to the comparison's
threads. The parent samples the child's resident memory with psutil; wall-clock,
epochs, training utterances and utterances/s are stored in
``<run>/bench/train_resources.json`` so a reused run keeps the numbers measured
when it was trained.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import multiprocessing
import os
import tempfile
import time
from multiprocessing import forkserver
from pathlib import Path

import psutil

from semg_study import io
from semg_study.errors import StudyError
from semg_study.evaluation.targets import finite_number
from semg_study.run_folder import RunFolder

RSS_SAMPLE_INTERVAL_S = 0.1


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _train_child(config: str, overrides: dict, runs_root: str, force: bool, threads: int,
                 result_path: str, log_path: str, released: dict) -> None:
    """Runs in the training child: train (or find) one run, write where it is and how long it took.

    ``released``: ``train_cached``'s ``reuse_released`` / ``released_root`` (the child is a fresh process).
    """
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)  # the training loop prints each epoch: into the run's log, not over the progress bar
    os.dup2(fd, 2)
    try:
        # imported here, in the child, so that their import time and memory are the child's
        import torch

        torch.set_num_threads(threads)
        from semg_study.training import train_cached

        started = time.perf_counter()
        run = train_cached(config, overrides, runs_root=runs_root, force=force, **released)
        result = {"run": str(run), "train_cached_s": time.perf_counter() - started,
                  "torch_threads": torch.get_num_threads()}
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises StudyError
        result = {"error": f"{type(exc).__name__}: {exc}"}
    io.write_json(result_path, result)


def _tree_rss(process) -> int:
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in members:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def _metrics_of(run_dir: Path) -> list[dict]:
    try:
        rows = json.loads(RunFolder(run_dir).metrics.read_text())
    except (OSError, ValueError):
        return []
    return rows if isinstance(rows, list) else []


def _throughput(run_dir: Path, manifest: dict) -> dict:
    """Epochs, training utterances and utterances/s from the run's own manifest and metrics.json."""
    metrics = _metrics_of(run_dir)
    epoch_seconds = [float(r["seconds"]) for r in metrics if finite_number(r.get("seconds")) is not None]
    epochs = int(manifest.get("epochs_completed") or len(metrics))
    n_train = manifest.get("n_train_utterances")
    total = sum(epoch_seconds)
    return {"epochs": epochs, "train_utterances": n_train, "epoch_seconds": [round(s, 3) for s in epoch_seconds],
            "epoch_seconds_total": round(total, 3),
            "utterances_per_s": (n_train * len(epoch_seconds) / total) if n_train and total > 0 else None,
            "utterances_per_s_definition": "training utterances x epochs / sum of the per-epoch seconds of "
                                           "metrics.json (the epoch's batches and its dev greedy pass; the first "
                                           "epoch also loads what every model loads once, e.g. the CMU "
                                           "dictionary behind the phoneme targets)"}


def _manifest_seconds(manifest: dict) -> float | None:
    try:
        start = _dt.datetime.fromisoformat(manifest.get("first_start_time") or manifest["start_time"])
        end = _dt.datetime.fromisoformat(manifest["end_time"])
    except (KeyError, TypeError, ValueError):
        return None
    return (end - start).total_seconds()


# Imported once by the fork server, so each training child starts from them instead of paying
# for them again (about 6 s per child on a small CPU); nothing else of the parent is inherited.
FORKSERVER_PRELOAD = ["torch", "torch._inductor", "scipy.signal", "semg_study.features", "semg_study.data.dataset",
                      "semg_study.models.registry", "semg_study.training", "semg_study.text"]


def _training_context():
    """Where training children come from: a clean fork server (no parent state), else a fresh interpreter."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(FORKSERVER_PRELOAD)
        forkserver.ensure_running()
        # the server imports its preload list before its first fork: wait for that here, so the
        # first model's process_wall_s does not hold it
        warm = context.Process(target=time.sleep, args=(0,))
        warm.start()
        warm.join()
        return context
    return multiprocessing.get_context("spawn")


def train_measured(spec: dict, overrides: dict, runs_root: Path, threads: int, force: bool = False,
                   invocation: str | None = None, released: dict | None = None) -> tuple[Path, dict]:
    """Train (or find) ``spec["config"]`` with ``overrides`` in a child process; return its folder and
    its training resources (``spec["key"]`` names the run in them and in errors).

    A run trained now gets its numbers measured and written to
    ``<run>/bench/train_resources.json`` (``source: "this invocation"``); a
    reused run gets the numbers measured when it was trained (``source:
    "cached"``), or, when no benchmark trained it, what its manifest and
    metrics say (``origin`` says so; peak memory is then unknown).
    """
    runs_root.mkdir(parents=True, exist_ok=True)
    if released is None:  # the repository's released runs (resolved here: the child is a fresh process)
        from semg_study.training.released import released_root

        released = {"reuse_released": True, "released_root": str(released_root())}
    with tempfile.TemporaryDirectory(prefix="semg-bench-") as tmp:
        result_path, log_path = Path(tmp) / "result.json", Path(tmp) / "train.log"
        child = _training_context().Process(target=_train_child, name=f"train {spec['key']}",
                                args=(spec["config"], overrides, str(runs_root), bool(force), int(threads),
                                      str(result_path), str(log_path), dict(released)))
        spawned = time.time()
        t0 = time.perf_counter()
        child.start()
        peak, samples = 0, 0
        try:
            watched = psutil.Process(child.pid)
            while child.is_alive():
                peak = max(peak, _tree_rss(watched))
                samples += 1
                child.join(RSS_SAMPLE_INTERVAL_S)
        except psutil.NoSuchProcess:
            pass
        finally:
            if child.is_alive():  # the parent was interrupted: leave no training behind
                child.terminate()
            child.join()
        process_wall = time.perf_counter() - t0
        log = log_path.read_text(errors="replace") if log_path.is_file() else ""
        if not result_path.is_file():
            tail = " / ".join(log.strip().splitlines()[-3:])
            raise StudyError(f"training {spec['config']} ({spec['key']}) died with exit code {child.exitcode}"
                             + (f": {tail}" if tail else ""))
        result = json.loads(result_path.read_text())
        if "error" in result:
            raise StudyError(f"training {spec['config']} ({spec['key']}) failed: {result['error']}")

    run = RunFolder(result["run"])
    run_dir = run.path
    manifest = json.loads(run.manifest.read_text())
    # trained by this child, or found: the manifest's own start time says (it has whole seconds,
    # hence the floor); file modification times would not survive a copy or a checkout
    started = manifest.get("start_time")
    trained_now = bool(started) and _dt.datetime.fromisoformat(started).timestamp() >= math.floor(spawned)
    path = run.train_resources
    if trained_now:
        resources = {
            "kind": "train-resources", "run": run_dir.name, "config": spec["config"], "benchmark_key": spec["key"],
            "origin": "sampled by the benchmark while it trained the run",
            "measured_at": _now(), "invocation": invocation,
            "wall_s": round(result["train_cached_s"], 3),
            "wall_s_definition": "train_cached in the child: data, features, epochs, dev passes, checkpoints "
                                 "(process_wall_s adds the child's start and imports)",
            "process_wall_s": round(process_wall, 3),
            **_throughput(run_dir, manifest),
            "peak_rss_mb": round(peak / 2**20, 1) if peak else None,
            "peak_rss_definition": f"largest RSS of the training process tree (a clean process with torch "
                                   f"loaded, forked from the benchmark's fork server), sampled every "
                                   f"{RSS_SAMPLE_INTERVAL_S} s",
            "rss_samples": samples, "torch_threads": result.get("torch_threads"),
            "device": manifest.get("device"), "resumed_from_epoch": manifest.get("resumed_from_epoch"),
        }
        io.write_text(run.bench / "train.log", log)
        source = "this invocation"
    elif path.is_file():
        resources = json.loads(path.read_text())
        source = "cached"
    else:
        wall = _manifest_seconds(manifest)
        resources = {
            "kind": "train-resources", "run": run_dir.name, "config": spec["config"], "benchmark_key": spec["key"],
            "origin": "reconstructed from the run's manifest and metrics (trained outside the benchmark; "
                      "memory not sampled)",
            "measured_at": manifest.get("end_time"), "invocation": None,
            "wall_s": round(wall, 3) if wall is not None else None,
            "wall_s_definition": "manifest start_time to end_time",
            "process_wall_s": None, **_throughput(run_dir, manifest), "peak_rss_mb": None,
            "rss_samples": 0, "torch_threads": manifest.get("cpu_threads"), "device": manifest.get("device"),
            "resumed_from_epoch": manifest.get("resumed_from_epoch"),
        }
        source = "run files"
    resources.update(source=source, used_at=_now(), used_by=invocation)
    io.write_json(path, resources)
    resources["file"] = str(path)
    return run_dir, resources

