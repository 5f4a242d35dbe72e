"""Chapter: the data (the real dataset as published, the synthetic generator, the study corpus)."""
from __future__ import annotations

from semg_study.report import literature as lit
from semg_study.report.thesis.common import join, phrase
from semg_study.report.thesis.values import Q, Source, code, derived

CHAPTER_NAME = "data"  # the chapter's name in labels ({ref.chapter_data})
KIND = "chapter"
TEXT = """
# Data: the Digital Voicing Dataset and the Synthetic Corpus

## The Digital Voicing dataset

The dataset chosen for this research is the open sEMG silent speech corpus released by {citen.gaddy2020}.
It was chosen because it is the largest open, well documented sEMG silent speech dataset, because it
records the same sentences both silently and aloud (which is what makes digital voicing and the transfer
of targets from voiced to silent recordings possible), and because the authors' code and models are
public, so that the baselines can be reproduced rather than quoted. One speaker was recorded with an
OpenBCI Cyton board over WiFi: {dv_channels:noun(channel)} of monopolar facial and neck EMG at
{dv_rate}, gold-plated electrodes with conductive paste, and audio from a laptop microphone. The
published sizes are these (real data, as the authors describe it):

[[dataset]]

The closed vocabulary consists of dates and times generated from templates, recorded in one session;
the open vocabulary consists of sentences from books. The authors'
code has no closed-vocabulary split; their paper used a random split of {dv_closed_train} training,
{dv_closed_dev} dev and {dv_closed_test} test utterances, which this study's corpus follows for its
training size.

[[if synthetic]]
## Why a synthetic corpus

The real recordings are not downloaded by anything in this study, and they were not available to the
machines that ran it. So that every stage (features, training, decoding, latency, capture, release) runs
end to end and can be tested, the study generates an embedded synthetic corpus with the real dataset's
folder layout, file formats and recording conditions (silent and voiced recordings of a closed and an open
vocabulary). It does not have the real dataset's sizes: its closed vocabulary has about as many utterances, but
its open-vocabulary part is much smaller
[[if corpus]]
({ref.corpus_table})
[[end]]
.
[[if synth_closed_vocabulary]]
Its closed grammar of dates and times is also larger: its closed-vocabulary sentences use
{synth_closed_vocabulary:noun(distinct word)}, against {dv_closed_words} in the real recordings.
[[end]]
Everything produced from it is labelled synthetic in its tables and figures. The same notebooks read the
real dataset when they are pointed at it.
[[end]]

## The synthetic generator

The generator simulates {n_muscles:noun(muscle group)} (the lips, chin, cheek, the jaw closers and
openers, the tongue body and back, and the larynx) as independent EMG sources. Each of the
{n_phonemes:noun(phoneme)} of an English phone set has a target activation for every muscle group, taken
from a table of articulation; the target track of an utterance follows the phoneme timings of a speech
synthesiser (eSpeak NG), with per-instance jitter, a second-order smoothing that makes short phonemes
undershoot and neighbours bleed into each other (coarticulation), and a lead of the muscle activity over
the sound of a few tens of milliseconds. Each source is activation-modulated band-limited noise with
most of its power in the EMG band, and the {n_sites:noun(electrode site)} of the real dataset see the
sources through a mixing matrix derived from where each electrode sits over the anatomy, perturbed per
session to imitate electrode placement changing between days. Mains interference with its harmonics,
sensor noise, baseline drift, DC offsets and occasional movement artefacts are added. Silent speech
differs from voiced speech in three ways: the larynx is silent, the articulation is weaker (the generator
keeps the silent to voiced amplitude ratio of each channel between {silent_ratio_low} and
{silent_ratio_high}), and its timing is slower and more variable.

What the generator does not model matters as much. There is one simulated anatomy and one articulation
table, so the corpus has no real differences between speakers. The phoneme-to-activation table is a
simplification, so EMG patterns that real muscles produce and the table does not are missing. Voiced and
voiceless pairs (p and b, s and z) differ only through the larynx and are therefore indistinguishable in
silent EMG, which is realistic, but several vowels share near-identical targets, which is an artefact of
the table. The audio is synthetic speech from one voice, not a person recorded with a laptop microphone.
The sentences come from the generator's own grammars, and the held-out text that the language model
learns from comes from the same grammars: the language model therefore matches the test sentences far
better than a model trained on other text would match real ones (Chapter {ref.chapter_discussion}
discusses what this does to the results).

[[if corpus]]
## The study corpus

The study's corpus keeps the real dataset's closed-vocabulary training and test sizes and enlarges the dev
set, so that the choices made on it (early stopping, the LM weights) rest on more utterances. The closed vocabulary has {closed_train_silent:noun(training utterance)}
in each mode, with {closed_dev:noun(dev utterance)} and {closed_test:noun(test utterance)}; the open
vocabulary has {open_train_silent} silent and {open_train_voiced:noun(voiced training utterance)} (the
voiced ones include the non-parallel recordings), with {open_dev:noun(dev utterance)} and
{open_test:noun(test utterance)}. In all, the corpus holds {total_utterances:noun(utterance)} lasting
{total_minutes}. A closed-vocabulary utterance has about {closed_words} words and an open-vocabulary one
about {open_words}. Dev and test sentences are recorded in both modes, but only their silent recordings
are scored, and neither mode of a dev or test sentence is ever trained on.
[[if example_a]]
Two closed-vocabulary test sentences, as the normalised text reads them: "{example_a}" and "{example_b}".
[[end]]

[[corpus_table]]
[[end]]

## What the recordings look like

[[if mains]]
The study's preprocessing (Chapter {ref.chapter_features}) removes the mains hum and the drift:
averaged over {spectral_utterances:noun(utterance)}, the {mains_hz} mains peak stands {mains_raw} above its
spectral neighbourhood in the raw EMG and {mains_filtered} after filtering, while the share of power
inside the EMG band changes from {band_raw} to {band_filtered}.
[[end]]
[[if rms_ratio]]
Silent articulation is weaker than voiced: the mean RMS of the filtered EMG is {rms_silent} for silent and
{rms_voiced} for voiced utterances, {rms_ratio} as much when voiced. The generator sets this ratio per
channel (as described above), following the weaker activity of silent articulation in the real
recordings, so the number describes the generator's setting rather than a measurement of people; a model that
reads silent EMG works with the weaker signal either way.
[[end]]

[[figures]]
"""


