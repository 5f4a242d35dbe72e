"""Chapter: the ablations (each MyoStream component switched off in turn), grouped by what the verdict says:
components whose removal raises the WER, lowers it, or changes nothing measurable."""
from __future__ import annotations

from semg_study.chapters.ablations.plan import COMPONENTS
from semg_study.report.thesis.common import ci_level, join, phrase
from semg_study.report.thesis.values import Q, Source, derived

CHAPTER_NAME = "ablations"  # the chapter's name in labels ({ref.chapter_ablations})
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
[[if plain_front]]
Switching the electrode-aware front end off leaves more weights, not fewer: its per-electrode (grouped)
convolutions give way to ordinary convolutions that mix all electrodes from the first layer, so that variant
has {plain_front.params:noun(parameter)} against the full model's {full_params:noun(parameter)}. Its loss of
accuracy is not a loss of capacity.
[[end]]

## Under the comparison's budget rule

[[if budget_ablations]]
The ablations above stop at a shorter ceiling than any model needs to converge, and are scored without the
language model. The same {budget_n:noun(variant)} were therefore trained again under the budget rule of the
seed comparison (Chapter {ref.chapter_myostream}), {budget_seeds:noun(seed)} each, and scored on the same
test split and silent EMG with beam search and the language model, each against the full model on the same
utterances.

[[budget_table]]

Under this budget the full model reaches {budget_full.wer} {budget_full.wer:ci}.
[[if b_worse]]
Switching off {b_worse} raises the WER significantly.
[[end]]
[[if b_better]]
Switching off {b_better} lowers the WER significantly.
[[end]]
[[if b_none]]
For {b_none} the interval of the difference includes zero: no effect can be claimed at this budget.
[[end]]
[[if b_spread]]
Not every verdict is as firm as its interval looks. For {b_spread} the seeds disagree with one another far
more than the full model's do (standard deviation between its seeds {b_full_sd}), so the size of those effects
rests on few, disagreeing runs and a different set of seeds could move it.
[[end]]
[[if b_changed]]
The verdicts that differ from those of the shorter budget with greedy decoding concern {b_changed}: a
component's effect depends on how long the model trains and on whether a language model corrects its output.
[[else]]
Every verdict agrees with the shorter budget's.
[[end]]
[[else]]
The ablations under the seed comparison's budget rule (each variant trained to convergence, scored with the
language model) are not yet complete in this version of the document.
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

[[if budget_ablations]]
The first ablation table uses a shorter budget and greedy decoding, so its absolute error rates are not those
of Chapter {ref.chapter_myostream}; the second uses the comparison's budget and the language model.
[[else]]
The ablations use a shorter budget than the headline runs and greedy decoding, so their absolute error
rates are not those of Chapter {ref.chapter_myostream}.
[[end]]
[[if full]]
With {n_seeds:noun(seed)} per variant the intervals are wide, and the verdicts say only which differences are
larger than that uncertainty.
[[end]]
[[if synthetic]]
On synthetic EMG, a component can help because the generator has the property it was designed for (the
session perturbation of the electrode mixing, for example); that it helps on real EMG is a hypothesis.
Two components are favoured by how the corpus was made. The auxiliary phoneme loss learns from alignments
that are the very phoneme timings the generator drew the EMG from (Chapter {ref.chapter_data}), an exactness
no forced aligner reaches on real recordings, and silent utterances borrow the timings of their voiced twin
although the generator slows and jitters silent speech. The per-session adaptation is scored on test
utterances of the sessions it was trained on, so it measures adaptation to known sessions, not to a new
recording setup (Chapter {ref.chapter_participants} treats that case).
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    if not r.ablations:
        return {}
    full = next((a for a in r.ablations if a.variant == "full model"), None)
    variants = [a for a in r.ablations if a is not full]
    plain = next((a for a in variants if a.switched_off == "electrode_frontend"), None)
    extra: dict = {}
    if (full is not None and plain is not None and full.parameters is not None and plain.parameters is not None
            and plain.parameters.value > full.parameters.value):
        extra = {"plain_front": {"params": plain.parameters}, "full_params": full.parameters}
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
    ns.update(extra)
    ns["n_runs"] = r.q(sum(len(a.runs) for a in r.ablations), "int", derived("run_count", *[
        Source("tables/06_ablations.json", ("rows", i, "values", "runs")) for i in range(len(r.ablations))]))
    for state, key in (("worse", "worse"), ("better", "better"), ("no significant difference", "none")):
        items = groups.get(state, [])
        if items:
            ns[key] = listing(items)
            ns[f"{key}_names"] = join([COMPONENTS.get(a.switched_off, a.switched_off) for a in items])
            ns[f"{key}_n"] = r.q(len(items), "int", Source("structure", (len(items),)))
    ns["streaming_better"] = any(a.switched_off == "streaming_mask" for a in groups.get("better", []))
    _budget_values(ctx, ns, {a.switched_off: a for a in variants})
    return ns


