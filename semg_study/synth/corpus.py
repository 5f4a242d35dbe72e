"""Write (or reuse) the synthetic corpus: :func:`generate_corpus`, its cache check and manifest.

``generate_corpus(out, profile, seed, layout)`` clears what an earlier generation
left in ``out``, has the layout's writer fill it (:mod:`semg_study.synth.dv_corpus`:
the Digital Voicing layout with EMG; :mod:`semg_study.synth.ljspeech_corpus`: TTS
speech in the LJSpeech layout) and writes ``OUT/corpus.json`` last: generator,
parameters, counts and every file's sha256. A later call with the same parameters
reuses the folder while every recorded file still has its digest
(:func:`cache_is_valid`); :func:`describe` summarises a corpus for reports.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from pathlib import Path

from semg_study import io as sio
from semg_study.data.fingerprint import file_sha256
from semg_study.errors import DataError
from semg_study.synth import emg_model
from semg_study.synth.dv_corpus import AUDIO_RATE, BOOK_CLOSED, BOOK_NONPARALLEL, BOOK_PARALLEL, DV_VOICE, generate_dv
from semg_study.synth.ljspeech_corpus import LJSPEECH_RATE, LJSPEECH_VOICES, generate_ljspeech
from semg_study.synth.participants import PARTICIPANT_PROFILES, ParticipantsProfile, generate_participants
from semg_study.synth.profiles import PROFILES, Profile

GENERATOR = "semg_study.synth"
VERSION = "1.1"
EMG_DTYPE = "float32"
_MARKER = ".synth-incomplete"


def _fingerprint(files: dict[str, str]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(f"{name}\0{files[name]}\n".encode())
    return h.hexdigest()


def _profile(name: str) -> Profile | ParticipantsProfile:
    """A study corpus's sizes (smoke, quick, full) or a new-participants corpus's (participants, ...)."""
    if name in PROFILES:
        return PROFILES[name]
    if name in PARTICIPANT_PROFILES:
        return PARTICIPANT_PROFILES[name]
    raise ValueError(f"unknown profile {name!r}; choose one of {sorted(PROFILES) + sorted(PARTICIPANT_PROFILES)}")


def _parameters(profile: Profile | ParticipantsProfile, seed: int, layout: str) -> dict:
    return {"profile": profile.name, "seed": int(seed), "layout": layout,
            "sizes": dataclasses.asdict(profile)}


def _read_manifest(out: Path) -> dict | None:
    path = out / "corpus.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(path, f"unreadable corpus manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("generator") != GENERATOR:
        raise DataError(path, f"not written by {GENERATOR}; refusing to overwrite this folder")
    return manifest


def cache_is_valid(out: str | os.PathLike, profile: str, seed: int, layout: str) -> bool:
    """True when ``out`` holds a complete corpus of these parameters, files unchanged."""
    out = Path(out)
    manifest = _read_manifest(out)
    if manifest is None or (out / _MARKER).exists():
        return False
    if manifest.get("version") != VERSION or manifest.get("parameters") != _parameters(_profile(profile), seed, layout):
        return False
    files = manifest.get("files") or {}
    for name, digest in files.items():
        path = out / name
        if not path.is_file() or file_sha256(path) != digest:
            return False
    return _fingerprint(files) == manifest.get("fingerprint")


def _clear_previous(out: Path) -> None:
    """Remove what an earlier (complete or interrupted) generation wrote here, nothing else."""
    manifest = _read_manifest(out)
    if manifest is not None:
        (out / "corpus.json").unlink()
        for name in manifest.get("files", {}):
            (out / name).unlink(missing_ok=True)
    if (out / _MARKER).exists():
        for sub in ("emg_data", "text_alignments", "wavs", "lm_text"):
            shutil.rmtree(out / sub, ignore_errors=True)
        for name in ("testset.json", "metadata.csv", "participants.json"):
            (out / name).unlink(missing_ok=True)
    elif manifest is None and ((out / "emg_data").exists() or (out / "metadata.csv").exists()):
        raise DataError(out, "holds a dataset that this generator did not write; refusing to overwrite it")


def generate_corpus(out: str | os.PathLike, profile: str = "smoke", seed: int = 0, layout: str = "dv",
                    progress: bool = True, force: bool = False) -> Path:
    """Write (or reuse) the synthetic corpus under ``out`` and return its path.

    Deterministic for a seed. ``out/corpus.json`` is written last; a second call
    with the same parameters returns at once when every recorded file still has
    its recorded digest, and regenerates otherwise (or when ``force``).
    """
    prof = _profile(profile)
    if layout not in ("dv", "ljspeech"):
        raise ValueError(f"unknown layout {layout!r}; choose 'dv' or 'ljspeech'")
    if isinstance(prof, ParticipantsProfile) and layout != "dv":
        raise ValueError(f"profile {profile!r} (new participants) is written in the Digital Voicing layout only")
    out = Path(out)
    if not force and cache_is_valid(out, profile, seed, layout):
        return out
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    sio.write_text(out / _MARKER, "generation in progress\n")
    if isinstance(prof, ParticipantsProfile):
        written, counts = generate_participants(out, prof, seed, progress)
        # silent EMG only: no audio; each participant's voice is in participants.json
        return _finish(out, written, counts, kind="new participants", profile=prof.name, seed=seed, layout="dv",
                       parameters=_parameters(prof, seed, "dv"), audio_rate_hz=None,
                       books={"closed_vocab": BOOK_CLOSED}, voices="one per participant (participants.json)")
    if layout == "dv":
        written, counts = generate_dv(out, prof, seed, progress)
    else:
        written, counts = generate_ljspeech(out, prof, seed, progress)
    return _finish(out, written, counts, profile=profile, seed=seed, layout=layout,
                   parameters=_parameters(prof, seed, layout),
                   audio_rate_hz=AUDIO_RATE if layout == "dv" else LJSPEECH_RATE,
                   books={"parallel": BOOK_PARALLEL, "nonparallel": BOOK_NONPARALLEL, "closed_vocab": BOOK_CLOSED},
                   voices=[DV_VOICE] if layout == "dv" else list(LJSPEECH_VOICES))


def _finish(out: Path, written, counts: dict, *, profile: str, seed: int, layout: str, parameters: dict,
            audio_rate_hz, books: dict, voices, kind: str | None = None) -> Path:
    """Write ``corpus.json`` (what was generated, with every file's digest) last, then drop the in-progress
    marker. One writer for every corpus kind: the keys keep their order, so the bytes (and with them the
    corpus fingerprints the released runs were trained under) stay the same."""
    files = {name: file_sha256(out / name) for name in sorted(written)}
    manifest = {"generator": GENERATOR, "version": VERSION, "label": "synthetic"}
    if kind is not None:
        manifest["kind"] = kind
    manifest.update({
        "profile": profile,
        "seed": int(seed),
        "layout": layout,
        "parameters": parameters,
        "emg": {"dtype": EMG_DTYPE, "rate_hz": emg_model.EMG_RATE, "units": "microvolts",
                "channels": list(emg_model.ELECTRODE_SITES), "muscles": list(emg_model.MUSCLES)},
        "audio_rate_hz": audio_rate_hz,
        "books": books,
        "tts": {"engine": "eSpeak NG via espeakng-loader", "voices": voices},
        "target_ranges_uv": {k: list(v) for k, v in emg_model.TARGET_RANGES_UV.items()},
        "counts": counts,
        "fingerprint": _fingerprint(files),
        "files": files,
    })
    sio.write_json(out / "corpus.json", manifest)
    (out / _MARKER).unlink()
    return out


def describe(root: str | os.PathLike) -> dict:
    """Summary of a generated corpus for reports: profile, seed, counts, target ranges."""
    root = Path(root)
    manifest = _read_manifest(root)
    if manifest is None:
        raise DataError(root / "corpus.json", "missing: not a synthetic corpus (run `semg-study synth`)")
    return {key: manifest.get(key) for key in ("label", "generator", "version", "profile", "seed", "layout",
                                               "emg", "audio_rate_hz", "books", "tts", "counts",
                                               "target_ranges_uv", "fingerprint")} | {
        "n_files": len(manifest.get("files", {}))}
