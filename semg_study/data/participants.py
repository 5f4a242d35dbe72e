"""Who recordings came from: participant codes, session metadata and a run's training participants.

Capture writes each session's ``session.json`` with the participant's code (a
number, optionally after one letter: :data:`PARTICIPANT_PATTERN`; never a name,
:data:`ETHICS_RULE`). Training records, per run, whose utterances it was trained
on (:func:`training_participants`): a participant code for captured data, else
the source of data that has no participant ("synthetic", the public datasets).
The consent register (:mod:`semg_study.consent`) and the releases read these; this
module sits with the data so that capture, training and release all read one
definition without importing one another.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from semg_study.errors import DataError

SESSION_FILE = "session.json"
PARTICIPANT_PATTERN = re.compile(r"^[A-Za-z]?\d+$")
ETHICS_RULE = ("participant IDs must be codes (a number, optionally after one letter, e.g. 7 or P7), never "
               "names: the ethics approval allows only pseudonymous codes, and a recording leaves this machine only in a "
               "release its participant consented to")

# provenance labels of data that has no participant code
SYNTHETIC = "synthetic"
GADDY_KLEIN = "Gaddy & Klein 2020"
LJSPEECH = "LJ Speech (Ito & Johnson 2017)"
# "captured": a participant of this study (needs consent); "synthetic" / "public": always releasable
SOURCES = ("captured", "synthetic", "public")



def session_participant(session_dir: Path) -> str | None:
    """The participant code recorded in a capture session's metadata, or None for other data."""
    meta_path = Path(session_dir) / SESSION_FILE
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(meta_path, f"unreadable session metadata: {exc}") from None
    code = meta.get("participant") if isinstance(meta, dict) else None
    if not isinstance(code, str) or not code.strip():
        raise DataError(meta_path, "session metadata lacks the participant code ('participant')")
    return code.strip()


def training_participants(utterances: Iterable, corpus) -> list[dict]:
    """Who the ``utterances`` (of ``corpus``) came from: one row per participant code or data source,
    ``{"participant", "source", "utterances"}``, sorted by source then participant."""
    codes: dict[Path, str | None] = {}
    counts: Counter = Counter()
    for utt in utterances:
        session_dir = Path(utt.path).parent
        if session_dir not in codes:
            codes[session_dir] = session_participant(session_dir) if utt.kind == "emg" else None
        code = codes[session_dir]
        if code is not None:
            counts[(code, "captured")] += 1
        elif getattr(corpus, "synthetic", False):
            counts[(SYNTHETIC, "synthetic")] += 1
        elif getattr(corpus, "kind", "") == "ljspeech":
            counts[(LJSPEECH, "public")] += 1
        else:
            counts[(GADDY_KLEIN, "public")] += 1
    rows = [{"participant": code, "source": source, "utterances": n} for (code, source), n in counts.items()]
    return sorted(rows, key=lambda r: (SOURCES.index(r["source"]), r["participant"]))
