"""Prompt sources for a capture session: closed-vocabulary dates/times, open sentences, a text file.

A prompt carries the ``book`` and ``sentence_index`` the utterance is filed
under, as in the dataset (``datedata.txt`` for dates and times). Captured
prompts use their own book names (``capture/...``), so they never collide with
the ``(book, sentence_index)`` pairs of the real dataset's dev/test lists.

The closed and open generators are the synthetic corpus's
(``semg_study.synth.text_gen``): dates and times in the styles of the real
closed vocabulary, and grammatical open sentences.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from semg_study.errors import DataError, StudyError

CLOSED_BOOK = "datedata.txt"
OPEN_BOOK = "capture/open_sentences.txt"


@dataclass(frozen=True)
class Prompt:
    text: str
    book: str
    sentence_index: int


def generated_prompts(kind: str, seed: int = 0, block: int = 32) -> Iterator[Prompt]:
    """An endless stream of prompts from the synthetic corpus's closed or open generator.

    Both generators are prefix-stable (the first k of ``n`` prompts do not depend
    on ``n``), so drawing growing blocks gives one fixed sequence per seed: a
    resumed session sees the same prompts under the same sentence indices.
    """
    from semg_study.synth.text_gen import closed_vocab_prompts, open_sentences

    if kind not in ("closed", "open"):
        raise StudyError(f"prompt generator must be closed or open, got {kind!r}")
    make = closed_vocab_prompts if kind == "closed" else open_sentences
    book = CLOSED_BOOK if kind == "closed" else OPEN_BOOK
    index, n = 0, block
    while True:
        texts = make(n, seed=seed)
        for text in texts[index:]:
            yield Prompt(text=text, book=book, sentence_index=index)
            index += 1
        n *= 2


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


def primed(prompts: Iterator[Prompt], spec: str = "") -> Iterator[Prompt]:
    """Draw the first prompt now (imports, generation) so it costs nothing once the board streams."""
    import itertools

    first = next(prompts, None)
    if first is None:
        raise StudyError(f"--prompts {spec}: no prompts")
    return itertools.chain([first], prompts)
