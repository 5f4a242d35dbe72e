"""``make bench``: the proposed model against the two baselines, on one machine, on equal terms.

One invocation trains (or finds) and compares, in one process tree:

* ``deepspeech2`` on the 112 EMG features (configs ``ds2emg-<size>``),
* ``gaddy2022``, the dataset authors' transformer on raw EMG (``gaddy2022-<size>``),
* ``myostream``, the proposed streaming model (``myostream-<size>``),

each on the open and the closed vocabulary, with the same corpus, seed and
number of epochs (the overrides differ only in the config name), plus a
full-context MyoStream (``model.streaming_mask=false``, open vocabulary) that the
streaming MyoStream is compared with.

Stages, each reusing what the study already has:

0. **prepare features**: the feature cache of every stream the runs read is
   filled first, so no model's training time includes feature extraction.
1. **train**: every run goes through :func:`semg_study.training.train_cached`
   (a rerun reuses finished runs; ``force`` retrains) in a child process of its
   own, one at a time, with torch limited to the plan's threads. The parent
   samples the child's resident memory with psutil; wall-clock, epochs,
   training utterances and utterances/s are stored in
   ``<run>/bench/train_resources.json`` so a reused run keeps the numbers
   measured when it was trained.
2. **evaluate**: ``evaluate_run`` (through ``runners.evaluate_cached``) for every
   split x mode x decoder on the run's own condition; "beam" is the lexicon
   beam search with the run's word n-gram LM (``ensure_lm``: the training
   transcripts, plus the corpus's held-out LM text under ``decode.lm_text``;
   never a dev or test sentence).
3. **bench**: :func:`semg_study.evaluation.bench.bench_run` on the open-vocabulary
   runs, test split, silent EMG (the target setting), at the plan's threads.
4. **streaming**: the test utterances fed to the streaming MyoStream chunk by
   chunk through ``stream_step``, decoded greedy and with the LM beam, scored,
   and compared with the full-context variant's WER.

The result is ``<out>/<YYYY-MM-DD>-<profile>.json`` (UTC date) and a Markdown
report beside it; :func:`latest_benchmark` finds the newest one of a profile
(there is no ``latest`` copy). The plan is data (:func:`benchmark_plan`); the
targets and why they were chosen are in ``benchmarks/README.md``.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import datetime as _dt
import json
import math
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from semg_study import io
from semg_study.errors import ConfigError, DataError, StudyError
from semg_study.recipes.profiles import PROFILE_SIZE, benchmark_knobs, check_profile, config_name, plan_knobs

# ----------------------------------------------------------------------- plan

# The profile table (semg_study.recipes.profiles) as the benchmark reads it: shared epochs
# (None: each config's own ceiling and patience), torch threads, latency measurement.
EPOCHS = {p: benchmark_knobs(p)["epochs"] for p in PROFILE_SIZE}
THREADS = {p: benchmark_knobs(p)["threads"] for p in PROFILE_SIZE}
BENCH = {p: benchmark_knobs(p)["bench"] for p in PROFILE_SIZE}
SEED = 0

# name -> (config base, label)
MODELS = {
    "deepspeech2": ("ds2emg", "DeepSpeech2 (EMG features)"),
    "gaddy2022": ("gaddy2022", "Gaddy & Klein 2022 reproduction"),
    "myostream": ("myostream", "MyoStream (proposed)"),
}
PROPOSED = "myostream"
REFERENCE = "gaddy2022"
# The full-context MyoStream: the same model with full attention, for the streaming comparison
# (closed vocabulary: the same run as notebook 06's "without streaming_mask" ablation, seed 0).
FULL_CONTEXT = "myostream_full_context"
FULL_CONTEXT_OVERRIDES = {"model.streaming_mask": False}
FULL_CONTEXT_CONDITION = "closed"
# DeepSpeech2 on voiced TTS audio (Table 3.1's closed and open rows): the audio targets.
AUDIO_RUNS = {"closed": "ds2audio_closed", "open": "ds2audio_full"}

CONDITIONS = ["open", "closed"]
SPLITS = ["dev", "test"]
MODES = ["silent", "voiced"]
DECODERS = ["greedy", "beam"]
# The setting every headline number and target is measured in.
HEADLINE = {"condition": "open", "split": "test", "mode": "silent", "decoder": "beam"}
HEADLINE_TEXT = ("test split, open vocabulary, silent EMG, lexicon beam search with the run's word 3-gram LM "
                 "(training transcripts and, per decode.lm_text, the corpus's held-out LM text; no dev/test "
                 "sentence), LM weight and word bonus chosen per run on the dev split from one grid")

# ratio name -> field of a model entry (dotted); each ratio is PROPOSED / REFERENCE
RATIO_FIELDS = {
    "wer": "wer", "cer": "cer", "parameters": "parameters",
    "latency_p50": "latency_p50_ms", "latency_p95": "latency_p95_ms", "rtf_p50": "rtf_p50",
    "checkpoint_bytes": "checkpoint_bytes", "train_peak_rss": "train.peak_rss_mb",
    "train_utterances_per_s": "train.utterances_per_s", "train_wall_s": "train.wall_s",
}

# Every target is "value <= threshold" unless it says ``comparison: ">="``; ``quantity`` is a dotted
# path into the report; ``requires`` a boolean that must hold too. The findings' targets (error rates
# with CIs, paired ratios, the study's wall time and memory) are in semg_study.experiments.findings.
TARGETS = [
    {"name": "parameters_ratio", "quantity": "ratios.parameters", "threshold": 1 / 3,
     "description": "MyoStream / gaddy2022 parameters (at most a third)"},
    {"name": "latency_p50_ratio", "quantity": "ratios.latency_p50", "threshold": 0.5,
     "description": "MyoStream / gaddy2022 CPU latency per utterance, p50 (at most half)"},
    {"name": "chunk_p95_ms", "quantity": "streaming.chunk_p95_ms", "threshold": 50.0,
     "description": "MyoStream streaming compute per chunk, p95 (ms)"},
    {"name": "algorithmic_ms", "quantity": "streaming.algorithmic_ms", "threshold": 250.0,
     "description": "MyoStream algorithmic latency, chunk + look-ahead (ms)"},
    {"name": "streaming_wer_relative_change", "quantity": "streaming.wer_relative_change", "threshold": 0.10,
     "description": "streaming test WER relative to the full-context model's, with the LM "
                    "(within 10 %; an improvement counts as met)"},
]
from semg_study.experiments.findings import TARGETS as _FINDINGS_TARGETS  # noqa: E402

TARGETS = _FINDINGS_TARGETS + TARGETS

# LM weight (alpha) and word bonus (beta) of the beam search, chosen per run on the dev split
# (silent EMG, the run's own condition) from this grid, the same grid for every model; test
# text never takes part. A weak acoustic model wants a lighter LM than a strong one, so one
# fixed setting would favour whichever model it happens to suit.
LM_GRID = {"alpha": [0.5, 1.0, 1.5, 2.0], "beta": [0.0, 1.0, 2.0, 3.0]}
LM_TUNING_SPLIT = "dev"

# Streamed log-probabilities equal to the full pass's up to float rounding.
STREAM_MATCH_TOLERANCE = 1e-4
RSS_SAMPLE_INTERVAL_S = 0.1


def benchmark_plan(profile: str, epochs: int | None = None, device: str = "cpu") -> dict:
    """The benchmark of ``profile`` (smoke | quick | full) as data.

    ``epochs`` replaces the profile's shared epoch count. Every run's overrides
    are the same dict except ``data.condition`` (and the full-context variant's
    ``model.streaming_mask``): the models differ only in their config.
    """
    check_profile(profile)
    if epochs is not None and epochs < 1:
        raise ConfigError(f"--epochs must be at least 1, got {epochs}")
    shared_epochs = epochs if epochs is not None else EPOCHS[profile]
    shared = {"seed": SEED, "device": device}
    if shared_epochs is not None:
        shared["train.epochs"] = shared_epochs
    models = {name: {"config": config_name(base, profile), "label": label} for name, (base, label) in MODELS.items()}
    runs = []
    from semg_study.experiments.plans import open_emg_epochs

    for condition in CONDITIONS:
        # the study plan's ceiling of the open-vocabulary EMG runs (quick), so both use the same runs
        ceiling = {} if epochs is not None else open_emg_epochs(plan_knobs(profile), condition)
        for name, model in models.items():
            base = MODELS[name][0]
            if condition not in plan_knobs(profile).get(f"{base}_conditions", CONDITIONS):
                continue  # the study plan's choice (recipes.profiles), so both use the same runs
            runs.append({"key": f"{name}/{condition}", "model": name, "variant": None, "config": model["config"],
                         "label": model["label"], "condition": condition,
                         "overrides": {**shared, **ceiling, "data.condition": condition},
                         # benched later: the comparison condition's runs and the streaming model
                         "bench": False})
    runs.append({"key": f"{FULL_CONTEXT}/{FULL_CONTEXT_CONDITION}", "model": PROPOSED, "variant": FULL_CONTEXT,
                 "config": models[PROPOSED]["config"], "label": "MyoStream, full context (streaming mask off)",
                 "condition": FULL_CONTEXT_CONDITION,
                 "overrides": {**shared, "data.condition": FULL_CONTEXT_CONDITION, **FULL_CONTEXT_OVERRIDES},
                 "bench": False})
    for condition, base in AUDIO_RUNS.items():
        if condition == "open" and not plan_knobs(profile).get("table31_full", True):
            continue  # the study plan's choice (recipes.profiles)
        runs.append({"key": f"ds2audio/{condition}", "model": "ds2audio", "variant": f"ds2audio_{condition}",
                     "config": config_name(base, profile), "label": f"DeepSpeech2 on voiced audio ({condition})",
                     "condition": condition,
                     "overrides": {**shared, **({} if epochs is not None else
                                               open_emg_epochs(plan_knobs(profile), condition))},
                     "bench": False, "modes": ["voiced"]})
    probe = {"runs": runs, "conditions": list(CONDITIONS), "models": models}
    shared_condition = comparison_condition(probe)
    for r in runs:
        r["bench"] = r["variant"] is None and (r["condition"] == shared_condition or
                                               (r["model"] == PROPOSED and r["condition"] == FULL_CONTEXT_CONDITION))
    return copy.deepcopy({
        "profile": profile,
        "size": PROFILE_SIZE[profile],
        "seed": SEED,
        "comparison_condition": shared_condition,
        "epochs": shared_epochs,
        "epochs_source": "plan" if shared_epochs is not None else "each config's own epochs",
        "device": device,
        "threads": THREADS[profile],
        "models": models,
        "proposed": PROPOSED,
        "reference": REFERENCE,
        "conditions": list(CONDITIONS),
        "splits": list(SPLITS),
        "modes": list(MODES),
        "decoders": list(DECODERS),
        "headline": dict(HEADLINE, text=HEADLINE_TEXT),
        "bench": {"split": HEADLINE["split"], "mode": HEADLINE["mode"], "condition": HEADLINE["condition"],
                  **BENCH[profile]},
        "streaming": {"model": PROPOSED, "full_context": FULL_CONTEXT, "split": HEADLINE["split"],
                      "mode": HEADLINE["mode"], "condition": FULL_CONTEXT_CONDITION},
        "shared_overrides": shared,
        "runs": runs,
        "ratio_fields": dict(RATIO_FIELDS),
        "targets": TARGETS,
    })


def check_equal_budget(plan: dict) -> None:
    """Refuse a plan whose models would not train on equal terms (same overrides per condition)."""
    from semg_study.recipes.config import load_config

    for condition in plan["conditions"]:
        compared = [r for r in plan["runs"] if r["condition"] == condition and r["variant"] is None]
        overrides = {json.dumps(r["overrides"], sort_keys=True) for r in compared}
        if len(overrides) != 1:
            raise ConfigError(f"benchmark plan: the models of the {condition} condition have different overrides")
        budgets = {}
        for r in compared:
            t = load_config(r["config"], [f"{k}={json.dumps(v)}" for k, v in r["overrides"].items()]).train
            budgets[r["config"]] = (t.epochs, t.patience, t.best_metric)
        if len(set(budgets.values())) != 1:
            raise ConfigError(f"benchmark plan: unequal training budgets (epochs, patience, best metric) in the "
                              f"{condition} condition: {budgets}")


# ------------------------------------------------------------------- helpers

def _get(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def ratio(numerator: Any, denominator: Any) -> float | None:
    """numerator / denominator; None when either is missing or the denominator is 0."""
    num, den = _number(numerator), _number(denominator)
    if num is None or den is None or den == 0:
        return None
    return num / den


def compute_ratios(models: dict, proposed: str = PROPOSED, reference: str = REFERENCE,
                   fields: dict | None = None) -> dict:
    """``proposed / reference`` of each field in ``fields`` (default :data:`RATIO_FIELDS`)."""
    fields = RATIO_FIELDS if fields is None else fields
    return {name: ratio(_get(models.get(proposed), path), _get(models.get(reference), path))
            for name, path in fields.items()}


def relative_change(value: Any, baseline: Any) -> float | None:
    """(value - baseline) / baseline; None when either is missing or the baseline is 0."""
    v, b = _number(value), _number(baseline)
    if v is None or b is None or b == 0:
        return None
    return (v - b) / b


def evaluate_targets(report: dict, targets: list[dict] | None = None) -> list[dict]:
    """Each target with its value (from ``report``), threshold and whether ``value <= threshold``.

    ``met`` is None when the value could not be measured (a missing run, a zero denominator).
    """
    out = []
    for t in TARGETS if targets is None else targets:
        value = _number(_get(report, t["quantity"]))
        comparison = t.get("comparison", "<=")
        met = None if value is None else bool(value <= t["threshold"] if comparison == "<=" else
                                              value >= t["threshold"])
        if met and t.get("requires"):
            also = _get(report, t["requires"])
            met = None if also is None else bool(also)
        out.append({"name": t["name"], "quantity": t["quantity"], "description": t["description"],
                    "comparison": comparison, "value": value, "threshold": t["threshold"],
                    "requires": t.get("requires"), "met": met})
    return out


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def default_out_dir() -> Path:
    """``$SEMG_STUDY_OUT/benchmarks`` or ``<repo>/reports/benchmarks`` (where notebook 07 looks)."""
    from semg_study.report.paths import repo_root

    base = os.environ.get("SEMG_STUDY_OUT")
    return (Path(base) if base else repo_root() / "reports") / "benchmarks"


def default_runs_root() -> Path:
    from semg_study.report.paths import repo_root

    return Path(os.environ.get("SEMG_STUDY_RUNS") or repo_root() / "runs")


_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}-(?P<profile>[a-z]+)\.json$")


def latest_benchmark(out_dir: str | os.PathLike | None, profile: str) -> Path | None:
    """The newest ``<YYYY-MM-DD>-<profile>.json`` in ``out_dir`` (by date, then modification time)."""
    folder = Path(out_dir) if out_dir is not None else default_out_dir()
    if not folder.is_dir():
        return None
    found = [p for p in folder.glob(f"*-{profile}.json")
             if (m := _DATED.match(p.name)) and m.group("profile") == profile]
    return max(found, key=lambda p: (p.name[:10], p.stat().st_mtime), default=None)


REQUIRED_KEYS = ("models", "ratios", "streaming", "targets", "budget", "machine", "data", "synthetic", "profile",
                 "created", "git", "package_versions", "wall_s", "manifests")


def load_benchmark(path: str | os.PathLike) -> dict:
    """Read a benchmark JSON back, checking it is one (clear error naming the file otherwise)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(path, f"cannot read the benchmark JSON ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not JSON ({exc})") from exc
    missing = [k for k in REQUIRED_KEYS if not isinstance(data, dict) or k not in data]
    if missing:
        raise DataError(path, f"not a benchmark JSON of `make bench` (missing {', '.join(missing)})")
    data["path"] = str(path)
    return data


