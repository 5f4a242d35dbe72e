"""Prompt text for the synthetic corpus and for live capture.

Two generators, both offline and deterministic for a seed:

* :func:`closed_vocab_prompts` — dates and times from templates, written the
  raw way the real closed-vocabulary data is ("February 17th 1987",
  "sunday march 10th", "11:50 pm", "july 31 1999", "monday february 28"): digits,
  colons and ordinals, so the text normaliser is exercised. Spoken aloud
  (:func:`speak_closed_vocab`) they use about 67 words, like the real set.
* :func:`open_sentences` — sentences from a small probabilistic grammar
  (S -> NP VP; NP -> Det Adj* N PP?; VP -> V NP PP? | V Adv | ...) over a
  hand-written lexicon of more than 1,000 words, every one in the CMU
  pronouncing dictionary, with capitals and punctuation in the raw text. The
  word order has real structure, so a word n-gram language model helps. The
  word lists and the lexicon are :mod:`semg_study.synth.open_lexicon`.
"""
from __future__ import annotations

import functools
import random
import re

from semg_study.synth.open_lexicon import (CONJUNCTIONS, DETERMINERS_PLURAL, DETERMINERS_SINGULAR, OBJECT_PRONOUNS,
                                          QUESTION_WORDS, SUBJECT_PRONOUNS, TIME_PHRASES, Lexicon,
                                          cmu_pronunciations, lexicon)
from semg_study.text import normalize_text

# ---------------------------------------------------------------------------
# Closed vocabulary: dates and times

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ONES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
         "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
         "nineteen")
_TENS = {2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy", 8: "eighty", 9: "ninety"}
_ORDINAL_ONES = ("zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
                 "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth",
                 "sixteenth", "seventeenth", "eighteenth", "nineteenth")
_ORDINAL_TENS = {2: "twentieth", 3: "thirtieth"}


def _cardinal(n: int) -> str:
    if n < 20:
        return _ONES[n]
    tens, ones = divmod(n, 10)
    return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])


def _ordinal(n: int) -> str:
    if n < 20:
        return _ORDINAL_ONES[n]
    tens, ones = divmod(n, 10)
    return _ORDINAL_TENS[tens] if ones == 0 else _TENS[tens] + " " + _ORDINAL_ONES[ones]


def _ordinal_suffix(n: int) -> str:
    if 11 <= n % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _year_words(year: int) -> str:
    if year == 2000:
        return "two thousand"
    if 2001 <= year <= 2009:
        return "two thousand " + _ONES[year - 2000]
    century, rest = divmod(year, 100)
    if rest == 0:
        return _cardinal(century) + " hundred"
    if rest < 10:
        return _cardinal(century) + " oh " + _ONES[rest]
    return _cardinal(century) + " " + _cardinal(rest)


_TOKEN = re.compile(r"(\d{1,2}):(\d{2})|(\d+)(st|nd|rd|th)|(\d{4})|(\d{1,2})|([a-z]+)")


def speak_closed_vocab(text: str) -> str:
    """The words a speaker says for a date/time prompt (lower case, no digits).

    ``"February 17th 1987"`` -> ``"february seventeenth nineteen eighty seven"``,
    ``"11:50 pm"`` -> ``"eleven fifty p m"``, ``"7:05 am"`` -> ``"seven oh five a m"``.
    """
    words: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        hour, minute, ord_num, _, year, number, word = m.groups()
        if hour is not None:
            words.append(_cardinal(int(hour)))
            mm = int(minute)
            if mm == 0:
                words.append("o'clock")
            elif mm < 10:
                words += ["oh", _ONES[mm]]
            else:
                words.append(_cardinal(mm))
        elif ord_num is not None:
            words.append(_ordinal(int(ord_num)))
        elif year is not None:
            words.append(_year_words(int(year)))
        elif number is not None:
            words.append(_cardinal(int(number)))
        elif word in ("am", "pm"):
            words += [word[0], "m"]
        else:
            words.append(word)
    return " ".join(" ".join(words).split())


def _date_parts(rng: random.Random) -> tuple[str, int]:
    month = rng.randrange(12)
    return MONTHS[month], rng.randint(1, _DAYS_IN_MONTH[month])


def _style(rng: random.Random, words: list[str]) -> str:
    """Capitalise names the way a typed prompt list might (sometimes, not always)."""
    if rng.random() < 0.5:
        words = [w.capitalize() if w in MONTHS or w in WEEKDAYS else w for w in words]
    return " ".join(words)


def _one_closed_prompt(rng: random.Random) -> str:
    kind = rng.choices(("month_ord_year", "weekday_month_ord", "time", "month_day_year",
                        "weekday_month_day"), weights=(3, 2, 3, 2, 2))[0]
    if kind == "time":
        hour, minute = rng.randint(1, 12), rng.choice(range(0, 60, rng.choice((1, 5))))
        suffix = rng.choice(("am", "pm"))
        return f"{hour}:{minute:02d} {suffix}"
    month, day = _date_parts(rng)
    year = str(rng.randint(1900, 2029))
    if kind == "month_ord_year":
        return _style(rng, [month, f"{day}{_ordinal_suffix(day)}", year])
    if kind == "weekday_month_ord":
        return _style(rng, [rng.choice(WEEKDAYS), month, f"{day}{_ordinal_suffix(day)}"])
    if kind == "month_day_year":
        return _style(rng, [month, str(day), year])
    return _style(rng, [rng.choice(WEEKDAYS), month, str(day)])


