"""Chapter 07, latency (notebook ``07_inference_latency``): inference cost of every model, the released
models, ``make bench``'s comparison, the streaming trade-off and the size sweep (the comparison over seeds:
:mod:`semg_study.chapters.headline`). ``plan.py``, ``runner.py``, ``figures.py``, ``findings.py``, ``text.py``."""
from semg_study.chapters import headline
from semg_study.chapters.latency.figures import plot_wer_vs_latency
from semg_study.chapters.latency.findings import FINDINGS
from semg_study.chapters.latency.runner import latency_specs, release_models, run_latency
from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments import released_for
from semg_study.experiments.benchmark.markdown import figure_caption, targets_markdown
from semg_study.experiments.benchmark.notebook import notebook_benchmark
from semg_study.report import narrative
from semg_study.report.figures import plot_benchmark_wer_vs_latency


def show_findings(study):
    """The notebook's last cell: what its tables, the streaming trade-off and the size sweep show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "figure_caption", "headline", "latency_specs", "notebook_benchmark", "study_plan",
           "plot_benchmark_wer_vs_latency", "plot_wer_vs_latency", "release_models", "released_for", "run_latency",
           "show_findings", "targets_markdown"]