# --------------------------------------------------------------------- data

def resolve_corpus(profile: str, data_root: str | os.PathLike | None = None,
                   data_dir: str | os.PathLike | None = None, progress: bool = False):
    """The corpus to benchmark on: ``data_root`` (checked), or the profile's synthetic corpus.

    The synthetic corpus is made (or found in the cache by fingerprint) exactly
    as ``semg-study study`` makes it, by :func:`semg_study.report.paths.synthetic_corpus`.
    """
    from semg_study.data import open_corpus
    from semg_study.report.paths import study_testset, synthetic_corpus

    if data_root is not None:
        root = Path(data_root).expanduser().resolve()
        if not root.exists():
            raise DataError(root, "--data-root does not exist")
        if not root.is_dir():
            raise DataError(root, "--data-root is not a folder")
    else:
        root = synthetic_corpus(profile, data_dir, SEED, progress=progress)
    corpus = open_corpus(root, testset=study_testset())  # a DataError naming the root when it is no corpus
    if corpus.kind == "ljspeech":
        raise DataError(root, "an LJSpeech (audio-only) corpus: the benchmark needs EMG in the Digital Voicing layout")
    for condition in CONDITIONS:
        if not corpus.utterances(condition=condition, split="train"):
            raise DataError(root, f"no {condition}-vocabulary training utterances: every model trains on both "
                                  f"conditions")
    empty = [f"{c} {split} {mode}" for c in CONDITIONS for split in SPLITS for mode in MODES
             if not corpus.utterances(condition=c, split=split, mode=mode)]
    if empty:
        raise EmptySplitError(corpus.testset_path or root,
                              f"no utterances in {', '.join(empty)} (condition split mode) of {root}: the "
                              f"benchmark scores every model on every split and mode")
    return corpus


