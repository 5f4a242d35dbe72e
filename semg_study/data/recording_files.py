"""One recording's files (``{i}_info.json``, ``{i}_emg.npy``, ``{i}_audio_clean.flac`` / ``{i}_audio.flac``):
their readers and the checks that they agree with each other, each raising DataError naming the file.

Both the corpus reader (``Utterance.load``) and ``validate`` read a recording through these, so
a file is judged by one rule everywhere.
"""
from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np

from semg_study import io
from semg_study.errors import DataError, DataWarning

N_CHANNELS = 8
EMG_RATE = 1000  # the dataset's rate; a recording states its own (semg_study.data.rates)
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


def check_emg_length(path: Path, n_samples: int, emg_rate: float = EMG_RATE) -> None:
    """An utterance the features are made of needs at least MIN_EMG_SAMPLES samples at 1000 Hz (0.1 s)."""
    needed = math.ceil(MIN_EMG_SAMPLES * emg_rate / EMG_RATE)
    if n_samples < needed:
        raise DataError(path, f"EMG has {n_samples} samples, too short for the features "
                              f"(at least {needed}, {MIN_EMG_SAMPLES / EMG_RATE:.1f} s at {emg_rate:g} Hz)")


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


def check_audio_length(audio_path: Path, info: dict, emg_length: int, n_audio: int, rate: int,
                       emg_rate: float = EMG_RATE) -> None:
    """The audio holds the samples ``chunks`` records (their second column) and lasts as long as the EMG."""
    try:
        recorded = int(sum(int(row[1]) for row in info["chunks"]))
    except (KeyError, TypeError, ValueError, IndexError):
        recorded = None  # no or malformed chunks: check_chunks / validate report those
    if recorded is not None and recorded != n_audio:
        raise DataError(audio_path, f"audio has {n_audio} samples but 'chunks' records {recorded} "
                                    "(a truncated or replaced file)")
    emg_s, audio_s = emg_length / emg_rate, n_audio / rate
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
