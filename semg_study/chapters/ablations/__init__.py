"""Chapter 06, the ablations (notebook ``06_ablations``): each MyoStream component switched off in turn.

To add a component: a boolean switch in :class:`semg_study.models.myostream.MyoStream` and an entry in
``plan.py``'s ``COMPONENTS`` (its name and the words the text uses); the plan, runner, table, figures,
findings and text follow from that list. ``runner.py``, ``figures.py``, ``findings.py``, ``text.py``.
"""
from semg_study.chapters import headline
from semg_study.chapters.ablations.figures import plot_ablations
from semg_study.chapters.ablations.findings import FINDINGS
from semg_study.chapters.ablations.plan import COMPONENTS
from semg_study.chapters.ablations.runner import run_ablations
from semg_study.chapters.plan import plan as study_plan
from semg_study.report import narrative
from semg_study.report.narrative import tables_by_name
from semg_study.report.statplots import plot_differences


def show_findings(study):
    """The notebook's last cell: what its tables and the comparison under the budget rule show."""
    return narrative.show_findings(study, FINDINGS)


__all__ = ["COMPONENTS", "FINDINGS", "headline", "study_plan", "plot_ablations", "plot_differences", "run_ablations",
           "show_findings", "tables_by_name"]
