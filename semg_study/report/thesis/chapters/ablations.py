"""Chapter: the ablations (each MyoStream component switched off in turn), grouped by what the verdict says:
components whose removal raises the WER, lowers it, or changes nothing measurable."""
from __future__ import annotations

from semg_study.report.thesis.chapters.common import COMPONENTS, ci_level, join
from semg_study.report.thesis.values import Q, Source, derived

KIND = "chapter"
TEXT = """
# Results IV: Ablations

## Question

Which of MyoStream's components contribute to its accuracy? A component earns its place only if switching
it off changes the error rate by more than the variation between training runs and test utterances.

## Method

[[if full]]
Each of {n_components:noun(component)} is switched off in turn, everything else equal: the same
configuration, data and budget, on the {vocabulary}. Every variant, and the full model, is trained with
{n_seeds:noun(seed)} ({seeds}) under a shorter epoch ceiling of {ceiling:noun(epoch)}, so that the
{n_runs:noun(run)} fit the compute budget, and scored on the test split, silent EMG, with greedy decoding
(so that the language model does not mask what the acoustic model lost). Each variant is compared with the
full model by a paired bootstrap that resamples the seeds of each variant and the shared test utterances.
[[else]]
Each component is switched off in turn, everything else equal, and each variant is compared with the full
model. The ablation runs are not in this results folder yet.
[[end]]

## Result

[[table]]

[[figure]]

[[if full]]
The full model's test WER with greedy decoding is {full.wer} {full.wer:ci}
[[if full_sd]]
(mean over seeds; standard deviation {full_sd} between them)
[[end]]
.
[[end]]
[[if worse]]
Switching off {worse} raises the WER significantly (the interval of the difference lies above zero):
{worse_n:words|1=this component contributes|*=each of these components contributes} to the accuracy at this
budget.
[[end]]
[[if better]]
Switching off {better} lowers the WER significantly: at this budget and with greedy decoding the model is
more accurate without {better_n:words|1=it|*=them}.
[[end]]
[[if none]]
Switching off {none} changes the WER by an amount whose interval includes zero: no effect can be claimed
either way.
[[end]]

## What it means

[[if streaming_better]]
The streaming attention mask is the component whose removal helps: attending to the whole utterance is
more accurate than attending within chunks, which is the price of answering while the user speaks. Chapter
{ref.chapter_latency} puts a number on that trade-off with the language model.
[[end]]
[[if worse]]
The components whose removal costs accuracy are {worse_names}. Each was designed around a property of
facial EMG (Chapter {ref.chapter_models}), and at this budget the measurements support keeping them.
[[end]]

## Limits

The ablations use a shorter budget than the headline runs and greedy decoding, so their absolute error
rates are not those of Chapter {ref.chapter_myostream}.
[[if full]]
With {n_seeds:noun(seed)} per variant the intervals are wide, and the verdicts say only which differences are
larger than that uncertainty.
[[end]]
[[if synthetic]]
On synthetic EMG, a component can help because the generator has the property it was designed for (the
session perturbation of the electrode mixing, for example); that it helps on real EMG is a hypothesis.
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    if not r.ablations:
        return {}
    full = next((a for a in r.ablations if a.variant == "full model"), None)
    variants = [a for a in r.ablations if a is not full]
    groups: dict[str, list] = {"worse": [], "better": [], "no significant difference": []}
    for a in variants:
        if a.verdict is not None:
            groups.setdefault(a.verdict.state, []).append(a)

    def listing(items):
        # each component's name, with its verdict-bearing difference and interval
        return join([f"{COMPONENTS.get(a.switched_off, a.switched_off)} ({ctx.cell(a.difference.value)} "
                     f"[{ctx.cell(a.difference.low, 'bare')},\u00a0{ctx.cell(a.difference.high, 'bare')}])"
                     for a in items])

    ns: dict = {"n_components": r.q(len(variants), "int", derived("count", *[
        Source("tables/06_ablations.json", ("rows", i, "values", "variant")) for i, a in enumerate(r.ablations)
        if a is not full])),
                "vocabulary": (variants[0].wer.meta.get("vocabulary", "") + " vocabulary") if variants else "",
                "full": {"wer": full.wer} if full else None, "full_sd": full.wer_sd if full else None}
    n_seeds = len(full.seeds) if full else 0
    ns["n_seeds"] = r.q(n_seeds, "int", derived("count_list", Source("tables/06_ablations.json", ("rows", 0, "values",
                                                                                                  "seeds"))))
    ns["seeds"] = Q(", ".join(str(s) for s in full.seeds), "text", Source("tables/06_ablations.json",
                                                                         ("rows", 0, "values", "seeds")))
    run = r.runs.get(full.runs[0]) if full else None
    if run and run.max_epochs:
        ns["ceiling"] = run.max_epochs
    ns["n_runs"] = r.q(sum(len(a.runs) for a in r.ablations), "int", derived("run_count", *[
        Source("tables/06_ablations.json", ("rows", i, "values", "runs")) for i in range(len(r.ablations))]))
    for state, key in (("worse", "worse"), ("better", "better"), ("no significant difference", "none")):
        items = groups.get(state, [])
        if items:
            ns[key] = listing(items)
            ns[f"{key}_names"] = join([COMPONENTS.get(a.switched_off, a.switched_off) for a in items])
            ns[f"{key}_n"] = r.q(len(items), "int", Source("structure", (len(items),)))
    ns["streaming_better"] = any(a.switched_off == "streaming_mask" for a in groups.get("better", []))
    return ns


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["run_count"] = lambda *cells: sum(len([x for x in str(c).split(",") if x.strip()]) for c in cells)


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def table():
        if not r.ablations:
            return []
        rows = []
        for a in r.ablations:
            rows.append([a.variant if a.variant == "full model" else f"without {a.switched_off.replace('_', ' ')}",
                         a.wer, a.wer_sd, a.cer, a.difference if a.difference else "", a.verdict or "",
                         a.parameters])
        caption = ("MyoStream ablations on the " + ns.get("vocabulary", "") + ": test split, silent EMG, greedy "
                   "decoding; mean over {n_seeds:noun(seed)} per variant with the {ci_level} interval of a bootstrap "
                   "over seeds and utterances, the standard deviation between seeds (SD), the paired difference "
                   "from the full model in points with its interval, and the verdict for the variant.")
        return [ctx.table("table", caption, {**ns, "ci_level": ci_level(r)},
                          ["variant", "WER % [CI]", "SD", "CER % [CI]", "ΔWER [CI]", "verdict", "parameters"], rows,
                          widths=[2.2, 1.7, 0.7, 1.7, 1.9, 1.6, 1.1])]

    def figure():
        from semg_study.report.thesis.figures import forest

        rows = [(a.switched_off.replace("_", " "), a.difference.value.canonical().value,
                 a.difference.low.canonical().value, a.difference.high.canonical().value)
                for a in r.ablations if a.difference is not None]
        if not rows:
            return []
        png, pdf = forest(rows, ctx.out, "thesis_ablation_differences",
                          "test WER of the variant minus the full model's (points)")
        caption = ("Each component switched off: difference of the test WER from the full model's in points on the "
                   + ns.get("vocabulary", "") + ", silent EMG, greedy decoding, with the {ci_level} interval of the "
                   "paired bootstrap over seeds and utterances (red: the interval lies above zero, green: below zero, "
                   "grey: it includes zero).")
        data = [a.difference.value for a in r.ablations if a.difference is not None]
        return [ctx.figure("figure", caption, {**ns, "ci_level": ci_level(r)}, png, pdf, data=data, width=0.8)]
    return {"table": table, "figure": figure}
