"""The study's experiment layer: the plan of each notebook per profile, and the runners.

Notebooks 02-07 call only this module and :mod:`semg_study.report`:

* :func:`plan` (``plans.py``): which configs, overrides, seeds, conditions and
  modes each notebook trains and evaluates, per profile (smoke | quick | full,
  defined in :mod:`semg_study.recipes.profiles`).
* runners (``runners.py``): :func:`run_table31` (03), :func:`run_emg_baselines`
  (04), :func:`run_myostream` (05), :func:`run_ablations` (06),
  :func:`run_latency` (07); each returns an :class:`Experiment` (rows, one run
  manifest list per row, run folders, config, caption). Training goes only
  through ``semg_study.training.train_cached``.
* ``plan_runs.py``: a plan spec's overrides and its run, trained or found
  (:func:`train_spec`, :func:`train_specs`, :func:`plan_run`; :func:`released_for`: the
  released runs a study may reuse, none under ``--retrain``);
  ``run_evaluation.py``: a run's evaluation, decoded once and rescored
  (:func:`evaluate_cached`, :func:`evaluate_decoder`); ``comparisons.py``: paired
  bootstrap rows of two models with one or more seeds each (:func:`comparison_rows`:
  seeds and utterances resampled).
* ``headline.py``: issue 22's comparison (the queue of ``benchmarks/headline_queue.py`` and the
  analysis of its runs: seeds, budget rule, size, response latency, streaming trade-off); it
  never trains.
* ``features_view.py`` (02), ``attention.py`` (05, hook-based attention
  weights), ``plots.py`` (figures of 03-07).
* ``benchmark/``: ``make bench`` (``benchmarks/run.py``), the proposed model
  against the two baselines with one data set, seed and epoch budget, written to
  ``reports/benchmarks/<date>-<profile>.json``; notebook 07 reads the newest one.
"""
from semg_study.experiments.comparisons import comparison_rows
from semg_study.experiments.plan_runs import (evaluation_corpus, overrides_for, plan_run, released_for, train_spec,
                                              train_specs)
from semg_study.experiments.plans import ABLATION_COMPONENTS, FIXES, ORIGINAL_LABEL, ORIGINAL_TABLE31_WER, plan, run_specs
from semg_study.experiments.run_evaluation import (evaluate_cached, evaluate_decoder, manifest_of, run_vocabulary,
                                                   worst_utterances)
from semg_study.experiments.runners import (Experiment, latency_specs, myostream_run, release_models, run_ablations,
                                            run_emg_baselines, run_latency, run_model_comparisons, run_myostream,
                                            run_table31)

__all__ = [
    "ABLATION_COMPONENTS", "FIXES", "ORIGINAL_LABEL", "ORIGINAL_TABLE31_WER", "Experiment",
    "comparison_rows", "evaluate_cached", "evaluate_decoder", "evaluation_corpus", "latency_specs", "plan_run",
    "run_model_comparisons", "manifest_of", "myostream_run", "overrides_for", "plan",
    "release_models", "released_for", "run_vocabulary", "run_ablations", "run_emg_baselines", "run_latency", "run_myostream", "run_specs", "run_table31",
    "train_spec", "train_specs", "worst_utterances",
]
