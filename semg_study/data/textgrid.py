"""A small reader for Praat TextGrid files (long and short text formats).

Forced alignments of the voiced recordings come as one TextGrid per utterance
with a ``phones`` interval tier. Both Praat text formats list the same values
in the same order (the long one adds ``name =`` labels and ``[k]`` indices), so
the reader drops the labels and indices and walks the values.
"""
from __future__ import annotations

import re
from pathlib import Path

from semg_study.errors import DataError
from semg_study.text import PHONEME_INDEX

_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|(<exists>|<absent>)')
_INDEX = re.compile(r"\[\s*\d*\s*\]")
TEXTGRID_MAX_BYTES = 64 * 2 ** 20  # an utterance's alignment is a few kB
SILENCE_LABELS = {"", "sil", "sp", "spn", "<eps>", "sil_s"}


def read_textgrid(path: str | Path) -> dict[str, list[tuple[float, float, str]]]:
    """Tier name -> list of ``(start_s, end_s, label)`` (interval tiers; point tiers give start == end)."""
    path = Path(path)
    from semg_study.io import read_bytes

    raw = read_bytes(path, "TextGrid", max_bytes=TEXTGRID_MAX_BYTES)
    for enc in ("utf-8", "utf-16"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(path, "TextGrid is neither UTF-8 nor UTF-16")
    text = _INDEX.sub(" ", text)
    tokens = []
    for m in _TOKEN.finditer(text):
        if m.group(1) is not None:
            tokens.append(m.group(1).replace('""', '"'))
        elif m.group(2) is not None:
            tokens.append(float(m.group(2)))
        else:
            tokens.append(m.group(3))
    try:
        if tokens[:2] != ["ooTextFile", "TextGrid"]:
            raise ValueError("not a Praat TextGrid (header)")
        pos = 4  # skip file xmin, xmax
        if tokens[pos] != "<exists>":
            return {}
        n_tiers = int(tokens[pos + 1])
        pos += 2
        tiers: dict[str, list[tuple[float, float, str]]] = {}
        for _ in range(n_tiers):
            kind, name = tokens[pos], tokens[pos + 1]
            n_items = int(tokens[pos + 4])
            pos += 5
            items = []
            for _ in range(n_items):
                if kind == "IntervalTier":
                    a, b, label = tokens[pos: pos + 3]
                    pos += 3
                else:
                    a, label = tokens[pos: pos + 2]
                    b = a
                    pos += 2
                items.append((float(a), float(b), str(label)))
            tiers[str(name)] = items
        return tiers
    except (IndexError, ValueError, TypeError) as exc:
        raise DataError(path, f"malformed TextGrid: {exc}") from exc


def read_phoneme_alignment(path: str | Path, tier: str = "phones") -> list[tuple[float, float, str]]:
    """The ``phones`` tier as ``(start_s, end_s, phoneme)``, phonemes lower case without
    stress digits, silence labels (``""``, ``sp``, ``spn``) as ``sil``."""
    tiers = read_textgrid(path)
    if tier not in tiers:
        raise DataError(path, f"TextGrid has no '{tier}' tier (tiers: {sorted(tiers)})")
    out = []
    for a, b, label in tiers[tier]:
        ph = label.strip().lower()
        ph = "sil" if ph in SILENCE_LABELS else ph.rstrip("0123456789")
        if ph not in PHONEME_INDEX:
            raise DataError(path, f"unknown phoneme {label!r} at {a:.3f}s")
        out.append((a, b, ph))
    return out