class EmptySplitError(DataError):
    """A split the benchmark scores on holds no utterance of the corpus (its testset names
    sentences the corpus lacks, or a split really is empty)."""


# ------------------------------------------------------------------ training

def _override_list(data_root: Path, overrides: dict) -> list[str]:
    from semg_study.report.paths import study_testset

    testset = study_testset()  # set by `semg-study study --testset` for the notebooks
    items = {"data_root": str(data_root), "train.progress": False,
             **({"data.testset": str(testset)} if testset is not None else {}), **overrides}
    return [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in items.items()]


def _train_child(config: str, overrides: list[str], runs_root: str, force: bool, threads: int,
                 result_path: str, log_path: str) -> None:
    """Runs in the training child: train (or find) one run, write where it is and how long it took."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)  # the training loop prints each epoch: into the run's log, not over the progress bar
    os.dup2(fd, 2)
    try:
        import torch

        torch.set_num_threads(threads)
        from semg_study.training import train_cached

        started = time.perf_counter()
        run = train_cached(config, overrides, runs_root=runs_root, force=force)
        result = {"run": str(run), "train_cached_s": time.perf_counter() - started,
                  "torch_threads": torch.get_num_threads()}
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which raises StudyError
        result = {"error": f"{type(exc).__name__}: {exc}"}
    io.write_json(result_path, result)


def _tree_rss(process) -> int:
    import psutil

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
        rows = json.loads((run_dir / "metrics.json").read_text())
    except (OSError, ValueError):
        return []
    return rows if isinstance(rows, list) else []


def _throughput(run_dir: Path, manifest: dict) -> dict:
    """Epochs, training utterances and utterances/s from the run's own manifest and metrics.json."""
    metrics = _metrics_of(run_dir)
    epoch_seconds = [float(r["seconds"]) for r in metrics if _number(r.get("seconds")) is not None]
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


def prepare_features(plan: dict, corpus, data_root: Path) -> dict:
    """Fill the on-disk feature cache for every stream the plan's runs read, before any of them trains.

    Preprocessing and feature extraction are a one-off cost per corpus and
    feature configuration: left to training, the first model that needs a
    stream would pay for it inside its own wall-clock and first epoch. Here it
    is paid once, in its own stage, in the cache training and evaluation read
    (``feature_cache_dir`` of the corpus).
    """
    from semg_study.data.dataset import MEMORY_CACHE, FeatureCache
    from semg_study.data.fingerprint import feature_cache_dir, shared_digest_cache
    from semg_study.recipes.config import load_config
    from semg_study.training.data import feature_config_from

    feature_configs = {}
    for spec in plan["runs"]:
        fc = feature_config_from(load_config(spec["config"], _override_list(data_root, spec["overrides"])))
        feature_configs.setdefault(fc.digest(), fc)
    utterances = {}
    for condition in plan["conditions"]:
        for split in ("train", *plan["splits"]):
            for mode in plan["modes"]:
                for u in corpus.utterances(condition=condition, split=split, mode=mode):
                    utterances.setdefault(u.id, u)
    cache_dir = feature_cache_dir(corpus.root)
    computed = 0
    for fc in feature_configs.values():
        cache = FeatureCache(fc, cache_dir)
        for u in utterances.values():
            cache.get(u)
        computed += cache.computed
    shared_digest_cache().save()
    MEMORY_CACHE.clear()  # the children read the disk cache; this process needs none of it in memory
    return {"feature_configs": sorted(feature_configs), "utterances": len(utterances), "computed": computed,
            "cache_dir": str(cache_dir)}


# Imported once by the fork server, so each training child starts from them instead of paying
# for them again (about 6 s per child on a small CPU); nothing else of the parent is inherited.
FORKSERVER_PRELOAD = ["torch", "torch._inductor", "scipy.signal", "semg_study.features", "semg_study.data.dataset",
                      "semg_study.models.registry", "semg_study.training", "semg_study.text"]


