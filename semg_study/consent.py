"""Who consented to what, and whose recordings a model was trained on.

The consent register is one small CSV file kept by hand beside the study's
data (``participants.csv``)::

    participant,data_release,model_release,consent_date,note
    1,yes,yes,2026-11-30,
    2,no,no,2026-11-30,data kept on the lab machine only

* ``participant``: the code the capture stage recorded (a number, optionally
  after one letter; never a name). Codes match case-insensitively.
* ``data_release`` / ``model_release``: ``yes`` or ``no``; no cell may be empty.
* ``consent_date``: ISO date (YYYY-MM-DD) of the signed form.
* ``note``: free text, optional. It is never copied into a release.

Lines starting with ``#`` are comments. Every problem is a one-line
:class:`~semg_study.errors.DataError` naming the file and the line.

A run's training participants (:func:`semg_study.data.participants.training_participants`)
come from each utterance's session metadata (``session.json``, written by capture
with the participant's code); a corpus without capture metadata is either the
synthetic corpus ("synthetic") or the public Digital Voicing dataset ("Gaddy &
Klein 2020"), which may always be released.
"""
from __future__ import annotations

import csv
import datetime as _dt
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from semg_study import io
from semg_study.data.participants import ETHICS_RULE, PARTICIPANT_PATTERN
from semg_study.errors import DataError, StudyError

COLUMNS = ("participant", "data_release", "model_release", "consent_date", "note")
REQUIRED = COLUMNS[:4]
ANSWERS = {"yes": True, "no": False}

@dataclass(frozen=True)
class Consent:
    participant: str
    data_release: bool
    model_release: bool
    consent_date: str
    note: str = ""


class Register:
    """The parsed consent register; look participants up with :meth:`get`."""

    def __init__(self, path: Path, entries: list[Consent]):
        self.path = Path(path)
        self.entries = entries
        self._by_code = {e.participant.casefold(): e for e in entries}

    def get(self, code: str) -> Consent | None:
        return self._by_code.get(str(code).strip().casefold())

    def __len__(self) -> int:
        return len(self.entries)


def _name_problem(code: str) -> str | None:
    if not PARTICIPANT_PATTERN.match(code):
        return f"participant {code!r} looks like a name or is not a code: {ETHICS_RULE}"
    return None


def read_register(path: str | os.PathLike) -> Register:
    """Parse and validate a consent register (see the module doc)."""
    path = Path(path)
    lines = io.read_lines(path, "consent register", missing="consent register not found", encoding="utf-8-sig")
    numbered = [(n, line) for n, line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise DataError(path, f"empty consent register: expected a header line {','.join(COLUMNS)}")
    rows = list(csv.reader([line for _, line in numbered]))
    header = [h.strip().lower() for h in rows[0]]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise DataError(path, f"line {numbered[0][0]}: unknown column {unknown[0]!r} (columns: {', '.join(COLUMNS)})")
    repeated = [h for h, n in Counter(header).items() if n > 1]
    if repeated:
        raise DataError(path, f"line {numbered[0][0]}: column {repeated[0]!r} appears twice")
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise DataError(path, f"line {numbered[0][0]}: missing column {missing[0]!r} (columns: {', '.join(COLUMNS)})")
    entries: list[Consent] = []
    seen: dict[str, int] = {}
    for (line_no, _), row in zip(numbered[1:], rows[1:]):
        where = f"line {line_no}"
        if len(row) > len(header):
            raise DataError(path, f"{where}: {len(row)} cells but the header has {len(header)} columns")
        cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
        code = cells["participant"]
        if not code:
            raise DataError(path, f"{where}: empty participant code")
        problem = _name_problem(code)
        if problem:
            raise DataError(path, f"{where}: {problem}")
        if code.casefold() in seen:
            raise DataError(path, f"{where}: participant {code!r} is listed twice (first on line {seen[code.casefold()]})")
        seen[code.casefold()] = line_no
        answers = {}
        for column in ("data_release", "model_release"):
            value = cells[column].lower()
            if value not in ANSWERS:
                shown = repr(cells[column]) if cells[column] else "no answer"
                raise DataError(path, f"{where}: participant {code}: {column} is {shown}; write yes or no")
            answers[column] = ANSWERS[value]
        date = cells["consent_date"]
        try:
            _dt.date.fromisoformat(date)
            if len(date) != 10:
                raise ValueError
        except ValueError:
            shown = repr(date) if date else "missing"
            raise DataError(path, f"{where}: participant {code}: consent_date is {shown}; write YYYY-MM-DD") from None
        entries.append(Consent(code, answers["data_release"], answers["model_release"], date, cells.get("note", "")))
    return Register(path, entries)


def check_model_release(participants: list[dict], register: Register | None, what: str) -> list[dict]:
    """Refuse (StudyError naming the participants) unless every captured participant of
    ``participants`` consented to model release in ``register``. Returns the rows with
    their consent dates added (``consent_date``) for the model card."""
    captured = [r for r in participants if r["source"] == "captured"]
    if captured and register is None:
        codes = ", ".join(r["participant"] for r in captured)
        raise StudyError(f"{what}: trained on recordings of participant(s) {codes}; "
                         "give the consent register (--register participants.csv) to release it")
    unknown = [r["participant"] for r in captured if register.get(r["participant"]) is None]
    refused = [r["participant"] for r in captured
               if register.get(r["participant"]) is not None and not register.get(r["participant"]).model_release]
    if unknown or refused:
        parts = []
        if refused:
            parts.append(f"participant(s) {', '.join(refused)} did not consent to model release")
        if unknown:
            parts.append(f"participant(s) {', '.join(unknown)} are not in {register.path}")
        raise StudyError(f"{what}: refused: {'; '.join(parts)}; the weights carry their data "
                         "(retrain without them)")
    out = []
    for r in participants:
        row = dict(r)
        if r["source"] == "captured":
            row["consent_date"] = register.get(r["participant"]).consent_date
        out.append(row)
    return out


__all__ = ["COLUMNS", "Consent", "Register", "read_register", "check_model_release"]
