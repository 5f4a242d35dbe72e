"""Chapter: the EMG baselines (DeepSpeech2 on features, the reproduction), silent against voiced EMG, greedy
against beam search, and what the language model does to each error rate."""
from __future__ import annotations

from semg_study.report.thesis.common import (TABLE_NAMES, join, score_values,
                                                      scores_table, sign_word)

CHAPTER_NAME = "emg_baselines"  # the chapter's name in labels ({ref.chapter_emg_baselines})
KIND = "chapter"
TEXT = """
# Results II: EMG Baselines

## Question

How well do established models transcribe silent EMG when they are trained and scored under this study's
protocol? Two baselines answer: DeepSpeech2 on the hand-crafted EMG features, and the reproduction of the
dataset authors' direct EMG-to-text Transformer ({cite.gaddy2022}) on the raw stream.

## Method

Each baseline is trained per vocabulary on silent and voiced EMG and scored on the test split, on the
silent recordings (the task) and on the voiced recordings of the same sentences (the easier case, where
the larynx and the stronger articulation add signal). Every model is decoded in two ways, greedily and by
beam search with the language model; the two are one trained model, not two baselines.
[[if ds2_closed_only]]
[[if ds2_open_seeds]]
This chapter's DeepSpeech2 on EMG is trained on the closed vocabulary only: its recurrent layers make it by
far the slowest model per epoch. Its open-vocabulary results are the {ds2_open_seeds:noun(seed)} of the
comparison over seeds (Chapter {ref.chapter_myostream}), trained under that comparison's budget rule.
[[else]]
DeepSpeech2 on EMG is trained on the closed vocabulary only: its recurrent layers make it by far the
slowest model per epoch, and an open-vocabulary run would cost as much as all the ablations together.
[[end]]
[[end]]

## Result

[[table]]


[[if gaddy_closed]]
On the closed vocabulary, on silent EMG and with the language model, the reproduction reaches a test WER of
{gaddy_closed.wer} {gaddy_closed.wer:ci}
[[if ds2_closed]]
and DeepSpeech2 on the hand-crafted features {ds2_closed.wer} {ds2_closed.wer:ci}
[[end]]
. With greedy decoding the same runs reach {gaddy_closed_greedy.wer}
[[if ds2_closed_greedy]]
and {ds2_closed_greedy.wer}
[[end]]
. For the reproduction the WER with the language model is {lm_wer_closed|lower=lower than with greedy decoding: the grammar of dates and times leaves few word sequences to choose from, and the language model exploits it|higher=higher than with greedy decoding|equal=the same as with greedy decoding}.
[[end]]
[[if gaddy_open]]
On the open vocabulary the reproduction's test WER on silent EMG is {gaddy_open.wer} {gaddy_open.wer:ci}
with the language model and {gaddy_open_greedy.wer} with greedy decoding: at this size and budget it gets
{gaddy_open_verdict|below=fewer than half of the words wrong|above=more than half of the words wrong|most=more than four words in five wrong}.
[[end]]

[[if lm_cer_open]]
The language model does not lower every error rate. On the open vocabulary the reproduction's test CER on
silent EMG is {gaddy_open.cer} with the language model against {gaddy_open_greedy.cer} with greedy
decoding, {lm_cer_open|higher=higher: the lexicon forces every hypothesis into whole words, and a wrong word costs more characters than the garbled letters greedy decoding leaves|lower=lower|equal=the same}.
The WER, which counts words, is {lm_wer_open|lower=lower|higher=higher|equal=the same} with the language model.
[[end]]

[[if voiced_pairs]]
Voiced EMG gives the lower test CER in {voiced_lower} of the
{voiced_pairs:noun(combination)} of model, vocabulary and decoder{voiced_majority|yes=, as expected of the stronger signal|no=: the stronger signal does not help every model}.
[[end]]

## What it means

[[if stronger]]
With the language model, the reproduction on raw EMG has the
{stronger|lower=lower|higher=higher|equal=same} closed-vocabulary test WER of the two baselines on silent
EMG, and it is the baseline the dataset's authors built; it is the one MyoStream must beat (Chapter
{ref.chapter_myostream}).
[[end]]
[[if open_bar]]
On the open vocabulary, over seeds, DeepSpeech2 on the features has the
{open_bar|lower=lower|higher=higher|equal=same} test WER ({open_ds2_mean.wer} against the reproduction's
{open_gaddy_mean.wer}, Chapter {ref.chapter_myostream}), so there it is the stronger baseline.
[[end]]
The reproduction's open-vocabulary
error rates show how far the study's small models and short budget are from the published real-data
results of Chapter {ref.chapter_literature}.

## Limits

Each error rate of the table above is one training run (each model's mean over seeds is in Chapter
{ref.chapter_myostream}); the models are far smaller than their paper configurations (Chapter
{ref.chapter_models}); and the runs did not all train for the same number of epochs
({ref.budgets}).
[[if synthetic]]
All of it is synthetic EMG.
[[end]]
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {}
    for model, key in (("gaddy2022", "gaddy"), ("ds2emg", "ds2")):
        for vocabulary in ("closed", "open"):
            for decoder, suffix in (("beam", ""), ("greedy", "_greedy")):
                v = score_values(r, r.score(model, vocabulary, decoder))
                if v:
                    ns[f"{key}_{vocabulary}{suffix}"] = v
    if "gaddy_closed" in ns and "gaddy_closed_greedy" in ns:
        ns["lm_wer_closed"] = sign_word(ns["gaddy_closed"]["wer"].value, ns["gaddy_closed_greedy"]["wer"].value)
    ns["ds2_closed_only"] = bool(ns.get("ds2_closed")) and not ns.get("ds2_open")
    ds2_open = next((m for m in r.seed_means if m.part == "open" and m.model == "ds2emg" and m.decoder == "beam"),
                    None)
    ns["ds2_open_seeds"] = ds2_open.seeds if ds2_open is not None else None
    gaddy_open = next((m for m in r.seed_means if m.part == "open" and m.model == "gaddy2022"
                       and m.decoder == "beam"), None)
    if ds2_open is not None and gaddy_open is not None and ds2_open.seeds.value > 1 and gaddy_open.seeds.value > 1:
        bar = sign_word(ds2_open.wer.value, gaddy_open.wer.value)
        if bar.state == "lower":  # the sentence calls DeepSpeech2 the stronger baseline: only when it is
            ns["open_bar"], ns["open_ds2_mean"], ns["open_gaddy_mean"] = bar, ds2_open, gaddy_open
    if "gaddy_open" in ns:
        from semg_study.report.thesis.values import Word, derived, Source

        w = ns["gaddy_open"]["wer"].value.canonical()
        ns["gaddy_open_verdict"] = Word("below" if w.value < 50 else "above" if w.value < 80 else "most",
                                        derived("error_band", w.source))
        if "gaddy_closed" in ns and "ds2_closed" in ns:
            ns["stronger"] = sign_word(ns["gaddy_closed"]["wer"].value, ns["ds2_closed"]["wer"].value)
        if "gaddy_open_greedy" in ns:
            ns["lm_cer_open"] = sign_word(ns["gaddy_open"]["cer"].value, ns["gaddy_open_greedy"]["cer"].value)
            ns["lm_wer_open"] = sign_word(ns["gaddy_open"]["wer"].value, ns["gaddy_open_greedy"]["wer"].value)
    pairs, lower = [], []
    for s in r.scores:
        if s.model in ("gaddy2022", "ds2emg") and s.mode == "silent":
            v = r.score(s.model, s.vocabulary, s.decoder, mode="voiced")
            if v:
                pairs.append((s, v))
                if v.cer.value.canonical().value < s.cer.value.canonical().value:
                    lower.append((s, v))
    if pairs:
        from semg_study.report.thesis.values import derived

        ns["voiced_pairs"] = r.q(len(pairs), "int", derived("count", *[p[0].cer.value.source for p in pairs]))
        pair_sources = [x for p in pairs for x in (p[1].cer.value.canonical().source, p[0].cer.value.canonical().source)]
        ns["voiced_lower"] = r.q(len(lower), "int", derived("count_lower", *pair_sources))
        from semg_study.report.thesis.values import Word

        ns["voiced_majority"] = Word("yes" if 2 * len(lower) > len(pairs) else "no",
                                     derived("majority_lower", *pair_sources))
    return ns


from semg_study.report.thesis.values import DERIVED  # noqa: E402

DERIVED["count_lower"] = lambda *v: sum(1 for a, b in zip(v[::2], v[1::2]) if a < b)
DERIVED["majority_lower"] = lambda *v: "yes" if 2 * sum(1 for a, b in zip(v[::2], v[1::2]) if a < b) > len(v) // 2 else "no"


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def table():
        scores = [s for s in r.scores if s.model in ("ds2emg", "gaddy2022")]
        return scores_table(ctx, "table", scores, ns, "The EMG baselines")

    return {"table": table}


DERIVED["error_band"] = lambda wer: "below" if wer < 50 else "above" if wer < 80 else "most"