def closed_vocab_prompts(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct date/time prompts in the raw style of the real data."""
    rng = random.Random(f"closed-vocab/{seed}")
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        prompt = _one_closed_prompt(rng)
        key = normalize_text(prompt)
        if key not in seen:
            seen.add(key)
            out.append(prompt)
    return out


@functools.lru_cache(maxsize=1)
def closed_vocabulary() -> frozenset[str]:
    """Every spoken word any closed-vocabulary template can produce."""
    words = set(MONTHS) | set(WEEKDAYS) | {"a", "p", "m", "oh", "o'clock", "hundred", "thousand"}
    for n in range(1, 60):
        words.update(_cardinal(n).split())
    for n in range(1, 32):
        words.update(_ordinal(n).split())
    for year in range(1900, 2030):
        words.update(_year_words(year).split())
    return frozenset(words)


# ---------------------------------------------------------------------------
# Open vocabulary: a probabilistic grammar over the hand-written lexicon (open_lexicon)

class _Grammar:
    """S -> NP VP; NP -> Det Adj* N PP?; VP -> V NP PP? Adv? | V Adv? PP? | was Adj | V that S."""

    def __init__(self, rng: random.Random, lex: Lexicon):
        self.rng = rng
        self.lex = lex

    def _article(self, det: str, next_word: str) -> str:
        if det != "a":
            return det
        first = cmu_pronunciations()[next_word][0][0]
        return "an" if first[0] in "AEIOU" else "a"

    def noun_phrase(self, allow_pp: bool = True) -> list[str]:
        r = self.rng
        plural = r.random() < 0.25
        head = r.choice(self.lex.plural_nouns if plural else self.lex.nouns)
        adjectives = []
        if r.random() < 0.55:
            adjectives.append(r.choice(self.lex.adjectives))
            if r.random() < 0.2:
                adjectives.append(r.choice(self.lex.adjectives))
        det = r.choice(DETERMINERS_PLURAL if plural else DETERMINERS_SINGULAR)
        words = adjectives + [head]
        phrase = [self._article(det, words[0])] + words
        if allow_pp and r.random() < 0.2:
            phrase += self.prep_phrase()
        return phrase

    def prep_phrase(self) -> list[str]:
        return [self.rng.choice(self.lex.prepositions)] + self.noun_phrase(allow_pp=False)

    def subject(self) -> list[str]:
        x = self.rng.random()
        if x < 0.2:
            return [self.rng.choice(SUBJECT_PRONOUNS)]
        if x < 0.35:
            return [self.rng.choice(self.lex.names).capitalize()]
        return self.noun_phrase()

    def object(self) -> list[str]:
        x = self.rng.random()
        if x < 0.15:
            return [self.rng.choice(OBJECT_PRONOUNS)]
        if x < 0.25:
            return [self.rng.choice(self.lex.names).capitalize()]
        return self.noun_phrase()

    def verb_phrase(self, depth: int = 0) -> list[str]:
        r = self.rng
        x = r.random()
        if x < 0.45:
            vp = [r.choice(self.lex.transitive)] + self.object()
            if r.random() < 0.3:
                vp += self.prep_phrase()
            if r.random() < 0.15:
                vp.append(r.choice(self.lex.adverbs))
            return vp
        if x < 0.7:
            vp = [r.choice(self.lex.intransitive)]
            if r.random() < 0.4:
                vp.append(r.choice(self.lex.adverbs))
            if r.random() < 0.5:
                vp += self.prep_phrase()
            return vp
        if x < 0.8:
            vp = ["was", r.choice(("very", "so", "too", "quite", "not"))] if r.random() < 0.3 else ["was"]
            vp.append(r.choice(self.lex.adjectives))
            if r.random() < 0.25:
                vp += self.prep_phrase()
            return vp
        if x < 0.9 and depth == 0:
            return [r.choice(self.lex.saying), "that"] + self.clause(depth + 1)
        return [r.choice(self.lex.adverbs), r.choice(self.lex.transitive)] + self.object()

    def clause(self, depth: int = 0) -> list[str]:
        return self.subject() + self.verb_phrase(depth)

    def sentence(self) -> str:
        r = self.rng
        x = r.random()
        if x < 0.45:
            words, end = self.clause(), "."
        elif x < 0.62:
            words, end = self.clause() + [",", r.choice(CONJUNCTIONS)] + self.clause(1), "."
        elif x < 0.74:
            words, end = list(r.choice(TIME_PHRASES).split()) + [","] + self.clause(), "."
        elif x < 0.84:
            words, end = self.clause() + ["and"] + self.verb_phrase(1), "."
        elif x < 0.92:
            words = [r.choice(QUESTION_WORDS), "was"] + self.noun_phrase(allow_pp=False)
            words += [r.choice(("so", "not", "very")), r.choice(self.lex.adjectives)]
            end = "?"
        else:
            words, end = ["there", "was"] + self.noun_phrase() + [r.choice(self.lex.prepositions)] \
                + self.noun_phrase(allow_pp=False), r.choice((".", "!"))
        words = ["I" if w == "i" else w for w in words]
        words[0] = words[0][0].upper() + words[0][1:]
        text = " ".join(words).replace(" ,", ",")
        return text + end


def open_sentences(n: int, seed: int = 0, min_words: int = 5, max_words: int = 16) -> list[str]:
    """``n`` distinct grammar sentences of ``min_words``..``max_words`` words."""
    if min_words > max_words:
        raise ValueError("min_words must not exceed max_words")
    grammar = _Grammar(random.Random(f"open-sentences/{seed}"), lexicon())
    seen: set[str] = set()
    out: list[str] = []
    attempts = 0
    while len(out) < n:
        attempts += 1
        if attempts > 200 * n + 1000:
            raise RuntimeError(f"could not draw {n} sentences of {min_words}-{max_words} words")
        text = grammar.sentence()
        norm = normalize_text(text)
        if not min_words <= len(norm.split()) <= max_words or norm in seen:
            continue
        seen.add(norm)
        out.append(text)
    return out
