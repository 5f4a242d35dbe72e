"""``semg-study validate DATA_ROOT``: check every file of a dataset and report every problem.

Unlike the loaders (which stop at the first :class:`DataError`), validation goes
on through the whole dataset and lists each problem with the file it is in.

Severities (exit code 1 when there is any error):

* **error**: the data cannot be used as is: missing ``{i}_emg.npy`` or
  unreadable JSON / npy / FLAC / WAV, EMG not (T, 8), NaN or inf, ``chunks``
  whose EMG lengths do not add up to the EMG length, an empty transcript
  (``sentence_index >= 0``), a character that is a control character or that
  ``unidecode`` cannot map, a missing audio file in a session that has audio
  for its other utterances, a malformed alignment TextGrid, a testset entry
  that matches no silent utterance although the corpus has silent recordings
  of that book; complex EMG, EMG beyond +-1e6 microvolts or shorter than the
  features need; audio whose length disagrees with ``chunks`` or whose duration
  disagrees with the EMG's; ``03_info.json`` beside ``3_info.json``; a session
  reached twice through a link; any file the study reads (split file, TextGrid,
  info JSON, ...) that is a folder, FIFO or device, or JSON nested too deep;
  an ``emg_rate`` that is not a rate, or that disagrees with the session's
  ``session.json`` (``emg_rate_hz``).
* **warning**: usable, but worth a look: a session with no audio at all
  (EMG-only recordings, as ``semg-study capture`` writes them), no ``chunks``
  in the info JSON, a missing ``{i}_button.npy``, an ``{i}_emg.npy`` without
  ``{i}_info.json`` (an unfinished write: writers write the JSON last),
  symbols that normalisation deletes but that might have been spoken
  (``# $ % & * + < = > @ \\ ^ | ~``), testset entries for a book the corpus
  does not hold at all (a testset made for another corpus), ``chunks: null``,
  stereo audio (the first channel is used), letters outside the Latin script
  that ``unidecode`` transliterates; EMG recorded below the dataset's 1000 Hz
  (the models refuse it: the message names the board setting that gives
  1000 Hz); EMG an older capture upsampled from a slower board (``board_rate``
  below ``emg_rate``).
* **info**: ordinary punctuation (``. , ; ! ? ' " ( ) [ ] { }``) that the
  normaliser deletes by design, digits-only transcripts that the training set
  skips by the dataset's rule, ``_audio.flac`` used because ``_audio_clean.flac``
  is missing.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import re
import unicodedata
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from semg_study import io
from semg_study.data.corpus import has_letter
from semg_study.data.dv_folders import CONDITION_FOLDERS, alignment_dirs, locate_emg_data, scan_layout, session_dirs
from semg_study.data.ljspeech import is_ljspeech_root, read_metadata
from semg_study.data.rates import DATASET_RATE, INFO_KEY, board_setting, stated_rate
from semg_study.data.recording_files import (MISSING_AUDIO, check_audio_length, check_chunks, check_emg_length,
                                             read_audio, read_emg)
from semg_study.data.testsets import read_testset, resolve_testset, testset_difference
from semg_study.errors import DataError, DataWarning
from semg_study.text import characters_outside_vocabulary, normalize_text

ORDINARY_PUNCTUATION = set(".,;!?'\"()[]{}`")
SEVERITIES = ("error", "warning", "info")


@dataclass
class Problem:
    severity: str
    path: str
    problem: str


@dataclass
class Report:
    root: str
    layout: str = "unknown"
    checked: dict = field(default_factory=Counter)  # what was checked -> how many
    testset: str | None = None  # the split file the corpus opens with
    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: str, path, problem: str) -> None:
        assert severity in SEVERITIES
        self.problems.append(Problem(severity, str(path), problem))

    def add_error(self, exc: DataError) -> None:
        self.add("error", exc.path, exc.problem)

    @contextlib.contextmanager
    def collecting(self):
        """DataErrors raised and DataWarnings warned inside become this report's errors and warnings."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            try:
                yield
            except DataError as exc:
                self.add_error(exc)
        for w in caught:
            if isinstance(w.message, DataWarning):
                self.add("warning", w.message.path, w.message.problem)
            else:  # anything else keeps going to stderr as before
                warnings.showwarning(w.message, w.category, w.filename, w.lineno)

    def of(self, severity: str) -> list[Problem]:
        return [p for p in self.problems if p.severity == severity]

    @property
    def errors(self) -> list[Problem]:
        return self.of("error")

    @property
    def warnings(self) -> list[Problem]:
        return self.of("warning")

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {"root": self.root, "layout": self.layout, "ok": self.ok, "testset": self.testset,
                "checked": dict(self.checked),
                "counts": {s: len(self.of(s)) for s in SEVERITIES},
                "problems": [asdict(p) for p in self.problems]}

    def format_text(self, verbose: bool = False) -> str:
        lines = [f"validate {self.root} ({self.layout}): "
                 + ", ".join(f"{v} {k}" for k, v in sorted(self.checked.items()))]
        if self.testset:
            lines.append(f"testset {self.testset}")
        for severity in SEVERITIES:
            found = self.of(severity)
            if severity == "info" and not verbose:
                if found:
                    kinds = Counter(re.sub(r"[:(].*", "", p.problem).strip() for p in found)
                    lines.append(f"{len(found)} notes (--verbose lists them): "
                                 + "; ".join(f"{k} x{v}" for k, v in kinds.most_common()))
                continue
            lines += [f"{severity.upper()} {p.path}: {p.problem}" for p in found]
        lines.append(f"{len(self.errors)} errors, {len(self.warnings)} warnings, {len(self.of('info'))} notes: "
                     + ("OK" if self.ok else "FAILED"))
        return "\n".join(lines)


