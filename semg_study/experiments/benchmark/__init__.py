"""``make bench``: the proposed model against the two baselines, on one machine, on equal terms.

One invocation trains (or finds) and compares, in one process tree. The modules, by job:

* ``plan``: which runs, configs and overrides (:func:`~.plan.benchmark_plan`), and the
  refusal of unequal budgets (:func:`~.plan.check_equal_budget`);
* ``stages``: the stages that train, evaluate, time and stream (:func:`~.stages.run_benchmark`);
* ``findings``: the error rates with CIs and the paired comparisons the targets read;
* ``report``: the report assembled, written as JSON, read back; the ratios;
* ``markdown``: the Markdown beside the JSON and the figure caption;
* ``notebook``: what notebook 07 shows; ``cli``: ``benchmarks/run.py``.

Elsewhere: the targets table (:mod:`semg_study.evaluation.targets`), the measured
training (:mod:`semg_study.experiments.benchmark.measured`), the LM weights
(:mod:`semg_study.evaluation.lm_weights`), the latency measurement
(:mod:`semg_study.evaluation.latency`) and the streaming driver
(:mod:`semg_study.evaluation.streaming`). Why the targets: ``benchmarks/README.md``.
"""
