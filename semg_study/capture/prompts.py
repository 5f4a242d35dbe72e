"""Prompt sources for a capture session: closed-vocabulary dates/times, open sentences, a text file.

A prompt carries the ``book`` and ``sentence_index`` the utterance is filed
under, as in the dataset (``datedata.txt`` for dates and times). Captured
prompts use their own book names (``capture/...``), so they never collide with
the ``(book, sentence_index)`` pairs of the real dataset's dev/test lists.

The closed and open generators come from the synthetic corpus
(``semg_study.synth.text_gen``) when it is available; until then a small
date/time template grammar here stands in for the closed vocabulary.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from semg_study.errors import DataError, StudyError

CLOSED_BOOK = "datedata.txt"
OPEN_BOOK = "capture/open_sentences.txt"


@dataclass(frozen=True)
class Prompt:
    text: str
    book: str
    sentence_index: int


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december"]
_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fallback_date_time(rng: random.Random) -> str:
    """One date or time in the styles of the dataset's closed vocabulary."""
    month = rng.choice(_MONTHS)
    day = rng.randint(1, 28)
    year = rng.randint(1950, 2030)
    template = rng.randrange(6)
    if template == 0:
        return f"{month.capitalize()} {_ordinal(day)} {year}"
    if template == 1:
        return f"{rng.choice(_DAYS).capitalize()} {month.capitalize()} {_ordinal(day)}"
    if template == 2:
        return f"{rng.randint(1, 12)}:{rng.randrange(0, 60, 5):02d} {rng.choice(['am', 'pm'])}"
    if template == 3:
        return f"{month} {day} {year}"
    if template == 4:
        return f"{rng.choice(_DAYS)} {month} {day}"
    return f"{rng.choice(_DAYS)} {rng.randint(1, 12)} {rng.choice(['am', 'pm'])}"


_FALLBACK_OPEN = [
    "the quick brown fox jumps over the lazy dog",
    "she sells sea shells by the sea shore",
    "a light rain fell on the quiet village",
    "the machine hummed softly in the dark room",
    "we watched the boats drift across the harbour",
    "he opened the letter and read it twice",
    "the children laughed as the kite rose higher",
    "an old clock ticked on the kitchen wall",
]


def _synth_generator(kind: str) -> Callable[[random.Random], str] | None:
    """The synthetic corpus's text generator for ``kind`` if it has landed, else ``None``."""
    try:
        from semg_study.synth import text_gen  # type: ignore[attr-defined]
    except ImportError:
        return None
    names = {"closed": ("date_time_prompt", "closed_vocab_sentence", "generate_closed"),
             "open": ("open_sentence", "generate_open")}[kind]
    for name in names:
        fn = getattr(text_gen, name, None)
        if callable(fn):
            def call(rng: random.Random, _fn=fn) -> str:
                return str(_fn(rng))
            return call
    return None


def generated_prompts(kind: str, seed: int = 0) -> Iterator[Prompt]:
    """An endless stream of prompts from the closed or open generator."""
    rng = random.Random(seed)
    generator = _synth_generator(kind)
    book = CLOSED_BOOK if kind == "closed" else OPEN_BOOK
    index = 0
    while True:
        if generator is not None:
            text = generator(rng)
        elif kind == "closed":
            text = fallback_date_time(rng)
        else:
            text = rng.choice(_FALLBACK_OPEN)
        yield Prompt(text=text, book=book, sentence_index=index)
        index += 1


def file_prompts(path: str | Path) -> list[Prompt]:
    """One prompt per non-empty line of a UTF-8 text file (sentence_index = line number from 0)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(path, "prompt file not found (give closed, open, or a text file of one prompt per line)") from None
    except UnicodeDecodeError:
        raise DataError(path, "prompt file is not UTF-8 text") from None
    prompts = [Prompt(text=line.strip(), book=f"capture/{path.name}", sentence_index=i)
               for i, line in enumerate(lines) if line.strip()]
    if not prompts:
        raise DataError(path, "prompt file has no prompts (one per line expected)")
    return prompts


def prompt_source(spec: str, seed: int = 0) -> Iterator[Prompt]:
    """``closed``, ``open`` or a path to a text file."""
    if spec in ("closed", "open"):
        return generated_prompts(spec, seed)
    return iter(file_prompts(spec))


def prompt_condition(spec: str) -> str:
    """Which dataset condition a prompt source files its sessions under."""
    if spec == "closed":
        return "closed"
    if spec == "open" or Path(spec).exists():
        return "open"
    raise StudyError(f"--prompts {spec!r}: expected closed, open, or an existing text file")