def _component(setting: str) -> str:
    """``without conv_module`` -> ``conv_module``."""
    return setting[len("without "):] if setting.startswith("without ") else setting


def _variant_component(label: str) -> str:
    """A seed verdict's variant, ``myostream (without conv_module)`` -> ``conv_module``."""
    return _component(label.partition("(")[2].rstrip(")") or label)


def component_label(component: str) -> str:
    """A component's name in tables and figures: the text's words without the article ("electrode-aware front
    end"), so a table, its figure and the prose name it alike."""
    words = COMPONENTS.get(component, component.replace("_", " "))
    return words[len("the "):] if words.startswith("the ") else words


def _variant_table(ctx, name: str, caption: str, ns: dict, rows: list) -> list:
    """One table of ablation variants (both ablation tables have these columns)."""
    return [ctx.table(name, caption, {**ns, "ci_level": ci_level(ctx.r)},
                      ["variant", "WER % [CI]", "sd", "CER % [CI]", "ΔWER [CI]", "verdict", "parameters"], rows,
                      widths=[2.2, 1.7, 0.7, 1.7, 1.9, 1.6, 1.1])]


def _budget_values(ctx, ns: dict, short: dict) -> None:
    """The ablations under the comparison's budget rule (06_ablations_budget and its comparisons), once every
    variant has the same number of seeds as the full model."""
    r = ctx.r
    means = [m for m in r.seed_means if m.part == "ablations" and m.decoder == "beam"]
    full = next((m for m in means if m.setting == "full model"), None)
    verdicts = [v for v in r.seed_verdicts if v.part == "ablations" and v.metric == "wer"]
    if full is None or len(means) < len(short) + 1 or len({m.seeds.value for m in means}) != 1 \
            or len(verdicts) != len(means) - 1:
        return
    ns["budget_ablations"] = True
    ns["budget_n"] = r.q(len(means), "int", derived("count", *[m.seeds.source for m in means]))
    ns["budget_seeds"] = full.seeds
    ns["budget_full"] = {"wer": full.wer}
    groups: dict[str, list] = {}
    changed = []
    for v in verdicts:
        component = _variant_component(v.a)
        groups.setdefault(v.verdict.state, []).append((component, v))
        before = short.get(component)
        if before is not None and before.verdict is not None and before.verdict.state != v.verdict.state:
            changed.append(component)

    def listing(items):
        return join([f"{COMPONENTS.get(c, c)} ({ctx.cell(v.difference.value)} "
                     f"[{ctx.cell(v.difference.low, 'bare')},\u00a0{ctx.cell(v.difference.high, 'bare')}])"
                     for c, v in items])

    for state, key in (("worse", "b_worse"), ("better", "b_better"), ("no significant difference", "b_none")):
        if groups.get(state):
            ns[key] = listing(groups[state])
    if groups.get("worse"):
        ns["b_worse_names"] = join([COMPONENTS.get(c, c) for c, _ in groups["worse"]])
    ns["b_streaming_better"] = any(c == "streaming_mask" for c, _ in groups.get("better", []))
    if changed:
        ns["b_changed"] = join([COMPONENTS.get(c, c) for c in changed])
    # a "worse" verdict carried by disagreeing seeds: a between-seed sd over ten points and over three times
    # the full model's (the size sweep shows what such spreads come from)
    table = r.tables.get("06_ablations_budget") or {}
    spread = []
    for component, v in groups.get("worse", []):
        m = next((x for x in means if _variant_component(x.setting) == component), None)
        if m is None or m.wer_sd is None or full.wer_sd is None:
            continue
        if m.wer_sd.value > 10 and m.wer_sd.value > 3 * full.wer_sd.value:
            i = next((i for i, row in enumerate(table.get("rows", []))
                      if row["values"].get("setting") == m.setting and "beam" in str(row["values"].get("decoder"))), None)
            per_seed = ""
            if i is not None:
                cell = table["rows"][i]["values"].get("WER % per seed")
                per_seed = (f": per-seed test WER {ctx.cell(Q(cell, 'text', Source('tables/06_ablations_budget.json', ('rows', i, 'values', 'WER % per seed'))))}"
                            if cell else "")
            spread.append(f"{COMPONENTS.get(component, component)} (standard deviation {ctx.cell(m.wer_sd)}{per_seed})")
    if spread:
        ns["b_spread"] = join(spread)
        ns["b_full_sd"] = full.wer_sd


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["run_count"] = lambda *cells: sum(len([x for x in str(c).split(",") if x.strip()]) for c in cells)


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def table():
        if not r.ablations:
            return []
        rows = []
        for a in r.ablations:
            rows.append([a.variant if a.variant == "full model" else f"without {component_label(a.switched_off)}",
                         a.wer, a.wer_sd, a.cer, a.difference if a.difference else "", a.verdict or "",
                         a.parameters])
        caption = ("MyoStream ablations on the " + ns.get("vocabulary", "") + ": test split, silent EMG, greedy "
                   "decoding; mean over {n_seeds:noun(seed)} per variant with the {ci_level} interval of a bootstrap "
                   "over seeds and utterances, the standard deviation between seeds (sd, points), the paired difference "
                   "from the full model in points with its interval, and the verdict for the variant.")
        return _variant_table(ctx, "table", caption, ns, rows)

    def figure():
        from semg_study.report.thesis.figures import forest

        rows = [(component_label(a.switched_off), a.difference.value.canonical().value,
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

    def budget_table():
        if not ns.get("budget_ablations"):
            return []
        verdicts = {v.a: v for v in r.seed_verdicts if v.part == "ablations" and v.metric == "wer"}
        rows = []
        for m in (x for x in r.seed_means if x.part == "ablations" and x.decoder == "beam"):
            v = next((v for a, v in verdicts.items() if _variant_component(a) == _component(m.setting)), None)
            label = m.setting if m.setting == "full model" else f"without {component_label(_component(m.setting))}"
            rows.append([label, m.wer, m.wer_sd if m.wer_sd is not None else "", m.cer or "",
                         v.difference if v else "", v.verdict if v else "", m.parameters or ""])
        vocabulary = phrase("vocabulary", next(x.vocabulary for x in r.seed_means if x.part == "ablations"))
        caption = ("MyoStream ablations under the seed comparison's budget rule on the " + vocabulary + ": test split, "
                   "silent EMG, beam search with the language model; mean over {budget_seeds:noun(seed)} per variant "
                   "with the {ci_level} interval of a bootstrap over seeds and utterances, the standard deviation "
                   "between seeds (sd, points), the paired difference from the full model in points with its interval, and "
                   "the verdict for the variant.")
        return _variant_table(ctx, "budget_table", caption, ns, rows)

    return {"table": table, "figure": figure, "budget_table": budget_table}
