"""Chapter: Introduction (motivation, objectives, questions, contributions, structure)."""
from __future__ import annotations

from semg_study.report.thesis.values import Q, derived, code

KIND = "chapter"
TEXT = """
# Introduction

## Motivation

Speech is the most natural interface people have, yet every voice interface asks its user to speak
aloud. A silent speech interface removes that requirement: it reads the movements of articulation
instead of the sound, so that a user can mouth a sentence without voicing it and still be understood
by a machine. Surface electromyography (sEMG) is one of the most practical ways to do this. Electrodes
on the skin of the face and neck record the electrical activity of the muscles that move the lips, jaw
and tongue, and a model transcribes that activity into text.

The project initiation document (Appendix {ref.chapter_appendix_initiation}) gives four reasons why such
an interface is worth building.

- Privacy of conversation: a voice assistant broadcasts everything its user says to the room, while a
  silent interface needs no audible speech at all.
- Eavesdropping: voice interfaces listen continuously for a trigger word; a silent interface can be
  started deliberately, by the user, and hears nothing else.
- Attention: voice interaction works only close to the device and with the user's full attention on
  what they say and how the device answers; electrodes on the skin record the intended speech directly,
  wherever the user is.
- Speech impairment: people who cannot voice speech reliably, for example people with dysphonia from
  multiple sclerosis or after laryngeal surgery, still move their articulators, and could use an
  interface that does not depend on the voice.

The first three benefit every user; the last could matter most. All of them depend on two properties
that this dissertation measures: how accurately silent speech can be transcribed, and how quickly the
interface answers once the user stops speaking. A response that takes more than a few hundred
milliseconds makes a conversational interface uncomfortable to use, which is why latency is treated here
as a result in its own right and not as an afterthought.

## Objectives

The initiation document sets {n_objectives:words} objectives, restated here in the order of the document;
Chapter {ref.chapter_scorecard} returns to each of them with the evidence this study produced.

- Replicate existing open-source approaches to sEMG silent speech recognition, then build a model that
  outperforms them on at least one metric: word error rate, or inference time at a similar word error
  rate.
- Acquire an OpenBCI board and record EMG, first from the author and then from other participants, to
  make models robust to different speakers.
- Release the final model and the recorded data (from consenting participants) openly, with the code,
  parameters and environment needed to reproduce them.

## Research questions

The objectives translate into four questions, each answered by a chapter of results.

- How well do established models transcribe silent EMG when they are trained and scored with one
  pipeline, one split and one decoder (Chapters {ref.chapter_audio_baselines} and
  {ref.chapter_emg_baselines})?
- Does MyoStream, the streaming model proposed here, transcribe silent EMG more accurately than those
  baselines (Chapter {ref.chapter_myostream})?
- Which of MyoStream's components contribute to its accuracy (Chapter {ref.chapter_ablations})?
- Does it answer fast enough for live use, and at what cost in accuracy (Chapter {ref.chapter_latency})?

[[if synthetic]]
## The data this version of the study ran on

The real Digital Voicing recordings were not available to the machines that produced this document.
Every result in it comes from a synthetic corpus with the real dataset's folder layout, file formats and
recording conditions but not its sizes (Chapter {ref.chapter_data} describes the generator, what it models
and what it does not, and how the corpus's sizes differ from the real dataset's). The synthetic
corpus makes the whole pipeline runnable and every comparison fair between models, but it does not say
how well real silent speech can be recognised. Each chapter says so where it matters, and the
published results on the real recordings are quoted separately, never in the same table as this
study's numbers.
[[end]]

## Contributions

- A reproducible study: every figure, table and number in this document is computed by the study's
  notebooks from its data and trained runs, and each is traced back to its source when the document is
  built; a number that cannot be traced to its source, or that disagrees with it at its printed rounding,
  stops the build. The check covers numbers and the labels of their sentences, not every word of the argument,
  which remains the author's.
- The original dissertation's audio baselines, regenerated with the defects of its code fixed, each
  defect with its own test (Chapter {ref.chapter_audio_baselines}).
- Two EMG baselines under one protocol: DeepSpeech2 on hand-crafted EMG features, and a reimplementation
  of the dataset authors' direct EMG-to-text Transformer ({cite.gaddy2022}).
- MyoStream, a causal Conformer for raw EMG that decodes a live stream chunk by chunk with the same
  output as a full pass, its ablations and its latency (Chapters {ref.chapter_models} to
  {ref.chapter_latency}).
- The acquisition and release path: OpenBCI capture into the dataset's layout, replay checks, live
  decoding, and a consent-gated release of data and models with checksums (Chapters
  {ref.chapter_participants} and {ref.chapter_release}).

## Structure of this dissertation

Chapter {ref.chapter_literature} reviews silent speech interfaces and the work on the Digital Voicing
dataset, and Chapter {ref.chapter_ctc} the training objective and decoding every model here shares.
Chapters {ref.chapter_data} and {ref.chapter_features} describe the data and the features, Chapter
{ref.chapter_models} the three model families and Chapter {ref.chapter_protocol} how they are trained and
scored. Chapters {ref.chapter_audio_baselines} to {ref.chapter_latency} give the results, Chapters
{ref.chapter_participants} and {ref.chapter_release} the acquisition and the release. Chapter
{ref.chapter_discussion} discusses what the results mean and what limits them, Chapter
{ref.chapter_scorecard} scores each objective, and Chapters {ref.chapter_future_work} and
{ref.chapter_conclusion} close.
"""


def values(ctx) -> dict:
    from semg_study.chapters.dissertation import scorecard

    n = len(scorecard.OBJECTIVES_OF_DOCUMENT)
    return {"n_objectives": Q(n, "int", derived("len", code("semg_study.chapters.dissertation.scorecard",
                                                             "OBJECTIVES_OF_DOCUMENT")))}
