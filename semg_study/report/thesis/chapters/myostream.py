"""Chapter: MyoStream's results (both vocabularies, both decoders), the paired comparisons with the baselines,
the errors it makes, and the sections that await more seeds and the size sweep."""
from __future__ import annotations

from semg_study.report.thesis.chapters.common import (MODEL_NAMES, TABLE_NAMES, ci_level, comparison_values,
                                                      error_bar_figure, phrase, score_values, scores_table, sign_word)
from semg_study.report.thesis.values import Q, Source, Word, derived

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

## Where the errors are

[[if worst]]
The {n_worst:noun(test utterance)} with the most word errors of the run on the {worst_vocabulary}, decoded
with the language model on silent EMG, hold {subs:noun(substitution)}, {dels:noun(deletion)} and
{ins:noun(insertion)}: most errors are {worst_kind|substitutions=substitutions, words replaced by other words of the lexicon|deletions=deletions, words the model did not emit|insertions=insertions}.
[[worst_table]]
[[end]]

[[figures]]

## What it means

[[if vs_gaddy_closed]]
At the study's size and on this corpus, the proposed model's verdict against the dataset authors' model on
the closed vocabulary is
"{vs_gaddy_closed.verdict|better=better|worse=worse|no significant difference=no significant difference}"
with {params_ratio} times its parameters, and it can answer while the user is still speaking (Chapter
{ref.chapter_latency}).
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

## Results not yet in

[[if seeds_table]]
[[seeds_block]]
[[else]]
More seeds. Every headline number above is one training run. The multi-seed results (each model at three or
more seeds on both vocabularies, with intervals that resample seeds as well as utterances) are being
trained and are not yet in this version of the document.
[[end]]

[[if sizes_table]]
[[sizes_block]]
[[else]]
Model size. Whether MyoStream's advantage grows, holds or disappears as both models grow is not yet
measured: the size sweep (each model at several sizes on the closed vocabulary, with seeds) is not yet in
this version of the document.
[[end]]

## Limits

The comparisons use one seed per model and the runs did not all train for the same number of epochs
({ref.budgets}). The models are small, and
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
    ns["seeds_table"] = bool(r.pending.get("05_seeds"))
    ns["sizes_table"] = bool(r.pending.get("05_sizes"))
    return ns


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

    def pending(name):
        def block():
            from semg_study.report.tables import display_table
            from semg_study.report.document import Para

            table = r.pending[name]
            cols, rows = display_table(table)
            caption = Q(table["caption"], "text", Source(f"tables/{name}.json", ("caption",)))
            return [Para(ctx.render("The table below has arrived from the study; its discussion is not yet "
                                    "written.", ns)),
                    ctx.table(name, "{caption}", {**ns, "caption": caption}, cols,
                              [[Q(c, "text", Source("structure", (c,))) for c in row] for row in rows])]
        return block

    return {"scores": scores, "comparisons": comparisons, "figure": figure, "worst_table": worst_table,
            "figures": figures, "seeds_block": pending("05_seeds"), "sizes_block": pending("05_sizes")}
