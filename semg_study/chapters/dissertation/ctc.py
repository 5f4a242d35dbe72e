"""Chapter: Connectionist Temporal Classification, decoding and the error rates (shared by every model)."""
from __future__ import annotations

from semg_study.report.thesis.common import ci_level, code_value

KIND = "chapter"
TEXT = """
# Connectionist Temporal Classification and Decoding

Every model in this study, whatever its input, is trained with the same objective and decoded by the same
two decoders. This chapter states them once.

## The alignment problem

A speech recogniser must know which part of its input belongs to which part of the transcript. People
speak at different rates, and the same person stretches and shortens sounds from one utterance to the
next, whether the input is audio or the EMG of the articulators; so no fixed number of input frames
corresponds to a character. Hand-labelling the alignment of every character would solve the problem for
training, but it is slow and does not scale beyond a small corpus, and for silent speech there is no
audio to align against at all.

## The CTC objective

Connectionist Temporal Classification ({cite.graves2006}) trains a model without any alignment. The
model emits, for each of its output frames, a distribution over the output symbols plus one extra symbol,
the blank. A path is one symbol per frame; collapsing a path (merging repeated symbols, then removing the
blanks) gives a transcript, and many paths collapse to the same one. CTC defines the probability of a
transcript as the total probability of all the paths that collapse to it,

[[ctc]]

where the sum runs over every path in the preimage of the transcript under the collapsing map and each
frame's symbol is drawn independently given the input. The loss is the negative logarithm of this
probability, computed exactly by dynamic programming over the paths. The blank lets a model emit nothing
for most frames and separates repeated characters ("ll" needs a blank between the two letters). Every
model here outputs {n_symbols:noun(symbol)}: the blank, the space, the letters and the digits, after one
text normalisation applied to references and hypotheses alike.

## Decoding

Greedy decoding takes the most probable symbol of every frame and collapses the path. It needs no
language knowledge and costs almost nothing. Beam search instead keeps the best partial transcripts
while it reads the frames and scores each complete word sequence by

[[beam]]

the CTC log-probability of the word sequence plus a language model's log-probability weighted by the LM
weight, plus a bonus per word that counters the language model's preference for short outputs. Here the
search is restricted to the words of a lexicon and the language model is a word n-gram model
(Chapter {ref.chapter_protocol} gives its order, its text and how its two weights are chosen).

## Error rates and their uncertainty

The word error rate (WER) counts the substitutions, deletions and insertions needed to turn the
hypothesis into the reference, summed over all utterances of a test set and divided by the number of
reference words:

[[wer]]

It is a corpus-level rate, a ratio of sums, not the mean of per-utterance rates (averaging per sentence
over-weights short utterances and was one of the defects of the original code). The character error rate
(CER) is the same over characters.

Every corpus-level error rate in the results tables carries a {ci_level} confidence interval from a bootstrap over
utterances ({cite.efron1993}): the utterances of the test set are resampled with replacement
{n_resamples:noun(time)}, the corpus-level rate is recomputed on each resample, and the interval is
formed from the percentiles of those rates. Two models scored on the same utterances are compared with a
paired bootstrap, which draws the same utterances for both and so cancels the variation they share: the
difference of their error rates gets an interval, and the verdict is "better" when the whole interval
lies below zero, "worse" when it lies above and "no significant difference" when it contains zero. When a
model was trained with several seeds, the bootstrap also resamples its seeds, so that the interval covers
the variation between training runs as well as between utterances.
"""


def values(ctx) -> dict:
    r = ctx.r
    return {"ci_level": ci_level(r),
            "n_symbols": _symbols(r),
            "n_resamples": code_value(r, "count", "semg_study.evaluation.confidence", "N_RESAMPLES")}


def _symbols(r):
    from semg_study.report.thesis.values import Q, code, derived
    from semg_study.text import VOCAB

    return Q(len(VOCAB.symbols), "int", derived("len", code("semg_study.text", "VOCAB", "symbols")))


def blocks(ctx, ns) -> dict:
    def eq(name, typst, latex):
        return lambda: [ctx.equation(name, typst, latex)]
    return {
        "ctc": eq("eq_ctc", 'p(bold(y) | bold(x)) = sum_(pi in cal(B)^(-1)(bold(y))) product_t p(pi_t | bold(x))',
                  r"p(\mathbf{y} \mid \mathbf{x}) = \sum_{\pi \in \mathcal{B}^{-1}(\mathbf{y})} \prod_t "
                  r"p(\pi_t \mid \mathbf{x})"),
        "beam": eq("eq_beam", 'op("score")(bold(w)) = log p_"CTC" (bold(w) | bold(x)) + alpha log p_"LM" (bold(w)) '
                              '+ beta |bold(w)|',
                   r"\mathrm{score}(\mathbf{w}) = \log p_{\mathrm{CTC}}(\mathbf{w} \mid \mathbf{x}) + \alpha \log "
                   r"p_{\mathrm{LM}}(\mathbf{w}) + \beta |\mathbf{w}|"),
        "wer": eq("eq_wer", 'op("WER") = (sum_u (S_u + D_u + I_u)) / (sum_u N_u)',
                  r"\mathrm{WER} = \frac{\sum_u (S_u + D_u + I_u)}{\sum_u N_u}"),
    }
