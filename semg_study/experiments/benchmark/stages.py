"""``make bench`` end to end: the comparison plan's runs trained, evaluated, timed and streamed, in stages.

Each stage reuses what the study already has:

0. **prepare features**: the feature cache of every stream the runs read is
   filled first, so no model's training time includes feature extraction.
1. **train**: every run goes through ``train_cached`` in a child process of its
   own, one at a time, its memory sampled (:func:`semg_study.experiments.benchmark.measured.train_measured`;
   a rerun reuses finished runs, ``force`` retrains).
2. **evaluate**: the LM weights chosen on dev (:mod:`semg_study.evaluation.lm_weights`),
   then every split x mode x decoder on the run's own condition; "beam" is the
   lexicon beam search with the run's word n-gram LM (the training transcripts,
   plus the corpus's held-out LM text under ``decode.lm_text``; never a dev or
   test sentence).
3. **latency**: :func:`semg_study.evaluation.latency.measure_latency` on the
   comparison condition's runs and the streaming model, test split, silent EMG,
   at the plan's threads.
4. **streaming**: the test utterances fed to the streaming MyoStream chunk by
   chunk (:func:`semg_study.evaluation.streaming.streaming_evaluation`), decoded
   greedy and with the LM beam, and compared with the full-context variant's WER.

The report is assembled and written by :mod:`semg_study.experiments.benchmark.report`.
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Iterator

from semg_study.data import open_corpus
from semg_study.errors import ConfigError, DataError
from semg_study.evaluation.evaluate import data_label
from semg_study.evaluation.latency import measure_latency
from semg_study.evaluation.lm_weights import tune_lm_weights
from semg_study.evaluation.streaming import streaming_evaluation
from semg_study.experiments.benchmark.plan import (CONDITIONS, HEADLINE, MODES, PROPOSED, SEED, SPLITS,
                                                   benchmark_plan, check_equal_budget)
from semg_study.experiments.benchmark.report import (Measurements, assemble_report, default_out_dir, result_row,
                                                     utc_now, write_report)
from semg_study.experiments.run_evaluation import evaluate_with_weights
from semg_study.recipes.config import load_config, run_overrides
from semg_study.report.paths import synthetic_corpus
from semg_study.locations import default_runs_root
from semg_study.run_folder import RunFolder


class EmptySplitError(DataError):
    """A split the benchmark scores on holds no utterance of the corpus (its testset names
    sentences the corpus lacks, or a split really is empty)."""


def resolve_corpus(profile: str, data_root: str | os.PathLike | None = None,
                   data_dir: str | os.PathLike | None = None, progress: bool = False,
                   testset: str | os.PathLike | None = None):
    """The corpus to benchmark on: ``data_root`` (checked), or the profile's synthetic corpus,
    split by ``testset`` (None: the corpus's own split file, else the packaged one).

    The synthetic corpus is made (or found in the cache by fingerprint) exactly
    as ``semg-study study`` makes it, by :func:`semg_study.report.paths.synthetic_corpus`.
    """
    if data_root is not None:
        root = Path(data_root).expanduser().resolve()
        if not root.exists():
            raise DataError(root, "--data-root does not exist")
        if not root.is_dir():
            raise DataError(root, "--data-root is not a folder")
    else:
        root = synthetic_corpus(profile, data_dir, SEED, progress=progress)
    corpus = open_corpus(root, testset=testset)  # a DataError naming the root when it is no corpus
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


def benchmark_overrides(data_root: Path, overrides: dict, testset: str | os.PathLike | None = None) -> dict:
    """A benchmark run's plan overrides (as data), on ``data_root`` and ``testset`` (the study's
    ``--testset``; None: the corpus's own split)."""
    return run_overrides(data_root, overrides, testset)


def prepare_features(plan: dict, corpus, data_root: Path, testset: str | os.PathLike | None = None) -> dict:
    """Fill the on-disk feature cache for every stream the plan's runs read, before any of them trains.

    Preprocessing and feature extraction are a one-off cost per corpus and
    feature configuration: left to training, the first model that needs a
    stream would pay for it inside its own wall-clock and first epoch. Here it
    is paid once, in its own stage, in the cache training and evaluation read
    (``feature_cache_dir`` of the corpus).
    """
    # deferred: the datasets and the training package import torch
    from semg_study.data.feature_cache import MEMORY_CACHE, FeatureCache
    from semg_study.data.fingerprint import feature_cache_dir
    from semg_study.training.data import feature_config_from

    feature_configs = {}
    for spec in plan["runs"]:
        fc = feature_config_from(load_config(spec["config"], benchmark_overrides(data_root, spec["overrides"],
                                                                                  testset)))
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
    MEMORY_CACHE.clear()  # the children read the disk cache; this process needs none of it in memory
    # the cache is named by its key (the corpus's), not by where this machine keeps it: the report is committed
    return {"feature_configs": sorted(feature_configs), "utterances": len(utterances), "computed": computed,
            "feature_cache_key": cache_dir.name}


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


def _evaluate(spec: dict, run_dir: Path, plan: dict, m: Measurements) -> None:
    """Stage 2 for one run: every split x mode x decoder, the beam search with LM weights chosen on the
    dev split of the mode it decodes (the study's rule, evaluation.lm_weights). The decodings are the
    benchmark's own, in the run's ``bench/`` folder: the evaluations the study makes (and a released
    model carries) are the same whether or not ``make bench`` ran. The report shows the headline mode's weights."""
    modes = spec.get("modes") or plan["modes"]
    weights = {mode: tune_lm_weights(run_dir, mode=mode) for mode in modes}
    m.lm_weights[spec["key"]] = weights[modes[0] if spec.get("modes") else HEADLINE["mode"]]
    for split in plan["splits"]:
        for mode in modes:
            for decoder in plan["decoders"]:
                metrics = evaluate_with_weights(run_dir, split, decoder, mode, weights[mode],
                                                out=RunFolder(run_dir).bench)
                m.results.append(result_row(spec, run_dir, metrics))


def run_stages(plan: dict, corpus, data_root: Path, runs_root: Path, force: bool, invocation: str,
               progress: bool, testset: str | os.PathLike | None = None,
               released: dict | None = None) -> Measurements:
    """Stages 0-4 of the module doc, each timed; what they measured.

    ``testset``: the split file every run trains and scores on (None: the corpus's own);
    ``released``: ``train_cached``'s ``reuse_released`` / ``released_root`` for every run.
    """
    import torch  # deferred: the plan, the report and the CLI's --help need no torch

    from semg_study.experiments.benchmark.measured import train_measured

    specs = plan["runs"]
    names = (["prepare features"] + [f"train {s['key']}" for s in specs] + [f"evaluate {s['key']}" for s in specs]
             + [f"bench {s['key']}" for s in specs if s["bench"]] + ["streaming WER"])
    stages = _Stages(names, progress)
    # Evaluation and streaming in this process use the plan's threads too: more threads than
    # free cores makes small models' OpenMP waits dominate on a shared machine.
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(plan["threads"])
    try:
        with stages.stage("prepare features"):
            m = Measurements(features=prepare_features(plan, corpus, data_root, testset))
        for spec in specs:
            with stages.stage(f"train {spec['key']}"):
                m.runs[spec["key"]], m.resources[spec["key"]] = train_measured(
                    spec, benchmark_overrides(data_root, spec["overrides"], testset), runs_root, plan["threads"],
                    force, invocation, released=released)
        for spec in specs:
            with stages.stage(f"evaluate {spec['key']}"):
                _evaluate(spec, m.runs[spec["key"]], plan, m)
        b = plan["bench"]
        for spec in specs:
            if not spec["bench"]:
                continue
            with stages.stage(f"bench {spec['key']}"):
                run_dir = m.runs[spec["key"]]
                m.benches[spec["key"]] = measure_latency(
                    run_dir, threads=plan["threads"], repeats=b["repeats"], warmup=b["warmup"], split=b["split"],
                    max_utterances=b["max_utterances"],
                    out=RunFolder(run_dir).bench / f"bench-{b['split']}-{plan['threads']}thread.json")
        with stages.stage("streaming WER"):
            m.stream_key = f"{PROPOSED}/{plan['streaming']['condition']}"  # the streaming model, same condition
            # the streamed decodings are the benchmark's own: kept in the run's bench/ folder, beside its
            # latency measurement, not among the evaluations a released model carries
            stream_run = m.runs[m.stream_key]
            m.streamed = streaming_evaluation(stream_run, plan["streaming"]["split"], plan["streaming"]["mode"],
                                              weights=m.lm_weights.get(m.stream_key),
                                              out=RunFolder(stream_run).bench)
    finally:
        stages.close()
        torch.set_num_threads(previous_threads)
    m.stage_timings = stages.timings
    return m


def run_benchmark(profile: str, data_root: str | os.PathLike | None = None, out_dir: str | os.PathLike | None = None,
                  runs_root: str | os.PathLike | None = None, force: bool = False, epochs: int | None = None,
                  device: str = "cpu", data_dir: str | os.PathLike | None = None, progress: bool = True,
                  testset: str | os.PathLike | None = None, reuse_released: bool = True,
                  released_root: str | os.PathLike | None = None) -> dict:
    """Run the whole benchmark of ``profile``; write the JSON and Markdown; return the report.

    ``testset``: the split file (None: the corpus's own); ``reuse_released`` / ``released_root``:
    as ``train_cached`` takes them (the repository's released runs are reused unless False).
    The report's ``paths`` holds the files written.
    """
    from semg_study.training.fingerprint import code_version  # deferred: the training package imports torch

    started = time.perf_counter()
    code_at_start = code_version()  # the training code every run's fingerprint includes
    plan = benchmark_plan(profile, epochs, device)
    check_equal_budget(plan)
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise ConfigError("--device cuda: no CUDA device is available")
    corpus = resolve_corpus(profile, data_root, data_dir, progress=progress, testset=testset)
    data_root = Path(corpus.root).resolve()
    out_dir = Path(out_dir) if out_dir is not None else default_out_dir()
    runs_root = (Path(runs_root) if runs_root is not None else default_runs_root()).resolve()
    invocation = f"{utc_now()}-{os.getpid()}"

    from semg_study.training.released import released_root as default_released_root

    # resolved here: the training children are fresh processes
    released = {"reuse_released": bool(reuse_released),
                "released_root": str(released_root if released_root is not None else default_released_root())}
    measured = run_stages(plan, corpus, data_root, runs_root, force, invocation, progress, testset, released)
    report = assemble_report(plan, corpus, data_label(corpus), measured, out_dir.parent / "study_run.json",
                             (code_at_start, code_version()))
    report["wall_s"] = round(time.perf_counter() - started, 3)
    report["invocation"] = invocation
    report["paths"] = write_report(report, out_dir)
    return report
