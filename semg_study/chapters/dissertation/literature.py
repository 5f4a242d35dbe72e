"""Chapter: Literature review (silent speech interfaces, AlterEgo, the Digital Voicing line of work, the
original dissertation's proposed directions, latency). The published numbers are real-data results, in their
own table."""
from __future__ import annotations

from semg_study.report import literature as lit
from semg_study.report.thesis.values import Q, Source

KIND = "chapter"
TEXT = """
# Literature Review

## Silent speech interfaces

A silent speech interface recovers speech from signals other than the acoustic one ({cite.denby2010}).
The sensing options span the whole speech chain: imaging of the tongue and lips (ultrasound and video),
articulography with magnets or coils attached to the articulators, surface electromyography of the
articulatory muscles, and recordings of the brain itself, from scalp EEG to implanted electrodes. A
recent review for speech restoration ({cite.gonzalez2020}) separates two tasks that these interfaces
address: recognition, which maps the signal to text, and direct synthesis, which maps it to audio. It
points out that the non-invasive sensors trade signal quality for practicality, and that the field's
results are still mostly obtained on a handful of speakers in laboratory sessions.

Surface EMG is attractive because it is cheap, non-invasive and wearable, and because the muscles it
records are active during silent articulation as well as during normal speech. Early continuous sEMG
recognisers used hand-crafted time-domain features of each channel ({cite.jou2006}) and modelled the
coarticulation between neighbouring phones explicitly ({cite.schultz2010}); the features of
{citen.jou2006} are still the input of one of the baselines in this study (Chapter {ref.chapter_features}).

### AlterEgo

AlterEgo ({cite.kapur2018}) is the best known wearable sEMG interface. A headset places electrodes on
the face and jaw, records the neuromuscular activity of internal articulation (the user "speaks" without
moving the face visibly), and a convolutional network classifies the signal into words of a small
vocabulary. Its answers come back through bone-conduction audio, so the whole interaction stays
private. AlterEgo shows that a closed-loop silent interface can work in real time for a personal user,
but it works with small vocabularies and user-specific training, and neither its data nor its code are
public. It motivated the initiation document's interest in convolutional front ends for EMG.

## The Digital Voicing dataset and its models

{citen.gaddy2020} released the largest open sEMG silent speech corpus (Chapter {ref.chapter_data}
describes it) and introduced digital voicing: a model converts silent EMG to audio features, trained by
transferring targets from voiced recordings of the same sentences, and an ASR system or a listener then
transcribes the synthesised audio. An improved voicing model followed ({cite.gaddy2021}). The authors
then trained a direct EMG-to-text model with CTC and an n-gram language model ({cite.gaddy2022}): a
residual convolutional front end over the raw EMG and a Transformer encoder with relative positions.
That model is the strongest open baseline with code, and Chapter {ref.chapter_models} reimplements it.
Later work improved the open-vocabulary error further with cross-modal training and an ensemble whose
output is rescored by a large language model ({cite.benster2024}), and with an EMG adaptor feeding a
frozen large language model on the closed vocabulary ({cite.mohapatra2025}).

[[published]]

These numbers were measured on the real recordings with each author's own split, decoder and amount of
training, so they are context for this study, not targets it could be compared with: Chapter
{ref.chapter_discussion} returns to this. None of these works reports how long its model takes to
answer.

## Proposed directions for research

The original dissertation proposed three directions before any experiment was run. Each is restated
here with what this study made of it.

### Text classification

On the closed vocabulary, every utterance is a date or a time from a small grammar, so recognition could
be posed as classification over a fixed set of sentences instead of as open transcription. This study
keeps transcription throughout, so that the closed and open vocabularies are scored by the same models
and the same metric; the word language model of the beam search (Chapter {ref.chapter_ctc}) is how the
closed grammar's structure enters the decoder instead.

### Data augmentation

The dataset is small by the standards of speech recognition, and generative models such as GANs
({cite.goodfellow2014}) or variational autoencoders ({cite.kingma2014}) could synthesise more EMG. This
study uses two simpler forms of augmentation: signal-level perturbations during training (time shift,
channel gain and, at larger sizes, masking, in the spirit of {cite.park2019}), whose effect the ablations
measure, and a physiologically motivated generator of whole synthetic corpora (Chapter
{ref.chapter_data}). A learned generator remains future work (Chapter {ref.chapter_future_work}).

### Improving the existing model

The original proposals were an architecture search with reinforcement learning ({cite.zoph2017}) and
capsule layers on top of convolutional feature extractors ({cite.sabour2017}). The first needs many more
training runs than a small dataset and a small compute budget allow. This study instead improves the
existing model by design: MyoStream (Chapter {ref.chapter_models}) keeps the dataset authors' raw-EMG
front end idea but makes every layer causal, adds electrode-specific processing, a Conformer-style
convolution module ({cite.gulati2020}) and per-session adaptation, and is tested component by component.

## Latency

Inference time was the second metric of the initiation document. The models above are evaluated offline,
one utterance at a time, and none is built to answer while the user is still speaking: a bidirectional
or full-context encoder needs the whole utterance before it can emit the first word. Streaming speech
recognisers solve this with limited look-ahead and chunked attention, at some cost in accuracy; this
study measures both sides of that trade-off for EMG (Chapter {ref.chapter_latency}).
"""


def values(ctx) -> dict:
    return {}


def blocks(ctx, ns) -> dict:
    def published():
        rows = []
        for i, p in enumerate(lit.PUBLISHED):
            src = lambda field: Source("code:semg_study.report.literature", ("PUBLISHED", i, field))  # noqa: E731
            # every rate in percent: a fraction (Mohapatra et al. give theirs to two decimals) is shown times
            # 100, in whole percent, the precision it was given with
            kind, scale = ("pct", 1.0) if p.unit == "%" else ("pct0", 100.0)
            rate = lambda field: Q(getattr(p, field) * scale, kind, Source(  # noqa: E731
                "code:semg_study.report.literature", ("PUBLISHED", i, field), scale))
            cite = ctx.common()["cite"].__getattr__(p.key)
            note = [ctx.ledger.value(Q(p.note, "text", src("note")))] if p.note else []
            if p.baseline is not None:
                note.append("their baseline " + ctx.ledger.value(rate("baseline")))
            rows.append([Q(p.work, "text", src("work")), cite, p.vocabulary, p.mode,
                         Q(p.split, "text", src("split")), Q(p.system, "text", src("system")), rate("wer"),
                         "; ".join(note)])
        caption = ("Published word error rates on the real Digital Voicing recordings, as their authors report "
                   "them: real data with each author's own split, model size and training, quoted here and not "
                   "reproduced; they do not share a table with this study's results. Mohapatra et al. give their "
                   "rates as fractions; they are shown here in percent.")
        return [ctx.table("published", caption, ns, ["work", "source", "vocabulary", "EMG", "split", "system",
                                                     "WER", "note"], rows, widths=[3, 2.2, 1.4, 1.2, 1.6, 3, 1, 1.6])]
    return {"published": published}
