"""Damaged copies of a Digital Voicing corpus: one corruption of each kind issue 14 lists.

``KINDS`` maps a name to a :class:`Damage`: a function that damages a corpus
root in place and returns the file it damaged, the severity ``validate`` must
give that file, and a fragment of its message. The tests
(``test_data_damage.py``) run every kind on the layout fixture; run this file to
apply every kind to a fresh smoke corpus and print, per kind, the line
``validate`` prints for the damaged file and what the loader does::

    python tests/damage.py [--corpus ROOT]

Every damage writes a *new* file (atomic replace, unlink + create), never
changes one in place, so a copy made with hard links is safe to damage.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import soundfile as sf

from semg_study import io


def copy_corpus(src: Path, dst: Path) -> Path:
    """A copy whose files are hard links (cheap); damages replace files, so the source stays intact."""
    shutil.copytree(src, dst, copy_function=os.link, symlinks=True)
    return dst


def target(root: Path, index: int = 1) -> Path:
    """Prefix ``.../voiced_parallel_data/<first session>/<index>`` of an aligned utterance with audio."""
    sessions = sorted(p for p in (root / "emg_data" / "voiced_parallel_data").iterdir() if p.is_dir())
    return sessions[0] / str(index)


def f(prefix: Path, suffix: str) -> Path:
    return Path(f"{prefix}{suffix}")


def _info(prefix: Path) -> dict:
    return json.loads(f(prefix, "_info.json").read_text())


def _set_emg(prefix: Path, emg: np.ndarray, fix_chunks: bool = True) -> Path:
    """Replace the EMG; with ``fix_chunks`` the info's ``chunks`` agree with the new length."""
    p = f(prefix, "_emg.npy")
    p.unlink()
    io.save_npy(p, emg)
    if fix_chunks:
        info = _info(prefix)
        info["chunks"] = [[int(emg.shape[0]), int(sum(r[1] for r in info["chunks"])), int(emg.shape[0])]]
        io.write_json(f(prefix, "_info.json"), info)
    return p


