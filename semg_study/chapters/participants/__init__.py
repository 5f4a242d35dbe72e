"""Chapter 08, capture and new participants (notebook ``08_live_openbci_capture``): recording with brainflow
(the capture stage, :mod:`semg_study.capture`), the calibration of the released MyoStream to new
participants (``calibration.py``), consent-aware release, its findings and its text (``text.py``; the release
chapter: ``release_text.py``)."""
from semg_study.chapters.participants import calibration
from semg_study.chapters.participants.findings import FINDINGS
from semg_study.chapters.plan import plan as study_plan
from semg_study.experiments import evaluation_corpus, plan_run
from semg_study.experiments.run_evaluation import evaluate_decoder
from semg_study.report import narrative


def show_findings(study):
    """The notebook's last cell: what its tables show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "calibration", "evaluate_decoder", "evaluation_corpus", "study_plan", "plan_run", "show_findings"]
