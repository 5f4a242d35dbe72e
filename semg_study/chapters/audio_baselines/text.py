"""Chapter: the audio baselines (the original dissertation's Table 3.1, regenerated with its defects fixed).
The original's real-data numbers are in their own table, never beside the study's."""
from __future__ import annotations

from semg_study.report.thesis.common import scores_table, score_values, sign_word
from semg_study.report import literature as lit
from semg_study.report.thesis.values import Q, Source, Word, code, derived

CHAPTER_NAME = "audio_baselines"  # the chapter's name in labels ({ref.chapter_audio_baselines})
KIND = "chapter"
TEXT = """
# Results I: Audio Baselines

## Question

The original dissertation trained DeepSpeech2 on audio alone, to see what a speech recogniser reaches on
the dataset's sentences when it hears them. The intuition was that a model given the audio should do at
least as well as one given the EMG of the same speech. Its {orig_table} reported word error rates on the
real dataset's voiced audio; those numbers came from code with six defects:

- the cleaned text was discarded, so punctuation reached the model as an unknown symbol;
- the hyphen was used as the CTC blank, colliding with hyphens in the text;
- on the closed vocabulary the blank was moved but the greedy decoder still dropped the old blank, which was
  the digit zero, so dates lost their zeros;
- training and validation computed different spectrograms;
- the word error rate was a mean of per-sentence rates instead of a corpus-level rate;
- silent dev utterances were in the training set.

This chapter regenerates the table with each defect fixed and tested.

## Method

The same DeepSpeech2 family (Chapter {ref.chapter_models}) is trained on log-mel spectrograms of voiced
audio for three corpora: {lj_corpus} ({cite.ito2017}{lj_cite}), and the voiced audio of the closed and
of the open vocabulary{synthetic_audio}. It is scored on the test split with greedy decoding and with the
beam search and language model of Chapter {ref.chapter_protocol}.

## Result

[[table]]

[[if closed_beam]]
With the language model, DeepSpeech2 reaches a test WER of {closed_beam.wer} {closed_beam.wer:ci} on the
closed vocabulary and {open_beam.wer} {open_beam.wer:ci} on the open vocabulary (voiced audio). Greedy
decoding gives {closed_greedy.wer} and {open_greedy.wer} on the same test utterances.
[[if lm_same]]
The language model {lm_closed|lower=lowers|higher=raises|equal=does not change} the WER on both vocabularies.
[[else]]
The language model {lm_closed|lower=lowers|higher=raises|equal=does not change} the WER on the closed vocabulary
and {lm_open|lower=lowers|higher=raises|equal=does not change} it on the open one.
[[end]]
[[end]]
[[if ljspeech_beam]]
On the {lj_short} it reaches {ljspeech_beam.wer} with the language model and
{ljspeech_greedy.wer} without.
[[end]]

[[if has_table]]
The original dissertation's numbers were measured on the real recordings with the defective code; they
are quoted in their own table, for the record, and are not comparable with {ref.table}:
[[end]]

[[original]]

## What it means

[[if myostream_closed]]
On the closed vocabulary, MyoStream's test WER from silent EMG is {myostream_closed.wer}
{myostream_closed.wer:ci} (Chapter {ref.chapter_myostream}) and DeepSpeech2's from voiced audio is
{closed_beam.wer} {closed_beam.wer:ci}.
{audio_overlap|overlap=The two intervals overlap. The two runs (one each) read different recordings, silent EMG and voiced audio, so no paired test between them exists, and overlapping intervals alone do not show that they are equal: this study does not order them, and the intuition that the audio bounds what EMG can reach is neither confirmed nor refuted here.|apart=The two intervals do not overlap.}
[[if audio_apart]]
{vs_audio|lower=MyoStream's is lower, so the intuition that the audio bounds what EMG can reach does not hold here.|higher=MyoStream's is higher, as the intuition that the audio bounds what EMG can reach expects.|equal=The two are equal.}
[[end]]
The two numbers come from different architectures, sizes and inputs (DeepSpeech2 at the study's size is a
small recurrent model), so neither ordering would say whether EMG carries more or less than audio; an audio
baseline of one architecture is no bound for another architecture's EMG model.
[[end]]

## Limits

[[if synthetic]]
The audio is synthetic speech from one voice, far cleaner than a laptop microphone in a room, and the
language model's text comes from the same grammars as the test sentences (Chapter {ref.chapter_data}).
The regenerated numbers therefore say that the pipeline trains and decodes an audio recogniser correctly,
not how well DeepSpeech2 recognises the real dataset's audio.
[[end]]
Each run is one seed, so the intervals cover the choice of test utterances, not the variation between
training runs.
"""


