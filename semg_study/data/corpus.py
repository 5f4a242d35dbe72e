"""The corpus: ``Utterance`` (one recording and its loading), ``Corpus`` (a root's utterances by
condition / split / mode) and ``open_digital_voicing``, which assigns a Digital Voicing root's
utterances to them. (The LJSpeech reader, :mod:`semg_study.data.ljspeech`, builds the same ``Corpus``.)

Layout (``ROOT/emg_data/<condition folder>/<session>/{i}_*``), see
``/work/shared/reference/digital-voicing-dataset.md``; its folders are scanned by
:mod:`semg_study.data.dv_folders`, one recording's files read by
:mod:`semg_study.data.recording_files`. An utterance exists when
its ``{i}_info.json`` exists (writers write it last). The dataset's own rules
drop two kinds of utterance, and every drop is counted (``Corpus.skipped``):

* ``reference_clip``: ``sentence_index == -1`` (reference / boundary clips);
* ``no_letter_in_text``: a *training* utterance whose transcript holds no letter.

Splits
------
Which testset file is used and how the closed vocabulary is cut: :mod:`semg_study.data.testsets`.
Dev/test utterances are the *silent* recordings of the testset's sentences; the
voiced recordings of the same sentences form the voiced dev/test lists
(``mode="voiced"``). Neither mode of a dev/test sentence is ever in training
(the dissertation's code leaked silent dev utterances, defect 6). The closed-vocabulary
split is by sentence, so both modes of a sentence fall in the same split.

``mode=None`` means: training = both modes; dev/test = the silent recordings
(the official evaluation sets); ask ``mode="voiced"`` for the voiced lists.
"""
from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from semg_study import io
from semg_study.data.dv_folders import (CONDITION_FOLDERS, RawRecord, alignment_dirs, locate_emg_data,
                                        scan_layout)
from semg_study.data.rates import DATASET_RATE, conform, stated_rate
from semg_study.data.recording_files import (MISSING_AUDIO, audio_file, check_audio_length, check_chunks,
                                             check_emg_length, read_audio, read_emg, read_info)
from semg_study.data.synthetic_label import is_synthetic
from semg_study.data.testsets import read_testset, resolve_testset, split_closed_sentences
from semg_study.errors import DataError
from semg_study.text import normalize_text

CONDITIONS = ("open", "closed")
SPLITS = ("train", "dev", "test")
MODES = ("silent", "voiced")
SKIP_RULES = {
    "reference_clip": "sentence_index == -1 (reference or boundary clip)",
    "no_letter_in_text": "training utterance whose transcript holds no letter",
}


def has_letter(text: str) -> bool:
    return any(c.isalpha() for c in normalize_text(text))