def check_text(report: Report, path, text: str) -> None:
    """Characters of a transcript that the vocabulary does not hold, by severity (see module doc)."""
    from unidecode import unidecode

    bad = sorted({c for c in text if unicodedata.category(c).startswith("C") and c not in "\t\n\r"})
    unmappable = sorted({c for c in text if not c.isascii() and not c.isspace()
                         and unidecode(c).strip() in ("", "[?]")})
    if bad:
        report.add("error", path, f"control characters in the transcript: {[hex(ord(c)) for c in bad]}")
    if unmappable:
        report.add("error", path, f"characters unidecode cannot map: {unmappable}")
    foreign = list(dict.fromkeys(c for c in text if c.isalpha() and not c.isascii() and c not in unmappable
                                 and not unicodedata.name(c, "").startswith("LATIN")))
    if foreign:
        shown = "".join(foreign[:12])
        report.add("warning", path, f"letters outside the Latin script, transliterated by unidecode: {shown!r} -> "
                                    f"{unidecode(shown).strip()!r}")
    outside = characters_outside_vocabulary(text)
    symbols = sorted(outside - ORDINARY_PUNCTUATION)
    punct = sorted(outside & ORDINARY_PUNCTUATION)
    if symbols:
        report.add("warning", path, f"symbols deleted by normalisation (maybe spoken): {''.join(symbols)}")
    if punct:
        report.add("info", path, f"punctuation deleted by normalisation: {''.join(punct)}")