def _training_context():
    """Where training children come from: a clean fork server (no parent state), else a fresh interpreter."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

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


def train_measured(spec: dict, data_root: Path, runs_root: Path, threads: int, force: bool = False,
                   invocation: str | None = None) -> tuple[Path, dict]:
    """Train (or find) one run in a child process; return its folder and its training resources.

    A run trained now gets its numbers measured and written to
    ``<run>/bench/train_resources.json`` (``source: "this invocation"``); a
    reused run gets the numbers measured when it was trained (``source:
    "cached"``), or, when no benchmark trained it, what its manifest and
    metrics say (``origin`` says so; peak memory is then unknown).
    """
    import psutil

    overrides = _override_list(data_root, spec["overrides"])
    runs_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="semg-bench-") as tmp:
        result_path, log_path = Path(tmp) / "result.json", Path(tmp) / "train.log"
        child = _training_context().Process(target=_train_child, name=f"train {spec['key']}",
                                args=(spec["config"], overrides, str(runs_root), bool(force), int(threads),
                                      str(result_path), str(log_path)))
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

    run_dir = Path(result["run"])
    manifest = json.loads((run_dir / "manifest.json").read_text())
    last = run_dir / "checkpoints" / "last.pt"
    trained_now = last.is_file() and last.stat().st_mtime >= spawned
    path = run_dir / "bench" / "train_resources.json"
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
        io.write_text(run_dir / "bench" / "train.log", log)
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


# ------------------------------------------------------------- LM weights

def tune_lm_weights(run_dir: str | Path, mode: str = "silent", split: str = LM_TUNING_SPLIT,
                    grid: dict | None = None) -> dict:
    """Pick the beam search's (alpha, beta) for a run on ``split`` (never test) from ``grid``.

    The run's log-probabilities are computed once; every grid point decodes them
    with the run's LM and lexicon. The lowest WER wins, then the lowest CER, then
    the smaller alpha (a lighter LM). Returns the choice and every point's scores;
    cached in ``RUN/eval/lm-weights-<split>-<mode>.json`` (reused while the best
    checkpoint, the grid and the LM are unchanged).
    """
    from semg_study.decoding.beam import BeamDecoder
    from semg_study.evaluation.evaluate import (DEFAULT_BEAM_THRESHOLD, ensure_lm, eval_dataset, infer,
                                                open_run_corpus)
    from semg_study.evaluation.metrics import score
    from semg_study.training import load_run

    if split == "test":
        raise ConfigError("LM weights are tuned on dev, never on the test split")
    grid = LM_GRID if grid is None else grid
    run_dir = Path(run_dir)
    cache = run_dir / "eval" / f"lm-weights-{split}-{mode}.json"
    best_ckpt = run_dir / "checkpoints" / "best.pt"
    loaded = load_run(run_dir)
    config = loaded.config
    corpus = open_run_corpus(config)
    from semg_study.evaluation.evaluate import lm_fingerprint, weights_digest

    # the cache is checked before the LM is built: a reused run's choice costs no LM estimation
    digest, text_fp = weights_digest(run_dir), lm_fingerprint(corpus, config)
    if cache.is_file() and best_ckpt.is_file():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            stored = {}
        if (stored.get("grid") == grid and stored.get("lm_fingerprint") == text_fp
                and stored.get("weights_digest") == digest):
            return stored
    lm = ensure_lm(run_dir, corpus, config, int(config.decode.lm_order))
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=mode)
    if not utterances:
        raise StudyError(f"{corpus.root}: no {config.data.condition}-vocabulary {split} utterances in mode "
                         f"{mode!r} to tune the LM weights on")
    log_probs = infer(loaded.model, eval_dataset(loaded, corpus, utterances))
    references = [u.text for u in utterances]
    points = []
    for alpha in grid["alpha"]:
        for beta in grid["beta"]:
            beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=alpha, beta=beta,
                               beam=int(config.decode.beam_size), lexicon=True,
                               beam_threshold=DEFAULT_BEAM_THRESHOLD)
            scored = score(references, [beam.decode(lp[None])[0] for lp in log_probs])
            points.append({"alpha": alpha, "beta": beta, "wer": scored.wer, "cer": scored.cer})
    best = min(points, key=lambda q: (q["wer"], q["cer"], q["alpha"], q["beta"]))
    result = {"run": str(run_dir), "split": split, "mode": mode, "condition": config.data.condition,
              "utterances": len(utterances), "grid": grid, "lm_fingerprint": lm.text_fingerprint,
              "alpha": best["alpha"], "beta": best["beta"], "dev_wer": best["wer"], "dev_cer": best["cer"],
              "config_default": {"alpha": config.decode.alpha, "beta": config.decode.beta},
              "points": points, "weights_digest": digest, "created": _now()}
    io.write_json(cache, result)
    return result


def evaluate_with_weights(run_dir: Path, split: str, decoder: str, mode: str, weights: dict | None) -> dict:
    """``evaluate_cached``, except that a beam evaluation uses ``weights`` (alpha, beta) and is
    redone when the stored one was decoded with other weights."""
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.experiments.runners import evaluate_cached

    if decoder != "beam" or not weights:
        return evaluate_cached(run_dir, split, decoder, mode)
    from semg_study.experiments.runners import cached_decoding_valid

    metrics_path = run_dir / "eval" / f"{split}-{mode}-beam" / "metrics.json"
    if cached_decoding_valid(run_dir, metrics_path):
        try:
            metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            metrics = {}
        d = metrics.get("decoder") or {}
        if d.get("alpha") == weights["alpha"] and d.get("beta") == weights["beta"]:
            metrics["out_dir"] = str(metrics_path.parent)
            return metrics
    return evaluate_run(run_dir, split=split, decoder="beam", mode=mode, alpha=weights["alpha"],
                        beta=weights["beta"])


# ---------------------------------------------------------------- streaming

def streaming_evaluation(run_dir: str | Path, split: str = "test", mode: str = "silent",
                         write: bool = True, weights: dict | None = None) -> dict:
    """Decode ``split`` by streaming each utterance chunk by chunk through ``stream_step``.

    Each utterance's raw EMG is fed in chunks of ``chunk`` output frames (the
    live path of ``semg-study live`` and ``bench``'s streaming timing), the
    streamed log-probabilities are concatenated and decoded greedy and with the
    run's lexicon beam search and LM (the same settings ``evaluate_run`` uses).
    Also reports how far the streamed log-probabilities are from the same
    model's full-sequence pass. Writes ``RUN/eval/<split>-<mode>-<decoder>-streamed/``.
    """
    import numpy as np
    import torch

    from semg_study.data.dataset import collate
    from semg_study.decoding.beam import BeamDecoder
    from semg_study.decoding.greedy import greedy_decode
    from semg_study.decoding.lm import utterance_id
    from semg_study.evaluation.evaluate import (DEFAULT_BEAM_THRESHOLD, _manifest_reference, data_label,
                                                ensure_lm, eval_dataset, open_run_corpus)
    from semg_study.evaluation.metrics import score
    from semg_study.training import load_run

    run_dir = Path(run_dir)
    loaded = load_run(run_dir)
    model, config = loaded.model.eval(), loaded.config
    if not (hasattr(model, "stream_step") and getattr(model, "use_streaming_mask", False)):
        raise StudyError(f"{run_dir}: the model cannot stream (needs MyoStream with its streaming mask)")
    corpus = open_run_corpus(config)
    utterances = corpus.utterances(condition=config.data.condition, split=split, mode=mode)
    if not utterances:
        raise StudyError(f"{corpus.root}: no {config.data.condition}-vocabulary {split} utterances in mode {mode!r}")
    dataset = eval_dataset(loaded, corpus, utterances)
    chunk_samples = int(model.chunk) * int(model.input_per_output)

    streamed: list[np.ndarray] = []
    max_diff, length_mismatches = 0.0, 0
    with torch.inference_mode():
        for i in range(len(dataset)):
            item = dataset[i]
            full = model(collate([item]))
            full_lp = full["log_probs"][0, : int(full["lengths"][0])].float()
            raw = item["emg_raw"][None].float()
            state = model.init_stream_state(1, int(item.get("session_index", 0)) or None)
            pieces, flushed = [], False
            for start in range(0, raw.shape[1], chunk_samples):
                final = start + chunk_samples >= raw.shape[1]
                out, state = model.stream_step(raw[:, start: start + chunk_samples], state, final=final)
                pieces.append(out[0])
                flushed = flushed or final
            if not flushed:
                out, state = model.stream_step(None, state, final=True)
                pieces.append(out[0])
            lp = torch.cat(pieces, dim=0).float()
            n = min(lp.shape[0], full_lp.shape[0])
            if lp.shape[0] != full_lp.shape[0]:
                length_mismatches += 1
            if n:
                max_diff = max(max_diff, float((lp[:n] - full_lp[:n]).abs().max()))
            streamed.append(lp.numpy())

    d = config.decode
    order = int(d.lm_order)
    lm = ensure_lm(run_dir, corpus, config, order)
    alpha, beta = (weights["alpha"], weights["beta"]) if weights else (d.alpha, d.beta)
    beam = BeamDecoder(lm.arpa_path, lm.words, vocab=loaded.vocab, alpha=alpha, beta=beta,
                       beam=int(d.beam_size), lexicon=True, beam_threshold=DEFAULT_BEAM_THRESHOLD)
    ids = [utterance_id(u) for u in utterances]
    references = [u.text for u in utterances]
    decoded = {"greedy": ([greedy_decode(lp[None], vocab=loaded.vocab)[0] for lp in streamed], {"decoder": "greedy"}),
               "beam": ([beam.decode(lp[None])[0] for lp in streamed], dict(beam.settings, lm_order=order))}
    label = data_label(corpus)
    result = {"run": str(run_dir), "split": split, "mode": mode, "condition": config.data.condition,
              "data": label, "utterances": len(utterances), "chunk_samples": chunk_samples,
              "max_abs_logprob_diff": max_diff, "length_mismatches": length_mismatches,
              "tolerance": STREAM_MATCH_TOLERANCE,
              "matches_full_pass": length_mismatches == 0 and max_diff <= STREAM_MATCH_TOLERANCE,
              "decoders": {}}
    for decoder, (hypotheses, settings) in decoded.items():
        scored = score(references, hypotheses, ids)
        entry = {"wer": scored.wer, "cer": scored.cer, "counts": scored.counts, "decoder": settings}
        if write:
            out_dir = run_dir / "eval" / f"{split}-{mode}-{decoder}-streamed"
            lines = [json.dumps({"id": u.id, "reference": u.reference, "hypothesis": u.hypothesis,
                                 "raw_reference": raw_ref,
                                 **{k: v for k, v in u.as_dict().items() if k not in ("id", "reference", "hypothesis")}})
                     for u, raw_ref in zip(scored.utterances, references)]
            io.write_text(out_dir / "predictions.jsonl", "".join(line + "\n" for line in lines))
            metrics = {"data": label, "run": str(run_dir), "checkpoint": str(loaded.checkpoint),
                       "epoch": loaded.epoch, "config": config.name, "model": config.model.name,
                       "split": split, "mode": mode, "condition": config.data.condition,
                       "corpus": str(corpus.root), "wer": scored.wer, "cer": scored.cer, "counts": scored.counts,
                       "decoder": settings, "inference": {"streamed": True, "chunk_samples": chunk_samples},
                       "lm": ({**lm.as_dict(), "lexicon_words": len(lm.words),
                               "built_from": "train split transcripts only"} if decoder == "beam" else None),
                       "manifest": _manifest_reference(run_dir, loaded.manifest or {}),
                       "predictions": str(out_dir / "predictions.jsonl"), "created": _now()}
            io.write_json(out_dir / "metrics.json", metrics)
            entry["metrics"] = str(out_dir / "metrics.json")
        result["decoders"][decoder] = entry
    return result


# ---------------------------------------------------------------- progress

class _Stages:
    """A tqdm bar over the benchmark's stages, the current one in its description; times each stage."""

    def __init__(self, names: list[str], enabled: bool):
        from tqdm import tqdm

        self.bar = tqdm(total=len(names), disable=not enabled, file=sys.stderr, dynamic_ncols=True,
                        bar_format="{desc}: {n_fmt}/{total_fmt} stages |{bar}| {elapsed}")
        self.timings: list[dict] = []

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.bar.set_description_str(f"bench: {name}")
        started = time.perf_counter()
        yield
        self.timings.append({"stage": name, "seconds": round(time.perf_counter() - started, 3)})
        self.bar.update(1)

    def close(self) -> None:
        self.bar.set_description_str("bench: done")
        self.bar.close()


