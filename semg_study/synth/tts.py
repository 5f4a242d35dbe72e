"""Text-to-speech with phoneme timings, from the eSpeak NG library that pip ships.

The ``espeakng-loader`` wheel carries ``libespeak-ng.so`` and its voice data, so
speech audio *and* the phoneme sequence aligned to it come from pip alone (no
system package, no download). We load the library with ctypes and run it in
synchronous mode: ``espeak_Synth`` returns after the callback has received every
block of 16-bit samples and every event. Events of type 7 (phoneme) carry the
phoneme mnemonic and its start time in the output (``audio_position``, ms).

eSpeak's English mnemonics (``aI``, ``tS``, ``3:``, ``@2`` ...) are mapped to the
study's ARPAbet set (:data:`semg_study.text.PHONEMES`) by :data:`ESPEAK_TO_ARPABET`;
a mnemonic that maps to two ARPAbet phones (``aI@`` -> ``ay er``) has its
interval split evenly. eSpeak NG is GPL-3; we only call its public C API.

The library holds global state (one voice, one callback), so every call goes
through one process-wide lock.
"""
from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

import numpy as np

from semg_study.text import PHONEMES

# espeak_AUDIO_OUTPUT and event/parameter enums of speak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_EVENT_LIST_TERMINATED = 0
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PARAM_PITCH = 3
_PARAM_WORDGAP = 7
_CHARS_UTF8 = 1
_POS_CHARACTER = 1