def validate(root, testset=None, alignments=None) -> Report:
    """Check a Digital Voicing or LJSpeech root; never raises for problems in the data."""
    root = Path(root).expanduser()
    report = Report(str(root))
    if not root.exists():
        report.add("error", root, "dataset root does not exist")
        return report
    if is_ljspeech_root(root):
        _validate_ljspeech(root, report)
        return report
    try:
        base, emg_data = locate_emg_data(root)
    except DataError as exc:
        report.add_error(exc)
        return report
    report.layout = "digital_voicing"
    layout_problems: list[DataError] = []
    records = scan_layout(emg_data, layout_problems)
    for exc in layout_problems:
        report.add_error(exc)

    # sessions with no audio at all are EMG-only recordings: one warning for the session
    sessions_with_audio = set()
    sessions = {sd for _, sd in session_dirs(emg_data, [])}
    for sd in sessions:
        if any(sd.glob("*_audio*.flac")):
            sessions_with_audio.add(sd)
        # EMG files without an info JSON: unfinished writes
        for emg in sd.glob("*_emg.npy"):
            idx = emg.name[: -len("_emg.npy")]
            if idx.isdigit() and not io.is_present(sd / f"{idx}_info.json"):
                report.add("warning", emg, "EMG file without its info JSON (an unfinished write?)")
    for sd in sorted(sessions - sessions_with_audio):
        report.add("warning", sd, "session has no audio files at all (EMG-only recording)")
    report.checked["sessions"] = len(sessions)

    silent_keys: set[tuple[str, int]] = set()
    silent_books: set[str] = set()
    session_rates: dict[Path, float | None] = {}
    for r in records:
        report.checked["utterances"] += 1
        prefix = r.session_dir / str(r.index)
        info_path = Path(f"{prefix}_info.json")
        if r.error is not None:
            report.add_error(r.error)
        if r.alias:
            continue  # 03_info.json: its files are not the layout's, and 3_ is checked on its own
        info = r.info
        emg_len = None
        emg_path = Path(f"{prefix}_emg.npy")
        emg_rate = _checked_rate(report, info_path, info, session_rates, r.session_dir)
        with report.collecting():
            emg_len = read_emg(emg_path).shape[0]
            if info is None or info["sentence_index"] != -1:  # reference clips are never featurised
                check_emg_length(emg_path, emg_len, emg_rate)
        if info is not None:
            if info.get("chunks") is None:
                report.add("warning", info_path, "info JSON has no 'chunks'" if "chunks" not in info
                           else "info JSON has 'chunks': null (lengths cannot be checked)")
            elif emg_len is not None:
                with report.collecting():
                    check_chunks(info_path, info, emg_len)
        button = Path(f"{prefix}_button.npy")
        if not io.is_present(button):
            report.add("warning", button, "missing button file")
        else:
            with report.collecting(), io.open_regular(button, "button file") as fh:
                try:
                    np.load(fh, allow_pickle=False)
                except Exception as exc:
                    report.add("error", button, f"unreadable npy: {exc}")
        clean, raw = Path(f"{prefix}_audio_clean.flac"), Path(f"{prefix}_audio.flac")
        if r.session_dir in sessions_with_audio:
            if not io.is_present(clean) and not io.is_present(raw):
                report.add("error", clean, MISSING_AUDIO)
            elif not io.is_present(clean):
                report.add("info", clean, "no _audio_clean.flac; _audio.flac is used")
            for p in (clean, raw):
                if io.is_present(p):
                    with report.collecting():
                        audio, rate = read_audio(p)
                        if emg_len is not None and info is not None:
                            check_audio_length(p, info, emg_len, len(audio), rate, emg_rate=emg_rate)
        if info is None:
            continue
        if info["sentence_index"] == -1:
            continue  # reference clip: no text to check
        condition, mode, _ = CONDITION_FOLDERS[r.folder]
        if mode == "silent":
            silent_keys.add((info["book"], info["sentence_index"]))
            silent_books.add(info["book"])
        text = info["text"]
        if not normalize_text(text):
            report.add("error", info_path, "empty transcript (sentence_index >= 0)")
        elif not has_letter(text):
            report.add("info", info_path, "transcript has no letter: skipped for training by the dataset's rule")
        check_text(report, info_path, text)

    # alignments
    from semg_study.data.textgrid import read_phoneme_alignment

    try:
        dirs = alignment_dirs(root, base, emg_data, alignments)
    except DataError as exc:
        report.add_error(exc)
        dirs = []
    for d in dirs:
        if d.is_dir():
            for tg in sorted(d.rglob("*.TextGrid")):
                report.checked["alignments"] += 1
                try:
                    read_phoneme_alignment(tg)
                except DataError as exc:
                    report.add_error(exc)

    # the testset
    try:
        ts_path = resolve_testset(root, base, testset)
        report.testset = str(ts_path)
        entries = read_testset(ts_path)
        differs = testset_difference(ts_path) if testset is None else None
    except DataError as exc:
        report.add_error(exc)
        return report
    if differs:
        report.add("warning", ts_path, differs)
    overlap = sorted(set(entries["dev"]) & set(entries["test"]))
    if overlap:
        report.add("warning", ts_path, f"{len(overlap)} sentences listed in both dev and test (they count as dev): "
                                       f"{overlap}")
    for split in ("dev", "test"):
        dupes = sorted(k for k, n in Counter(entries[split]).items() if n > 1)
        if dupes:
            report.add("info", ts_path, f"{split} lists {len(dupes)} sentences twice: {dupes}")
        for book, idx in entries[split]:
            report.checked["testset entries"] += 1
            if (book, idx) in silent_keys:
                continue
            if book in silent_books:
                report.add("error", ts_path, f"{split} entry [{book!r}, {idx}] matches no silent utterance")
            else:
                report.add("warning", ts_path, f"{split} entry [{book!r}, {idx}]: the corpus has no silent "
                                               f"recordings of {book!r} (a testset for another corpus?)")
    return report