# ------------------------------------------------------------------ report

def _result_row(spec: dict, run_dir: Path, metrics: dict) -> dict:
    return {"run": run_dir.name, "model": spec["model"], "variant": spec["variant"], "condition": spec["condition"],
            "split": metrics["split"], "mode": metrics["mode"],
            "decoder": "greedy" if metrics["decoder"]["decoder"] == "greedy" else "beam",
            "wer": metrics["wer"], "cer": metrics["cer"], "wer_ci": metrics.get("wer_ci"),
            "cer_ci": metrics.get("cer_ci"), "utterances": metrics["counts"]["utterances"],
            "metrics": str(Path(metrics["out_dir"]) / "metrics.json")}


def _find(results: list[dict], **where) -> dict | None:
    return next((r for r in results if all(r.get(k) == v for k, v in where.items())), None)


def _model_entry(spec: dict, runs: dict[str, Path], resources: dict[str, dict], results: list[dict],
                 bench: dict | None, plan: dict) -> dict:
    """One model's (or variant's) headline numbers, training resources and every evaluation."""
    h = {**plan["headline"], "condition": spec["condition"]}  # the entry's own (comparison) condition
    mine = [r for r in results if r["model"] == spec["model"] and r["variant"] == spec["variant"]]
    head = _find(mine, condition=h["condition"], split=h["split"], mode=h["mode"], decoder="beam") or {}
    greedy = _find(mine, condition=h["condition"], split=h["split"], mode=h["mode"], decoder="greedy") or {}
    dev = _find(mine, condition=h["condition"], split="dev", mode=h["mode"], decoder="beam") or {}
    dev_greedy = _find(mine, condition=h["condition"], split="dev", mode=h["mode"], decoder="greedy") or {}
    keys = [k for k in runs if k.startswith((spec["variant"] or spec["model"]) + "/")]
    train = resources.get(spec["key"], {})
    b = bench or {}
    return {
        "label": spec["label"], "config": spec["config"], "run": str(runs[spec["key"]]),
        "runs": {k.split("/", 1)[1]: str(runs[k]) for k in keys},
        "headline": HEADLINE_TEXT,
        "wer": head.get("wer"), "cer": head.get("cer"),
        "wer_greedy": greedy.get("wer"), "cer_greedy": greedy.get("cer"),
        "dev_wer": dev.get("wer"), "dev_cer": dev.get("cer"),
        "dev_wer_greedy": dev_greedy.get("wer"), "dev_cer_greedy": dev_greedy.get("cer"),
        "test_utterances": head.get("utterances"),
        "parameters": b.get("parameters"),
        "checkpoint_bytes": _get(b, "size.checkpoint_bytes"), "state_dict_bytes": _get(b, "size.state_dict_bytes"),
        "latency_p50_ms": _get(b, "latency.p50_ms"), "latency_p95_ms": _get(b, "latency.p95_ms"),
        "rtf_p50": _get(b, "rtf.p50"), "rtf_p95": _get(b, "rtf.p95"),
        "bench": None if bench is None else {
            "split": b["split"], "mode": b["mode"], "utterances": b["utterances"], "repeats": b["repeats"],
            "warmup": b["warmup"], "threads": b["machine"]["torch_threads"], "batch_size": b["batch_size"],
            "file": b.get("out")},
        "train": _train_summary(train),
        "train_by_condition": {k.split("/", 1)[1]: _train_summary(resources.get(k, {})) for k in keys},
        "results": mine,
    }


def _train_summary(r: dict) -> dict:
    return {"wall_s": r.get("wall_s"), "epochs": r.get("epochs"), "utterances_per_s": r.get("utterances_per_s"),
            "peak_rss_mb": r.get("peak_rss_mb"), "train_utterances": r.get("train_utterances"),
            "epoch_seconds_total": r.get("epoch_seconds_total"), "process_wall_s": r.get("process_wall_s"),
            "source": r.get("source"), "origin": r.get("origin"), "measured_at": r.get("measured_at"),
            "file": r.get("file")}


def _streaming_entry(plan: dict, streamed: dict, stream_bench: dict | None, models: dict, variants: dict,
                     results: list[dict] | None = None) -> dict:
    s = (stream_bench or {}).get("streaming") or {}
    beam, greedy = streamed["decoders"]["beam"], streamed["decoders"]["greedy"]
    where = {"model": PROPOSED, "variant": FULL_CONTEXT, "condition": plan["streaming"]["condition"],
             "split": plan["streaming"]["split"], "mode": plan["streaming"]["mode"]}
    fb = _find(results or [], decoder="beam", **where) or {}
    fg = _find(results or [], decoder="greedy", **where) or {}
    full = {"run": fb.get("run"), "wer": fb.get("wer"), "cer": fb.get("cer"), "wer_greedy": fg.get("wer"),
            "cer_greedy": fg.get("cer")}
    entry = {
        "model": plan["streaming"]["model"], "run": streamed["run"], "full_context_run": full.get("run"),
        "split": streamed["split"], "mode": streamed["mode"], "condition": streamed["condition"],
        "utterances": streamed["utterances"], "threads": _get(stream_bench, "machine.torch_threads"),
        "chunk_frames": s.get("chunk_frames"), "lookahead_frames": s.get("lookahead_frames"),
        "chunk_ms": s.get("chunk_ms"), "chunk_p50_ms": _get(s, "chunk_compute.p50_ms"),
        "chunk_p95_ms": _get(s, "chunk_compute.p95_ms"), "algorithmic_ms": s.get("algorithmic_latency_ms"),
        "total_response_ms": s.get("total_response_latency_ms"),
        "total_response_definition": "algorithmic latency (chunk + look-ahead) + p95 compute per chunk",
        "streaming_wer": beam["wer"], "streaming_cer": beam["cer"],
        "full_context_wer": full.get("wer"), "full_context_cer": full.get("cer"),
        "wer_relative_change": relative_change(beam["wer"], full.get("wer")),
        "streaming_wer_greedy": greedy["wer"], "streaming_cer_greedy": greedy["cer"],
        "full_context_wer_greedy": full.get("wer_greedy"), "full_context_cer_greedy": full.get("cer_greedy"),
        "wer_relative_change_greedy": relative_change(greedy["wer"], full.get("wer_greedy")),
        "offline_wer": (_find(results or [], model=PROPOSED, variant=None, decoder="beam",
                              **{k: v for k, v in where.items() if k not in ("model", "variant")}) or {}).get("wer"),
        "offline_wer_note": "the streaming model's own full-sequence pass, same split and decoder",
        "max_abs_logprob_diff": streamed["max_abs_logprob_diff"], "length_mismatches": streamed["length_mismatches"],
        "matches_full_pass": streamed["matches_full_pass"], "tolerance": streamed["tolerance"],
        "decoder": beam["decoder"],
        "metrics": {k: v.get("metrics") for k, v in streamed["decoders"].items()},
    }
    return entry


def _machine(threads: int) -> dict:
    import platform

    import torch

    from semg_study.report.manifest import machine_info

    return {**machine_info(), "processor": platform.processor() or platform.machine(), "torch": torch.__version__,
            "torch_threads": threads, "torch_threads_note": "bench and training children use this many threads"}


