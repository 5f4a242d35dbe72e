"""Appendix: the environment and the study run (machine, wall time and memory per notebook, packages)."""
from __future__ import annotations

from semg_study.report.thesis.values import Q, Source, derived

KIND = "appendix"
TEXT = """
# Environment and Study Run

[[if run]]
The study run that produced these results used profile {profile} on the {corpus} corpus, device {device}, on a
machine with {cpus:noun(CPU core)}, {memory} of memory and Python {python}. It started at {started}
[[if finished]]
and finished at {finished}
[[end]]
[[if peak]]
, with a largest resident memory of {peak}
[[end]]
. A notebook that was not rerun keeps the timing of its earlier run.
[[if step0]]

The run took {wall} in all. The runner's set-up step, before the first notebook, took {step0} s to prepare the
corpora the notebooks read (on the synthetic corpus it generates the EMG corpus and the LJSpeech-layout corpus of
the profile, or finds them already made); the notebooks that ran took {notebooks_s} s; the remaining {rest} s is
the runner's own work around them (reading the commit and the machine, resolving the split file, writing the run's
record before each notebook).
[[if earlier]]
The {earlier:noun(notebook)} marked "earlier run" in {ref.notebooks} did not run this time and are not part of
that total.
[[end]]
[[else]]
[[if wall]]
The run took {wall} in all.
[[end]]
[[end]]
[[else]]
No study run is recorded in this folder.
[[end]]

[[notebooks]]

[[packages]]
"""


def values(ctx) -> dict:
    run = ctx.r.study_run if isinstance(ctx.r.study_run, dict) else None
    if not run:
        return {}
    s = lambda *p: Source("study_run.json", p)  # noqa: E731
    m = run.get("machine") or {}
    t = run.get("total") or {}
    ns = {"run": True, "profile": Q(run.get("profile"), "text", s("profile")),
            "corpus": Q(run.get("corpus"), "text", s("corpus")), "device": Q(run.get("device"), "text", s("device")),
            "cpus": Q(m.get("cpu_count"), "int", s("machine", "cpu_count")),
            "memory": Q(m.get("memory_gb"), "gb", s("machine", "memory_gb")),
            "python": Q(m.get("python"), "text", s("machine", "python")),
            "started": Q(run.get("started"), "text", s("started")), "finished": Q(run.get("finished"), "text", s("finished")),
            "wall": Q(t.get("wall_s"), "s", s("total", "wall_s")), "peak": Q(t.get("peak_rss_mb"), "mb", s("total", "peak_rss_mb"))}
    # the total against its parts: step 0 (the corpora), the notebooks this run ran (not those that keep an
    # earlier run's timing), and the runner's own time between them
    step0 = (run.get("step0") or {}).get("wall_s")
    ran = [(i, nb) for i, nb in enumerate(run.get("notebooks", []))
           if nb.get("wall_s") is not None and not nb.get("previous_run")]
    if t.get("wall_s") is not None and step0 is not None and ran:
        total = s("total", "wall_s")
        nbs = derived("sum", *[s("notebooks", i, "wall_s") for i, _ in ran])
        parts = derived("sum", s("step0", "wall_s"), *[s("notebooks", i, "wall_s") for i, _ in ran])
        rest = t["wall_s"] - step0 - sum(nb["wall_s"] for _, nb in ran)
        earlier = [i for i, nb in enumerate(run.get("notebooks", [])) if nb.get("previous_run")]
        if earlier:
            ns["earlier"] = Q(len(earlier), "int", derived("count", *[s("notebooks", i, "previous_run") for i in earlier]))
        if rest >= 0:
            ns.update({"step0": Q(step0, "dec1", s("step0", "wall_s")), "wall_s": Q(t["wall_s"], "dec1", total),
                       "notebooks_s": Q(sum(nb["wall_s"] for _, nb in ran), "dec1", nbs),
                       "rest": Q(rest, "dec1", derived("difference", total, parts))})
    # a study still running (notebook 09 inside it) has no end and no totals yet: those values are left out
    return {k: v for k, v in ns.items() if not (isinstance(v, Q) and v.value is None)}


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def notebooks():
        run = r.study_run if isinstance(r.study_run, dict) else None
        if not run:
            return []
        rows = []
        for i, nb in enumerate(run.get("notebooks", [])):
            s = lambda *p: Source("study_run.json", ("notebooks", i) + p)  # noqa: E731
            status = ctx.ledger.value(Q(nb.get("status", ""), "text", s("status")))
            rows.append([Q(nb.get("name", ""), "text", s("name")),
                         status + (" (earlier run)" if nb.get("previous_run") else ""),
                         Q(nb["wall_s"], "s", s("wall_s")) if nb.get("wall_s") is not None else "",
                         Q(nb["peak_rss_mb"], "mb", s("peak_rss_mb")) if nb.get("peak_rss_mb") is not None else ""])
        return [ctx.table("notebooks", "Wall time and largest resident memory of each notebook of the study run.", ns,
                          ["notebook", "status", "wall time", "memory"], rows)]

    def packages():
        import json

        folder = r.root / "manifests"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            pk = data.get("packages") if isinstance(data, dict) else None
            if isinstance(pk, dict) and pk:
                rel = path.relative_to(r.root).as_posix()
                rows = [[k, Q(str(v), "text", Source(rel, ("packages", k)))] for k, v in pk.items()]
                return [ctx.table("packages", "Package versions recorded in the study's manifests.", ns,
                                  ["package", "version"], rows)]
        return []
    return {"notebooks": notebooks, "packages": packages}
