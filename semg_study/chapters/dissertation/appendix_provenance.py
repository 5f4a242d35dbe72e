"""Appendix: provenance (the commit of the document, the runs it cites with their commits and data).

The runs the document cites are found from what it printed: every value in the ledger whose source is a row
of a results table (``tables/<name>.json``, path ``rows, i, ...``) cites the runs whose manifests that row
names, and a value read from a run's manifest cites that run. The headline runs are listed one by one; every
cited run is counted by the part of the results its tables belong to (:data:`PARTS`)."""
from __future__ import annotations

from typing import Any, Iterator

from semg_study.report.thesis.values import Q, Source, Structure, derived, marked_spans

KIND = "appendix"
TEXT = """
# Provenance

[[if commit]]
This document was built from the results of the study run at commit {commit}. Each table of results names the
manifests of the runs its rows came from; the manifests are committed with the report under manifests/runs, one
file per run named after the run. A run trained at an older commit is reused because its fingerprint
(configuration, data and the code that shapes training) is unchanged; where the code changed only in ways that
do not change training, the manifest records the check that showed it.
[[end]]

[[if n_cited]]
The rows this document prints values from name {n_cited:noun(run)} in all. {ref.runs} lists the headline runs
one by one, each with the commit it was trained at, its seed, the epochs it trained and the fingerprint of its
training data; {ref.parts} counts every cited run by the part of the results it belongs to: the seed
comparison, the ablations, the size and streaming sweeps, the calibration to new participants and the
LJSpeech-layout baseline among them. A run named by two parts is counted in both, and once in the column of
runs first named in that row.
[[if n_uncited]]
The folder manifests/runs holds {n_folder:noun(manifest)}; the other {n_uncited} are of runs that no printed
row names.
[[end]]
[[end]]

[[runs]]

[[parts]]
"""

# the parts of the results, in the document's order: what the part is, and the results tables it is printed from
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("DeepSpeech2 on audio (the closed, full and LJSpeech-layout corpora)", ("03_table31",)),
    ("EMG baselines", ("04_emg_baselines",)),
    ("MyoStream against the baselines (one seed)", ("05_myostream", "05_comparisons", "05_worst_utterances")),
    ("Comparison over seeds and its budget rule", ("05_seeds", "05_seed_runs", "05_seed_comparisons",
                                                   "05_budget_rule")),
    ("Ablations at the short budget", ("06_ablations", "06_ablation_comparisons")),
    ("Ablations under the budget rule", ("06_ablations_budget", "06_ablations_budget_comparisons",
                                         "06_ablations_budget_runs")),
    ("Latency of the released models", ("07_latency", "07_released_models")),
    ("Size sweep", ("07_sizes", "07_size_findings")),
    ("Streaming sweep", ("07_streaming", "07_streaming_selection")),
    ("Calibration to new participants", ("08_calibration", "08_calibration_greedy", "08_calibration_participants")),
    ("Live decoding", ("08_live_decoding", "08_journey_live")),
)
RUNS_FOLDER = "manifests/runs/"


def _leaves(src: Source) -> Iterator[Source]:
    if src.file.startswith("derived:"):
        for s in src.inputs:
            yield from _leaves(s)
    else:
        yield src


def _sources(obj: Any) -> Iterator[Source]:
    if isinstance(obj, Q):
        yield from _leaves(obj.source)
        canonical = obj.canonical()
        if canonical is not obj:
            yield from _leaves(canonical.source)
    elif getattr(obj, "source", None) is not None and isinstance(obj.source, Source):
        yield from _leaves(obj.source)


def _texts(block: Any) -> Iterator[str]:
    for name in ("text", "caption", "note", "label"):
        value = getattr(block, name, None)
        if isinstance(value, str):
            yield value
    for item in getattr(block, "items", None) or []:
        yield item
    for row in getattr(block, "rows", None) or []:
        for cell in row:
            yield cell


def cited(ctx) -> tuple[dict[str, dict[str, Source]], dict[str, set[str]], dict[str, Source]]:
    """What the document printed so far cites: table -> {manifest: the source naming it}, table -> the chapters
    (numbers) that print from it, and manifest -> a source of a value read from it directly."""
    tables: dict[str, dict[str, Source]] = {}
    chapters: dict[str, set[str]] = {}
    direct: dict[str, Source] = {}
    headings = iter(ctx.chapters)
    number = ""
    for block in ctx.doc.blocks:
        if type(block).__name__ == "Heading" and block.level == 2:
            kind, num, _ = next(headings, ("", "", ""))
            number = num if kind in ("chapter", "appendix") else ""
            continue
        for text in _texts(block):
            for _, _, ident in marked_spans(text):
                for src in _sources(ctx.ledger.entries[ident].obj):
                    if src.file.startswith(RUNS_FOLDER):
                        direct.setdefault(src.file, Source(src.file, ("config",)))
                    if not (src.file.startswith("tables/") and len(src.path) >= 2 and src.path[0] == "rows"):
                        continue
                    name = src.file[len("tables/"):-len(".json")]
                    data = ctx.r.tables.get(name)
                    if not data:
                        continue
                    i = src.path[1]
                    rows = data.get("rows", [])
                    if not isinstance(i, int) or i >= len(rows):
                        continue
                    for j, m in enumerate(rows[i].get("manifests") or []):
                        if isinstance(m, str) and m.startswith(RUNS_FOLDER):
                            tables.setdefault(name, {}).setdefault(m, Source(src.file, ("rows", i, "manifests", j)))
                    if name in tables and number:
                        chapters.setdefault(name, set()).add(number)
    return tables, chapters, direct