def _manifests(runs: dict[str, Path]) -> dict:
    """Every run's manifest, embedded (the JSON stands alone) with its path and digest."""
    import hashlib

    out = {}
    for key, run_dir in runs.items():
        path = run_dir / "manifest.json"
        raw = path.read_bytes()
        out[run_dir.name] = {"benchmark_key": key, "path": str(path), "sha256": hashlib.sha256(raw).hexdigest(),
                             "manifest": json.loads(raw)}
    return out


def run_benchmark(profile: str, data_root: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None,
                  runs_root: str | os.PathLike | None = None, force: bool = False, epochs: int | None = None,
                  device: str = "cpu", data_dir: str | os.PathLike | None = None, progress: bool = True) -> dict:
    """Run the whole benchmark of ``profile``; write the JSON and Markdown; return the report.

    The report's ``paths`` holds the files written.
    """
    from semg_study.evaluation.bench import bench_run
    from semg_study.evaluation.evaluate import data_label
    from semg_study.experiments.runners import evaluate_cached
    from semg_study.report.manifest import git_info, package_versions

    from semg_study.training.cache import code_version

    started = time.perf_counter()
    code_at_start = code_version()  # the training code every run's fingerprint includes
    plan = benchmark_plan(profile, epochs, device)
    check_equal_budget(plan)
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is available")
    corpus = resolve_corpus(profile, data_root, data_dir, progress=progress)
    data_root = Path(corpus.root).resolve()
    label = data_label(corpus)
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir()
    runs_root = (Path(runs_root) if runs_root is not None else default_runs_root()).resolve()
    invocation = f"{_now()}-{os.getpid()}"

    specs = plan["runs"]
    names = (["prepare features"] + [f"train {s['key']}" for s in specs] + [f"evaluate {s['key']}" for s in specs]
             + [f"bench {s['key']}" for s in specs if s["bench"]] + ["streaming WER"])
    stages = _Stages(names, progress)
    runs: dict[str, Path] = {}
    resources: dict[str, dict] = {}
    results: list[dict] = []
    benches: dict[str, dict] = {}
    lm_weights: dict[str, dict] = {}
    import torch

    # Evaluation and streaming in this process use the plan's threads too: more threads than
    # free cores makes small models' OpenMP waits dominate on a shared machine.
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(plan["threads"])
    try:
        with stages.stage("prepare features"):
            features = prepare_features(plan, corpus, data_root)
        for spec in specs:
            with stages.stage(f"train {spec['key']}"):
                runs[spec["key"]], resources[spec["key"]] = train_measured(
                    spec, data_root, runs_root, plan["threads"], force, invocation)
        for spec in specs:
            with stages.stage(f"evaluate {spec['key']}"):
                modes = spec.get("modes") or plan["modes"]
                lm_weights[spec["key"]] = tune_lm_weights(runs[spec["key"]], mode=modes[0] if spec.get("modes")
                                                          else HEADLINE["mode"])
                for split in plan["splits"]:
                    for mode in modes:
                        for decoder in plan["decoders"]:
                            m = evaluate_with_weights(runs[spec["key"]], split, decoder, mode,
                                                      lm_weights[spec["key"]])
                            results.append(_result_row(spec, runs[spec["key"]], m))
        b = plan["bench"]
        for spec in specs:
            if not spec["bench"]:
                continue
            with stages.stage(f"bench {spec['key']}"):
                run_dir = runs[spec["key"]]
                benches[spec["key"]] = bench_run(
                    run_dir, threads=plan["threads"], repeats=b["repeats"], warmup=b["warmup"], split=b["split"],
                    max_utterances=b["max_utterances"],
                    out=run_dir / "bench" / f"bench-{b['split']}-{plan['threads']}thread.json")
        with stages.stage("streaming WER"):
            stream_key = f"{PROPOSED}/{plan['streaming']['condition']}"  # the streaming model, same condition
            streamed = streaming_evaluation(runs[stream_key], plan["streaming"]["split"], plan["streaming"]["mode"],
                                            weights=lm_weights.get(stream_key))
    finally:
        stages.close()
        torch.set_num_threads(previous_threads)

    # each model's entry comes from one condition shared by every model: the headline condition when
    # every model has a run there, else the first condition they all have (ratios compare like with like)
    model_specs = comparison_specs(specs, plan)
    models = {name: _model_entry(model_specs[name], runs, resources, results, benches.get(model_specs[name]["key"]),
                                 plan) for name in plan["models"]}
    variants = {s["variant"]: _model_entry(s, runs, resources, results, benches.get(s["key"]), plan)
                for s in specs if s["variant"]}
    report: dict[str, Any] = {
        "kind": "semg-study-benchmark",
        "profile": profile,
        "created": _now(),
        "synthetic": label == "synthetic",
        "data": {"root": str(data_root), "label": label, "fingerprint": corpus.fingerprint(),
                 "note": "synthetic data: shows the pipeline works, not how well silent speech is recognised"
                 if label == "synthetic" else "real recordings"},
        "headline": HEADLINE_TEXT,
        "proposed": PROPOSED, "reference": REFERENCE,
        "models": models,
        "variants": variants,
    }
    for name, spec in model_specs.items():
        models[name]["lm_weights"] = _lm_weights_entry(lm_weights.get(spec["key"]))
    for s in specs:
        if s["variant"] in variants:
            variants[s["variant"]]["lm_weights"] = _lm_weights_entry(lm_weights.get(s["key"]))
    report["lm_weights"] = {"grid": LM_GRID, "split": LM_TUNING_SPLIT, "mode": HEADLINE["mode"],
                            "rule": "lowest dev WER, then CER, then the smaller alpha; the same grid for every run",
                            "per_run": {k: _lm_weights_entry(v) for k, v in lm_weights.items()}}
    report["comparison_condition"] = plan.get("comparison_condition")
    report["ratios"] = compute_ratios(models)
    report["ratio_definition"] = f"{PROPOSED} / {REFERENCE}, both measured in this benchmark"
    report["streaming"] = _streaming_entry(plan, streamed, benches.get(stream_key), models, variants, results)
    from semg_study.experiments import findings as _findings

    report["findings"] = _findings.compute(results, streamed, plan, PROPOSED, REFERENCE)
    report["study_run"] = _findings.study_run_summary(out_dir.parent / "study_run.json")
    report["targets"] = evaluate_targets(report)
    report["features"] = {**features, "note": "extracted before training (stage 'prepare features'), so no "
                                              "model's training time includes feature extraction"}
    report["budget"] = {
        "epochs": plan["epochs"], "epochs_source": plan["epochs_source"],
        "epochs_per_run": {k: r.get("epochs") for k, r in resources.items()},
        "equal_epochs": len({r.get("epochs") for r in resources.values()}) == 1,
        "seed": plan["seed"], "threads": plan["threads"], "device": plan["device"],
        "identical_overrides": plan["shared_overrides"],
        "overrides_per_run": {s["key"]: s["overrides"] for s in specs},
        "identical_across_models": True,  # check_equal_budget refused the plan otherwise
        "configs": {name: m["config"] for name, m in plan["models"].items()},
        "bench": plan["bench"],
        "training": "one run at a time, each in a fresh child process (train_cached), torch threads = threads",
    }
    report["machine"] = _machine(plan["threads"])
    report["git"] = git_info()
    code_at_end = code_version()
    # Runs of one benchmark must come from one version of the training code; an edit while it
    # ran (another person's working tree) would compare models trained by different code.
    report["code_version"] = {"start": code_at_start, "end": code_at_end,
                              "changed_during_benchmark": code_at_start != code_at_end}
    report["package_versions"] = package_versions()
    report["plan"] = {k: plan[k] for k in ("conditions", "splits", "modes", "decoders", "headline", "streaming")}
    report["manifests"] = _manifests(runs)
    report["stages"] = stages.timings
    report["wall_s"] = round(time.perf_counter() - started, 3)
    report["invocation"] = invocation
    report["paths"] = write_report(report, out_dir)
    return report


def comparison_condition(plan: dict) -> str | None:
    """The condition every model of the plan has a run in: the headline one if possible."""
    runs = [r for r in plan["runs"] if r["variant"] is None]
    shared = [c for c in [HEADLINE["condition"], *plan["conditions"]]
              if all(any(r["model"] == m and r["condition"] == c for r in runs) for m in plan["models"])]
    return shared[0] if shared else None


