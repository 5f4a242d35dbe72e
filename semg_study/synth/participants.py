"""Synthetic new participants: other people under the electrodes, in a corpus of their own.

The study corpus has one simulated speaker (:mod:`semg_study.synth.dv_corpus`);
its sessions differ only by electrode placement. A :class:`Participant` is
another person, drawn once per code from the seed:

* **anatomy** -> electrode mixing. Each participant has a face size and a
  tissue depth (skin and subcutaneous fat). A larger face puts the electrode
  sites farther from the muscles they do not sit on, so the weak entries of
  :data:`~semg_study.synth.emg_model.BASE_MIXING` shrink more than the strong
  ones (the weights are raised to a power above 1); deeper tissue attenuates
  every muscle and blurs them into each other (volume conduction: each site's
  weights move towards their mean). Individual anatomy perturbs each weight on top.
* **articulation**: timing (speaking rate of the voice, and how much slower
  silent speech is), undershoot (longer coarticulation time constants: short
  phonemes reach less of their target) and effort (a gain per muscle).
* **amplitude** and **noise** (sensor noise and mains pickup) scale the session's.
* **voice**: an eSpeak voice, pitch and rate (the timing the EMG follows).

:func:`generate_participants` writes them in the Digital Voicing layout, silent
closed-vocabulary EMG only (what a calibration session of a new user records;
no audio): per participant ``days`` sessions (each its own electrode placement)
named like capture sessions, ``emg_data/closed_vocab/silent/pS<k>-2027010<d>-1_silent``.
Every participant records the same dev and test sentences (``testset.json``,
never used for calibration) and calibration sentences until they hold
``calibration_minutes`` of EMG. ``participants.json`` lists each participant's
draws and how much they recorded; :func:`semg_study.synth.corpus.generate_corpus`
caches the corpus by fingerprint like the study's.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from semg_study import io as sio
from semg_study.synth import emg_model, text_gen
from semg_study.synth.dv_corpus import BOOK_CLOSED, _pad_phonemes, _strip_edges, _warp_for_silent
from semg_study.synth.ljspeech_corpus import LJSPEECH_VOICES
from semg_study.synth.tts import TTSSession
from semg_study.text import normalize_text

FOLDER = "emg_data/closed_vocab/silent"


@dataclass(frozen=True)
class ParticipantsProfile:
    """Size of a new-participants corpus."""

    name: str
    participants: int
    calibration_minutes: float   # silent EMG per participant for calibration (train split)
    dev_sentences: int           # recorded by every participant, for early stopping
    test_sentences: int          # recorded by every participant, held out
    days: int                    # sessions (electrode placements) per participant
    max_calibration_sentences: int


PARTICIPANT_PROFILES: dict[str, ParticipantsProfile] = {
    # 5 people, 20 minutes of calibration each plus 20 dev and 60 test utterances
    "participants": ParticipantsProfile("participants", 5, 20.0, 20, 60, 2, 1500),
    # for tests: 2 people, a few utterances
    "participants-smoke": ParticipantsProfile("participants-smoke", 2, 0.25, 2, 3, 1, 40),
}


@dataclass(frozen=True, eq=False)
class Participant:
    """One synthetic person (see the module doc); :meth:`session` applies them to a session model."""

    code: str
    face_scale: float
    tissue_depth: float
    mixing: np.ndarray          # (8 sites, 8 muscles) anatomy-derived mixing, before electrode placement
    effort: np.ndarray          # (8,) gain per muscle
    undershoot: float           # coarticulation time constants x this
    amplitude: float            # source amplitude x this
    noise: float                # sensor noise and mains x this
    voice: str
    pitch: int
    rate_wpm: float
    silent_stretch: float       # silent speech is this much slower than the voice

    def session(self, model: emg_model.SessionModel) -> emg_model.SessionModel:
        return dataclasses.replace(
            model, muscle_gain=model.muscle_gain * self.effort, amplitude_uv=model.amplitude_uv * self.amplitude,
            sensor_noise_uv=model.sensor_noise_uv * self.noise, mains_uv=model.mains_uv * self.noise,
            tau_s=emg_model.MUSCLE_TAU_S * self.undershoot)

    def as_json(self) -> dict:
        return {"code": self.code, "face_scale": round(self.face_scale, 4), "tissue_depth": round(self.tissue_depth, 4),
                "mixing": np.round(self.mixing, 4).tolist(), "effort": np.round(self.effort, 4).tolist(),
                "undershoot": round(self.undershoot, 4), "amplitude": round(self.amplitude, 4),
                "noise": round(self.noise, 4), "voice": self.voice, "pitch": self.pitch,
                "rate_wpm": round(self.rate_wpm, 2), "silent_stretch": round(self.silent_stretch, 4)}


def make_participant(seed: int, number: int) -> Participant:
    """Participant ``S<number>`` of ``seed`` (the same person for the same pair)."""
    rng = emg_model.make_rng(seed, "participant", number)
    face, tissue = float(rng.uniform(0.85, 1.25)), float(rng.uniform(0.7, 1.5))
    base = emg_model.BASE_MIXING
    mixing = base ** face                                   # farther sites lose the weak weights first
    blur = 0.25 * (tissue - 0.7) / 0.8                      # volume conduction: 0 .. 0.25 towards the mean
    mixing = (1 - blur) * mixing + blur * mixing.mean(axis=1, keepdims=True)
    mixing = mixing / np.sqrt(tissue) * rng.lognormal(0.0, 0.25, base.shape)
    mixing[:, emg_model.LARYNX] = base[:, emg_model.LARYNX] / np.sqrt(tissue) * rng.lognormal(0.0, 0.25, len(base))
    return Participant(
        code=f"S{number}", face_scale=face, tissue_depth=tissue, mixing=mixing,
        effort=rng.lognormal(0.0, 0.3, len(emg_model.MUSCLES)), undershoot=float(rng.uniform(0.8, 1.8)),
        amplitude=float(rng.uniform(0.6, 1.5)), noise=float(rng.uniform(0.7, 1.6)),
        voice=LJSPEECH_VOICES[int(rng.integers(len(LJSPEECH_VOICES)))], pitch=int(rng.integers(30, 70)),
        rate_wpm=float(rng.uniform(140, 195)), silent_stretch=float(rng.uniform(1.0, 1.4)))


def session_name(participant: Participant, day: int) -> str:
    # the capture stage's naming (p<code>-<date>-<n>_silent), so tools that group sessions by person read it
    return f"p{participant.code}-2027010{day}-1_silent"


def generate_participants(out: Path, profile: ParticipantsProfile, seed: int,
                          progress: bool) -> tuple[list[str], dict]:
    """Write the new-participants corpus under ``out``; return the files written (relative) and the counts."""
    from tqdm.auto import tqdm

    n_held = profile.dev_sentences + profile.test_sentences
    prompts = text_gen.closed_vocab_prompts(n_held + profile.max_calibration_sentences, seed)
    split = {"dev": [[BOOK_CLOSED, i] for i in range(profile.dev_sentences)],
             "test": [[BOOK_CLOSED, i] for i in range(profile.dev_sentences, n_held)]}
    target_s = 60.0 * profile.calibration_minutes
    written: list[str] = []
    counts: dict = {"participants": {}}
    people = [make_participant(seed, k) for k in range(1, profile.participants + 1)]
    bar = tqdm(total=profile.participants, desc=f"synth {profile.name}", unit="participant", disable=not progress)
    with TTSSession() as tts:
        for person in people:
            held_by_day = np.array_split(np.arange(n_held), profile.days)
            cursor, recorded = n_held, {"calibration_s": 0.0, "calibration": 0, "dev": 0, "test": 0}
            for day in range(1, profile.days + 1):
                session = session_name(person, day)
                folder = f"{FOLDER}/{session}"
                placement = f"{person.code}-{day}"
                model = emg_model.make_session_model(seed, placement, folder, participant=person)
                day_target = target_s * day / profile.days
                jobs: list[tuple[int, str]] = [(-1, "reference")]
                index = 0
                for held in held_by_day[day - 1]:
                    jobs.append((int(held), "dev" if held < profile.dev_sentences else "test"))
                while jobs or recorded["calibration_s"] < day_target:
                    if jobs:
                        sentence, role = jobs.pop(0)
                    else:
                        if cursor >= len(prompts):
                            raise ValueError(f"profile {profile.name}: {profile.max_calibration_sentences} "
                                             f"calibration sentences hold less than {target_s:g} s for {person.code}")
                        sentence, role = cursor, "calibration"
                        cursor += 1
                    rng = emg_model.make_rng(seed, "participant-utterance", folder, index)
                    emg, phonemes, rate = _utterance(tts, person, model, rng,
                                                     prompts[sentence] if sentence >= 0 else None)
                    info = {"book": BOOK_CLOSED if sentence >= 0 else "", "sentence_index": sentence,
                            "text": prompts[sentence] if sentence >= 0 else "", "chunks": [[len(emg), 0, len(emg)]],
                            "synthetic": {"phonemes": phonemes, "participant": person.code, "mode": "silent",
                                          "role": role, "session_mixing_seed": model.mixing_seed,
                                          "electrode_placement": placement, "speaking_rate": rate}}
                    base = out / folder
                    sio.save_npy(base / f"{index}_emg.npy", emg.astype(np.float32))
                    sio.save_npy(base / f"{index}_button.npy", np.zeros(len(emg), dtype=np.int8))
                    sio.write_json(base / f"{index}_info.json", info, indent=None)
                    written += [f"{folder}/{index}_{name}" for name in ("emg.npy", "button.npy", "info.json")]
                    if role == "calibration":
                        recorded["calibration"] += 1
                        recorded["calibration_s"] = round(recorded["calibration_s"] + len(emg) / emg_model.EMG_RATE, 3)
                    elif role in ("dev", "test"):
                        recorded[role] += 1
                    index += 1
            counts["participants"][person.code] = dict(recorded, sessions=profile.days)
            bar.update(1)
    bar.close()
    sio.write_json(out / "testset.json", split)
    written.append("testset.json")
    used = {normalize_text(t) for t in prompts}
    lm_closed = [s for s in text_gen.closed_vocab_prompts(5000, seed + 7919) if normalize_text(s) not in used]
    sio.write_text(out / "lm_text/closed_vocab.txt", "\n".join(lm_closed) + "\n")
    sio.write_json(out / "participants.json", {"participants": [p.as_json() for p in people],
                                               "recorded": counts["participants"]})
    written += ["lm_text/closed_vocab.txt", "participants.json"]
    counts["testset"] = {"dev": len(split["dev"]), "test": len(split["test"])}
    counts["lm_text"] = {"closed_vocab": len(lm_closed)}
    return written, counts


def _utterance(tts: TTSSession, person: Participant, model: emg_model.SessionModel, rng: np.random.Generator,
               text: str | None) -> tuple[np.ndarray, list[list], float | None]:
    """One silent utterance of ``person`` (``text=None``: the rest clip at the start of a session)."""
    lead, tail = float(rng.uniform(0.25, 0.6)), float(rng.uniform(0.2, 0.5))
    if text is None:
        n = int(rng.uniform(2.0, 4.0) * emg_model.EMG_RATE)
        emg = emg_model.synthesize_emg([], n, model, rng, silent=True, rest=True)
        return emg, [[0.0, n / emg_model.EMG_RATE, "sil"]], None
    rate = person.rate_wpm * float(rng.lognormal(0.0, 0.06))
    speech = tts.synthesize(text_gen.speak_closed_vocab(text), voice=person.voice, rate_wpm=int(round(rate)),
                            pitch=person.pitch)
    core, _ = _strip_edges(speech.phonemes)
    # silent speech follows the voice's timing, slower and jittered (as the study corpus's silent twins)
    warped, span = _warp_for_silent(core, rng, person.silent_stretch * float(rng.lognormal(0.0, 0.06)))
    n = int(round((lead + span + tail) * emg_model.EMG_RATE))
    phonemes = _pad_phonemes(warped, lead, n / emg_model.EMG_RATE)
    emg = emg_model.synthesize_emg(phonemes, n, model, rng, silent=True)
    return emg, phonemes, round(rate / person.silent_stretch, 2)
