"""Chapter 05, MyoStream (notebook ``05_transformer_training``): the proposed model on both vocabularies,
against each EMG baseline, over seeds (the comparison: :mod:`semg_study.chapters.headline`). ``plan.py``,
``runner.py``, ``figures.py`` (attention; ``attention.py`` reads the weights), ``findings.py``, ``text.py``."""
from semg_study.chapters import headline
from semg_study.chapters.myostream.figures import attention_view, plot_attention
from semg_study.chapters.myostream.findings import FINDINGS
from semg_study.chapters.myostream.runner import myostream_run, run_model_comparisons, run_myostream
from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments import (comparison_rows, evaluate_decoder, manifest_of, plan_run, run_vocabulary,
                                    train_spec, worst_utterances)
from semg_study.report import narrative
from semg_study.report.figures import plot_training_curves
from semg_study.report.statplots import plot_utterance_errors


def show_findings(study):
    """The notebook's last cell: what its tables and the comparison over seeds show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "attention_view", "comparison_rows", "evaluate_decoder", "headline", "manifest_of",
           "myostream_run", "study_plan", "plan_run", "plot_attention", "plot_training_curves", "plot_utterance_errors",
           "run_model_comparisons", "run_myostream", "run_vocabulary", "show_findings", "train_spec",
           "worst_utterances"]