def _count(sources: list[Source]) -> Q:
    return Q(len(sources), "int", derived("count", *sources) if sources else Source("structure", (0,)))


def _parts(ctx) -> list[dict]:
    """One entry per part of the results that names runs: its tables, chapters and runs (manifest -> source)."""
    tables, chapters, direct = cited(ctx)
    known = {t for _, names in PARTS for t in names}
    parts = [(what, [t for t in names if t in tables]) for what, names in PARTS]
    parts += [(f"Other results ({t})", [t]) for t in sorted(tables) if t not in known]
    out = []
    for what, names in parts:
        if not names:
            continue
        runs: dict[str, Source] = {}
        for t in names:
            for m, src in tables[t].items():
                runs.setdefault(m, src)
        out.append({"what": what, "tables": names, "runs": runs,
                    "chapters": sorted({c for t in names for c in chapters.get(t, ())}, key=_chapter_order)})
    named = {m for p in out for m in p["runs"]}
    rest = {m: s for m, s in direct.items() if m not in named}
    if rest:
        out.append({"what": "Runs whose manifests the text reads directly", "tables": [], "runs": rest, "chapters": []})
    return out


def _chapter_order(number: str) -> tuple:
    return (0, int(number), "") if number.isdigit() else (1, 0, number)


def values(ctx) -> dict:
    run = ctx.r.study_run if isinstance(ctx.r.study_run, dict) else {}
    git = run.get("git") or {}
    ns: dict = {}
    if git.get("commit"):
        ns["commit"] = Q(str(git["commit"])[:12], "text", derived("short", Source("study_run.json", ("git", "commit"))))
    # what the chapters before this one cite (found now, before this appendix adds text of its own)
    found = _parts(ctx)
    ns["found_parts"] = found
    runs: dict[str, Source] = {}
    for part in found:
        for m, src in part["runs"].items():
            runs.setdefault(m, src)
    if runs:
        n_cited = _count(list(runs.values()))
        folder = [Source(x.manifest, ("config",)) for x in ctx.r.runs.values()]
        n_folder = _count(folder)
        ns.update({"n_cited": n_cited, "n_folder": n_folder})
        if len(folder) > len(runs):
            ns["n_uncited"] = Q(len(folder) - len(runs), "int", derived("difference", n_folder.source, n_cited.source))
    return ns


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def runs():
        from semg_study.chapters.dissertation.appendix_hyperparameters import _runs

        rows = []
        for x in _runs(r):
            m = x.raw
            git = m.get("git") or {}
            rows.append([Q(x.name, "text", Source("structure", (x.name,))),
                         x.vocabulary, x.seed, x.epochs,
                         Q(str(git.get("commit", ""))[:12], "text", derived("short", Source(x.manifest, ("git", "commit"))))
                         if git.get("commit") else "",
                         Q(str(m.get("data_fingerprint", ""))[:12], "text", derived("short", Source(x.manifest, ("data_fingerprint",))))
                         if m.get("data_fingerprint") else ""])
        if not rows:
            return []
        caption = ("The headline runs (those of the results chapters' main tables), with the commit each was trained "
                   "at, its seed, the epochs it trained and the fingerprint of its training data, from the manifests "
                   "under manifests/runs.")
        return [ctx.table("runs", caption, ns, ["run", "vocabulary", "seed", "epochs", "commit", "data"], rows,
                          widths=[3.2, 1.1, 0.6, 0.8, 1.6, 1.6])]

    def parts():
        found = ns.get("found_parts") or []
        if not found:
            return []
        raws = {x.manifest: x.raw for x in r.runs.values()}

        def distinct(runs: dict[str, Source]) -> tuple[Q, Q]:
            """The distinct commits and data fingerprints of ``runs``, each counted over one manifest naming it."""
            by_commit: dict[str, Source] = {}
            by_data: dict[str, Source] = {}
            for m in runs:
                raw = raws.get(m, {})
                commit = (raw.get("git") or {}).get("commit")
                if commit:
                    by_commit.setdefault(commit, Source(m, ("git", "commit")))
                if raw.get("data_fingerprint"):
                    by_data.setdefault(raw["data_fingerprint"], Source(m, ("data_fingerprint",)))
            return _count(list(by_commit.values())), _count(list(by_data.values()))

        seen: dict[str, Source] = {}
        rows = []
        for p in found:
            new = [s for m, s in p["runs"].items() if m not in seen]
            for m, s in p["runs"].items():
                seen.setdefault(m, s)
            chapters = ", ".join(ctx.ledger.mark(Structure(c), "", c) for c in p["chapters"])
            rows.append([p["what"], ", ".join(p["tables"]), chapters, _count(list(p["runs"].values())),
                         _count(new), *distinct(p["runs"])])
        if len(found) > 1:
            everything = _count(list(seen.values()))
            rows.append(["All the runs cited", "", "", everything, everything, *distinct(seen)])
        caption = ("Every run the document cites, by the part of the results that names it: the part's results "
                   "tables (files under tables/), the chapters that print from them, the runs their printed rows name, those "
                   "not named by an earlier row, and the distinct commits and training-data fingerprints of the "
                   "part's runs. Each run's manifest is manifests/runs/ followed by the run's name.")
        return [ctx.table("parts", caption, ns, ["part of the results", "tables", "chapters", "runs", "first named here",
                                                  "commits", "data fingerprints"], rows,
                          widths=[2.6, 2.6, 1.0, 0.6, 0.8, 0.8, 0.9])]
    return {"runs": runs, "parts": parts}
