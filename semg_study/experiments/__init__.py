"""What every chapter of the study shares to run its experiments (the chapters are :mod:`semg_study.chapters`).

* ``specs.py``: what a plan spec is (:func:`~semg_study.experiments.specs.spec`) and the epoch ceilings a
  profile sets; each chapter's ``plan.py`` builds its specs with it.
* ``plan_runs.py``: a plan spec's overrides and its run, trained or found (:func:`train_spec`,
  :func:`train_specs`, :func:`plan_run`; :func:`released_for`: the released runs a study may reuse, none
  under ``--retrain``). Training only goes through ``semg_study.training.train_cached``.
* ``run_evaluation.py``: a run's evaluation, decoded once and rescored (:func:`evaluate_cached`,
  :func:`evaluate_decoder`); ``comparisons.py``: paired bootstrap rows of two models with one or more seeds
  each (:func:`comparison_rows`: seeds and utterances resampled).
* ``experiment.py``: what a chapter's runner returns (:class:`Experiment`).
* ``benchmark/``: ``make bench`` (``benchmarks/run.py``), the proposed model against the two baselines with
  one data set, seed and epoch budget, written to ``reports/benchmarks/<date>-<profile>.json``; notebook 07
  reads the newest one.
"""
from semg_study.experiments.comparisons import comparison_rows
from semg_study.experiments.experiment import Experiment
from semg_study.experiments.plan_runs import (evaluation_corpus, overrides_for, plan_run, released_for, train_spec,
                                              train_specs)
from semg_study.experiments.run_evaluation import (evaluate_cached, evaluate_decoder, manifest_of, run_vocabulary,
                                                   worst_utterances)

__all__ = [
    "Experiment", "comparison_rows", "evaluate_cached", "evaluate_decoder", "evaluation_corpus", "manifest_of",
    "overrides_for", "plan_run", "released_for", "run_vocabulary", "train_spec", "train_specs", "worst_utterances",
]
