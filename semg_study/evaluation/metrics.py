"""Corpus-level WER and CER, per-utterance errors and alignments (jiwer 4.0).

Two rules, both fixing defects of the dissertation's code:

* **Corpus level** (defect 5 averaged per-sentence WERs): WER is the total of
  substitutions + deletions + insertions over the total number of reference
  words, computed by jiwer from the *whole lists*. A short sentence with one
  error no longer weighs as much as a long one. :func:`mean_sentence_wer`
  exists only to show the difference.
* **One normalisation**: references and hypotheses both go through
  :func:`semg_study.text.normalize_text` before scoring, so punctuation and case
  never count as errors on either side.

Empty references or hypotheses are allowed. A corpus with no reference words
has no defined WER (reported as ``None``); an utterance with an empty
reference has WER 0 when the hypothesis is empty too, else ``None`` (its
insertions still count in the corpus totals).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Iterable, Sequence

import jiwer

from semg_study.text import normalize_text


@dataclass
class UtteranceErrors:
    id: str
    reference: str  # normalised
    hypothesis: str  # normalised
    words: int
    hits: int
    substitutions: int
    deletions: int
    insertions: int
    characters: int
    character_errors: int

    @property
    def word_errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float | None:
        return _rate(self.word_errors, self.words)

    @property
    def cer(self) -> float | None:
        return _rate(self.character_errors, self.characters)

    def as_dict(self) -> dict:
        out = asdict(self)
        out.update(word_errors=self.word_errors, wer=self.wer, cer=self.cer)
        return out


@dataclass
class CorpusScore:
    wer: float | None
    cer: float | None
    utterances: list[UtteranceErrors]
    counts: dict

    def as_dict(self, with_utterances: bool = False) -> dict:
        out = {"wer": self.wer, "cer": self.cer, "counts": dict(self.counts)}
        if with_utterances:
            out["utterances"] = [u.as_dict() for u in self.utterances]
        return out


def _rate(errors: int, total: int) -> float | None:
    if total == 0:
        return 0.0 if errors == 0 else None
    return errors / total


def _normalised(texts: Iterable[str], what: str) -> list[str]:
    out = []
    for i, t in enumerate(texts):
        if t is None:
            raise ValueError(f"{what} {i} is None")
        out.append(normalize_text(str(t)))
    return out


def _check_lengths(references: Sequence[str], hypotheses: Sequence[str]) -> None:
    if len(references) != len(hypotheses):
        raise ValueError(f"{len(references)} references but {len(hypotheses)} hypotheses")


def corpus_wer(references: Sequence[str], hypotheses: Sequence[str]) -> float | None:
    """Corpus-level WER of normalised lists (``None`` if there are no reference words)."""
    return score(references, hypotheses).wer


def corpus_cer(references: Sequence[str], hypotheses: Sequence[str]) -> float | None:
    return score(references, hypotheses).cer


def mean_sentence_wer(references: Sequence[str], hypotheses: Sequence[str]) -> float | None:
    """The mean of per-sentence WERs: what defect 5 reported. Not the study's metric."""
    rates = [u.wer for u in score(references, hypotheses).utterances if u.wer is not None]
    return sum(rates) / len(rates) if rates else None


def score(references: Sequence[str], hypotheses: Sequence[str],
          ids: Sequence[str] | None = None) -> CorpusScore:
    """Score a whole corpus: corpus WER/CER from jiwer on the full lists, plus per-utterance errors."""
    references, hypotheses = list(references), list(hypotheses)
    _check_lengths(references, hypotheses)
    ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(len(references))]
    if len(ids) != len(references):
        raise ValueError(f"{len(ids)} ids for {len(references)} references")
    refs = _normalised(references, "reference")
    hyps = _normalised(hypotheses, "hypothesis")

    utterances: list[UtteranceErrors] = []
    for uid, ref, hyp in zip(ids, refs, hyps):
        words = jiwer.process_words(ref, hyp)
        chars = jiwer.process_characters(ref, hyp)
        utterances.append(UtteranceErrors(
            id=uid, reference=ref, hypothesis=hyp, words=len(ref.split()),
            hits=words.hits, substitutions=words.substitutions, deletions=words.deletions,
            insertions=words.insertions, characters=len(ref),
            character_errors=chars.substitutions + chars.deletions + chars.insertions))

    counts = {
        "utterances": len(utterances),
        "reference_words": sum(u.words for u in utterances),
        "hits": sum(u.hits for u in utterances),
        "substitutions": sum(u.substitutions for u in utterances),
        "deletions": sum(u.deletions for u in utterances),
        "insertions": sum(u.insertions for u in utterances),
        "reference_characters": sum(u.characters for u in utterances),
        "character_errors": sum(u.character_errors for u in utterances),
        "empty_references": sum(1 for u in utterances if not u.reference),
        "empty_hypotheses": sum(1 for u in utterances if not u.hypothesis),
    }
    counts["word_errors"] = counts["substitutions"] + counts["deletions"] + counts["insertions"]
    # jiwer, given the whole lists, is the corpus-level figure; it is only defined
    # when there is at least one reference word (character).
    wer = jiwer.wer(refs, hyps) if counts["reference_words"] else _rate(counts["word_errors"], 0)
    cer = jiwer.cer(refs, hyps) if counts["reference_characters"] else _rate(counts["character_errors"], 0)
    return CorpusScore(wer=float(wer) if wer is not None else None,
                       cer=float(cer) if cer is not None else None,
                       utterances=utterances, counts=counts)


def render_alignment(reference: str, hypothesis: str) -> str:
    """A REF/HYP alignment with S/D/I marks of one normalised pair (for error analysis)."""
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    if not ref and not hyp:
        return "REF: \nHYP: \n"
    if not ref:
        return f"REF: {'*' * len(hyp)}\nHYP: {hyp}\n     (all insertions)\n"
    text = jiwer.visualize_alignment(jiwer.process_words(ref, hyp), show_measures=False, skip_correct=False)
    lines = [line for line in text.splitlines() if not line.startswith("=== SENTENCE")]
    return "\n".join(lines).strip("\n") + "\n"


def worst_utterances(utterances: Sequence[UtteranceErrors], k: int = 5) -> list[UtteranceErrors]:
    """The ``k`` utterances with the most word errors (ties: higher WER first, then id)."""
    return sorted(utterances, key=lambda u: (-u.word_errors, -(u.wer or 0.0), u.id))[:k]


def alignment_report(utterances: Sequence[UtteranceErrors], k: int = 5) -> str:
    """Alignments of the ``k`` worst utterances, one block each."""
    blocks = []
    for u in worst_utterances(utterances, k):
        wer = "n/a" if u.wer is None else f"{u.wer:.2f}"
        blocks.append(f"[{u.id}] errors={u.word_errors} (S={u.substitutions} D={u.deletions} "
                      f"I={u.insertions}) WER={wer}\n" + render_alignment(u.reference, u.hypothesis))
    return "\n".join(blocks)