def comparison_specs(specs: list[dict], plan: dict) -> dict:
    condition = comparison_condition(plan)
    return {s["model"]: s for s in specs if s["variant"] is None and s["condition"] == condition}


def _lm_weights_entry(tuned: dict | None) -> dict | None:
    if not tuned:
        return None
    return {k: tuned.get(k) for k in ("alpha", "beta", "dev_wer", "dev_cer", "split", "mode", "utterances",
                                      "config_default")}


def _strict_json(value: Any) -> Any:
    """NaN and infinities (a diverged loss in an embedded manifest) as null: the file stays strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict_json(v) for v in value]
    return value


def write_report(report: dict, out_dir: str | os.PathLike) -> dict:
    """Write ``<out>/<YYYY-MM-DD>-<profile>.json`` and ``.md`` atomically; return their paths."""
    out_dir = Path(out_dir)
    stem = f"{report['created'][:10]}-{report['profile']}"
    paths = {"json": str(out_dir / f"{stem}.json"), "markdown": str(out_dir / f"{stem}.md")}
    body = _strict_json({k: v for k, v in report.items() if k != "paths"})
    from semg_study.report.provenance import keeps_tmp, portable

    body = portable(body, keep_tmp=keeps_tmp(out_dir))  # committed: repo-relative paths only
    io.write_json(paths["json"], body)
    io.write_text(paths["markdown"], markdown_report(body))
    return paths


# ----------------------------------------------------------------- markdown

def _f(value: Any, spec: str = ".1f", scale: float = 1.0) -> str:
    v = _number(value)
    return "n/a" if v is None else format(v * scale, spec)


def _pct(value: Any) -> str:
    return _f(value, ".1f", 100.0)


def _met(flag: Any) -> str:
    return "n/a" if flag is None else ("yes" if flag else "**no**")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    from semg_study.report.tables import markdown_escape

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(markdown_escape(c) for c in row) + " |" for row in rows]
    return lines


def _tag(report: dict) -> str:
    return " (synthetic data)" if report.get("synthetic") else ""


def targets_markdown(report: dict) -> str:
    """The ratio/target table: each target's value, threshold and whether it is met."""
    rows = [[t["name"], t["description"], _f(t["value"], ".3f"), f"{t['comparison']} {t['threshold']:.3g}",
             _met(t["met"])] for t in report["targets"]]
    lines = [f"**Targets{_tag(report)}**: ratios are {report.get('proposed', PROPOSED)} / "
             f"{report.get('reference', REFERENCE)}, both measured in this benchmark", ""]
    lines += _table(["target", "what", "value", "threshold", "met"], rows)
    ratio_rows = [[name, _f(value, ".3f")] for name, value in report["ratios"].items()]
    lines += ["", f"**All ratios, {report.get('proposed', PROPOSED)} / {report.get('reference', REFERENCE)}"
                  f"{_tag(report)}**", ""]
    lines += _table(["ratio", "value"], ratio_rows)
    return "\n".join(lines) + "\n"


def markdown_report(report: dict) -> str:
    """The Markdown beside the JSON: models, targets, streaming, every evaluation."""
    tag = _tag(report)
    threads = report["budget"]["threads"]
    m = report["machine"]
    git = report.get("git") or {}
    lines = [
        f"# Benchmark: MyoStream against the baselines, profile {report['profile']}{tag}", "",
        f"Created {report['created']}; commit {git.get('commit') or 'unknown'}{' (dirty)' if git.get('dirty') else ''}; "
        f"{m.get('processor')}, {m.get('cpu_count')} CPUs, torch {m.get('torch')}, {threads} CPU thread(s); "
        f"whole benchmark {report['wall_s']:.0f} s.", "",
        *(["**Warning**: the training code changed while this benchmark ran (`code_version` in the JSON); "
           "its runs may come from different code. Run it again on a quiet tree.", ""]
          if (report.get("code_version") or {}).get("changed_during_benchmark") else []),
        f"Data: {report['data']['root']} ({report['data']['label']}, fingerprint {report['data']['fingerprint'][:12]})."
        + (" **Synthetic data**: these numbers show that the pipeline works end to end, not how well silent "
           "speech can be recognised." if report.get("synthetic") else ""), "",
        f"Budget: {report['budget']['epochs'] if report['budget']['epochs'] is not None else 'each config’s own'} "
        f"epochs for every model (equal: {'yes' if report['budget']['equal_epochs'] else 'no'}), seed "
        f"{report['budget']['seed']}, identical overrides {json.dumps(report['budget']['identical_overrides'])} "
        f"plus data.condition. Headline numbers: {report['headline']}. Latency: batch 1, "
        f"torch.inference_mode, {threads} thread(s), test split, silent EMG; measurements on this machine, "
        f"not guarantees.", "",
        f"## Models{tag}", "",
    ]
    rows = []
    for name, e in {**report["models"], **{f"{k} (variant)": v for k, v in report.get("variants", {}).items()}}.items():
        t = e["train"]
        rows.append([f"{name}: {e['label']}", f"{e['parameters']:,}" if e.get("parameters") is not None else "n/a",
                     _f(e.get("checkpoint_bytes"), ".2f", 1 / 2**20), _f(t.get("wall_s")), _f(t.get("utterances_per_s")),
                     _f(t.get("peak_rss_mb"), ".0f"), _f(e.get("latency_p50_ms"), ".2f"), _f(e.get("latency_p95_ms"), ".2f"),
                     _f(e.get("rtf_p50"), ".4f"), _pct(e.get("wer_greedy")), _pct(e.get("cer_greedy")), _pct(e.get("wer")),
                     _pct(e.get("cer")), _pct(e.get("dev_wer")), _pct(e.get("dev_cer")),
                     "n/a" if not e.get("lm_weights") else f"{e['lm_weights']['alpha']:g} / {e['lm_weights']['beta']:g}",
                     str(t.get("source"))])
    lines += _table(["model", "params", "checkpoint MB", "train wall s", "train utts/s", "peak train MB",
                     f"latency p50 ms ({threads} thr)", f"latency p95 ms ({threads} thr)", "RTF p50",
                     "test WER % greedy", "test CER % greedy", "test WER % LM", "test CER % LM",
                     "dev WER % LM", "dev CER % LM", "LM alpha / beta (dev)", "training numbers"], rows)
    lines += ["", f"{str(report.get('comparison_condition') or 'open').capitalize()} vocabulary, silent EMG. "
                  "\"training numbers\": measured by this invocation, or cached from "
                  "the invocation that trained the run (\"run files\": reconstructed, memory not sampled). "
                  f"LM alpha / beta: chosen per run on the dev split (silent) from alpha {report['lm_weights']['grid']['alpha']} "
                  f"x beta {report['lm_weights']['grid']['beta']}, so the dev LM numbers are optimistic and the test "
                  "ones are not.", "",
              f"## Ratios and targets{tag}", "", targets_markdown(report).rstrip("\n"), "",
              *findings_markdown(report),
              f"## Streaming{tag}", ""]
    s = report["streaming"]
    lines += _table(["quantity", "value"], [
        ["chunk (frames / ms)", f"{s.get('chunk_frames')} / {_f(s.get('chunk_ms'))}"],
        ["look-ahead frames", str(s.get("lookahead_frames"))],
        [f"chunk compute p50 / p95 ms ({s.get('threads')} thr)", f"{_f(s.get('chunk_p50_ms'), '.2f')} / "
                                                                 f"{_f(s.get('chunk_p95_ms'), '.2f')}"],
        ["algorithmic latency ms (chunk + look-ahead)", _f(s.get("algorithmic_ms"))],
        ["total response latency ms", _f(s.get("total_response_ms"))],
        ["streaming test WER / CER % (LM)", f"{_pct(s.get('streaming_wer'))} / {_pct(s.get('streaming_cer'))}"],
        ["full-context test WER / CER % (LM)", f"{_pct(s.get('full_context_wer'))} / {_pct(s.get('full_context_cer'))}"],
        ["WER relative change (LM)", _f(s.get("wer_relative_change"), "+.3f")],
        ["streaming test WER / CER % (greedy)", f"{_pct(s.get('streaming_wer_greedy'))} / "
                                                f"{_pct(s.get('streaming_cer_greedy'))}"],
        ["full-context test WER / CER % (greedy)", f"{_pct(s.get('full_context_wer_greedy'))} / "
                                                   f"{_pct(s.get('full_context_cer_greedy'))}"],
        ["WER relative change (greedy)", _f(s.get("wer_relative_change_greedy"), "+.3f")],
        ["streamed vs full pass, max |Δ log-prob|", _f(s.get("max_abs_logprob_diff"), ".2e")],
        ["streamed output matches the full pass", "yes" if s.get("matches_full_pass") else "**no**"],
    ])
    lines += ["", f"## Every evaluation{tag}", ""]
    every = [r for e in [*report["models"].values(), *report.get("variants", {}).values()] for r in e["results"]]
    lines += _table(["model", "variant", "condition", "split", "mode", "decoder", "WER %", "CER %", "utterances", "run"],
                    [[r["model"], r["variant"] or "", r["condition"], r["split"], r["mode"],
                      "beam + LM" if r["decoder"] == "beam" else "greedy", _pct(r["wer"]), _pct(r["cer"]),
                      str(r["utterances"]), r["run"]] for r in every])
    lines += ["", "Every run's manifest is embedded in the JSON beside this file (`manifests`)."]
    return "\n".join(lines) + "\n"


