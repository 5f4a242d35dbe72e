"""Chapter 02, the features (notebook ``02_feature_visualization``): views of the feature pipeline and of the
trained MyoStream run's first layer (``views.py``), its findings and its text in the dissertation."""
from semg_study.chapters.features import views
from semg_study.chapters.features.findings import FINDINGS
from semg_study.chapters.myostream.runner import myostream_run  # the run chapter 05 trains, looked into here
from semg_study.experiments.run_evaluation import run_vocabulary
from semg_study.report import narrative


def show_findings(study):
    """The notebook's last cell: what its tables show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "myostream_run", "run_vocabulary", "show_findings", "views"]