def values(ctx) -> dict:
    r = ctx.r
    ns: dict = {"orig_table": Q(lit.ORIGINAL_TABLE31_NAME, "text", code("semg_study.report.literature",
                                                                         "ORIGINAL_TABLE31_NAME")),
                "synthetic_audio": " (synthetic speech from the generator's voice)" if r.synthetic else "",
                # on synthetic data the LJSpeech-layout corpus is text-to-speech audio in LJSpeech's layout
                # (the reference is for the layout), not the LJ Speech recordings
                "lj_corpus": ("a synthetic (text-to-speech) corpus in LJSpeech's layout" if r.synthetic
                              else "the LJ Speech corpus"),
                "lj_cite": ", for the layout" if r.synthetic else "",
                "lj_short": "synthetic LJSpeech-layout corpus" if r.synthetic else "LJ Speech corpus"}
    for vocabulary in ("closed", "open", "ljspeech"):
        for decoder in ("greedy", "beam"):
            v = score_values(r, r.score("ds2audio", vocabulary, decoder, mode="voiced audio"))
            if v:
                ns[f"{vocabulary}_{decoder}"] = v
    ns["has_table"] = any(s.model == "ds2audio" for s in r.scores)
    for vocabulary in ("closed", "open"):
        if f"{vocabulary}_beam" in ns and f"{vocabulary}_greedy" in ns:
            ns[f"lm_{vocabulary}"] = sign_word(ns[f"{vocabulary}_beam"]["wer"].value, ns[f"{vocabulary}_greedy"]["wer"].value)
    ns["lm_same"] = "lm_closed" in ns and "lm_open" in ns and ns["lm_closed"].state == ns["lm_open"].state
    ms = r.score("myostream", "closed", "beam")
    if ms and "closed_beam" in ns:
        ns["myostream_closed"] = score_values(r, ms)
        ns["vs_audio"] = sign_word(ms.wer.value, ns["closed_beam"]["wer"].value)
        audio = r.score("ds2audio", "closed", "beam", mode="voiced audio")
        a, b = ms.wer, audio.wer if audio else None
        if b is not None and None not in (a.low, a.high, b.low, b.high):
            parts = [q.canonical() for q in (a.low, a.high, b.low, b.high)]
            apart = parts[0].value > parts[3].value or parts[2].value > parts[1].value
            ns["audio_overlap"] = Word("apart" if apart else "overlap", derived("overlap", *[q.source for q in parts]))
            ns["audio_apart"] = apart
    return ns


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def table():
        scores = [s for s in r.scores if s.model == "ds2audio"]
        out = scores_table(ctx, "table", scores, {**ns, "what": "the original"}, "DeepSpeech2 on audio (the original {orig_table}, regenerated)")
        for t in out:  # the LJSpeech-layout row names a corpus, not a vocabulary
            if "vocabulary" in t.columns and any(row[t.columns.index("vocabulary")] == "ljspeech" for row in t.rows):
                j = t.columns.index("vocabulary")
                t.columns[j] = "vocabulary / corpus"
                for row in t.rows:
                    if row[j] == "ljspeech":
                        row[j] = "LJSpeech layout (synthetic TTS)" if r.synthetic else "LJ Speech"
        return out

    def original():
        rows = []
        for s in r.scores:
            if s.model == "ds2audio" and s.decoder == "greedy" and s.original_wer is not None:
                data = {"closed": "real voiced recordings, closed vocabulary",
                        "open": "all real voiced recordings"}.get(s.vocabulary, "")
                rows.append([s.label, data, s.original_wer])
        if not rows:
            return []
        caption = ("The original dissertation's {orig_table} as it reported it: DeepSpeech2 on the real dataset's "
                   "voiced audio, measured with the defective code (real data; quoted, not a result of this study).")
        return [ctx.table("original", caption, ns, ["dataset name", "data", "WER % (as reported)"], rows,
                          widths=[2, 3, 1.2])]
    return {"table": table, "original": original}
