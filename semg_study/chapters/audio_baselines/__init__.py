"""Chapter 03, DeepSpeech2 on audio (notebook ``03_deepspeech2_audio_baselines``): Table 3.1 regenerated with
the six defects fixed. ``plan.py`` (runs, the quoted original WERs), ``runner.py``, ``figures.py``,
``findings.py``, ``text.py``."""
from semg_study.chapters.audio_baselines.figures import plot_table31
from semg_study.chapters.audio_baselines.findings import FINDINGS
from semg_study.chapters.audio_baselines.runner import run_table31
from semg_study.chapters.plan import plan as study_plan
from semg_study.report import narrative
from semg_study.report.figures import plot_training_curves


def show_findings(study):
    """The notebook's last cell: what its tables show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "study_plan", "plot_table31", "plot_training_curves", "run_table31", "show_findings"]