def _session_rate(report: Report, session_dir: Path) -> float | None:
    """The EMG rate a capture session's ``session.json`` states (``emg_rate_hz``), or None."""
    path = session_dir / "session.json"
    if not io.is_present(path):
        return None
    try:
        meta = io.read_json(path, "session file")
        return stated_rate({INFO_KEY: meta["emg_rate_hz"]}, path) if isinstance(meta, dict) and \
            "emg_rate_hz" in meta else None
    except DataError as exc:
        report.add_error(exc)
        return None


def _checked_rate(report: Report, info_path: Path, info: dict | None, session_rates: dict, session_dir: Path) -> float:
    """The rate an utterance states, checked against its session's and against the dataset's rate."""
    if session_dir not in session_rates:
        session_rates[session_dir] = _session_rate(report, session_dir)
    if info is None:
        return DATASET_RATE
    try:
        rate = stated_rate(info, info_path)
    except DataError as exc:
        report.add_error(exc)
        return DATASET_RATE
    session_rate = session_rates[session_dir]
    if session_rate is not None and session_rate != rate:
        report.add("error", info_path, f"states {rate:g} Hz but its session.json records {session_rate:g} Hz")
    if rate < DATASET_RATE:
        report.add("warning", info_path, f"EMG recorded at {rate:g} Hz: models built for the dataset's "
                                         f"{DATASET_RATE:g} Hz refuse it ({board_setting(info.get('board'))})")
    board_rate = info.get("board_rate")
    if isinstance(board_rate, (int, float)) and not isinstance(board_rate, bool) and 0 < board_rate < rate:
        # what capture wrote before recordings kept their own rate: interpolated, nothing above board_rate / 2
        report.add("warning", info_path, f"EMG was upsampled from a {board_rate:g} Hz board to {rate:g} Hz: it "
                                         f"holds nothing above {board_rate / 2:g} Hz")
    return rate


def _validate_ljspeech(root: Path, report: Report) -> None:

    report.layout = "ljspeech"
    meta = root / "metadata.csv"
    try:
        rows = read_metadata(root)
    except DataError as exc:
        report.add_error(exc)
        return
    seen = Counter(uid for _, uid, _ in rows)
    for uid, n in seen.items():
        if n > 1:
            report.add("error", meta, f"id {uid!r} listed {n} times")
    for lineno, uid, text in rows:
        report.checked["utterances"] += 1
        wav = root / "wavs" / f"{uid}.wav"
        if not wav.exists():
            report.add("error", wav, f"missing audio file (metadata.csv line {lineno})")
        else:
            with report.collecting():
                read_audio(wav)
        where = f"{meta}:{lineno}"
        if not normalize_text(text):
            report.add("error", where, f"empty transcript for {uid}")
        check_text(report, where, text)
    listed = set(seen)
    for wav in sorted((root / "wavs").glob("*.wav")):
        if wav.stem not in listed:
            report.add("warning", wav, "audio file not listed in metadata.csv")


def configure(parser: argparse.ArgumentParser) -> None:
    from semg_study.data.cli_info import add_dataset_arguments

    add_dataset_arguments(parser, metavar="DATA_ROOT")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--verbose", action="store_true", help="also list the notes (info level)")


def run(args: argparse.Namespace) -> int:
    report = validate(args.root, testset=args.testset, alignments=args.alignments)
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print(report.format_text(verbose=args.verbose))
    return 0 if report.ok else 1
