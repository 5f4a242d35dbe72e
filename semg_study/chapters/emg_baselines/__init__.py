"""Chapter 04, the EMG baselines (notebook ``04_emg_baselines``): DeepSpeech2 on EMG features and the
reproduction of Gaddy and Klein (2022). ``plan.py``, ``runner.py``, ``figures.py``, ``findings.py``,
``text.py``."""
from semg_study.chapters.emg_baselines.figures import plot_emg_baselines
from semg_study.chapters.emg_baselines.findings import FINDINGS
from semg_study.chapters.emg_baselines.runner import run_emg_baselines
from semg_study.chapters.plan import plan as study_plan
from semg_study.report import narrative


def show_findings(study):
    """The notebook's last cell: what its tables show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "study_plan", "plot_emg_baselines", "run_emg_baselines", "show_findings"]
