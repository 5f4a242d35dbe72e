"""Reading the Digital Voicing layout (and the LJSpeech layout), with the study's splits.

Layout (``ROOT/emg_data/<condition folder>/<session>/{i}_*``), see
``/work/shared/reference/digital-voicing-dataset.md``. An utterance exists when
its ``{i}_info.json`` exists (writers write it last). The dataset's own rules
drop two kinds of utterance, and every drop is counted (``Corpus.skipped``):

* ``reference_clip``: ``sentence_index == -1`` (reference / boundary clips);
* ``no_letter_in_text``: a *training* utterance whose transcript holds no letter.

Splits
------
Open vocabulary: the testset file ``{"dev": [[book, idx], ...], "test": [...]}``
(default: ``ROOT/testset_largedev.json``, where the published layout keeps it,
else ``ROOT/testset.json``, else the packaged ``testset_largedev.json``; see
:func:`resolve_testset`). Dev/test utterances are the *silent* recordings of
those sentences; the voiced recordings of the same sentences form the voiced
dev/test lists (``mode="voiced"``). Neither mode of a dev/test sentence is ever
in training (the dissertation's code leaked silent dev utterances, defect 6).

Closed vocabulary (the dataset has no official split; a split file that lists
closed-vocabulary sentences, as the synthetic corpus's does, decides instead): the distinct closed
sentences ``(book, sentence_index)`` are sorted, shuffled with
``numpy.random.default_rng(CLOSED_SPLIT_SEED)``, and cut into 30 dev / 100 test
/ the rest train, as in the paper (30/100/370 of 500). A corpus with fewer than
260 closed sentences is cut proportionally to 30:100:130, i.e.
``dev = round(n*30/260)``, ``test = round(n*100/260)`` (each at least 1 when
n >= 3), the rest train. The split is by sentence, so both modes of a sentence
fall in the same split.

``mode=None`` means: training = both modes; dev/test = the silent recordings
(the official evaluation sets); ask ``mode="voiced"`` for the voiced lists.
"""
from __future__ import annotations

import json
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable

import numpy as np

from semg_study import io
from semg_study.errors import DataError, DataWarning
from semg_study.text import normalize_text

N_CHANNELS = 8
EMG_RATE = 1000
# folder (relative to emg_data) -> (condition, mode, parallel)
CONDITION_FOLDERS: dict[str, tuple[str, str, bool]] = {
    "silent_parallel_data": ("open", "silent", True),
    "voiced_parallel_data": ("open", "voiced", True),
    "nonparallel_data": ("open", "voiced", False),
    "closed_vocab/silent": ("closed", "silent", True),
    "closed_vocab/voiced": ("closed", "voiced", True),
}
CONDITIONS = ("open", "closed")
SPLITS = ("train", "dev", "test")
MODES = ("silent", "voiced")
SKIP_RULES = {
    "reference_clip": "sentence_index == -1 (reference or boundary clip)",
    "no_letter_in_text": "training utterance whose transcript holds no letter",
}
CLOSED_SPLIT_SEED = 0
CLOSED_SPLIT_FULL = (30, 100)  # dev, test when the corpus has >= CLOSED_SPLIT_FULL_MIN sentences
CLOSED_SPLIT_FULL_MIN = 260
_INFO = re.compile(r"^(\d+)_info\.json$")
# Plausible EMG: the OpenBCI boards of the dataset saturate near +-187,500 microvolts
# (4.5 V reference at gain 24) and surface EMG itself stays below ~10 mV, so a sample
# beyond 1 V is a unit mistake or a corrupt file, never a recording.
MAX_ABS_EMG_UV = 1e6
# The feature pipeline needs ~31 samples for one frame (tests/test_data_damage.py checks
# every preset against this); 0.1 s is shorter than any spoken utterance.
MIN_EMG_SAMPLES = 100
# Audio and EMG of one utterance are recorded together: their durations agree to within
# this fraction (and AUDIO_DURATION_SLACK_S), else the audio is truncated or its rate is wrong.
AUDIO_DURATION_TOLERANCE = 0.1
AUDIO_DURATION_SLACK_S = 0.05


def packaged_testset(name: str = "testset_largedev.json") -> Path:
    """Path of a testset shipped with the package (``testset_largedev.json`` or ``testset_origdev.json``)."""
    return Path(str(resources.files("semg_study.data") / "splits" / name))


def has_letter(text: str) -> bool:
    return any(c.isalpha() for c in normalize_text(text))


