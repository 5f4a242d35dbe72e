"""Corpus-level WER/CER, one normalisation for both sides, per-utterance errors, alignments."""
from __future__ import annotations

import pytest

from semg_study.evaluation.metrics import (alignment_report, corpus_cer, corpus_wer,
                                           mean_sentence_wer, render_alignment, score,
                                           worst_utterances)


def test_wer_is_corpus_level_not_a_mean_of_sentences():
    references = ["yes no", "the quick brown fox jumps over the lazy dog again"]
    hypotheses = ["yes go", "the quick brown fox jumps over the lazy dog again"]
    # One error in twelve reference words, versus (1/2 + 0/10) / 2 per sentence.
    assert corpus_wer(references, hypotheses) == pytest.approx(1 / 12)
    assert mean_sentence_wer(references, hypotheses) == pytest.approx(0.25)
    result = score(references, hypotheses)
    assert result.wer == pytest.approx(result.counts["word_errors"] / result.counts["reference_words"])


def test_references_and_hypotheses_share_one_normalisation():
    references = ["The Cat, sat on the MAT!", "It's 11:50 p.m.", "Well-known"]
    hypotheses = ["the cat sat on the mat", "its 11 50 pm", "well known"]
    result = score(references, hypotheses)
    assert result.wer == 0 and result.cer == 0
    # ... and the rule applies to hypotheses as well as references.
    assert score(hypotheses, references).wer == 0


def test_per_utterance_errors_count_substitutions_deletions_insertions():
    result = score(["a b c d", "e f", "g"], ["a x c", "e f h", "g"], ids=["u1", "u2", "u3"])
    u1, u2, u3 = result.utterances
    assert (u1.id, u1.hits, u1.substitutions, u1.deletions, u1.insertions) == ("u1", 2, 1, 1, 0)
    assert (u2.hits, u2.substitutions, u2.deletions, u2.insertions) == (2, 0, 0, 1)
    assert u3.word_errors == 0 and u3.wer == 0.0
    assert result.counts["word_errors"] == 3 and result.counts["reference_words"] == 7
    assert result.wer == pytest.approx(3 / 7)
    assert u1.as_dict()["wer"] == pytest.approx(0.5)


def test_empty_references_and_hypotheses_do_not_crash():
    result = score(["", "a b", ""], ["", "", "x y"])
    assert result.counts["empty_references"] == 2 and result.counts["empty_hypotheses"] == 2
    assert result.counts["deletions"] == 2 and result.counts["insertions"] == 2
    assert result.wer == pytest.approx(4 / 2)  # insertions count against the corpus
    assert result.utterances[0].wer == 0.0 and result.utterances[2].wer is None
    assert score([""], [""]).wer == 0.0
    assert score([""], ["x"]).wer is None  # no reference words: undefined
    assert corpus_cer(["ab"], [""]) == 1.0
    assert "all insertions" in render_alignment("", "x y")
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        score(["a", "b"], ["a"])


def test_alignment_of_the_worst_utterances():
    result = score(["a b c", "a b c d e f", "same"], ["a b c", "a x c e f g", "same"],
                   ids=["good", "bad", "fine"])
    assert [u.id for u in worst_utterances(result.utterances, 2)] == ["bad", "fine"]
    text = render_alignment("A b C d e f.", "a x c e f g")
    ref_line, hyp_line, marks = text.splitlines()[:3]
    assert ref_line.startswith("REF: a b c d e f")
    assert hyp_line.startswith("HYP: a x c")
    assert {"S", "D", "I"} <= set(marks)
    report = alignment_report(result.utterances, k=1)
    assert report.startswith("[bad] errors=3 (S=1 D=1 I=1)")