class _EventId(ctypes.Union):
    # union { int number; const char *name; char string[8]; }
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` of speak_lib.h, field for field (40 bytes on x86-64)."""

    _fields_ = [
        ("type", ctypes.c_int),                 # espeak_EVENT_TYPE (an enum: int)
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),       # ms from the start of the output
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                  ctypes.POINTER(_Event))

# eSpeak NG English mnemonic (stress marks removed) -> ARPAbet phones.
# Written from eSpeak's phoneme tables for en / en-us; "" means a modifier that
# lengthens the previous phone (e.g. ';' palatalisation), 'sil' a pause.
ESPEAK_TO_ARPABET: dict[str, tuple[str, ...]] = {
    # consonants
    "p": ("p",), "b": ("b",), "t": ("t",), "d": ("d",), "k": ("k",), "g": ("g",),
    "f": ("f",), "v": ("v",), "T": ("th",), "D": ("dh",), "s": ("s",), "z": ("z",),
    "S": ("sh",), "Z": ("zh",), "h": ("hh",), "tS": ("ch",), "dZ": ("jh",),
    "m": ("m",), "n": ("n",), "N": ("ng",), "l": ("l",), "r": ("r",), "w": ("w",),
    "j": ("y",), "t#": ("t",), "d#": ("d",), "n-": ("n",), "l-": ("l",), "m-": ("m",),
    "r-": ("r",), "@L": ("ah", "l"), "?": ("t",), "x": ("k",), "C": ("hh",), "W": ("w",),
    "z#": ("z",), "s#": ("s",), "tS#": ("ch",), "l/": ("l",), "l#": ("l",), "w#": ("w",),
    "ts": ("t", "s"), "dz": ("d", "z"), "nj": ("n", "y"), "hw": ("w",),
    # vowels
    "@": ("ah",), "@2": ("ah",), "@5": ("ah",), "@#": ("ah",), "a#": ("ah",), "V": ("ah",),
    "3": ("er",), "3:": ("er",), "3:r": ("er",), "@r": ("er",),
    "a": ("ae",), "aa": ("ae",), "&": ("ae",), "A:": ("aa",), "A": ("aa",), "0": ("aa",),
    "A@": ("aa", "r"), "A:r": ("aa", "r"), "Ar": ("aa", "r"),
    "E": ("eh",), "e": ("eh",), "E2": ("eh",), "e@": ("eh", "r"), "e@3": ("eh", "r"),
    "I": ("ih",), "I2": ("ih",), "I#": ("ih",), "I2#": ("ih",), "i": ("iy",), "i:": ("iy",),
    "i@": ("iy", "r"), "i@3": ("iy", "r"), "I@": ("ih", "r"),
    "U": ("uh",), "u:": ("uw",), "u": ("uw",), "U@": ("uh", "r"), "u@": ("uw", "r"),
    "O": ("ao",), "O:": ("ao",), "O@": ("ao", "r"), "o@": ("ao", "r"), "O@r": ("ao", "r"),
    "aI": ("ay",), "aI@": ("ay", "er"), "aI3": ("ay", "er"), "aU": ("aw",), "aU@": ("aw", "er"),
    "eI": ("ey",), "oU": ("ow",), "o": ("ow",), "OI": ("oy",), "@U": ("ow",), "Oi": ("oy",),
    "y": ("uw",), "Y": ("uw",),
    # pauses and modifiers
    "_": ("sil",), "_:": ("sil",), "_!": ("sil",), "_|": ("sil",), "_^_": ("sil",),
    ";": (), "#": (), ":": (),
}

_VOWEL_LETTERS = set("aeiouAEIOUV03@&y")


def espeak_to_arpabet(mnemonic: str) -> tuple[str, ...]:
    """Map one eSpeak mnemonic (stress marks allowed) to ARPAbet phones.

    Unknown mnemonics fall back to the table after dropping variant digits and
    marks, then to the nearest broad class: a vowel-like symbol -> ``ah``,
    a pause-like symbol -> ``sil``, anything else -> ``sil``.
    """
    name = mnemonic.strip().lstrip("',%=")
    if name in ESPEAK_TO_ARPABET:
        return ESPEAK_TO_ARPABET[name]
    if not name:
        return ()
    if name.startswith("_"):
        return ("sil",)
    stripped = name.rstrip("0123456789#:;/-")
    if stripped in ESPEAK_TO_ARPABET:
        return ESPEAK_TO_ARPABET[stripped]
    if stripped and stripped[0] in _VOWEL_LETTERS:
        return ("ah",)
    return ("sil",)


@dataclass(frozen=True)
class Speech:
    """One synthesised utterance: samples, rate and ARPAbet phoneme intervals."""

    audio: np.ndarray                 # float32 in [-1, 1], mono
    sample_rate: int
    phonemes: list[tuple[float, float, str]]  # (start_s, end_s, arpabet) covering the audio

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


class ESpeakTTS:
    """eSpeak NG through ctypes; one instance per process (use :func:`get_tts`)."""

    _lock = threading.Lock()

    def __init__(self) -> None:
        import espeakng_loader

        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetVoiceByName.restype = ctypes.c_int
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._lib.espeak_SetParameter.restype = ctypes.c_int
        self._lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                           ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self._lib.espeak_Synth.restype = ctypes.c_int
        data_path = espeakng_loader.get_data_path().encode()
        with self._lock:
            rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path, _INITIALIZE_PHONEME_EVENTS)
        if rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed (returned {rate}) with data at {data_path.decode()}")
        self.sample_rate = int(rate)
        self._blocks: list[bytes] = []
        self._events: list[tuple[int, str]] = []
        # keep a reference: ctypes frees the thunk if the Python object dies
        self._callback = _SynthCallback(self._on_synth)
        self._lib.espeak_SetSynthCallback(self._callback)

    def _on_synth(self, wav, n_samples, events) -> int:
        if n_samples > 0 and wav:
            self._blocks.append(ctypes.string_at(wav, n_samples * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                self._events.append((int(event.audio_position), event.id.string.decode("utf-8", "replace")))
            i += 1
        return 0  # 0 = continue synthesis

    def synthesize(self, text: str, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50,
                   word_gap_10ms: int = 0) -> Speech:
        """Speak ``text``; return float audio and ARPAbet phoneme intervals."""
        encoded = text.encode("utf-8") + b"\0"
        with self._lock:
            if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
                raise ValueError(f"eSpeak voice {voice!r} is not available")
            self._lib.espeak_SetParameter(_PARAM_RATE, int(rate_wpm), 0)
            self._lib.espeak_SetParameter(_PARAM_PITCH, int(pitch), 0)
            self._lib.espeak_SetParameter(_PARAM_WORDGAP, int(word_gap_10ms), 0)
            self._blocks, self._events = [], []
            buf = ctypes.create_string_buffer(encoded)
            status = self._lib.espeak_Synth(buf, len(encoded), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            blocks, events = self._blocks, self._events
            self._blocks, self._events = [], []
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed with status {status} for {text!r}")
        audio = np.frombuffer(b"".join(blocks), dtype=np.int16).astype(np.float32) / 32768.0
        return Speech(audio=audio, sample_rate=self.sample_rate,
                      phonemes=events_to_intervals(events, len(audio) / self.sample_rate))


def events_to_intervals(events: list[tuple[int, str]], duration_s: float) -> list[tuple[float, float, str]]:
    """Turn (start_ms, mnemonic) events into contiguous ARPAbet intervals.

    Each phone lasts until the next event; silence fills the start and the end,
    adjacent silences merge, and the intervals exactly tile ``[0, duration_s]``.
    """
    starts: list[tuple[float, tuple[str, ...]]] = []
    for ms, name in sorted(events, key=lambda e: e[0]):
        phones = espeak_to_arpabet(name)
        starts.append((min(ms / 1000.0, duration_s), phones))
    raw: list[list] = []
    for k, (start, phones) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else duration_s
        if not phones:  # a modifier: the previous phone lasts longer
            if raw:
                raw[-1][1] = max(raw[-1][1], end)
            continue
        if end <= start:
            continue
        step = (end - start) / len(phones)
        for j, p in enumerate(phones):
            raw.append([start + j * step, start + (j + 1) * step, p])
    out: list[list] = []
    cursor = 0.0
    for start, end, p in raw:
        start = max(start, cursor)
        if end <= start:
            continue
        if start > cursor:  # a gap (e.g. before the first phone) is silence
            _append_merging(out, [cursor, start, "sil"])
        _append_merging(out, [start, end, p])
        cursor = end
    if cursor < duration_s:
        _append_merging(out, [cursor, duration_s, "sil"])
    if out:
        out[-1][1] = duration_s
    # round to the microsecond, then keep the tiling exact (no empty intervals)
    tiled: list[list] = []
    for _, end, p in out:
        start = tiled[-1][1] if tiled else 0.0
        end = round(end, 6)
        if end <= start:
            continue
        _append_merging(tiled, [start, end, p])
    for _, _, p in tiled:
        assert p in PHONEMES, p
    return [(s, e, p) for s, e, p in tiled]


def _append_merging(out: list[list], interval: list) -> None:
    if out and out[-1][2] == "sil" and interval[2] == "sil":
        out[-1][1] = interval[1]
    else:
        out.append(interval)


def _synthesize_in_worker(text: str, voice: str, rate_wpm: int, pitch: int) -> Speech:
    return get_tts().synthesize(text, voice=voice, rate_wpm=rate_wpm, pitch=pitch)


class TTSSession:
    """A fresh eSpeak engine in its own (spawned) process, for reproducible corpora.

    eSpeak keeps synthesis state between calls (the output of a sentence shifts
    by a few milliseconds depending on what was spoken before, even after
    ``espeak_Terminate``). A corpus therefore synthesises its whole sequence in a
    new process: the same seed gives the same sequence of calls from the same
    initial state, hence byte-identical audio and timings.
    """

    def __enter__(self) -> "TTSSession":
        import multiprocessing

        try:
            self._pool = multiprocessing.get_context("spawn").Pool(1)
        except OSError as exc:  # e.g. no /dev/shm for the pool's semaphores
            import warnings

            warnings.warn(f"cannot start a TTS worker process ({exc}); synthesising in this process, "
                          "so timings may differ by a few ms between runs", RuntimeWarning, stacklevel=2)
            self._pool = None
        return self

    def synthesize(self, text: str, voice: str = "en-us", rate_wpm: int = 175, pitch: int = 50) -> Speech:
        args = (text, voice, int(rate_wpm), int(pitch))
        if self._pool is None:
            return _synthesize_in_worker(*args)
        return self._pool.apply(_synthesize_in_worker, args)

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()


_TTS: ESpeakTTS | None = None
_TTS_LOCK = threading.Lock()


def get_tts() -> ESpeakTTS:
    """The process-wide TTS engine (eSpeak can only be initialised once)."""
    global _TTS
    with _TTS_LOCK:
        if _TTS is None:
            _TTS = ESpeakTTS()
        return _TTS