def values(ctx) -> dict:
    r = ctx.r
    src = lambda key: code("semg_study.report.literature", "DATASET", key)  # noqa: E731
    kinds = {"rate_hz": "hz", "channels": "int", "closed_utterances": "count", "closed_silent_min": "min",
             "closed_voiced_min": "min", "closed_words": "count", "open_parallel_utterances": "count",
             "open_silent_h": "h", "open_voiced_h": "h", "nonparallel_utterances": "count", "nonparallel_h": "h",
             "total_h": "h", "vocabulary_words": "count", "closed_dev": "count", "closed_test": "count",
             "closed_train": "count"}
    dv = {k: Q(lit.DATASET[k], kinds[k], src(k)) for k in kinds}
    from semg_study.synth import emg_model
    from semg_study.text import PHONEMES

    ns = {f"dv_{k.replace('_hz', '').replace('channels', 'channels')}": v for k, v in dv.items()}
    ns.update({"dv_rate": dv["rate_hz"], "dv": dv,
               "n_muscles": Q(len(emg_model.MUSCLES), "int", derived("len", code("semg_study.synth.emg_model", "MUSCLES"))),
               "n_sites": Q(emg_model.N_CHANNELS, "int", code("semg_study.synth.emg_model", "N_CHANNELS")),
               "n_phonemes": Q(len(PHONEMES) - 1, "int", derived("difference", derived("len", code("semg_study.text", "PHONEMES")),
                                                                   Source("structure", (1,)))),
               "silent_ratio_low": Q(emg_model.TARGET_RANGES_UV["silent_to_voiced_rms_ratio"][0], "ratio",
                                     code("semg_study.synth.emg_model", "TARGET_RANGES_UV", "silent_to_voiced_rms_ratio", 0)),
               "silent_ratio_high": Q(emg_model.TARGET_RANGES_UV["silent_to_voiced_rms_ratio"][1], "ratio",
                                      code("semg_study.synth.emg_model", "TARGET_RANGES_UV", "silent_to_voiced_rms_ratio", 1))})
    parts = {(p.vocabulary, p.split, p.mode): p for p in r.corpus}
    if parts:
        def get(v, s, m, field="utterances"):
            p = parts.get((v, s, m))
            return getattr(p, field) if p else None
        ns.update({"corpus": True,
                   "closed_train_silent": get("closed", "train", "silent"),
                   "closed_dev": get("closed", "dev", "silent"), "closed_test": get("closed", "test", "silent"),
                   "open_train_silent": get("open", "train", "silent"), "open_train_voiced": get("open", "train", "voiced"),
                   "open_dev": get("open", "dev", "silent"), "open_test": get("open", "test", "silent"),
                   "closed_words": get("closed", "test", "silent", "words"),
                   "open_words": get("open", "test", "silent", "words")})
        utts = [p.utterances for p in r.corpus]
        mins = [p.minutes for p in r.corpus]
        ns["total_utterances"] = r.q(sum(q.value for q in utts), "count", derived("sum", *[q.source for q in utts]))
        ns["total_minutes"] = r.q(sum(q.value for q in mins) / 60.0, "h",
                                  derived("sum", *[q.source for q in mins], scale=1 / 60.0))
    vocabulary = r.tables.get("01_vocabulary") or {}
    closed = [i for i, x in enumerate(vocabulary.get("rows") or [])
              if x["values"].get("condition") == "closed" and x["values"].get("vocabulary") is not None]
    if closed:  # the closed condition's vocabulary size (the same on each of its rows)
        i = closed[0]
        ns["synth_closed_vocabulary"] = r.q(vocabulary["rows"][i]["values"]["vocabulary"], "count", Source(
            "tables/01_vocabulary.json", ("rows", i, "values", "vocabulary")))
    if len(r.live) >= 2:
        ns["example_a"], ns["example_b"] = _example(r, 1), _example(r, 2)
    f = r.facts
    if "mains_db.raw" in f and "mains_db.filtered" in f:
        ns.update({"mains": True, "mains_hz": f.get("fc.mains_hz"), "mains_raw": f["mains_db.raw"], "mains_filtered": f["mains_db.filtered"],
                   "band_raw": f["band_share.raw"], "band_filtered": f["band_share.filtered"],
                   "spectral_utterances": f["spectral_utterances"]})
    if "rms.ratio" in f:
        ns.update({"rms_ratio": f["rms.ratio"], "rms_silent": f["rms.silent"], "rms_voiced": f["rms.voiced"]})
    return ns


