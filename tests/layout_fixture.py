"""A tiny dataset in the real Digital Voicing layout, written by the tests themselves.

``make_layout_fixture(root)`` writes ``root/emg_data/...`` with all five condition
folders, reference clips (``sentence_index == -1``), parallel silent + voiced
sessions sharing ``(book, sentence_index)``, a non-parallel session (with one
digits-only transcript that the loader must skip for training), the closed
vocabulary sessions, ``root/testset.json`` and Praat TextGrid alignments in
``root/text_alignments/<session>/<session>_<i>_audio.TextGrid``.

It returns a :class:`LayoutFixture` that states what a correct loader must find,
so tests compare against these numbers instead of repeating them.  Other
engineers' tests reuse it (``from layout_fixture import make_layout_fixture``).
The data are random noise: nothing here is meant to be learnable.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semg_study import io

WOTW = "books/War_of_the_Worlds.txt"
SHERLOCK = "books/Sherlock_Holmes.txt"
DATES = "datedata.txt"

# Parallel sentences per session pair: (silent session, voiced session, [(sentence_index, text)]).
PARALLEL = [
    ("5-4_silent", "5-4", [
        (10, "No one would have believed in the last years of the nineteenth century"),
        (11, "that this world was being watched keenly and closely."),
        (12, "With infinite complacency men went to and fro over this globe,"),
        (13, "serene in their assurance of their empire over matter."),
    ]),
    ("5-5_silent", "5-5", [
        (20, "Yet across the gulf of space, minds that are to our minds"),
        (21, "as ours are to those of the beasts that perish,"),
        (22, "intellects vast and cool and unsympathetic, regarded this earth"),
    ]),
]
DEV_KEYS = [(WOTW, 11), (WOTW, 21)]
TEST_KEYS = [(WOTW, 12)]
NONPARALLEL = ("4-21", [
    (100, "To Sherlock Holmes she is always the woman."),
    (101, "I have seldom heard him mention her under any other name."),
    (102, "1887."),  # no letter: skipped for training by the dataset's own rule
    (103, "Mr. Holmes, it's 11:50 - isn't it?"),
])
CLOSED = ("5-19_silent", "5-19", [
    (0, "February 17th 1987"), (1, "Sunday March 10th"), (2, "11:50 pm"),
    (3, "july 31 1999"), (4, "monday february 28"), (5, "october 23 2006"),
    (6, "3:15 am"), (7, "Tuesday April 2nd"), (8, "december 1st 1990"), (9, "8:05 pm"),
])
# A phone sequence per aligned voiced recording (voiced session, index) -> phones.
ALIGNED = {("5-4", 1): ["sil", "n", "ow", "w", "ah", "n", "sil"],
           ("5-4", 2): ["sil", "dh", "ae", "t", "sil"]}
# The voiced utterance that only has the raw audio (tests the clean -> raw fallback).
RAW_AUDIO_ONLY = ("5-4", 3)


@dataclass
class LayoutFixture:
    """Where the fixture is and what a correct loader finds in it."""

    root: Path
    emg_data: Path
    testset: Path
    # (condition, split, mode) -> number of utterances
    counts: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)  # rule -> count
    sessions: list = field(default_factory=list)
    dev_keys: list = field(default_factory=list)
    test_keys: list = field(default_factory=list)
    closed_sentences: int = 0
    aligned: dict = field(default_factory=dict)
    raw_audio_only: tuple = RAW_AUDIO_ONLY
    emg_only_session: str | None = None


def _textgrid(phones: list[str], duration: float) -> str:
    """A Praat long-format TextGrid with a 'words' and a 'phones' tier."""
    step = duration / len(phones)
    intervals = [(i * step, (i + 1) * step, "" if p == "sil" else p.upper() + ("1" if p in "aeiou" else ""))
                 for i, p in enumerate(phones)]

    def tier(n: int, name: str, rows) -> str:
        out = [f"    item [{n}]:", '        class = "IntervalTier"', f'        name = "{name}"',
               "        xmin = 0", f"        xmax = {duration}", f"        intervals: size = {len(rows)}"]
        for k, (a, b, t) in enumerate(rows, 1):
            out += [f"        intervals [{k}]:", f"            xmin = {a}", f"            xmax = {b}",
                    f'            text = "{t}"']
        return "\n".join(out)

    head = ['File type = "ooTextFile"', 'Object class = "TextGrid"', "", "xmin = 0",
            f"xmax = {duration}", "tiers? <exists>", "size = 2", "item []:"]
    return "\n".join(head + [tier(1, "words", [(0, duration, "word")]), tier(2, "phones", intervals)]) + "\n"


def write_utterance(session_dir: Path, index: int, *, book: str, sentence_index: int, text: str,
                    rng: np.random.Generator, audio: str = "both", n_samples: int | None = None) -> None:
    """Write one utterance in the real layout; ``audio`` is 'both', 'raw' or 'none'.

    The info JSON is written last, as the real recorders and our writers do.
    """
    n = int(n_samples or rng.integers(600, 1000))
    t = np.arange(n) / 1000.0
    emg = (rng.normal(0, 10, (n, 8)) + 30 * np.sin(2 * np.pi * 60 * t)[:, None]).astype(np.float32)
    io.save_npy(session_dir / f"{index}_emg.npy", emg)
    io.save_npy(session_dir / f"{index}_button.npy", np.zeros(n, dtype=np.int8))
    first = n // 2
    audio_len = n * 16
    if audio in ("both", "raw"):
        wave = (0.1 * rng.normal(size=audio_len)).astype(np.float32)
        io.save_audio(session_dir / f"{index}_audio.flac", wave, 16000)
        if audio == "both":
            io.save_audio(session_dir / f"{index}_audio_clean.flac", 0.5 * wave, 16000)
    info = {"book": book, "sentence_index": sentence_index, "text": text,
            "chunks": [[first, first * 16, first], [n - first, (n - first) * 16, n - first]]}
    io.write_json(session_dir / f"{index}_info.json", info)


def make_layout_fixture(root, *, seed: int = 0, with_testset: bool = True, with_alignments: bool = True,
                        emg_only_session: bool = False) -> LayoutFixture:
    """Write the tiny Digital Voicing layout under ``root`` and return what it holds.

    ``emg_only_session`` adds a non-parallel voiced session ``capture-1`` with
    EMG but no audio files at all (as the capture tool writes them).
    """
    root = Path(root)
    emg_data = root / "emg_data"
    rng = np.random.default_rng(seed)

    def reference_clip(session_dir: Path, index: int) -> None:
        write_utterance(session_dir, index, book="", sentence_index=-1, text="", rng=rng)

    for silent_session, voiced_session, sentences in PARALLEL:
        for folder, session in (("silent_parallel_data", silent_session), ("voiced_parallel_data", voiced_session)):
            d = emg_data / folder / session
            reference_clip(d, 0)
            for i, (s, text) in enumerate(sentences, 1):
                audio = "raw" if (session, i) == RAW_AUDIO_ONLY else "both"
                write_utterance(d, i, book=WOTW, sentence_index=s, text=text, rng=rng, audio=audio)
        # a leftover clip of a re-recording at the end of the silent session
        reference_clip(emg_data / "silent_parallel_data" / silent_session, len(sentences) + 1)

    session, sentences = NONPARALLEL
    d = emg_data / "nonparallel_data" / session
    reference_clip(d, 0)
    for i, (s, text) in enumerate(sentences, 1):
        write_utterance(d, i, book=SHERLOCK, sentence_index=s, text=text, rng=rng)

    silent_session, voiced_session, sentences = CLOSED
    for session in (silent_session, voiced_session):
        d = emg_data / "closed_vocab" / ("silent" if session.endswith("_silent") else "voiced") / session
        reference_clip(d, 0)
        for i, (s, text) in enumerate(sentences, 1):
            write_utterance(d, i, book=DATES, sentence_index=s, text=text, rng=rng)

    n_emg_only = 0
    if emg_only_session:
        d = emg_data / "nonparallel_data" / "capture-1"
        for i, text in enumerate(["Testing the electrodes once more", "Another open sentence here"]):
            write_utterance(d, i, book="capture", sentence_index=i, text=text, rng=rng, audio="none")
        n_emg_only = 2

    testset = root / "testset.json"
    if with_testset:
        io.write_json(testset, {"dev": [list(k) for k in DEV_KEYS], "test": [list(k) for k in TEST_KEYS]})

    if with_alignments:
        for (session, i), phones in ALIGNED.items():
            emg_len = np.load(emg_data / "voiced_parallel_data" / session / f"{i}_emg.npy", mmap_mode="r").shape[0]
            io.write_text(root / "text_alignments" / session / f"{session}_{i}_audio.TextGrid",
                          _textgrid(phones, emg_len / 1000.0))

    n_par = sum(len(s) for _, _, s in PARALLEL)
    n_dev, n_test = len(DEV_KEYS), len(TEST_KEYS)
    n_nonpar_train = sum(1 for _, t in NONPARALLEL[1] if any(c.isalpha() for c in t))
    n_closed = len(CLOSED[2])
    # closed split rule of semg_study.data (documented there): below 260 sentences,
    # dev = round(n*30/260), test = round(n*100/260), each at least 1.
    c_dev = max(1, round(n_closed * 30 / 260))
    c_test = max(1, round(n_closed * 100 / 260))
    c_train = n_closed - c_dev - c_test
    n_par_train = n_par - n_dev - n_test
    counts = {
        ("open", "train", "silent"): n_par_train,
        ("open", "train", "voiced"): n_par_train + n_nonpar_train + n_emg_only,
        ("open", "dev", "silent"): n_dev, ("open", "dev", "voiced"): n_dev,
        ("open", "test", "silent"): n_test, ("open", "test", "voiced"): n_test,
        ("closed", "train", "silent"): c_train, ("closed", "train", "voiced"): c_train,
        ("closed", "dev", "silent"): c_dev, ("closed", "dev", "voiced"): c_dev,
        ("closed", "test", "silent"): c_test, ("closed", "test", "voiced"): c_test,
    }
    n_reference = 2 * len(PARALLEL) + len(PARALLEL) + 1 + 2  # index 0 everywhere + leftovers
    skipped = {"reference_clip": n_reference, "no_letter_in_text": len(NONPARALLEL[1]) - n_nonpar_train}
    sessions = sorted([s for a, b, _ in PARALLEL for s in (a, b)] + [NONPARALLEL[0], CLOSED[0], CLOSED[1]]
                      + (["capture-1"] if emg_only_session else []))
    return LayoutFixture(root=root, emg_data=emg_data, testset=testset, counts=counts, skipped=skipped,
                         sessions=sessions, dev_keys=list(DEV_KEYS), test_keys=list(TEST_KEYS),
                         closed_sentences=n_closed, aligned=dict(ALIGNED),
                         emg_only_session="capture-1" if emg_only_session else None)


if __name__ == "__main__":  # pragma: no cover - handy for poking at the layout by hand
    import sys

    fx = make_layout_fixture(sys.argv[1])
    print(json.dumps({"/".join(k): v for k, v in fx.counts.items()}, indent=1))