@dataclass(frozen=True)
class UtteranceData:
    emg: np.ndarray | None  # (T, 8) float32, 1000 Hz, microvolts
    audio: np.ndarray | None  # float32 mono
    audio_rate: int | None
    info: dict
    phoneme_alignment: list[tuple[float, float, str]] | None
    alignment_borrowed: bool = False  # a silent utterance using its voiced partner's alignment


@dataclass(frozen=True, order=True)
class Utterance:
    """One recording. ``path`` is the file prefix: ``path + "_emg.npy"`` etc."""

    sort_key: tuple = field(repr=False)
    path: Path
    session: str
    mode: str
    condition: str
    parallel: bool
    book: str
    sentence_index: int
    text: str
    index: int
    folder: str = ""  # condition folder relative to emg_data ("" for LJSpeech)
    audio_path: Path | None = field(default=None, compare=False)
    alignment_path: Path | None = field(default=None, compare=False)
    alignment_borrowed: bool = field(default=False, compare=False)
    kind: str = "emg"  # "emg" (Digital Voicing layout) or "audio" (LJSpeech)

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.session}/{self.index}" if self.folder else f"{self.session}/{self.path.name}"

    @property
    def emg_path(self) -> Path:
        return Path(f"{self.path}_emg.npy")

    @property
    def info_path(self) -> Path:
        return Path(f"{self.path}_info.json")

    @property
    def has_audio(self) -> bool:
        return self.audio_path is not None

    @property
    def key(self) -> tuple[str, int]:
        return (self.book, self.sentence_index)

    def neighbour_path(self, offset: int) -> Path:
        return self.path.parent / f"{self.index + offset}_emg.npy"

    # -- loading -----------------------------------------------------------------
    def load(self) -> UtteranceData:
        if self.kind == "audio":
            audio, rate = read_audio(self.audio_path)
            return UtteranceData(None, audio, rate, {"text": self.text}, None)
        info = read_info(self.info_path)
        emg = read_emg(self.emg_path)
        check_emg_length(self.emg_path, emg.shape[0])  # first: an empty EMG is the EMG's fault, not the info's
        check_chunks(self.info_path, info, emg.shape[0])
        if not normalize_text(str(info.get("text", ""))):
            raise DataError(self.info_path, "empty transcript (after normalisation) for an utterance that needs text")
        audio = rate = None
        if self.audio_path is not None:
            audio, rate = read_audio(self.audio_path)
            check_audio_length(self.audio_path, info, emg.shape[0], len(audio), rate)
        alignment = None
        if self.alignment_path is not None:
            from semg_study.data.textgrid import read_phoneme_alignment

            alignment = read_phoneme_alignment(self.alignment_path)
        return UtteranceData(emg, audio, rate, info, alignment, self.alignment_borrowed)

    def load_context(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """EMG of the neighbouring recordings ``{i-1}`` and ``{i+1}`` (filter context), or None."""
        if self.kind == "audio":
            return None, None
        out = []
        for offset in (-1, 1):
            p = self.neighbour_path(offset)
            # a neighbour whose info JSON exists must have its EMG (read_emg says "missing EMG file")
            recorded = io.is_present(p) or io.is_present(self.path.parent / f"{self.index + offset}_info.json")
            out.append(read_emg(p) if recorded else None)
        return out[0], out[1]


# -- file readers (each raises DataError naming the file) -----------------------------

def read_info(path: Path) -> dict:
    info = io.read_json(path, "info JSON")
    if not isinstance(info, dict):
        raise DataError(path, "info JSON is not an object")
    for key, typ in (("book", str), ("sentence_index", int), ("text", str)):
        if key not in info:
            raise DataError(path, f"info JSON lacks '{key}'")
        if not isinstance(info[key], typ) or (typ is int and isinstance(info[key], bool)):
            raise DataError(path, f"info JSON '{key}' is not a {typ.__name__}")
    return info


def read_emg(path: Path) -> np.ndarray:
    """(T, 8) float32 microvolts: real, finite and within +-MAX_ABS_EMG_UV, else DataError."""
    path = Path(path)
    with io.open_regular(path, "EMG file") as fh:
        try:
            emg = np.load(fh, allow_pickle=False)
        except Exception as exc:  # numpy raises several types for broken files
            raise DataError(path, f"unreadable npy: {exc}") from exc
        if not isinstance(emg, np.ndarray):  # an .npz archive under an .npy name
            raise DataError(path, "unreadable npy: an .npz archive, not one array")
    if emg.ndim != 2 or emg.shape[1] != N_CHANNELS:
        raise DataError(path, f"EMG has shape {emg.shape}, expected (T, {N_CHANNELS}) channels")
    if np.iscomplexobj(emg):  # complex is a np.number, and a cast would drop the imaginary part
        raise DataError(path, f"EMG is complex-valued (dtype {emg.dtype}); expected real samples")
    if not np.issubdtype(emg.dtype, np.number):
        raise DataError(path, f"EMG has non-numeric dtype {emg.dtype}")
    wide = emg.astype(np.float64, copy=False)  # checked before the float32 cast, which could overflow
    if not np.all(np.isfinite(wide)):
        bad = int(np.count_nonzero(~np.isfinite(wide)))
        raise DataError(path, f"EMG contains NaN or inf ({bad} values)")
    if wide.size and np.max(np.abs(wide)) > MAX_ABS_EMG_UV:
        bad = int(np.count_nonzero(np.abs(wide) > MAX_ABS_EMG_UV))
        raise DataError(path, f"EMG amplitude {np.max(np.abs(wide)):.3g} microvolts in {bad} values, beyond the "
                              f"plausible +-{MAX_ABS_EMG_UV:.0e} (wrong units or a corrupt file)")
    return emg.astype(np.float32, copy=False)


def check_emg_length(path: Path, n_samples: int) -> None:
    """An utterance the features are made of needs at least MIN_EMG_SAMPLES samples."""
    if n_samples < MIN_EMG_SAMPLES:
        raise DataError(path, f"EMG has {n_samples} samples, too short for the features "
                              f"(at least {MIN_EMG_SAMPLES}, {MIN_EMG_SAMPLES / EMG_RATE:.1f} s)")


def read_audio(path: Path) -> tuple[np.ndarray, int]:
    import soundfile as sf

    path = Path(path)
    with io.open_regular(path, "audio file") as fh:
        try:
            audio, rate = sf.read(fh, dtype="float32", always_2d=False)
        except Exception as exc:
            raise DataError(path, f"unreadable audio: {exc}") from exc
    if audio.ndim == 2:
        # the microphone is mono; like the authors' code take the first channel (an average
        # of two opposite channels would be silence)
        warnings.warn(DataWarning(path, f"audio has {audio.shape[1]} channels; the first is used"), stacklevel=2)
        audio = np.ascontiguousarray(audio[:, 0])
    if not np.all(np.isfinite(audio)):
        raise DataError(path, "audio contains NaN or inf")
    return audio.astype(np.float32, copy=False), int(rate)


def check_chunks(info_path: Path, info: dict, emg_length: int) -> None:
    """``info["chunks"]`` rows are ``[emg_len, audio_len, button_len]``; the EMG lengths must add up."""
    chunks = info.get("chunks")
    if chunks is None:
        return  # optional (validate warns); nothing to check against
    try:
        total = int(sum(int(row[0]) for row in chunks))
    except (TypeError, ValueError, IndexError) as exc:
        raise DataError(info_path, f"malformed 'chunks': {exc}") from exc
    if total != emg_length:
        raise DataError(info_path, f"chunk EMG lengths sum to {total} but the EMG has {emg_length} samples")


def check_audio_length(audio_path: Path, info: dict, emg_length: int, n_audio: int, rate: int) -> None:
    """The audio holds the samples ``chunks`` records (their second column) and lasts as long as the EMG."""
    try:
        recorded = int(sum(int(row[1]) for row in info["chunks"]))
    except (KeyError, TypeError, ValueError, IndexError):
        recorded = None  # no or malformed chunks: check_chunks / validate report those
    if recorded is not None and recorded != n_audio:
        raise DataError(audio_path, f"audio has {n_audio} samples but 'chunks' records {recorded} "
                                    "(a truncated or replaced file)")
    emg_s, audio_s = emg_length / EMG_RATE, n_audio / rate
    if abs(audio_s - emg_s) > max(AUDIO_DURATION_SLACK_S, AUDIO_DURATION_TOLERANCE * emg_s):
        raise DataError(audio_path, f"audio lasts {audio_s:.2f} s at its {rate} Hz but the EMG {emg_s:.2f} s "
                                    "(a wrong sample rate or a truncated file)")


MISSING_AUDIO = ("missing audio (neither _audio_clean.flac nor _audio.flac) although the session has audio "
                 "for other utterances")


def audio_file(prefix: Path) -> Path | None:
    """``{i}_audio_clean.flac``, falling back to ``{i}_audio.flac``; None when neither exists."""
    for suffix in ("_audio_clean.flac", "_audio.flac"):
        p = Path(f"{prefix}{suffix}")
        if io.is_present(p):  # a folder or FIFO under this name is an error when read, not skipped
            return p
    return None


# -- layout discovery ---------------------------------------------------------------

def locate_emg_data(root: Path) -> tuple[Path, Path]:
    """Return ``(base, emg_data)`` for a root that is the parent of ``emg_data/`` or ``emg_data/`` itself."""
    root = Path(root)
    if (root / "emg_data").is_dir():
        return root, root / "emg_data"
    if any((root / f).is_dir() for f in CONDITION_FOLDERS):
        return root.parent, root
    raise DataError(root, "no emg_data/ folder and none of the condition folders "
                          f"({', '.join(CONDITION_FOLDERS)}) here; not a Digital Voicing layout "
                          "(and no metadata.csv + wavs/ for LJSpeech)")


@dataclass
class RawRecord:
    """One ``{i}_info.json`` found while scanning (info is None when unreadable)."""

    folder: str
    session: str
    session_dir: Path
    index: int
    info: dict | None
    error: DataError | None
    alias: bool = False  # a name like 03_info.json: reported, never loaded (its prefix would be 3_)


def session_dirs(emg_data: Path, problems: list[DataError] | None = None) -> list[tuple[str, Path]]:
    """``(condition folder, session folder)`` of every session, each real folder once.

    A session reached twice (a link to another session's folder, or a condition
    folder linked into another) would be loaded twice: the link is reported
    (``problems``, else raised) and skipped.
    """
    found = []
    for folder in CONDITION_FOLDERS:
        fdir = emg_data / folder
        if fdir.is_dir():
            found += [(folder, p) for p in sorted(fdir.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    # the folder reached without any link keeps its name; the others are the duplicates
    real = {}
    for folder, d in sorted(found, key=lambda fd: os.path.realpath(fd[1]) != os.path.abspath(fd[1])):
        real.setdefault(os.path.realpath(d), d)
    out = []
    for folder, d in found:
        first = real[os.path.realpath(d)]
        if first != d:
            err = DataError(d, f"the same folder as {first} (reached through a link): "
                               "its utterances would be loaded twice")
            if problems is None:
                raise err
            problems.append(err)
            continue
        out.append((folder, d))
    return out


def scan_layout(emg_data: Path, problems: list[DataError] | None = None) -> list[RawRecord]:
    """Every ``{i}_info.json`` of the layout. Session-level problems (linked duplicates) go to
    ``problems`` when given, else are raised."""
    records = []
    for folder, session_dir in session_dirs(emg_data, problems):
        infos = [(f, _INFO.match(f.name)) for f in sorted(session_dir.iterdir())]
        names = {f.name for f, m in infos if m}
        for f, m in infos:
            if not m:
                continue
            index = int(m.group(1))
            if m.group(1) != str(index):
                canonical = f"{index}_info.json"
                problem = (f"the same utterance index as {canonical} (a duplicate)" if canonical in names else
                           f"utterance index written with a leading zero; the layout names it {canonical}")
                records.append(RawRecord(folder, session_dir.name, session_dir, index, None,
                                         DataError(f, problem), alias=True))
                continue
            try:
                info, err = read_info(f), None
            except DataError as exc:
                info, err = None, exc
            records.append(RawRecord(folder, session_dir.name, session_dir, index, info, err))
    records.sort(key=lambda r: (r.folder, r.session, r.index, r.alias))
    return records


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


# -- the corpus ----------------------------------------------------------------------

class Corpus:
    """Utterances of one dataset root, assigned to condition / split / mode."""

    def __init__(self, root: Path, kind: str, assigned: dict[tuple[str, str, str], list[Utterance]],
                 skipped: Counter, skipped_ids: dict[str, list[str]], testset_path: Path | None,
                 data_files: list[tuple[str, Path]], notes: list[str] | None = None):
        self.root = Path(root)
        self.kind = kind  # "digital_voicing" or "ljspeech"
        self._assigned = {k: sorted(v) for k, v in assigned.items()}
        self.skipped = dict(skipped)
        self.skipped_ids = skipped_ids
        self.testset_path = testset_path
        self._data_files = data_files
        self.notes = notes or []
        self.synthetic = False  # set by open_corpus: results on this corpus must be labelled "synthetic"

    def utterances(self, condition: str = "open", split: str = "train", mode: str | None = None) -> list[Utterance]:
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        if split not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
        if mode not in (None,) + MODES:
            raise ValueError(f"mode must be None or one of {MODES}, got {mode!r}")
        if mode is None:
            if split == "train" or self.kind == "ljspeech":
                modes = MODES
            else:
                modes = ("silent",)  # the official dev/test sets are silent recordings
        else:
            modes = (mode,)
        out: list[Utterance] = []
        for m in modes:
            out += self._assigned.get((condition, split, m), [])
        return sorted(out)

    def all_utterances(self) -> list[Utterance]:
        return sorted(u for v in self._assigned.values() for u in v)

    @property
    def sessions(self) -> list[str]:
        return sorted({u.session for u in self.all_utterances()})

    def counts(self) -> dict[tuple[str, str, str], int]:
        return {k: len(v) for k, v in sorted(self._assigned.items())}

    def duration_s(self, utt: Utterance) -> float:
        path = utt.audio_path if utt.kind == "audio" else utt.emg_path
        io.open_regular(path, "audio file" if utt.kind == "audio" else "EMG file").close()  # no FIFO, no folder
        try:
            if utt.kind == "audio":
                import soundfile as sf

                i = sf.info(str(path))
                return i.frames / i.samplerate
            return np.load(path, mmap_mode="r", allow_pickle=False).shape[0] / EMG_RATE
        except Exception as exc:  # numpy and soundfile raise several types for broken files
            raise DataError(path, f"unreadable {'audio' if utt.kind == 'audio' else 'npy'}: {exc}") from exc

    def data_files(self) -> list[tuple[str, Path]]:
        """(name relative to the root, path) of every file that shapes the data."""
        return list(self._data_files)

    def fingerprint(self, **params) -> str:
        """sha256 over every data file (relative name, size, content digest) and ``params``."""
        from semg_study.data.fingerprint import fingerprint_files

        files = self.data_files()
        if self.testset_path is not None:
            files.append(("<testset>", self.testset_path))
        return fingerprint_files(files, {"kind": self.kind, "params": params})

    def __repr__(self) -> str:
        return f"Corpus({str(self.root)!r}, kind={self.kind!r}, utterances={len(self.all_utterances())})"


def open_digital_voicing(root, testset=None, alignments=None) -> Corpus:
    """Open a Digital Voicing root (parent of ``emg_data/`` or ``emg_data/`` itself).

    Alignments (``<session>/<session>_<i>_audio.TextGrid``) are looked up in
    ``alignments`` when given, then ``ROOT/text_alignments`` and ``emg_data/text_alignments``.
    """
    root = Path(root).expanduser()
    base, emg_data = locate_emg_data(root)
    testset_path = resolve_testset(root, base, testset)
    testset_keys = read_testset(testset_path)
    dev_keys, test_keys = set(testset_keys["dev"]), set(testset_keys["test"])

    records = scan_layout(emg_data)
    for r in records:
        if r.error is not None:
            raise r.error
    align_dirs = alignment_dirs(root, base, emg_data, alignments)

    def alignment_for(session: str, index: int) -> Path | None:
        for d in align_dirs:
            p = d / session / f"{session}_{index}_audio.TextGrid"
            if io.is_present(p):  # a folder under this name is an error when read, not skipped
                return p
        return None

    has_audio: dict[Path, bool] = {}  # session folder -> whether any utterance of it has audio

    skipped: Counter = Counter()
    skipped_ids: dict[str, list[str]] = {rule: [] for rule in SKIP_RULES}
    kept: list[RawRecord] = []
    for r in records:
        if r.info["sentence_index"] == -1:
            skipped["reference_clip"] += 1
            skipped_ids["reference_clip"].append(f"{r.folder}/{r.session}/{r.index}")
        else:
            kept.append(r)

    # voiced partners: (condition, book, sentence_index) -> alignment of a parallel voiced recording
    # (parallel voiced recordings first, non-parallel ones only as a fallback)
    voiced_alignment: dict[tuple[str, str, int], Path] = {}
    for want_parallel in (True, False):
        for r in kept:
            condition, mode, parallel = CONDITION_FOLDERS[r.folder]
            if mode == "voiced" and parallel == want_parallel:
                a = alignment_for(r.session, r.index)
                if a is not None:
                    voiced_alignment.setdefault((condition, r.info["book"], r.info["sentence_index"]), a)

    closed_keys = {(r.info["book"], r.info["sentence_index"]) for r in kept if CONDITION_FOLDERS[r.folder][0] == "closed"}
    if closed_keys & (dev_keys | test_keys):
        # the split file names closed-vocabulary sentences (the synthetic corpus does): it decides
        closed_split = {k: "dev" if k in dev_keys else "test" if k in test_keys else "train" for k in closed_keys}
    else:
        closed_split = split_closed_sentences(closed_keys)

    assigned: dict[tuple[str, str, str], list[Utterance]] = {}
    for r in kept:
        condition, mode, parallel = CONDITION_FOLDERS[r.folder]
        info = r.info
        key = (info["book"], info["sentence_index"])
        if condition == "open":
            split = "dev" if key in dev_keys else "test" if key in test_keys else "train"
        else:
            split = closed_split[key]
        prefix = r.session_dir / str(r.index)
        if split == "train" and not has_letter(info["text"]):
            skipped["no_letter_in_text"] += 1
            skipped_ids["no_letter_in_text"].append(f"{r.folder}/{r.session}/{r.index}")
            continue
        if not normalize_text(info["text"]):
            raise DataError(Path(f"{prefix}_info.json"), f"empty transcript for a {split} utterance")
        if mode == "voiced":
            alignment, borrowed = alignment_for(r.session, r.index), False
        else:
            alignment = voiced_alignment.get((condition,) + key)
            borrowed = alignment is not None
        audio = audio_file(prefix)
        if audio is None:
            if r.session_dir not in has_audio:
                has_audio[r.session_dir] = any(r.session_dir.glob("*_audio*.flac"))
            if has_audio[r.session_dir]:  # validate's error; EMG-only sessions (capture) have none at all
                raise DataError(Path(f"{prefix}_audio_clean.flac"), MISSING_AUDIO)
        utt = Utterance(sort_key=(condition, r.folder, r.session, r.index), path=prefix, session=r.session,
                        mode=mode, condition=condition, parallel=parallel, book=info["book"],
                        sentence_index=info["sentence_index"], text=info["text"], index=r.index,
                        folder=r.folder, audio_path=audio, alignment_path=alignment,
                        alignment_borrowed=borrowed)
        assigned.setdefault((condition, split, mode), []).append(utt)

    data_files = []
    for folder in CONDITION_FOLDERS:
        fdir = emg_data / folder
        if fdir.is_dir():
            data_files += [(str(p.relative_to(emg_data)), p) for p in sorted(fdir.rglob("*"))
                           if p.is_file() and not _hidden(p, fdir)]
    for d in align_dirs:
        data_files += [(f"text_alignments/{p.relative_to(d)}", p) for p in sorted(d.rglob("*"))
                       if p.is_file() and not _hidden(p, d)]
    corpus = Corpus(root, "digital_voicing", assigned, skipped, skipped_ids, testset_path, data_files)
    corpus.synthetic = is_synthetic(base, records)
    return corpus


def is_synthetic(base: Path, records: list[RawRecord] | None = None) -> bool:
    """True for corpora made by ``semg_study.synth`` (``corpus.json`` labelled "synthetic",
    or info JSONs with the ``"synthetic"`` key)."""
    manifest = Path(base) / "corpus.json"
    if manifest.is_file():
        try:
            if io.read_json(manifest, "corpus manifest").get("label") == "synthetic":
                return True
        except (DataError, AttributeError):
            pass
    return any(r.info is not None and "synthetic" in r.info for r in records or [])


def _hidden(path: Path, top: Path) -> bool:
    """Dot files (temporary files of atomic writes in progress, editor files) are not data."""
    return any(part.startswith(".") for part in path.relative_to(top).parts)


def alignment_dirs(root: Path, base: Path, emg_data: Path, alignments=None) -> list[Path]:
    if alignments is not None and not Path(alignments).is_dir():
        raise DataError(alignments, "alignments folder not found")
    found = []
    for d in ([Path(alignments)] if alignments is not None else []) + [
            base / "text_alignments", emg_data / "text_alignments", root / "text_alignments"]:
        if d.is_dir() and d.resolve() not in [f.resolve() for f in found]:
            found.append(d)
    return found


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