def _emg(prefix: Path) -> np.ndarray:
    return np.load(f(prefix, "_emg.npy"))


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _replace(path: Path, make: Callable[[Path], None]) -> Path:
    """Remove ``path`` (file or folder) and put ``make(path)`` in its place."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
    make(path)
    return path


# -- the kinds -------------------------------------------------------------------------

def emg_empty(root):
    return _set_emg(target(root), np.zeros((0, 8), np.float32))


def emg_five_samples(root):
    return _set_emg(target(root), np.zeros((5, 8), np.float32))


def emg_empty_chunks_unchanged(root):
    return _set_emg(target(root), np.zeros((0, 8), np.float32), fix_chunks=False)


def info_nested(root):
    p = f(target(root), "_info.json")
    return _replace(p, lambda q: io.write_text(q, _nested(100_000)))


def testset_nested(root):
    return _replace(root / "testset.json", lambda q: io.write_text(q, _nested(100_000)))


def emg_complex(root):
    e = _emg(target(root))
    return _set_emg(target(root), e.astype(np.complex64) + 1j * e)


def emg_burst(root):
    e = _emg(target(root)).copy()
    e[100:110] = 1e30
    return _set_emg(target(root), e)


def emg_scaled(root):
    return _set_emg(target(root), _emg(target(root)) * np.float32(1e30))


def _set_audio(prefix: Path, audio: np.ndarray, rate: int) -> Path:
    p = f(prefix, "_audio_clean.flac")
    p.unlink()
    io.save_audio(p, audio, rate)
    return p


def audio_tenth(root):
    a, rate = sf.read(f(target(root), "_audio_clean.flac"), dtype="float32")
    return _set_audio(target(root), a[: len(a) // 10], rate)


def audio_rate_label(root):
    a, rate = sf.read(f(target(root), "_audio_clean.flac"), dtype="float32")
    return _set_audio(target(root), a, rate // 2)


def audio_stereo(root):
    a, rate = sf.read(f(target(root), "_audio_clean.flac"), dtype="float32")
    return _set_audio(target(root), np.stack([a, -a], axis=1), rate)


def duplicate_index(root):
    prefix = target(root)
    for p in sorted(prefix.parent.glob(f"{prefix.name}_*")):
        if p.name.endswith("_info.json"):
            continue
        shutil.copy(p, prefix.parent / f"0{p.name}")
    shutil.copy(f(prefix, "_info.json"), prefix.parent / f"0{prefix.name}_info.json")  # written last
    return prefix.parent / f"0{prefix.name}_info.json"


def testset_directory(root):
    return _replace(root / "testset.json", lambda q: q.mkdir())


def info_fifo(root):
    return _replace(f(target(root), "_info.json"), lambda q: os.mkfifo(q))


def cjk_transcript(root):
    p = f(target(root), "_info.json")
    info = _info(target(root))
    info["text"] = "\u6211\u4eec\u8d70\u5427"
    io.write_json(p, info)
    return p


def chunks_null(root):
    p = f(target(root), "_info.json")
    info = _info(target(root))
    info["chunks"] = None
    io.write_json(p, info)
    return p


def testset_fractional(root):
    p = root / "testset.json"
    data = json.loads(p.read_text())
    book, idx = data["dev"][0]
    data["dev"][0] = [book, idx + 0.5]
    io.write_json(p, data)
    return p


def textgrid_directory(root):
    prefix = target(root)
    session = prefix.parent.name
    tg = root / "text_alignments" / session / f"{session}_{prefix.name}_audio.TextGrid"
    return _replace(tg, lambda q: q.mkdir())


def session_symlink(root):
    session = target(root).parent
    link = session.parent / f"{session.name}-copy"
    link.symlink_to(session.name, target_is_directory=True)
    return link


def audio_both_missing(root):
    prefix = target(root)
    for suffix in ("_audio_clean.flac", "_audio.flac"):
        f(prefix, suffix).unlink()
    return f(prefix, "_audio_clean.flac")


@dataclass(frozen=True)
class Damage:
    apply: Callable[[Path], Path]
    severity: str  # what validate gives the damaged file: "error" or "warning"
    message: str  # a fragment of validate's line (and of the loader's DataError for errors)
    issue: str  # the kind, in the issue's words


KINDS: dict[str, Damage] = {
    "emg_empty": Damage(emg_empty, "error", "0 samples, too short", "EMG of shape (0, 8), chunks agreeing"),
    "emg_five_samples": Damage(emg_five_samples, "error", "5 samples, too short",
                               "EMG of shape (5, 8), chunks agreeing"),
    "info_nested": Damage(info_nested, "error", "nested 100000 levels deep", "_info.json nested 100,000 levels"),
    "testset_nested": Damage(testset_nested, "error", "nested 100000 levels deep",
                             "testset.json nested 100,000 levels"),
    "emg_complex": Damage(emg_complex, "error", "complex-valued", "complex-valued EMG"),
    "emg_burst": Damage(emg_burst, "error", "beyond the plausible", "ten EMG samples at 1e30"),
    "emg_scaled": Damage(emg_scaled, "error", "beyond the plausible", "whole EMG file times 1e30"),
    "audio_tenth": Damage(audio_tenth, "error", "'chunks' records", "FLAC holding 10 % of its samples"),
    "audio_rate_label": Damage(audio_rate_label, "error", "wrong sample rate", "16 kHz samples labelled 8 kHz"),
    "audio_stereo": Damage(audio_stereo, "warning", "the first is used", "stereo audio (opposite channels)"),
    "duplicate_index": Damage(duplicate_index, "error", "a duplicate", "03_info.json beside 3_info.json"),
    "testset_directory": Damage(testset_directory, "error", "a directory, not a regular file",
                                "testset.json that is a directory"),
    "info_fifo": Damage(info_fifo, "error", "a FIFO, not a regular file", "a FIFO named like an info file"),
    "cjk_transcript": Damage(cjk_transcript, "warning", "outside the Latin script", "all-CJK transcript"),
    "chunks_null": Damage(chunks_null, "warning", "'chunks': null", "chunks: null"),
    "testset_fractional": Damage(testset_fractional, "error", "integer index", "fractional index in testset.json"),
    "textgrid_directory": Damage(textgrid_directory, "error", "a directory, not a regular file",
                                 "TextGrid that is a directory"),
    "session_symlink": Damage(session_symlink, "error", "reached through a link",
                              "symlinked duplicate session"),
    "audio_both_missing": Damage(audio_both_missing, "error", "missing audio", "both audio files missing"),
    "emg_empty_chunks_unchanged": Damage(emg_empty_chunks_unchanged, "error", "0 samples, too short",
                                         "(0, 8) EMG whose chunks disagree (was blamed on the info file)"),
}


# -- what validate and the loader do -------------------------------------------------------

def load_everything(root: Path) -> dict:
    """Open the corpus and load every utterance and its context: id -> the loaded arrays and text."""
    from semg_study.data import open_corpus

    out = {}
    for u in open_corpus(root).all_utterances():
        d = u.load()
        before, after = u.load_context()
        out[u.id] = (d.emg, d.audio, d.audio_rate, u.text, d.phoneme_alignment, before, after)
    return out


def loader_outcome(root: Path) -> tuple[str, list[str]]:
    """("raises DataError: ..." or "loads"), and the DataWarnings the loader gave."""
    import warnings

    from semg_study.errors import DataError, DataWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        try:
            load_everything(root)
            outcome = "loads"
        except DataError as exc:
            outcome = f"raises DataError: {exc}"
    return outcome, [str(w.message) for w in caught if isinstance(w.message, DataWarning)]


def main(argv: list[str] | None = None) -> int:
    import argparse
    import tempfile

    from semg_study.data.validate import validate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", help="an existing corpus to copy (default: a fresh smoke corpus)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="semg-damage-") as tmp:
        tmp = Path(tmp)
        if args.corpus:
            src = Path(args.corpus)
        else:
            from semg_study.synth import generate_corpus

            src = tmp / "smoke"
            generate_corpus(src, profile="smoke", seed=0, progress=False)
        print(f"# pristine: {validate(src).format_text().splitlines()[-1]}")
        for name, kind in KINDS.items():
            root = copy_corpus(src, tmp / name)
            damaged = kind.apply(root)
            report = validate(root)
            lines = [f"{p.severity.upper()} {p.path}: {p.problem}" for p in report.problems
                     if p.path == str(damaged) and p.severity != "info"]
            outcome, warned = loader_outcome(root)
            rel = lambda s: s.replace(str(root) + "/", "")  # noqa: E731
            print(f"## {name}: {kind.issue}")
            for line in lines or ["(nothing about this file)"]:
                print(f"validate: {rel(line)}")
            print(f"loader:   {rel(outcome)}" + "".join(f"\n          warns {rel(w)}" for w in warned))
        normaliser_outlier(src, tmp / "loud")
    return 0


def normaliser_outlier(src: Path, dst: Path, factor: float = 1e3) -> None:
    """One training utterance ``factor`` times too loud, still inside the EMG bound: the
    normaliser's fit leaves it out and says so (its statistics match the fit without it)."""
    import warnings

    from semg_study.data import open_corpus
    from semg_study.data.dataset import EMGDataset
    from semg_study.errors import DataWarning
    from semg_study.features.config import FeatureConfig

    root = copy_corpus(src, dst)
    train = open_corpus(root).utterances("open", "train")
    loud = train[0]
    emg = np.load(loud.emg_path)
    loud.emg_path.unlink()
    io.save_npy(loud.emg_path, emg * np.float32(factor))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        ds = EMGDataset(train, FeatureConfig(streams=("emg_features",)))
    plain = np.concatenate([ds.features(i)["emg_features"] for i in range(len(train))]).astype(np.float64)
    print(f"## normaliser: {loud.emg_path.relative_to(root)} times {factor:g} "
          f"(peak {np.abs(emg).max() * factor:.3g} microvolts), {len(train)} training utterances")
    for w in caught:
        if isinstance(w.message, DataWarning):
            print(f"fit warns: {str(w.message).replace(str(root) + '/', '')}")
    print(f"left out: {len(ds.normalizer.excluded)} (the file and the neighbour it is filter context of); "
          f"largest feature std {ds.normalizer.std.max():.4g}, a plain fit's {plain.std(axis=0).max():.4g}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    raise SystemExit(main())
