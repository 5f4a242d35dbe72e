"""Appendix: provenance (the commit of the document, the runs it cites with their commits and data)."""
from __future__ import annotations

from semg_study.report.thesis.values import Q, Source, derived

KIND = "appendix"
TEXT = """
# Provenance

[[if commit]]
This document was built from the results of the study run at commit {commit}. Each table of results names the
manifests of the runs its rows came from; the manifests are committed with the report under manifests/runs,
and the table below lists those of the runs this document reports, each with the commit it was trained at, its
seed and the fingerprint of the data it was trained on. A run trained at an older commit is reused because its
fingerprint (configuration, data and the code that shapes training) is unchanged; where the code changed only in
ways that do not change training, the manifest records the check that showed it.
[[end]]

[[runs]]
"""


def values(ctx) -> dict:
    run = ctx.r.study_run if isinstance(ctx.r.study_run, dict) else {}
    git = run.get("git") or {}
    if not git.get("commit"):
        return {}
    return {"commit": Q(str(git["commit"])[:12], "text", derived("short", Source("study_run.json", ("git", "commit"))))}


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def runs():
        from semg_study.report.thesis.chapters.appendix_hyperparameters import _runs

        cited = list(_runs(r))
        for a in r.ablations:
            for name in a.runs:
                if name in r.runs and r.runs[name] not in cited:
                    cited.append(r.runs[name])
        rows = []
        for x in cited:
            m = x.raw
            git = m.get("git") or {}
            rows.append([Q(x.name, "text", Source("structure", (x.name,))),
                         x.vocabulary, x.seed, x.epochs,
                         Q(str(git.get("commit", ""))[:12], "text", derived("short", Source(x.manifest, ("git", "commit"))))
                         if git.get("commit") else "",
                         Q(str(m.get("data_fingerprint", ""))[:12], "text", derived("short", Source(x.manifest, ("data_fingerprint",))))
                         if m.get("data_fingerprint") else ""])
        caption = ("The runs this document reports (the headline runs, then the ablations), with the commit each was "
                   "trained at, its seed, the epochs it trained and the fingerprint of its training data, from the "
                   "manifests under manifests/runs.")
        return [ctx.table("runs", caption, ns, ["run", "vocabulary", "seed", "epochs", "commit", "data"], rows,
                          widths=[3.2, 1.1, 0.6, 0.8, 1.6, 1.6])]
    return {"runs": runs}
