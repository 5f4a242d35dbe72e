"""The study's dev/test splits: the testset file of the open vocabulary (which file, reading it,
how a corpus's own file differs from the packaged one) and the seeded cut of the closed vocabulary.
The packaged testset files are the JSON files in ``splits/`` (:func:`packaged_testset`);
:func:`semg_study.data.corpus.open_digital_voicing` assigns the utterances of each sentence.

Open vocabulary: the testset file ``{"dev": [[book, idx], ...], "test": [...]}``
(default: ``ROOT/testset_largedev.json``, where the published layout keeps it,
else ``ROOT/testset.json``, else the packaged ``testset_largedev.json``; see
:func:`resolve_testset`).

Closed vocabulary (the dataset has no official split; a split file that lists
closed-vocabulary sentences, as the synthetic corpus's does, decides instead): the distinct closed
sentences ``(book, sentence_index)`` are sorted, shuffled with
``numpy.random.default_rng(CLOSED_SPLIT_SEED)``, and cut into 30 dev / 100 test
/ the rest train, as in the paper (30/100/370 of 500). A corpus with fewer than
260 closed sentences is cut proportionally to 30:100:130, i.e.
``dev = round(n*30/260)``, ``test = round(n*100/260)`` (each at least 1 when
n >= 3), the rest train. The split is by sentence, so both modes of a sentence
fall in the same split.
"""
from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np

from semg_study import io
from semg_study.errors import DataError

CLOSED_SPLIT_SEED = 0
CLOSED_SPLIT_FULL = (30, 100)  # dev, test when the corpus has >= CLOSED_SPLIT_FULL_MIN sentences
CLOSED_SPLIT_FULL_MIN = 260


def packaged_testset(name: str = "testset_largedev.json") -> Path:
    """Path of a testset shipped with the package (``testset_largedev.json`` or ``testset_origdev.json``)."""
    return Path(str(resources.files("semg_study.data") / "splits" / name))


def read_testset(path: Path) -> dict[str, list[tuple[str, int]]]:
    path = Path(path)
    if not io.is_present(path):
        raise DataError(path, "testset file not found")
    data = io.read_json(path, "testset file")
    out = {}
    for split in ("dev", "test"):
        entries = data.get(split) if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise DataError(path, f"testset lacks a '{split}' list")
        out[split] = []
        for k, entry in enumerate(entries):
            # strict: int() would truncate a fractional index to some other sentence
            if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)
                    and isinstance(entry[1], int) and not isinstance(entry[1], bool)):
                raise DataError(path, f"testset '{split}' entry {k} is {json.dumps(entry)[:60]}; entries must be "
                                      "[book, sentence_index] with a string book and an integer index")
            out[split].append((entry[0], entry[1]))
    # A sentence listed in both dev and test belongs to dev (as in the authors' code; the
    # shipped testset_origdev.json has two such entries); validate warns about it.
    return out


def closed_split_sizes(n: int) -> tuple[int, int]:
    """(dev, test) sentence counts of the closed-vocabulary split (see module doc)."""
    if n >= CLOSED_SPLIT_FULL_MIN:
        return CLOSED_SPLIT_FULL
    if n < 3:
        return 0, 0
    dev = max(1, round(n * CLOSED_SPLIT_FULL[0] / CLOSED_SPLIT_FULL_MIN))
    test = max(1, round(n * CLOSED_SPLIT_FULL[1] / CLOSED_SPLIT_FULL_MIN))
    return dev, test


def split_closed_sentences(keys: Iterable[tuple[str, int]], seed: int = CLOSED_SPLIT_SEED
                           ) -> dict[tuple[str, int], str]:
    keys = sorted(set(keys))
    order = np.random.default_rng(seed).permutation(len(keys))
    n_dev, n_test = closed_split_sizes(len(keys))
    out = {}
    for rank, k in enumerate(order):
        out[keys[k]] = "dev" if rank < n_dev else "test" if rank < n_dev + n_test else "train"
    return out


CORPUS_TESTSETS = ("testset_largedev.json", "testset.json")  # looked for in the corpus root, in this order


def resolve_testset(root: Path, base: Path, testset=None) -> Path:
    """An explicit file; else the corpus's own split (``CORPUS_TESTSETS`` in ``root``, then in
    ``base``, the parent of ``emg_data/``); else the packaged largedev. A corpus that carries its
    own split is evaluated on it: the packaged one names sentences another corpus may not hold,
    and the corpus's own dev/test sentences would otherwise land in training."""
    if testset is not None:
        p = Path(testset).expanduser()
        if not io.is_present(p):
            # a bare name of a packaged file is accepted too ("testset_origdev.json")
            packaged = packaged_testset(p.name)
            if str(testset) == p.name and packaged.is_file():
                return packaged
            raise DataError(p, "testset file not found")
        return p
    for name in CORPUS_TESTSETS:
        for folder in dict.fromkeys((Path(root), Path(base))):
            candidate = folder / name
            if io.is_present(candidate):  # a folder or FIFO here is an error (read_testset), never skipped
                return candidate
    return packaged_testset()


def testset_difference(path: Path) -> str | None:
    """A warning when ``path`` is a corpus's own split whose dev/test lists differ from the packaged
    ``testset_largedev.json`` (None when it is a packaged file or holds the same sentences)."""
    path, packaged = Path(path), packaged_testset()
    if path.resolve().parent == packaged.resolve().parent:
        return None
    mine, theirs = read_testset(path), read_testset(packaged)
    diff = {split: len(set(mine[split]) ^ set(theirs[split])) for split in ("dev", "test")}
    if not any(diff.values()):
        return None
    return (f"the corpus's own split differs from the packaged {packaged.name} "
            f"({diff['dev']} dev and {diff['test']} test sentences not in both); it is the one used")
