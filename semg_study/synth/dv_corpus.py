"""Write the embedded synthetic corpus in the Digital Voicing layout (EMG, TTS audio, alignments).

Layout written by :func:`generate_dv` (``generate_corpus(..., layout="dv")``; the
real dataset's, see docs/design.md and the dataset reference)::

    OUT/emg_data/silent_parallel_data/<day>_silent/{i}_emg.npy ...
    OUT/emg_data/voiced_parallel_data/<day>/...
    OUT/emg_data/nonparallel_data/<session>/...
    OUT/emg_data/closed_vocab/silent/<day>_silent/...
    OUT/emg_data/closed_vocab/voiced/<day>/...
    OUT/text_alignments/<session>/<session>_<i>_audio.TextGrid   (voiced utterances)
    OUT/testset.json          {"dev": [[book, sentence_index], ...], "test": [...]}
    OUT/lm_text/open_vocab.txt, closed_vocab.txt   (held-out text for n-gram LMs)
    OUT/corpus.json           generator, parameters, counts, file digests
                              (written last, by :mod:`semg_study.synth.corpus`)

Per utterance ``i``: ``{i}_emg.npy`` (T, 8) float32 microvolts at 1 kHz,
``{i}_audio.flac`` and ``{i}_audio_clean.flac`` (16 kHz, 16 T samples),
``{i}_info.json`` (book, sentence_index, text, chunks, and ``synthetic``: the
phoneme timings that drove the EMG), ``{i}_button.npy`` (zeros). Index 0 of
every session is a rest clip with ``sentence_index == -1``.

The silent and voiced sessions of one day share an electrode placement (most of
the mixing matrix); different days differ. A parallel sentence is recorded once
silently and once voiced; dev/test sentences are drawn from them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import signal

from semg_study import io as sio
from semg_study.synth import emg_model, text_gen
from semg_study.synth.profiles import Profile
from semg_study.synth.textgrid import format_textgrid
from semg_study.synth.tts import Speech, TTSSession
from semg_study.text import normalize_text

AUDIO_RATE = 16000
BOOK_PARALLEL = "synthetic/parallel.txt"
BOOK_NONPARALLEL = "synthetic/nonparallel.txt"
BOOK_CLOSED = "synthetic/datedata.txt"
DV_VOICE = "en-us"  # the real dataset has one speaker


@dataclass
class _Utterance:
    folder: str            # relative to OUT, e.g. emg_data/voiced_parallel_data/5-4
    session: str           # e.g. 5-4
    placement: str         # electrode placement key (the day)
    index: int
    mode: str              # silent | voiced
    book: str
    sentence_index: int
    text: str
    spoken: str            # what the TTS says
    condition: str         # open | closed


def _session_names(prefix_month: int, first_day: int, count: int) -> list[str]:
    names = []
    month, day = prefix_month, first_day
    for _ in range(count):
        names.append(f"{month}-{day}")
        day += 1
        if day > 30:
            month, day = month + 1, 1
    return names


def _plan(profile: Profile, seed: int) -> tuple[list[list[_Utterance]], dict]:
    """Sessions (lists of utterances, voiced before its silent twin) and the split."""
    closed = text_gen.closed_vocab_prompts(profile.closed_sentences, seed)
    n_open = profile.open_parallel_sentences + profile.nonparallel_utterances
    open_all = text_gen.open_sentences(n_open, seed, profile.open_min_words, profile.open_max_words)
    parallel, nonparallel = open_all[:profile.open_parallel_sentences], open_all[profile.open_parallel_sentences:]

    sessions: list[list[_Utterance]] = []

    def add_day(kind: str, day: str, indices: np.ndarray, texts: list[str], book: str) -> None:
        condition = "closed" if kind == "closed" else "open"
        for mode in ("voiced", "silent"):
            session = day if mode == "voiced" else f"{day}_silent"
            if kind == "closed":
                folder = f"emg_data/closed_vocab/{mode}/{session}"
            else:
                folder = f"emg_data/{mode}_parallel_data/{session}"
            utts = [_Utterance(folder, session, day, 0, mode, "", -1, "", "", condition)]
            for k, idx in enumerate(indices, 1):
                text = texts[idx]
                spoken = text_gen.speak_closed_vocab(text) if kind == "closed" else text
                utts.append(_Utterance(folder, session, day, k, mode, book, int(idx), text, spoken, condition))
            sessions.append(utts)

    for day, idx in zip(_session_names(5, 19, profile.closed_days),
                        np.array_split(np.arange(len(closed)), profile.closed_days)):
        add_day("closed", day, idx, closed, BOOK_CLOSED)
    for day, idx in zip(_session_names(5, 4, profile.open_days),
                        np.array_split(np.arange(len(parallel)), profile.open_days)):
        add_day("open", day, idx, parallel, BOOK_PARALLEL)
    for name, idx in zip(_session_names(4, 21, profile.nonparallel_sessions),
                         np.array_split(np.arange(len(nonparallel)), profile.nonparallel_sessions)):
        folder = f"emg_data/nonparallel_data/{name}"
        utts = [_Utterance(folder, name, name, 0, "voiced", "", -1, "", "", "open")]
        for k, i in enumerate(idx, 1):
            utts.append(_Utterance(folder, name, name, k, "voiced", BOOK_NONPARALLEL, int(i), nonparallel[i],
                                   nonparallel[i], "open"))
        sessions.append(utts)

    # dev/test come from the parallel sentences, all of which were recorded silently
    rng = emg_model.make_rng(seed, "testset")
    n_held = profile.dev_sentences + profile.test_sentences
    if n_held > len(parallel):
        raise ValueError(f"profile {profile.name}: {n_held} dev+test sentences but only {len(parallel)} parallel")
    held = rng.permutation(len(parallel))[:n_held]
    split = {"dev": [[BOOK_PARALLEL, int(i)] for i in sorted(held[:profile.dev_sentences])],
             "test": [[BOOK_PARALLEL, int(i)] for i in sorted(held[profile.dev_sentences:])]}
    n_closed_held = profile.closed_dev_sentences + profile.closed_test_sentences
    if n_closed_held:
        if n_closed_held >= len(closed):
            raise ValueError(f"profile {profile.name}: {n_closed_held} closed dev+test sentences of {len(closed)}")
        held_closed = emg_model.make_rng(seed, "testset-closed").permutation(len(closed))[:n_closed_held]
        split["dev"] += [[BOOK_CLOSED, int(i)] for i in sorted(held_closed[:profile.closed_dev_sentences])]
        split["test"] += [[BOOK_CLOSED, int(i)] for i in sorted(held_closed[profile.closed_dev_sentences:])]
    texts = {"closed": closed, "open": open_all}
    return sessions, {"split": split, "texts": texts}


# ---------------------------------------------------------------------------
# audio helpers

def _room_noise(rng: np.random.Generator, n: int, level: float) -> np.ndarray:
    """Laptop-microphone room noise: mostly low-frequency (fans), some hiss."""
    white = rng.standard_normal(n + 2000)
    sos = signal.butter(1, 400.0, fs=AUDIO_RATE, output="sos")
    low = signal.sosfilt(sos, white)[2000:]
    low /= max(float(np.std(low)), 1e-12)
    return (level * (0.9 * low + 0.3 * rng.standard_normal(n))).astype(np.float32)


def _to_16k(audio: np.ndarray, rate: int) -> np.ndarray:
    if rate == AUDIO_RATE:
        return audio
    g = np.gcd(AUDIO_RATE, rate)
    return signal.resample_poly(audio, AUDIO_RATE // g, rate // g).astype(np.float32)


def _pad_phonemes(phonemes: list[tuple[float, float, str]], lead: float, total: float) -> list[list]:
    """Shift intervals by ``lead`` and tile ``[0, total]`` with silence around them."""
    out: list[list] = [[0.0, lead, "sil"]] if lead > 0 else []
    for s, e, p in phonemes:
        s, e = max(s + lead, out[-1][1] if out else 0.0), min(e + lead, total)
        if e <= s:
            continue
        if out and out[-1][2] == "sil" and p == "sil":
            out[-1][1] = e
        else:
            out.append([s, e, p])
    if out[-1][1] < total:
        if out[-1][2] == "sil":
            out[-1][1] = total
        else:
            out.append([out[-1][1], total, "sil"])
    out[-1][1] = total
    return [[round(s, 4), round(e, 4), p] for s, e, p in out if e - s > 1e-6]


def _strip_edges(phonemes: list[tuple[float, float, str]]) -> tuple[list[tuple[float, float, str]], float]:
    """Drop leading/trailing silence; return intervals starting at 0 and their span."""
    core = list(phonemes)
    while core and core[0][2] == "sil":
        core.pop(0)
    while core and core[-1][2] == "sil":
        core.pop()
    if not core:
        return [], 0.0
    t0 = core[0][0]
    return [(s - t0, e - t0, p) for s, e, p in core], core[-1][1] - t0


def _warp_for_silent(phonemes: list[tuple[float, float, str]], rng: np.random.Generator,
                     stretch: float) -> tuple[list[tuple[float, float, str]], float]:
    """Silent speech: slower, with jittered phoneme durations (pauses vary most)."""
    out, t = [], 0.0
    for s, e, p in phonemes:
        d = (e - s) * stretch * rng.lognormal(0.0, 0.35 if p == "sil" else 0.2)
        out.append((t, t + max(d, 0.012), p))
        t += max(d, 0.012)
    return out, t


# ---------------------------------------------------------------------------
# generation

@dataclass
class _SessionAudio:
    rate_wpm: float
    pitch: int
    mic_gain: float
    room_level: float
    silent_stretch: float


def _session_audio(seed: int, session: str, placement: str) -> _SessionAudio:
    rng = emg_model.make_rng(seed, "audio", session)
    day = emg_model.make_rng(seed, "speaker-day", placement)
    return _SessionAudio(rate_wpm=float(day.uniform(150, 185)), pitch=int(day.integers(42, 58)),
                         mic_gain=float(rng.uniform(0.5, 0.9)), room_level=float(rng.uniform(0.001, 0.004)),
                         silent_stretch=float(day.uniform(1.05, 1.3)))


def _write_utterance(out: Path, utt: _Utterance, emg: np.ndarray, raw: np.ndarray, clean: np.ndarray,
                     phonemes: list[list], extra: dict, written: list[str]) -> None:
    base = out / utt.folder
    n = len(emg)
    assert len(raw) == len(clean) == 16 * n
    info = {"book": utt.book, "sentence_index": utt.sentence_index, "text": utt.text,
            "chunks": [[n, len(raw), n]], "synthetic": {"phonemes": phonemes, **extra}}
    files = {
        f"{utt.index}_emg.npy": lambda p: sio.save_npy(p, emg.astype(np.float32)),
        f"{utt.index}_audio.flac": lambda p: sio.save_audio(p, np.clip(raw, -1, 1), AUDIO_RATE),
        f"{utt.index}_audio_clean.flac": lambda p: sio.save_audio(p, np.clip(clean, -1, 1), AUDIO_RATE),
        f"{utt.index}_info.json": lambda p: sio.write_json(p, info, indent=None),
        f"{utt.index}_button.npy": lambda p: sio.save_npy(p, np.zeros(n, dtype=np.int8)),
    }
    for name, write in files.items():
        write(base / name)
        written.append(f"{utt.folder}/{name}")


def generate_dv(out: Path, profile: Profile, seed: int, progress: bool) -> tuple[list[str], dict]:
    """Write the Digital Voicing layout under ``out``; return the files written (relative) and the counts."""
    sessions, plan = _plan(profile, seed)
    with TTSSession() as tts:
        return _generate_dv_with(out, profile, seed, progress, tts, sessions, plan)


def _generate_dv_with(out: Path, profile: Profile, seed: int, progress: bool, tts: TTSSession,
                      sessions: list[list[_Utterance]], plan: dict) -> tuple[list[str], dict]:
    from tqdm.auto import tqdm

    written: list[str] = []
    voiced_speech: dict[tuple[str, int], tuple[list, float]] = {}
    counts: dict[str, dict] = {}
    total = sum(len(s) for s in sessions)
    bar = tqdm(total=total, desc=f"synth {profile.name} corpus", unit="utt", disable=not progress)
    for utts in sessions:
        first = utts[0]
        session_model = emg_model.make_session_model(seed, first.placement, first.folder)
        audio_params = _session_audio(seed, first.session, first.placement)
        kind = first.folder.split("/")[1] if "closed_vocab" not in first.folder else f"closed_vocab/{first.mode}"
        c = counts.setdefault(kind, {"sessions": 0, "utterances": 0, "seconds": 0.0})
        c["sessions"] += 1
        for utt in utts:
            rng = emg_model.make_rng(seed, "utterance", utt.folder, utt.index)
            extra = {"mode": utt.mode, "session_mixing_seed": session_model.mixing_seed,
                     "electrode_placement": utt.placement}
            lead, tail = float(rng.uniform(0.25, 0.6)), float(rng.uniform(0.2, 0.5))
            if utt.sentence_index < 0:  # rest / reference clip
                n = int(rng.uniform(2.0, 4.0) * emg_model.EMG_RATE)
                phonemes = [[0.0, n / 1000, "sil"]]
                emg = emg_model.synthesize_emg([], n, session_model, rng, silent=utt.mode == "silent", rest=True)
                raw = _room_noise(rng, 16 * n, audio_params.room_level)
                clean = 0.1 * raw
                extra["speaking_rate"] = None
            elif utt.mode == "voiced":
                rate = audio_params.rate_wpm * float(rng.lognormal(0.0, 0.06))
                speech: Speech = tts.synthesize(utt.spoken, voice=DV_VOICE, rate_wpm=int(round(rate)),
                                                pitch=audio_params.pitch)
                core, span = _strip_edges(speech.phonemes)
                voiced_speech[(utt.book, utt.sentence_index)] = (core, span)
                audio16 = _to_16k(speech.audio, speech.sample_rate)
                # place the whole TTS output (its own edge silence included) after the lead
                t0 = next((s for s, _, p in speech.phonemes if p != "sil"), 0.0)
                n = int(round((lead + speech.duration + tail) * emg_model.EMG_RATE))
                speech_total = n / 1000
                phonemes = _pad_phonemes(core, lead + t0, speech_total)
                clean = np.zeros(16 * n, dtype=np.float32)
                start = int(round(lead * AUDIO_RATE))
                seg = audio16[: len(clean) - start]
                peak = max(float(np.max(np.abs(seg))), 1e-6)
                clean[start:start + len(seg)] = seg / peak * audio_params.mic_gain
                clean += 0.05 * _room_noise(rng, len(clean), audio_params.room_level)
                raw = clean + _room_noise(rng, len(clean), audio_params.room_level)
                emg = emg_model.synthesize_emg(phonemes, n, session_model, rng, silent=False)
                extra["speaking_rate"] = round(rate, 2)
                extra["voice"] = DV_VOICE
                tg_dir = f"text_alignments/{utt.session}"
                tg_name = f"{tg_dir}/{utt.session}_{utt.index}_audio.TextGrid"
                sio.write_text(out / tg_name, format_textgrid([tuple(x) for x in phonemes]))
                written.append(tg_name)
            else:  # silent: the voiced twin's timing, slower and jittered; no sound
                core, span = voiced_speech[(utt.book, utt.sentence_index)]
                stretch = audio_params.silent_stretch * float(rng.lognormal(0.0, 0.06))
                warped, span = _warp_for_silent(core, rng, stretch)
                n = int(round((lead + span + tail) * emg_model.EMG_RATE))
                phonemes = _pad_phonemes(warped, lead, n / 1000)
                emg = emg_model.synthesize_emg(phonemes, n, session_model, rng, silent=True)
                raw = _room_noise(rng, 16 * n, audio_params.room_level)
                clean = 0.1 * raw
                extra["speaking_rate"] = round(audio_params.rate_wpm / stretch, 2)
            _write_utterance(out, utt, emg, raw, clean, phonemes, extra, written)
            c["utterances"] += 1
            c["seconds"] = round(c["seconds"] + len(emg) / 1000, 3)
            bar.update(1)
    bar.close()

    sio.write_json(out / "testset.json", plan["split"])
    written.append("testset.json")
    # held-out text for n-gram LMs: never a sentence of the corpus
    used = {normalize_text(t) for t in plan["texts"]["open"]}
    lm_open = [s for s in text_gen.open_sentences(profile.lm_sentences + len(used), seed + 7919,
                                                   profile.open_min_words, profile.open_max_words)
               if normalize_text(s) not in used][:profile.lm_sentences]
    used_closed = {normalize_text(t) for t in plan["texts"]["closed"]}
    lm_closed = [s for s in text_gen.closed_vocab_prompts(min(5000, 10 * profile.closed_sentences + 500),
                                                           seed + 7919)
                 if normalize_text(s) not in used_closed]
    sio.write_text(out / "lm_text/open_vocab.txt", "\n".join(lm_open) + "\n")
    sio.write_text(out / "lm_text/closed_vocab.txt", "\n".join(lm_closed) + "\n")
    written += ["lm_text/open_vocab.txt", "lm_text/closed_vocab.txt"]
    counts["testset"] = {"dev": len(plan["split"]["dev"]), "test": len(plan["split"]["test"])}
    counts["lm_text"] = {"open_vocab": len(lm_open), "closed_vocab": len(lm_closed)}
    return written, counts
