"""Chapter: MyoStream's results (both vocabularies, both decoders), the paired comparisons with the baselines,
the errors it makes, and the sections that await more seeds and the size sweep."""
from __future__ import annotations

from semg_study.report.thesis.common import (MODEL_NAMES, TABLE_NAMES, ci_level, comparison_values,
                                                      error_bar_figure, join, phrase, score_values, scores_table,
                                                      sign_word)
from semg_study.report.thesis.values import Q, Source, Word, derived

CHAPTER_NAME = "myostream"  # the chapter's name in labels ({ref.chapter_myostream})
KIND = "chapter"
TEXT = """
# Results III: MyoStream

## Question

Does MyoStream transcribe silent EMG more accurately than the baselines, trained and scored under the same
protocol, and with how many parameters?

## Method

MyoStream (Chapter {ref.chapter_models}) is trained once per vocabulary on silent and voiced EMG, with the
budget rule of Chapter {ref.chapter_protocol}, and scored on the silent recordings of the test split,
greedily and with the language model. It is compared with each baseline on the same test utterances by a
paired bootstrap; a verdict is "better" or "worse" only when the interval of the difference excludes zero.

## Result

[[scores]]

[[if closed]]
On the closed vocabulary, with the language model, MyoStream reaches a test WER of {closed.wer}
{closed.wer:ci} and a CER of {closed.cer} {closed.cer:ci} on silent EMG, with {closed.params:noun(parameter)}.
With greedy decoding the same run reaches a test WER of {closed_greedy.wer}.
[[end]]
[[if open]]
On the open vocabulary it reaches {open.wer} {open.wer:ci} with the language model (CER {open.cer}) and
{open_greedy.wer} greedily, on the test split and silent EMG.
[[end]]

[[comparisons]]

[[if vs_gaddy_closed]]
Against the reproduction, on the same closed-vocabulary test utterances with the language model,
MyoStream's WER is
{vs_gaddy_closed.verdict|better=lower: the difference is {vs_gaddy_closed.difference} {vs_gaddy_closed.difference:ci}, and its interval excludes zero|worse=higher: the difference is {vs_gaddy_closed.difference} {vs_gaddy_closed.difference:ci}, and its interval excludes zero|no significant difference=not distinguishable from the reproduction's: the difference is {vs_gaddy_closed.difference} {vs_gaddy_closed.difference:ci}, an interval that includes zero}.
As a ratio, MyoStream's test WER is {vs_gaddy_closed.ratio} {vs_gaddy_closed.ratio:ci} of the reproduction's.
[[end]]
[[if vs_ds2_closed]]
Against DeepSpeech2 on EMG features the closed-vocabulary test WER difference with the language model is
{vs_ds2_closed.difference} {vs_ds2_closed.difference:ci}, a verdict of
"{vs_ds2_closed.verdict|better=better|worse=worse|no significant difference=no significant difference}" for
MyoStream.
[[end]]
[[if vs_gaddy_open]]
On the open vocabulary the test WER difference to the reproduction, with the language model, is
{vs_gaddy_open.difference} {vs_gaddy_open.difference:ci}, verdict
"{vs_gaddy_open.verdict|better=better|worse=worse|no significant difference=no significant difference}".
[[end]]
[[if params_ratio]]
MyoStream has {params_ratio} times the parameters of the reproduction at the study's size
({closed.params} against {gaddy_params}).
[[end]]

[[figure]]

## Over seeds, under one budget rule

[[if seeds_closed]]
The comparison above rests on one training run per model, and those runs trained for different numbers of
epochs. Each EMG model was therefore trained again on the closed vocabulary, with
{seeds_closed.seeds:noun(seed)} each, under one budget rule: at most {budget.ceiling} epochs, stopped after
{budget.patience} epochs without a better dev CER, the same for every model.
{budget.holds|yes=The rule held: no run stopped at its ceiling while its dev CER was still improving.|no=The rule did not hold: {budget.improving:noun(run)} stopped at the ceiling while its dev CER was still improving.|not determinable=Whether the rule held cannot be read from the runs' records.}
{ref.seed_table} gives each model's mean over its seeds, with the spread between seeds and an
interval that resamples both the seeds and the test utterances.

[[seed_table]]

With the language model, MyoStream's closed-vocabulary test WER over its seeds is {seeds_closed.wer}
{seeds_closed.wer:ci}, with a standard deviation of {seeds_closed.wer_sd} between seeds.
[[if seeds_gaddy]]
The reproduction's is {seeds_gaddy.wer} {seeds_gaddy.wer:ci} (standard deviation {seeds_gaddy.wer_sd}).
[[end]]
[[if seeds_ds2]]
DeepSpeech2's on EMG features is {seeds_ds2.wer} {seeds_ds2.wer:ci} (standard deviation {seeds_ds2.wer_sd}).
[[end]]
[[if seed_vs_gaddy]]
Resampling both models' seeds and the shared test utterances, MyoStream's WER against the reproduction's is
{seed_vs_gaddy.verdict|better=lower: the difference is {seed_vs_gaddy.difference} {seed_vs_gaddy.difference:ci}, an interval that excludes zero|worse=higher: the difference is {seed_vs_gaddy.difference} {seed_vs_gaddy.difference:ci}, an interval that excludes zero|no significant difference=not distinguishable from it: the difference is {seed_vs_gaddy.difference} {seed_vs_gaddy.difference:ci}, an interval that includes zero};
as a ratio it is {seed_vs_gaddy.ratio} {seed_vs_gaddy.ratio:ci} of the reproduction's.
[[end]]
[[if seed_vs_ds2]]
Against DeepSpeech2 on EMG features the verdict over seeds is
"{seed_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}", with a
difference of {seed_vs_ds2.difference} {seed_vs_ds2.difference:ci}.
[[end]]
[[if greedy_vs_gaddy]]
Decoded greedily instead (the same runs), MyoStream's mean over seeds is
{greedy_vs_gaddy.a}, and the verdicts are
"{greedy_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}"
against the reproduction ({greedy_vs_gaddy.b}; {greedy_vs_gaddy.difference} {greedy_vs_gaddy.difference:ci})
[[if greedy_vs_ds2]]
and "{greedy_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}"
against DeepSpeech2 on EMG features ({greedy_vs_ds2.b}; {greedy_vs_ds2.difference} {greedy_vs_ds2.difference:ci})
[[end]]
.
[[if lm_makes_lead_ds2]]
The lead over DeepSpeech2 is therefore the language model's as much as the acoustic model's: MyoStream's
output gains more from the beam search with the word LM than DeepSpeech2's does.
[[end]]
[[end]]
[[if gaddy_draw]]
The single runs at the top of the chapter were one draw each, under their own budgets:
the reproduction's ({gaddy_single}) lies {gaddy_draw|below=below the interval of its mean over seeds, a favourable seed that made the single-run comparison kinder to it than the mean is|inside=within the interval of its mean over seeds|above=above the interval of its mean over seeds, an unfavourable seed}, and
MyoStream's ({closed.wer}) {myo_draw|below=below the interval of its own mean|inside=within the interval of its own mean|above=above the interval of its own mean}.
[[end]]
[[if seed_vs_gaddy_cer]]
On the character error rate the verdict against the reproduction is
"{seed_vs_gaddy_cer.verdict|better=better|worse=worse|no significant difference=no significant difference}"
({seed_vs_gaddy_cer.difference} {seed_vs_gaddy_cer.difference:ci}).
[[end]]
[[if open_seeds_my]]

The open vocabulary was trained under the same rule, and
{open_budget.holds|yes=there too no run stopped at its ceiling while its dev CER was still improving|no={open_budget.improving:noun(run)} stopped at the ceiling while its dev CER was still improving|not determinable=whether the rule held there cannot be read from the runs' records}.
With the language model, MyoStream's open-vocabulary test WER over {open_seeds_my.seeds:noun(seed)} is
{open_seeds_my.wer} {open_seeds_my.wer:ci} (standard deviation {open_seeds_my.wer_sd}), the reproduction's over
{open_seeds_gaddy.seeds:noun(seed)} is {open_seeds_gaddy.wer} {open_seeds_gaddy.wer:ci} (standard deviation
{open_seeds_gaddy.wer_sd})
[[if open_seeds_ds2]]
and DeepSpeech2's on EMG features over {open_seeds_ds2.seeds:noun(seed)} is {open_seeds_ds2.wer}
{open_seeds_ds2.wer:ci}
[[end]]
.
[[if open_seed_vs_gaddy]]
Against the reproduction the verdict over seeds and utterances is
"{open_seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}",
with a difference of {open_seed_vs_gaddy.difference} {open_seed_vs_gaddy.difference:ci}
[[if open_seed_vs_ds2]]
; against DeepSpeech2 it is
"{open_seed_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}"
({open_seed_vs_ds2.difference} {open_seed_vs_ds2.difference:ci})
[[end]]
. At these error rates a difference says which model fails less, not that either is usable.
[[end]]
[[if open_greedy_vs_gaddy]]
Decoded greedily instead (the same runs), MyoStream's open-vocabulary mean over seeds is
{open_greedy_vs_gaddy.a}, and the verdicts are
"{open_greedy_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}"
against the reproduction ({open_greedy_vs_gaddy.b}; {open_greedy_vs_gaddy.difference} {open_greedy_vs_gaddy.difference:ci})
[[if open_greedy_vs_ds2]]
and "{open_greedy_vs_ds2.verdict|better=better|worse=worse|no significant difference=no significant difference}"
against DeepSpeech2 on EMG features ({open_greedy_vs_ds2.b}; {open_greedy_vs_ds2.difference} {open_greedy_vs_ds2.difference:ci})
[[end]]
.
[[if open_lm_closes_ds2]]
On the open vocabulary, then, DeepSpeech2's acoustic model is the more accurate of the two in word error rate,
and it is the beam search with the word LM that closes the gap.
[[end]]
[[end]]
[[end]]
[[else]]
The seed comparison (each model at several seeds under one budget rule) is not yet in this version of the
document.
[[end]]

[[seed_figures]]

[[if sizes_table]]
## At other sizes

Is MyoStream's lead a property of its architecture, or of the sizes the study happened to pick? Both models
were trained on the closed vocabulary at several sizes, MyoStream at {size_myo:noun(size)} and the reproduction
at {size_gaddy:noun(size)}, from {size_min:noun(parameter)} to {size_max:noun(parameter)} ({size_span} times),
{size_seeds:noun(seed)} each under the budget rule above, and scored on the test split (silent EMG, beam search
with the language model). The response latency of every size, from the end of an utterance to its final
transcript, was timed side by side in one process. At each size of one model that lies inside the other model's
measured range, the other's WER is interpolated between its two neighbouring sizes (linearly in the logarithm
of the parameters, or of the latency) and the two are compared with a bootstrap over seeds and utterances;
outside that range nothing is extrapolated.

[[size_table]]

[[size_figure]]

[[if size_better]]
At equal parameters MyoStream is more accurate than the reproduction at {size_better}.
[[if size_weak_small]]
Those verdicts lie where the reproduction's curve starts from its smallest size, {size_weak_small.setting}
({size_weak_small.params:noun(parameter)}), whose mean WER of {size_weak_small.wer} is the highest of the
sweep: there MyoStream is compared with a reproduction that hardly learned the task, not with a working one.
[[end]]
[[end]]
[[if size_worse]]
It is less accurate at {size_worse}.
[[end]]
[[if size_none]]
The difference is not significant at {size_none}.
[[end]]
[[if size_outside]]
Outside the other model's measured range, {size_outside:noun(size)} cannot be compared.
[[end]]
[[if latency_apart]]
At equal response latency no comparison can be made: MyoStream's response latency at every size
({lat_myo_low} to {lat_myo_high}) is set by its algorithmic latency and lies above that of every size of the
reproduction ({lat_gaddy_low} to {lat_gaddy_high}), so the two curves do not overlap.
[[end]]
[[if size_sd]]
The seeds spread widely at some sizes: the largest standard deviation between seeds is {size_sd.sd}, for
{size_sd.model} at {size_sd.setting}, and the mean of such a size is uncertain, as its interval shows.
[[if size_seed_pair]]
There, seed {size_seed_pair.worst.seed} reached {size_seed_pair.worst.wer} WER and seed
{size_seed_pair.best.seed} {size_seed_pair.best.wer}.
[[if size_seed_pair.stopped_sooner]]
The worse seed ended after {size_seed_pair.worst.epochs:noun(epoch)}, its dev CER not having improved for
{size_seed_pair.worst.patience:noun(epoch)} since epoch {size_seed_pair.worst.best_epoch}, while the better one
found its best checkpoint only at epoch {size_seed_pair.best.best_epoch}: the budget rule's patience can end a run
on a plateau that another seed trains through, and a longer patience was not tried.
[[end]]
[[end]]
[[end]]
[[if size_best]]
The lowest WER of the sweep is {size_best.model}'s at {size_best.setting}, {size_best.wer}
[[if size_best_other]]
: the best model measured at any size is not the proposed one
[[end]]
.
[[end]]
[[if size_worse]]
The lead measured at the study's size therefore does not hold at every size.
[[else]]
[[if size_any_none]]
The lead is therefore established at {size_counts.better} of the {size_counts.compared:noun(size)} compared; at
the other {size_counts.none} the two models cannot be told apart.
[[else]]
[[if size_better]]
Within the range where both were measured, MyoStream is the more accurate model at every size compared.
[[end]]
[[end]]
[[end]]
[[end]]

## Where the errors are

[[if worst]]
The {n_worst:noun(test utterance)} with the most word errors of the run on the {worst_vocabulary}, decoded
with the language model on silent EMG, hold {subs:noun(substitution)}, {dels:noun(deletion)} and
{ins:noun(insertion)}: most errors are {worst_kind|substitutions=substitutions, words replaced by other words of the lexicon|deletions=deletions, words the model did not emit|insertions=insertions}.
[[worst_table]]
[[end]]

[[if curve]]
The training curves below plot two different losses. The training loss is what the optimiser minimises: the
character CTC
[[if curve.frame]]
plus the frame-level phoneme cross-entropy at weight {curve.frame}
[[end]]
, on augmented batches, averaged over each epoch while the weights change. The dev loss is the character CTC
alone, computed after the epoch without augmentation. At the last epoch ({curve.epoch}) they are {curve.train}
and {curve.dev}: the training loss lies above the dev loss because it adds a second term and is measured on
perturbed inputs, not because the model fits its training data worse than unseen data.
[[end]]

[[figures]]

## What it means

[[if seed_vs_gaddy]]
At the study's size and on this corpus, over {seeds_closed.seeds:noun(seed)} per model under one budget rule,
the proposed model's verdict against the dataset authors' model on the closed vocabulary is
"{seed_vs_gaddy.verdict|better=better|worse=worse|no significant difference=no significant difference}"
with {params_ratio} times its parameters.
{seed_vs_gaddy.verdict|better=The lead holds once the spread between seeds is counted.|worse=The single-run lead does not survive once the spread between seeds is counted.|no significant difference=The single-run lead does not survive once the spread between seeds is counted: the two models cannot be told apart on this corpus.}
[[if size_lead_partial]]
That lead is not yet a property of the architecture: compared at equal parameters it is established at
{size_counts.better} of the {size_counts.compared:noun(size)} that can be compared
[[if size_any_worse]]
and reversed at {size_counts.worse}
[[end]]
({ref.size_table}).
[[end]]
[[else]]
[[if vs_gaddy_closed]]
At the study's size and on this corpus, the proposed model's verdict against the dataset authors' model on
the closed vocabulary is
"{vs_gaddy_closed.verdict|better=better|worse=worse|no significant difference=no significant difference}"
with {params_ratio} times its parameters.
[[end]]
[[end]]
[[if study_faster]]
It gives partial transcripts while the user is still speaking, but its final transcript arrives
{study_faster|lower=later than the reproduction's at this size: {resp_study.myo} against {resp_study.gaddy} after the end of an utterance, because its algorithmic latency costs more than a forward pass of a small full-context model|higher=sooner than the reproduction's: {resp_study.myo} against {resp_study.gaddy} after the end of an utterance|equal=together with the reproduction's}
(Chapter {ref.chapter_latency}).
[[end]]
[[if one_seed]]
That verdict rests on one training run of each model.
[[if seed_sd]]
The ablation study trained the full MyoStream with {seed_n:noun(seed)} at a shorter budget and greedy
decoding; its test WER varied with a standard deviation of {seed_sd} between them.
[[end]]
[[if seed_vs_lead]]
On the closed vocabulary, the lead over the reproduction with the language model is {lead:abs}.
The spread between seeds is {seed_vs_lead|larger=larger than that lead, so the lead may not survive a second seed|smaller=smaller than that lead, although it was measured at another budget and decoder}.
[[end]]
[[end]]

[[if pending]]
## Results not yet in

[[end]]
[[if seeds_closed]]
[[if open_missing]]
More seeds on the open vocabulary: the open-vocabulary plan ({open_plan_seeds:words} seeds per model under the
same budget rule, {ref.seed_table}) has {open_missing:noun(run)} still to train, not in this version of the
document; the open-vocabulary figures above rest on the seeds that are.
[[end]]
[[else]]
More seeds. Every headline number above is one training run. The multi-seed results (each model at three or
more seeds on both vocabularies, with intervals that resample seeds as well as utterances) are being
trained and are not yet in this version of the document.
[[end]]

[[if not sizes_table]]
Model size. Whether MyoStream's advantage grows, holds or disappears as both models grow is not yet
measured: the size sweep (each model at several sizes on the closed vocabulary, with seeds) is not yet in
this version of the document.
[[end]]

## Limits

[[if seeds_closed]]
The single-run comparisons at the top of the chapter trained for different numbers of epochs
({ref.budgets}); the seed comparison removes that difference on the closed vocabulary
[[if open_seeds_my]]
and on the open vocabulary.
[[else]]
only.
[[end]]
[[else]]
The comparisons use one seed per model and the runs did not all train for the same number of epochs
({ref.budgets}).
[[end]]
The models are small, and
[[if synthetic]]
the EMG is synthetic: nothing here says how MyoStream does on real silent speech.
[[else]]
the data are one speaker's.
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {}
    for vocabulary in ("closed", "open"):
        for decoder, suffix in (("beam", ""), ("greedy", "_greedy")):
            v = score_values(r, r.score("myostream", vocabulary, decoder))
            if v:
                ns[f"{vocabulary}{suffix}"] = v
        for baseline, key in (("gaddy2022", "gaddy"), ("ds2emg", "ds2")):
            c = comparison_values(r.comparison("myostream", baseline, vocabulary))
            if c:
                ns[f"vs_{key}_{vocabulary}"] = c
    gaddy = r.score("gaddy2022", "closed", "beam")
    if "closed" in ns and gaddy and gaddy.run in r.runs:
        gp = r.runs[gaddy.run].parameters
        mp = ns["closed"]["params"]
        ns["gaddy_params"] = gp
        ns["params_ratio"] = r.q(mp.value / gp.value, "ratio", derived("ratio", mp.source, gp.source))
    mine = [s for s in r.scores if s.model == "myostream"]
    ns["one_seed"] = bool(mine) and all(len(s.seeds) == 1 for s in mine)
    full = next((a for a in r.ablations if a.variant == "full model"), None)
    if full and full.wer_sd is not None:
        ns["seed_sd"] = full.wer_sd
        ns["seed_n"] = r.q(len(full.seeds), "int", derived("count_list", Source("tables/06_ablations.json",
                                                                                ("rows", 0, "values", "seeds"))))
        c = ns.get("vs_gaddy_closed")
        if c:
            d = c["difference"].value.canonical()
            ns["lead"] = r.q(abs(d.value), "points", derived("abs", d.source))
            ns["seed_vs_lead"] = Word("larger" if full.wer_sd.value > abs(d.value) else "smaller",
                                      derived("larger_abs", full.wer_sd.source, d.source))
    if r.worst:
        subs = [w.substitutions for w in r.worst]
        dels = [w.deletions for w in r.worst]
        ins = [w.insertions for w in r.worst]
        total = lambda qs: r.q(sum(q.value for q in qs), "count", derived("sum", *[q.source for q in qs]))  # noqa: E731
        ns.update({"worst": True, "subs": total(subs), "dels": total(dels), "ins": total(ins),
                   "n_worst": r.q(len(r.worst), "int", derived("count", *[q.source for q in subs]))})
        kinds = {"substitutions": ns["subs"].value, "deletions": ns["dels"].value, "insertions": ns["ins"].value}
        ns["worst_kind"] = Word(max(kinds, key=kinds.get), derived("largest_of_three", ns["subs"].source,
                                                                   ns["dels"].source, ns["ins"].source))
        info = r.runs.get(r.worst_run or "")
        ns["worst_vocabulary"] = phrase("vocabulary", info.vocabulary) if info else ""
    for key, model in (("seeds_closed", "myostream"), ("seeds_gaddy", "gaddy2022"), ("seeds_ds2", "ds2emg")):
        m = r.seed_mean("closed", model, "closed", "beam")
        if m is not None:
            ns[key] = {"wer": m.wer, "wer_sd": m.wer_sd, "cer": m.cer, "seeds": m.seeds, "mean": m}
    _open_seed_values(r, ns)
    single = r.score("gaddy2022", "closed", "beam")
    if single and "seeds_gaddy" in ns and "closed" in ns and "seeds_closed" in ns:
        def band(value: Q, mean) -> Word | None:
            low, high = mean.wer.low, mean.wer.high
            if low is None or high is None:
                return None
            v, lo, hi = value.canonical(), low.canonical(), high.canonical()
            state = "below" if v.value < lo.value else "above" if v.value > hi.value else "inside"
            return Word(state, derived("band", v.source, lo.source, hi.source))
        gd = band(single.wer.value, ns["seeds_gaddy"]["mean"])
        md = band(ns["closed"]["wer"].value, ns["seeds_closed"]["mean"])
        if gd and md:
            ns["gaddy_single"], ns["gaddy_draw"], ns["myo_draw"] = single.wer.value, gd, md
    for key, b, metric in (("seed_vs_gaddy", "gaddy2022", "wer"), ("seed_vs_ds2", "ds2emg", "wer"),
                           ("seed_vs_gaddy_cer", "gaddy2022", "cer")):
        v = r.seed_verdict("closed", "myostream", b, "closed", metric)
        if v is not None and v.difference.value is not None:
            ns[key] = {"difference": v.difference, "ratio": v.ratio, "verdict": v.verdict}
    # the same pairs with greedy decoding: is a lead the acoustic model's, or the language model's?
    ns.update(_greedy_pairs(r, "closed", "greedy"))
    if "greedy_vs_ds2" in ns and "seed_vs_ds2" in ns:
        # the LM decides the lead when it is "better" with the LM and not without it
        ns["lm_makes_lead_ds2"] = (ns["seed_vs_ds2"]["verdict"].state == "better"
                                   and ns["greedy_vs_ds2"]["verdict"].state != "better")
    rule = next((b for b in r.budget_rules if b.part == "closed"), None)
    if rule is not None:
        ns["budget"] = {"ceiling": rule.ceiling, "patience": rule.patience, "holds": rule.holds,
                        "improving": rule.improving}
    if "seed_vs_gaddy" in ns:
        ns["one_seed"] = False
    _size_values(ctx, ns)
    from semg_study.chapters.latency import text as latency

    lat = latency.values(ctx)
    for key in ("study_faster", "resp_study"):
        if key in lat:
            ns[key] = lat[key]
    _curve_values(r, ns)
    ns["pending"] = bool(ns.get("open_missing")) or not ns.get("seeds_closed") or not ns["sizes_table"]
    return ns


def _greedy_pairs(r, vocabulary: str, prefix: str, min_seeds: int = 1) -> dict:
    """MyoStream against each EMG baseline over seeds with greedy decoding (WER, test split, silent EMG):
    ``<prefix>_vs_gaddy`` and ``<prefix>_vs_ds2``, each where both models have ``min_seeds`` seeds or more."""
    out = {}
    for name, b in (("gaddy", "gaddy2022"), ("ds2", "ds2emg")):
        v = next((x for x in r.seed_verdicts_greedy if (x.part, x.a, x.b, x.vocabulary, x.metric)
                  == (vocabulary, "myostream", b, vocabulary, "wer")), None)
        if (v is not None and v.difference.value is not None
                and v.seeds_a.value >= min_seeds and v.seeds_b.value >= min_seeds):
            out[f"{prefix}_vs_{name}"] = {"difference": v.difference, "verdict": v.verdict, "a": v.a_value,
                                          "b": v.b_value}
    return out


def _curve_values(r, ns: dict) -> None:
    """The training-curve figure's run (named in the notebook's caption): what its two losses count, said only
    when the training loss, which adds the auxiliary loss and augmentation, ends above the dev loss."""
    from semg_study.report.thesis.build import captions

    caption = (captions(r.root).get("05_training_curves") or {}).get("caption", "")
    info = next((i for name, i in r.runs.items() if f"run {name}" in caption), None)
    final = (info.raw.get("final") or {}) if info else {}
    model = ((info.raw.get("config") or {}).get("model") or {}) if info else {}
    if not (isinstance(final.get("train_loss"), float) and isinstance(final.get("dev_loss"), float)
            and final["train_loss"] > final["dev_loss"] and model.get("augmentation")):
        return
    src = lambda *p: Source(info.manifest, p)  # noqa: E731
    ns["curve"] = {"epoch": r.q(final["epoch"], "int", src("final", "epoch")),
                   "train": r.q(final["train_loss"], "real", src("final", "train_loss")),
                   "dev": r.q(final["dev_loss"], "real", src("final", "dev_loss"))}
    if model.get("frame_phoneme_weight"):
        ns["curve"]["frame"] = r.q(model["frame_phoneme_weight"], "hyper",
                                   src("config", "model", "frame_phoneme_weight"))


def _open_seed_values(r, ns: dict) -> None:
    """The open vocabulary over seeds: each model's mean once both MyoStream and the reproduction have more
    than one seed there (an interval over seeds needs two), the verdicts, and how many planned runs are missing."""
    means = {key: r.seed_mean("open", model, "open", "beam")
             for key, model in (("my", "myostream"), ("gaddy", "gaddy2022"), ("ds2", "ds2emg"))}
    table = r.tables.get("05_seeds")
    plan = (table or {}).get("config", {}).get("headline", {})
    if plan.get("models") and plan.get("open_seeds"):
        # planned runs (every model of the comparison at every open-vocabulary seed) less the finished ones
        # (a model without a finished run has no row in the table)
        src = "tables/05_seeds.json"
        planned = len(plan["models"]) * len(plan["open_seeds"])
        ns["open_plan_seeds"] = r.q(len(plan["open_seeds"]), "int",
                                    derived("len", Source(src, ("config", "headline", "open_seeds"))))
        found = [m.seeds for m in r.seed_means if (m.part, m.vocabulary, m.decoder, m.table) == ("open", "open", "beam",
                                                                                                 "05_seeds")]
        missing = planned - sum(q.value for q in found)
        if missing > 0:  # set only while runs are missing: a complete plan has nothing pending to say
            ns["open_missing"] = r.q(missing, "int", derived(
                "difference", derived("product", derived("len", Source(src, ("config", "headline", "models"))),
                                      derived("len", Source(src, ("config", "headline", "open_seeds")))),
                derived("sum", *[q.source for q in found])))
    ns["seeds_open"] = not ns.get("open_missing") and means["my"] is not None and means["my"].seeds.value > 1
    if not all(means[k] is not None and means[k].seeds.value > 1 for k in ("my", "gaddy")):
        return
    for key, m in means.items():
        if m is not None and m.seeds.value > 1:
            ns[f"open_seeds_{key}"] = {"wer": m.wer, "wer_sd": m.wer_sd, "cer": m.cer, "seeds": m.seeds}
    for key, b in (("gaddy", "gaddy2022"), ("ds2", "ds2emg")):
        v = r.seed_verdict("open", "myostream", b, "open", "wer")
        if (v is not None and v.difference.value is not None and f"open_seeds_{key}" in ns
                and v.seeds_a.value > 1 and v.seeds_b.value > 1):
            ns[f"open_seed_vs_{key}"] = {"difference": v.difference, "ratio": v.ratio, "verdict": v.verdict}
    # the same pairs with greedy decoding, as on the closed vocabulary
    ns.update(_greedy_pairs(r, "open", "open_greedy", min_seeds=2))
    if "open_greedy_vs_ds2" in ns and "open_seed_vs_ds2" in ns:
        # DeepSpeech2 ahead without the LM but not with it: the LM closes an acoustic gap
        ns["open_lm_closes_ds2"] = (ns["open_greedy_vs_ds2"]["verdict"].state == "worse"
                                    and ns["open_seed_vs_ds2"]["verdict"].state != "worse")
    rule = next((b for b in r.budget_rules if b.part == "open"), None)
    if rule is not None:
        ns["open_budget"] = {"holds": rule.holds, "improving": rule.improving}


def _size_values(ctx, ns: dict) -> None:
    """The size sweep (07_sizes, 07_size_findings), where the study has it with one seed count for every size."""
    r = ctx.r
    points = r.size_points
    ns["sizes_table"] = False
    if not points or len({p.seeds.value for p in points}) != 1 or not r.size_findings:
        return
    ns["sizes_table"] = True
    mine = [p for p in points if p.model == "myostream"]
    theirs = [p for p in points if p.model == "gaddy2022"]
    ns["size_myo"] = r.q(len(mine), "int", derived("count", *[p.setting.source for p in mine]))
    ns["size_gaddy"] = r.q(len(theirs), "int", derived("count", *[p.setting.source for p in theirs]))
    low = min(points, key=lambda p: p.parameters.value).parameters
    high = max(points, key=lambda p: p.parameters.value).parameters
    ns["size_min"], ns["size_max"] = low, high
    ns["size_span"] = r.q(round(high.value / low.value), "int", derived("ratio", high.source, low.source))
    ns["size_seeds"] = points[0].seeds

    def where(f):
        name = "MyoStream" if f.model == "myostream" else "the reproduction"
        diff = f.difference
        return (f"{ctx.cell(f.at)} parameters ({name} at {ctx.cell(f.setting)}: {ctx.cell(diff.value)} "
                f"[{ctx.cell(diff.low, 'bare')},\u00a0{ctx.cell(diff.high, 'bare')}])")

    by_params = [f for f in r.size_findings if f.axis == "parameters"]
    for state, key in (("better", "size_better"), ("worse", "size_worse"), ("no significant difference", "size_none")):
        found = sorted([f for f in by_params if f.verdict.state == state and f.difference is not None],
                       key=lambda f: f.at.value)
        if found:
            ns[key] = join([where(f) for f in found])
    compared = [f for f in by_params if f.difference is not None]
    if compared:
        count = lambda fs: r.q(len(fs), "int", derived("count", *[f.verdict.source for f in fs]))  # noqa: E731
        ns["size_counts"] = {"compared": count(compared),
                             "better": count([f for f in compared if f.verdict.state == "better"]),
                             "worse": count([f for f in compared if f.verdict.state == "worse"]),
                             "none": count([f for f in compared if f.verdict.state == "no significant difference"])}
        ns["size_any_worse"] = ns["size_counts"]["worse"].value > 0
        ns["size_any_none"] = ns["size_counts"]["none"].value > 0
        ns["size_lead_partial"] = ns["size_any_worse"] or ns["size_any_none"]
    # "better" verdicts read off the reproduction's curve below its second size rest on its smallest size;
    # said when that size is the worst point of the whole sweep
    ordered = sorted(theirs, key=lambda p: p.parameters.value)
    worst = max(points, key=lambda p: p.wer.value.value)
    better = [f for f in by_params if f.verdict.state == "better" and f.at is not None]
    if (len(ordered) > 1 and worst is ordered[0] and better
            and all(f.at.value < ordered[1].parameters.value for f in better)):
        ns["size_weak_small"] = {"setting": worst.setting, "params": worst.parameters, "wer": worst.wer.value}
    outside = [f for f in by_params if f.outside]
    if outside:
        ns["size_outside"] = r.q(len(outside), "int", derived("count", *[f.verdict.source for f in outside]))
    by_latency = [f for f in r.size_findings if f.axis == "latency"]
    lat_mine = [p.response_ms for p in mine if p.response_ms is not None]
    lat_theirs = [p.response_ms for p in theirs if p.response_ms is not None]
    if by_latency and all(f.outside for f in by_latency) and lat_mine and lat_theirs:
        if min(q.value for q in lat_mine) > max(q.value for q in lat_theirs):
            ns["latency_apart"] = True
            ns["lat_myo_low"] = min(lat_mine, key=lambda q: q.value)
            ns["lat_myo_high"] = max(lat_mine, key=lambda q: q.value)
            ns["lat_gaddy_low"] = min(lat_theirs, key=lambda q: q.value)
            ns["lat_gaddy_high"] = max(lat_theirs, key=lambda q: q.value)
    best = min(points, key=lambda p: p.wer.value.value)
    ns["size_best"] = {"model": "MyoStream" if best.model == "myostream" else "the reproduction",
                       "setting": best.setting, "wer": best.wer.value}
    ns["size_best_other"] = best.model != "myostream"
    spread = [p for p in points if p.wer_sd is not None]
    if spread:
        top = max(spread, key=lambda p: p.wer_sd.value)
        ns["size_sd"] = {"sd": top.wer_sd, "model": "MyoStream" if top.model == "myostream" else "the reproduction",
                         "setting": top.setting}
        # why that size spreads: its worst and best seed, and whether the worst stopped before the best had
        # reached its best epoch (early stopping ended it on a plateau the best seed trained through)
        runs = [x for x in r.size_runs if x.model == top.model and x.setting == top.setting.value]
        if len(runs) > 1:
            worst = max(runs, key=lambda x: x.wer.value)
            best = min(runs, key=lambda x: x.wer.value)
            ns["size_seed_pair"] = {"worst": worst, "best": best,
                                    "stopped_sooner": worst.epochs.value < best.best_epoch.value}


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["larger_abs"] = lambda a, b: "larger" if a > abs(b) else "smaller"
DERIVED["largest_of_three"] = lambda s, d, i: max((("substitutions", s), ("deletions", d), ("insertions", i)),
                                                  key=lambda kv: kv[1])[0]


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def scores():
        return scores_table(ctx, "scores", [s for s in r.scores if s.model == "myostream"], ns, "MyoStream")

    def comparisons():
        rows = []
        mine = [c for c in r.comparisons if c.table == "05_comparisons"]
        for c in mine:
            b = r.runs.get(c.b)
            rows.append([c.vocabulary, TABLE_NAMES.get(b.model, c.b) if b else c.b, c.metric.upper(), c.a_value,
                         c.b_value, c.difference, c.ratio, c.verdict])
        if not rows:
            return []
        decoders = sorted({c.decoder for c in mine})
        caption = ("MyoStream (A) against each EMG baseline (B) on the same utterances: the test split, silent EMG, "
                   + " and ".join(phrase("decoder", d) for d in decoders) + ", "
                   + " and ".join(sorted({c.vocabulary + " vocabulary" for c in mine}))
                   + ". Difference A − B in points and ratio A / B, each with the {ci_level} interval of a paired "
                     "bootstrap over the utterances, and the verdict for A.")
        return [ctx.table("comparisons", caption, {**ns, "ci_level": ci_level(r)},
                          ["vocabulary", "baseline", "metric", "A %", "B %", "A − B [CI]", "A / B [CI]", "verdict"],
                          rows, widths=[1.1, 2, 0.8, 0.9, 0.9, 1.8, 1.6, 1.7])]

    def figure():
        scores = [s for s in r.scores if s.model in ("ds2emg", "gaddy2022", "myostream") and s.mode == "silent"
                  and s.decoder == "beam"]
        return error_bar_figure(ctx, "figure", "thesis_myostream_vs_baselines", scores, ns)

    def worst_table():
        rows = [[w.reference, w.hypothesis, w.reference_words, w.substitutions, w.deletions, w.insertions, w.wer]
                for w in r.worst]
        info = r.runs.get(r.worst_run or "")
        caption = (f"The test utterances with the most word errors of MyoStream's run on the "
                   f"{phrase('vocabulary', info.vocabulary) if info else ''}, silent EMG, beam search with the "
                   f"language model: reference, hypothesis and the errors of each.")
        return [ctx.table("worst", caption, ns, ["reference", "hypothesis", "words", "substitutions", "deletions",
                                                 "insertions", "WER %"], rows, widths=[3.2, 3.2, 0.9, 1.3, 1.1, 1.1, 0.9])]

    def figures():
        out = []
        for name in ("05_training_curves", "05_utterance_errors"):
            out += ctx.notebook_figure(name, width=0.85)
        return out

    def seed_table():
        means = [m for m in r.seed_means if m.table == "05_seeds" and m.part in ("closed", "open")]
        if not means:
            return []
        keyed: dict[tuple, dict] = {}
        for m in means:
            keyed.setdefault((m.part, m.model, m.vocabulary), {})[m.decoder] = m
        rows = []
        for (_, model, vocabulary), by in keyed.items():
            beam, greedy = by.get("beam"), by.get("greedy")
            first = beam or greedy
            rows.append([TABLE_NAMES.get(model, model), vocabulary, first.seeds, beam.wer if beam else "",
                         beam.wer_sd if beam else "", beam.cer if beam else "", greedy.wer if greedy else ""])
        caption = ("Each EMG model over its seeds under one budget rule: the mean over seeds of the corpus-level "
                   "word and character error rates in % on the test split, silent EMG, "
                   + join(sorted({phrase("vocabulary", m.vocabulary) for m in means}))
                   + "; beam search with the language model, and greedy decoding. In brackets: the {ci_level} "
                     "interval of a bootstrap over the seeds and the test utterances; sd: the standard deviation "
                     "of the WER between seeds, in points.")
        return [ctx.table("seed_table", caption, {**ns, "ci_level": ci_level(r)},
                          ["model", "vocabulary", "seeds", "WER % (beam + LM) [CI]", "sd", "CER % (beam + LM) [CI]",
                           "WER % (greedy) [CI]"], rows, widths=[2, 1, 0.7, 1.9, 0.7, 1.9, 1.9])]

    def size_table():
        points = sorted(r.size_points, key=lambda p: (p.model != "myostream", p.parameters.value))
        if not ns.get("sizes_table"):
            return []
        rows = [[TABLE_NAMES.get(p.model, p.model), p.setting, p.parameters, p.seeds, p.wer, p.wer_sd or "",
                 p.response_ms or ""] for p in points]
        caption = ("MyoStream and the reproduction at several sizes under one budget rule: the mean over seeds of the "
                   "corpus-level WER in % on the test split, silent EMG, closed vocabulary, beam search with the "
                   "language model, with the {ci_level} interval of a bootstrap over the seeds and the test "
                   "utterances and the standard deviation between seeds (sd, points); response latency: the median "
                   "time from the end of an utterance to its final transcript with greedy decoding, every size timed "
                   "side by side in the latency notebook (a measurement of its own, apart from the response latency "
                   "of Chapter {ref.chapter_latency}, on a machine whose load differs between runs, so the study sizes' "
                   "values differ between the two; latencies are compared only within one measurement).")
        return [ctx.table("size_table", caption, {**ns, "ci_level": ci_level(r)},
                          ["model", "size", "parameters", "seeds", "WER % [CI]", "sd", "response latency"], rows,
                          widths=[1.3, 2.2, 1.2, 0.7, 1.9, 0.8, 1.3])]

    def size_figure():
        return ctx.notebook_figure("07_sizes", width=0.9) if ns.get("sizes_table") else []

    def seed_figures():
        return ctx.notebook_figure("05_seeds", width=0.8)

    return {"scores": scores, "comparisons": comparisons, "figure": figure, "worst_table": worst_table,
            "figures": figures, "seed_table": seed_table, "seed_figures": seed_figures,
            "size_table": size_table, "size_figure": size_figure}


DERIVED["band"] = lambda value, low, high: "below" if value < low else "above" if value > high else "inside"