@dataclass(frozen=True)
class UtteranceData:
    emg: np.ndarray | None  # (T, 8) float32 microvolts, at the utterance's ``delivered_rate`` (1000 Hz by default)
    audio: np.ndarray | None  # float32 mono
    audio_rate: int | None
    info: dict
    phoneme_alignment: list[tuple[float, float, str]] | None
    alignment_borrowed: bool = False  # a silent utterance using its voiced partner's alignment
    emg_rate: float | None = None  # the rate of ``emg`` as delivered (Hz)


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
    # the rate the recording states (its info file's emg_rate; the dataset's 1000 Hz when it states none)
    emg_rate: float = field(default=DATASET_RATE, compare=False)
    # the rate load() delivers the EMG at: the dataset's 1000 Hz, the rate every feature pipeline of the
    # study is built for, unless the utterance was conformed to a model's input rate (rates.conform_utterances)
    load_rate: float | None = field(default=None, compare=False)

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

    @property
    def delivered_rate(self) -> float:
        return float(self.load_rate or DATASET_RATE)

    @property
    def as_recorded(self) -> "Utterance":
        """This utterance delivering its EMG at the rate it was recorded at (for looking at it, not for a model)."""
        return dataclasses.replace(self, load_rate=self.emg_rate)

    def at_rate(self, rate: float) -> "Utterance":
        """This utterance delivering its EMG at ``rate`` (refused now, naming the file, if it was recorded slower)."""
        from semg_study.data.rates import check_rate

        if self.emg_rate < rate:
            board = read_info(self.info_path).get("board")
            check_rate(self.info_path, self.emg_rate, rate, board if isinstance(board, str) else None)
        return dataclasses.replace(self, load_rate=float(rate))

    def _delivered(self, emg: np.ndarray, rate: float, info_path: Path, info: dict | None = None) -> np.ndarray:
        # a higher rate is resampled down (anti-aliased), a lower one refused (naming the board that
        # recorded it, which capture writes into the info file): never upsampled
        if rate == self.delivered_rate:
            return emg
        board = (info or {}).get("board")
        return conform(emg, rate=rate, needed=self.delivered_rate, what=info_path,
                       board=board if isinstance(board, str) else None).astype(np.float32)

    # -- loading -----------------------------------------------------------------
    def load(self) -> UtteranceData:
        if self.kind == "audio":
            audio, rate = read_audio(self.audio_path)
            return UtteranceData(None, audio, rate, {"text": self.text}, None)
        info = read_info(self.info_path)
        emg = read_emg(self.emg_path)
        emg_rate = stated_rate(info, self.info_path)
        check_emg_length(self.emg_path, emg.shape[0], emg_rate)  # first: an empty EMG is the EMG's fault
        check_chunks(self.info_path, info, emg.shape[0])
        if not normalize_text(str(info.get("text", ""))):
            raise DataError(self.info_path, "empty transcript (after normalisation) for an utterance that needs text")
        audio = rate = None
        if self.audio_path is not None:
            audio, rate = read_audio(self.audio_path)
            check_audio_length(self.audio_path, info, emg.shape[0], len(audio), rate, emg_rate=emg_rate)
        alignment = None
        if self.alignment_path is not None:
            from semg_study.data.textgrid import read_phoneme_alignment

            alignment = read_phoneme_alignment(self.alignment_path)
        emg = self._delivered(emg, emg_rate, self.info_path, info)
        return UtteranceData(emg, audio, rate, info, alignment, self.alignment_borrowed, self.delivered_rate)

    def load_context(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """EMG of the neighbouring recordings ``{i-1}`` and ``{i+1}`` (filter context), or None."""
        if self.kind == "audio":
            return None, None
        out = []
        for offset in (-1, 1):
            p = self.neighbour_path(offset)
            # a neighbour whose info JSON exists must have its EMG (read_emg says "missing EMG file")
            info_path = self.path.parent / f"{self.index + offset}_info.json"
            recorded = io.is_present(p) or io.is_present(info_path)
            if not recorded:
                out.append(None)
                continue
            # a neighbour states its own rate (an EMG file without its info: this utterance's)
            info = read_info(info_path) if io.is_present(info_path) else {}
            rate = stated_rate(info, info_path) if info else self.emg_rate
            out.append(self._delivered(read_emg(p), rate, info_path, info))
        return out[0], out[1]


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
            return np.load(path, mmap_mode="r", allow_pickle=False).shape[0] / utt.emg_rate
        except Exception as exc:  # numpy and soundfile raise several types for broken files
            raise DataError(path, f"unreadable {'audio' if utt.kind == 'audio' else 'npy'}: {exc}") from exc

    def data_files(self) -> list[tuple[str, Path]]:
        """(name relative to the root, path) of every file that shapes the data."""
        return list(self._data_files)

    def fingerprint(self, **params) -> str:
        """sha256 over every data file (relative name, size, content digest) and ``params``."""
        from semg_study.data.fingerprint import files_hasher, fingerprint_files

        files = self.data_files()
        if self.testset_path is not None:
            files.append(("<testset>", self.testset_path))
        # the files' part once per opened corpus (a seed comparison asks for dozens of fingerprints of one
        # corpus, each with other parameters); a corpus changed on disk is seen by opening it again
        if getattr(self, "_files_hasher", None) is None:
            self._files_hasher = files_hasher(files)
        return fingerprint_files(files, {"kind": self.kind, "params": params}, self._files_hasher)

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
                        alignment_borrowed=borrowed, emg_rate=stated_rate(info, Path(f"{prefix}_info.json")))
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
    # labelled in corpus.json, or, in a Digital Voicing layout without one, by its recordings' info
    corpus.synthetic = is_synthetic(base, [r.info for r in records])
    return corpus


def _hidden(path: Path, top: Path) -> bool:
    """Dot files (temporary files of atomic writes in progress, editor files) are not data."""
    return any(part.startswith(".") for part in path.relative_to(top).parts)
