"""Chapter 01, the dataset (notebook ``01_dataset_exploration``): views of the corpus (``views.py``), the
interactive signal explorer (``explorer.py``), its findings and its text in the dissertation (``text.py``)."""
from semg_study.chapters.dataset import views
from semg_study.chapters.dataset.explorer import SignalExplorer
from semg_study.chapters.dataset.findings import FINDINGS
from semg_study.report import narrative


def show_findings(study):
    """The notebook's last cell: what its tables show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["FINDINGS", "SignalExplorer", "show_findings", "views"]