def _ci(entry: dict | None, key: str) -> str:
    if not entry or entry.get(key) is None:
        return "n/a"
    low, high = entry.get(f"{key}_ci") or (None, None)
    return f"{_pct(entry[key])} [{_pct(low)}, {_pct(high)}]" if low is not None else _pct(entry[key])


def findings_markdown(report: dict) -> list[str]:
    """The findings: each headline rate with its 95 % CI, and the paired comparisons with verdicts."""
    f = report.get("findings")
    if not f:
        return []
    tag = _tag(report)
    rates = [(k, v) for k, v in f.items() if isinstance(v, dict) and "wer" in v and "a_run" not in v
             and not isinstance(v.get("wer"), dict)]
    lines = [f"## Findings{tag}", "",
             f"Test split, beam search + LM (weights chosen on dev), {f['method']}. EMG models on silent EMG, "
             f"DeepSpeech2 on audio on voiced TTS audio.", ""]
    lines += _table(["model / condition", "WER % [95 % CI]", "CER % [95 % CI]", "utterances", "run"],
                    [[k, _ci(v, "wer"), _ci(v, "cer"), str(v.get("utterances")), str(v.get("run"))]
                     for k, v in rates])
    comparisons = [(k, v) for k, v in f.items() if isinstance(v, dict) and "a_run" in v]
    if comparisons:
        lines += ["", "Paired comparisons (A vs B on the same utterances; difference A - B in points, ratio A / B):", ""]
        rows = []
        for k, v in comparisons:
            for metric in ("wer", "cer"):
                c = v[metric]
                lo, hi = c["difference_ci"]
                rlo, rhi = c["ratio_ci"]
                rows.append([k, metric.upper(), _pct(c["a"]), _pct(c["b"]),
                             f"{_f(c['difference'], '+.1f', 100)} [{_f(lo, '+.1f', 100)}, {_f(hi, '+.1f', 100)}]",
                             f"{_f(c['ratio'], '.2f')} [{_f(rlo, '.2f')}, {_f(rhi, '.2f')}]", str(c["verdict"])])
        lines += _table(["comparison (A vs B)", "metric", "A %", "B %", "A - B points [95 % CI]",
                         "A / B [95 % CI]", "verdict for A"], rows)
    return lines + [""]


# ------------------------------------------------------------------- figure

def figure_caption(report: dict) -> str:
    threads = report["budget"]["threads"]
    s = report.get("streaming") or {}
    text = (f"Test WER with the word 3-gram LM (open vocabulary, silent EMG; the streamed star: "
            f"{s.get('condition', 'open')} vocabulary) against CPU latency per utterance "
            f"(p50, batch 1, {threads} CPU thread{'' if threads == 1 else 's'}) of each model, trained with the same data, seed and "
            f"epochs by `make bench` (profile {report['profile']}); the star is MyoStream fed as a live stream "
            f"at its total response latency (chunk + look-ahead + p95 chunk compute)")
    return text + (" (synthetic data)." if report.get("synthetic") else ".")


def notebook_benchmark(profile: str, benchmark_json: str | os.PathLike | None = None,
                       out_dir: str | os.PathLike | None = None, data_root=None, runs_root=None) -> dict | None:
    """The benchmark notebook 07 shows: ``benchmark_json``, else the newest of ``profile`` in ``out_dir``.

    With none written yet, the smoke profile runs its (small) benchmark here, so
    the notebook always has one under test; quick and full print that ``make
    bench`` makes it and return None (no numbers are invented).
    """
    if benchmark_json is not None:
        return load_benchmark(benchmark_json)
    found = latest_benchmark(out_dir, profile)
    if found is not None:
        return load_benchmark(found)
    if profile == "smoke":
        try:
            report = run_benchmark("smoke", data_root=data_root, out_dir=out_dir, runs_root=runs_root,
                                   progress=False)
        except EmptySplitError as exc:  # the notebook says so and goes on without the comparison
            print(f"The benchmark cannot run on this corpus: {exc}. The comparison figure is skipped.")
            return None
        return load_benchmark(report["paths"]["json"])
    folder = Path(out_dir) if out_dir is not None else default_out_dir()
    print(f"No benchmark of the {profile} profile in {folder}: `make bench PROFILE={profile}` writes one "
          f"(<date>-{profile}.json); the comparison figure is skipped.")
    return None


# ---------------------------------------------------------------------- CLI

def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=tuple(PROFILE_SIZE), default="quick",
                        help="smoke (tests) | quick (default) | full (paper-size configs)")
    parser.add_argument("--data-root", metavar="PATH", default=None,
                        help="the real Digital Voicing dataset (default: the profile's synthetic corpus)")
    parser.add_argument("--out-dir", metavar="PATH", default=None,
                        help="where the JSON and Markdown go (default: reports/benchmarks)")
    parser.add_argument("--runs-root", metavar="PATH", default=None, help="training runs (default: runs)")
    parser.add_argument("--force", action="store_true", help="retrain even when a cached run matches")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs of every model (default: the profile's: {EPOCHS})")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="training device (inference cost is always measured on the CPU)")
    parser.add_argument("--data-dir", metavar="PATH", default=None,
                        help="cache folder of the synthetic corpora (default: <repo>/data)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.add_argument("--refresh-study-run", metavar="JSON", default=None,
                        help="train nothing: re-read reports/study_run.json into this benchmark JSON and "
                             "re-check its targets (after a later make study)")


def refresh_study_run(path: str | os.PathLike) -> dict:
    """Re-read the study's record (``reports/study_run.json``) into a written benchmark and re-check
    its targets: the study's time and memory targets follow the last ``make study``."""
    from semg_study.experiments import findings as _findings

    path = Path(path)
    report = load_benchmark(path)
    report.pop("path", None)
    report["study_run"] = _findings.study_run_summary(path.parent.parent / "study_run.json")
    report["targets"] = evaluate_targets(report)
    body = _strict_json(report)
    io.write_json(path, body)
    io.write_text(path.with_suffix(".md"), markdown_report(body))
    return report


def run(args: argparse.Namespace) -> int:
    if getattr(args, "refresh_study_run", None):
        report = refresh_study_run(args.refresh_study_run)
        print(targets_markdown(report), end="")
        return 0
    report = run_benchmark(args.profile, data_root=args.data_root, out_dir=args.out_dir, runs_root=args.runs_root,
                           force=args.force, epochs=args.epochs, device=args.device, data_dir=args.data_dir,
                           progress=args.progress)
    print(targets_markdown(report), end="")
    print(f"\nbenchmark ({report['profile']}{', synthetic data' if report['synthetic'] else ''}): "
          f"{len(report['manifests'])} runs in {report['wall_s']:.1f} s")
    print(f"written: {report['paths']['json']}\n         {report['paths']['markdown']}")
    return 0


def main(argv: list[str] | None = None, prog: str = "benchmarks/run.py") -> int:
    parser = argparse.ArgumentParser(prog=prog, description="Train and compare deepspeech2, gaddy2022 and "
                                                             "MyoStream with the same data, seeds and budget.")
    configure(parser)
    from semg_study.cli import run_command

    return run_command(prog, run, parser.parse_args(argv))