def _example(r, i):
    return r.q(r.live[i].reference, "text", Source("tables/08_live_decoding.json", ("rows", i, "values", "reference")))


def blocks(ctx, ns) -> dict:
    r = ctx.r

    def dataset():
        d = ns["dv"]
        rows = [["closed vocabulary (dates and times)", d["closed_utterances"], d["closed_silent_min"],
                 d["closed_voiced_min"], d["closed_words"]],
                ["open vocabulary, parallel (books)", d["open_parallel_utterances"], d["open_silent_h"],
                 d["open_voiced_h"], ""],
                ["open vocabulary, non-parallel (voiced only)", d["nonparallel_utterances"], "", d["nonparallel_h"], ""]]
        # the authors' total is quoted as they state it, not placed under one mode's column
        caption = ("The real Digital Voicing dataset as its authors published it (real data, not this study's "
                   "corpus): utterances, duration of the silent and voiced recordings, and vocabulary size. The "
                   "authors state a total of {dv.total_h} of recordings and a vocabulary of "
                   "{dv.vocabulary_words:noun(word)} over all conditions.")
        return [ctx.table("dataset", caption, ns, ["condition", "utterances", "silent", "voiced", "vocabulary (words)"],
                          rows, widths=[3.2, 1, 1, 1, 1.2])]

    def corpus_table():
        order = {"train": 0, "dev": 1, "test": 2}
        rows = [[p.vocabulary, p.split, p.mode, p.utterances, p.sessions, p.minutes, p.words, p.vocabulary_size]
                for p in sorted(r.corpus, key=lambda p: (p.vocabulary != "closed", order.get(p.split, 3), p.mode))]
        splits = sorted({p.split for p in r.corpus} & {"dev", "test"})
        caption = ("The synthetic study corpus per vocabulary (" + join(sorted({p.vocabulary + " vocabulary" for p in r.corpus}))
                   + "), split (train, " + join([f"{s}" for s in splits]) + ") and mode (silent and voiced recordings): "
                   "utterances, sessions, duration, mean words per utterance and distinct words.")
        return [ctx.table("corpus_table", caption, ns, ["vocabulary", "split", "mode", "utterances", "sessions",
                                                        "duration", "words per utterance", "distinct words"], rows)]

    def figures():
        out = []
        for name in ("01_raw_vs_filtered", "01_spectra", "01_silent_vs_voiced"):
            out += ctx.notebook_figure(name, width=0.85)
        return out
    return {"dataset": dataset, "corpus_table": corpus_table, "figures": figures}
