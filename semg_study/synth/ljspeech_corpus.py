"""Write the LJSpeech-layout TTS corpus: ``OUT/wavs/<id>.wav`` (22,050 Hz) and ``OUT/metadata.csv``.

Clips of open-grammar sentences spoken by eSpeak NG in several voices, written by
:func:`generate_ljspeech` (``generate_corpus(..., layout="ljspeech")``); the
manifest ``OUT/corpus.json`` is :mod:`semg_study.synth.corpus`'s.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from semg_study import io as sio
from semg_study.synth import emg_model, text_gen
from semg_study.synth.profiles import Profile
from semg_study.synth.tts import TTSSession

# Voices of the LJSpeech-layout corpus. Only variants whose output is the same in every fresh
# process: eSpeak's "breath" noise (variants f2, f3, f5) is drawn at random, which made a third of
# the clips differ from one generation to the next (so the corpus's fingerprint, and every run
# trained on it, could not be reproduced). f1 and f4 are female variants without it.
LJSPEECH_VOICES = ("en-us", "en-us+f1", "en-us+m3", "en-gb-x-rp", "en-us+f4", "en-us+m7")
LJSPEECH_RATE = 22050  # eSpeak NG's output rate, and LJSpeech's


def _ljspeech_id(k: int) -> str:
    chapter, index = divmod(k, 400)
    return f"SY{chapter + 1:03d}-{index + 1:04d}"


def generate_ljspeech(out: Path, profile: Profile, seed: int, progress: bool) -> tuple[list[str], dict]:
    """Write the LJSpeech layout under ``out``; return the files written (relative) and the counts."""
    sentences = text_gen.open_sentences(profile.ljspeech_clips, seed + 104729, 3, 20)
    with TTSSession() as tts:
        return _generate_ljspeech_with(out, profile, seed, progress, tts, sentences)


def _generate_ljspeech_with(out: Path, profile: Profile, seed: int, progress: bool, tts: TTSSession,
                            sentences: list[str]) -> tuple[list[str], dict]:
    from tqdm.auto import tqdm

    lines, written = [], []
    seconds = 0.0
    voice_counts: dict[str, int] = {}
    for k, text in enumerate(tqdm(sentences, desc=f"synth {profile.name} ljspeech", unit="clip",
                                  disable=not progress)):
        rng = emg_model.make_rng(seed, "ljspeech", k)
        voice = LJSPEECH_VOICES[int(rng.integers(len(LJSPEECH_VOICES)))]
        speech = tts.synthesize(text, voice=voice, rate_wpm=int(rng.integers(140, 200)),
                                pitch=int(rng.integers(35, 65)))
        if speech.sample_rate != LJSPEECH_RATE:
            raise RuntimeError(f"eSpeak produced {speech.sample_rate} Hz, expected {LJSPEECH_RATE}")
        audio = speech.audio / max(float(np.max(np.abs(speech.audio))), 1e-6) * float(rng.uniform(0.6, 0.9))
        clip_id = _ljspeech_id(k)
        sio.save_audio(out / "wavs" / f"{clip_id}.wav", audio.astype(np.float32), speech.sample_rate)
        written.append(f"wavs/{clip_id}.wav")
        lines.append(f"{clip_id}|{text}|{text}")
        seconds += speech.duration
        voice_counts[voice] = voice_counts.get(voice, 0) + 1
    sio.write_text(out / "metadata.csv", "\n".join(lines) + "\n")
    written.append("metadata.csv")
    return written, {"clips": len(sentences), "seconds": round(seconds, 3), "voices": voice_counts,
                     "sample_rate": LJSPEECH_RATE}
