"""The LJSpeech layout: ``metadata.csv`` (``id|text|normalized text``) and ``wavs/<id>.wav``.

Opened as an audio-only corpus (mode "voiced", condition "open", session
"ljspeech") for the DeepSpeech2 audio baseline. The transcript is the third
column (numbers and abbreviations already spelled out), falling back to the
second when the third is empty. Split: the ids are sorted and shuffled with
``numpy.random.default_rng(LJSPEECH_SPLIT_SEED)``; 5 % dev and 5 % test (each at
least 1 when there are 3 or more clips), the rest train.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from semg_study.data.corpus import Corpus, Utterance
from semg_study.data.synthetic_label import is_synthetic
from semg_study.errors import DataError
from semg_study.text import normalize_text

LJSPEECH_SPLIT_SEED = 0
LJSPEECH_HELD_OUT_FRACTION = 0.05  # for dev and for test, each at least 1


def is_ljspeech_root(root: Path) -> bool:
    root = Path(root)
    return (root / "metadata.csv").is_file() and (root / "wavs").is_dir()


def read_metadata(root: Path) -> list[tuple[int, str, str]]:
    """(line number, id, transcript) per line of ``metadata.csv``."""
    path = Path(root) / "metadata.csv"
    try:
        from semg_study.io import read_bytes

        lines = read_bytes(path, "metadata").decode("utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(path, f"unreadable metadata: {exc}") from exc
    rows = []
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 2 or not parts[0].strip():
            raise DataError(path, f"line {lineno}: expected 'id|text|normalized text'")
        text = parts[2] if len(parts) > 2 and parts[2].strip() else parts[1]
        rows.append((lineno, parts[0].strip(), text.strip()))
    return rows


def ljspeech_split_sizes(n: int) -> tuple[int, int]:
    if n < 3:
        return 0, 0
    k = max(1, round(n * LJSPEECH_HELD_OUT_FRACTION))
    return k, k


def open_ljspeech(root: Path) -> Corpus:
    root = Path(root)
    rows = read_metadata(root)
    ids = [r[1] for r in rows]
    dupes = [k for k, c in Counter(ids).items() if c > 1]
    if dupes:
        raise DataError(root / "metadata.csv", f"duplicate ids, e.g. {dupes[0]}")
    order = np.random.default_rng(LJSPEECH_SPLIT_SEED).permutation(len(rows))
    sorted_rows = sorted(rows, key=lambda r: r[1])
    n_dev, n_test = ljspeech_split_sizes(len(rows))
    assigned: dict = {}
    for rank, k in enumerate(order):
        lineno, uid, text = sorted_rows[k]
        split = "dev" if rank < n_dev else "test" if rank < n_dev + n_test else "train"
        wav = root / "wavs" / f"{uid}.wav"
        if not wav.is_file():
            raise DataError(wav, "missing audio file listed in metadata.csv")
        if not normalize_text(text):
            raise DataError(root / "metadata.csv", f"line {lineno} ({uid}): empty transcript")
        utt = Utterance(sort_key=("open", "", "ljspeech", uid), path=root / "wavs" / uid, session="ljspeech",
                        mode="voiced", condition="open", parallel=False, book="ljspeech",
                        sentence_index=lineno, text=text, index=lineno, folder="", audio_path=wav, kind="audio")
        assigned.setdefault(("open", split, "voiced"), []).append(utt)
    files = [("metadata.csv", root / "metadata.csv")] + [
        (f"wavs/{p.name}", p) for p in sorted((root / "wavs").glob("*.wav"))]
    corpus = Corpus(root, "ljspeech", assigned, Counter(), {}, None, files)
    corpus.synthetic = is_synthetic(root)
    return corpus
