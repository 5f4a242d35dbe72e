"""The synthetic corpus: Digital Voicing layout, determinism, cache, split, LJSpeech layout, CLI."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from semg_study.data.textgrid import read_textgrid
from semg_study.errors import DataError
from semg_study.synth import cache_is_valid, describe, generate_corpus
from semg_study.synth.dv_corpus import BOOK_CLOSED, BOOK_NONPARALLEL, BOOK_PARALLEL
from semg_study.synth.profiles import PROFILES
from semg_study.text import PHONEMES

KINDS = ("silent_parallel_data", "voiced_parallel_data", "nonparallel_data", "closed_vocab/silent",
         "closed_vocab/voiced")
COMPANIONS = ("_emg.npy", "_audio.flac", "_audio_clean.flac", "_info.json", "_button.npy")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "corpus.json"}


def _sessions(root: Path):
    for kind in KINDS:
        for session in sorted((root / "emg_data" / kind).iterdir()):
            yield kind, session


@pytest.fixture(scope="module")
def second_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("smoke_again")
    return generate_corpus(root, profile="smoke", seed=0, progress=False)


def test_same_seed_gives_identical_files(smoke_corpus, second_copy):
    first, second = _hashes(Path(smoke_corpus)), _hashes(Path(second_copy))
    assert first == second
    assert any(name.endswith(".flac") for name in first)


def test_different_seed_gives_different_corpus(smoke_corpus, tmp_path):
    other = generate_corpus(tmp_path / "seed1", profile="smoke", seed=1, progress=False)
    a, b = _hashes(Path(smoke_corpus)), _hashes(other)
    emg_a = {k: v for k, v in a.items() if k.endswith("_emg.npy")}
    emg_b = {k: v for k, v in b.items() if k.endswith("_emg.npy")}
    assert emg_a and emg_b
    assert not set(emg_a.items()) & set(emg_b.items())

    def texts(root):
        return sorted(json.loads(p.read_text())["text"] for p in Path(root).glob("emg_data/**/*_info.json"))

    assert texts(smoke_corpus) != texts(other)


@pytest.mark.slow
def test_second_call_reuses_the_cache_without_rewriting(second_copy):
    mtimes = {p: p.stat().st_mtime_ns for p in Path(second_copy).rglob("*") if p.is_file()}
    assert cache_is_valid(second_copy, "smoke", 0, "dv")
    generate_corpus(second_copy, profile="smoke", seed=0, progress=False)
    assert {p: p.stat().st_mtime_ns for p in Path(second_copy).rglob("*") if p.is_file()} == mtimes


def test_damaged_file_triggers_regeneration(smoke_corpus, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(smoke_corpus, root)
    victim = root / "emg_data/voiced_parallel_data/5-4/1_emg.npy"
    original = victim.read_bytes()
    victim.write_bytes(original[:-64])
    assert not cache_is_valid(root, "smoke", 0, "dv")
    generate_corpus(root, profile="smoke", seed=0, progress=False)
    assert victim.read_bytes() == original
    assert cache_is_valid(root, "smoke", 0, "dv")
    # other parameters are not served from this cache
    assert not cache_is_valid(root, "smoke", 1, "dv")


def test_refuses_to_overwrite_a_dataset_it_did_not_write(tmp_path):
    (tmp_path / "emg_data" / "nonparallel_data").mkdir(parents=True)
    with pytest.raises(DataError, match="did not write"):
        generate_corpus(tmp_path, profile="smoke", progress=False)


def test_every_utterance_has_its_companions_and_consistent_lengths(smoke_corpus):
    root = Path(smoke_corpus)
    n_sessions = 0
    for kind, session in _sessions(root):
        n_sessions += 1
        indices = sorted(int(p.name.split("_")[0]) for p in session.glob("*_info.json"))
        assert indices == list(range(len(indices))) and len(indices) >= 2
        for i in indices:
            for suffix in COMPANIONS:
                assert (session / f"{i}{suffix}").is_file(), session / f"{i}{suffix}"
            info = json.loads((session / f"{i}_info.json").read_text())
            assert {"book", "sentence_index", "text", "chunks", "synthetic"} <= set(info)
            emg = np.load(session / f"{i}_emg.npy")
            button = np.load(session / f"{i}_button.npy")
            audio, rate = sf.read(session / f"{i}_audio.flac")
            clean, clean_rate = sf.read(session / f"{i}_audio_clean.flac")
            assert emg.dtype == np.float32 and emg.ndim == 2 and emg.shape[1] == 8
            assert rate == clean_rate == 16000 and audio.ndim == 1 and len(audio) == len(clean)
            assert info["chunks"] == [[len(emg), len(audio), len(button)]]
            assert len(audio) == 16 * len(emg) and not button.any()
            phones = info["synthetic"]["phonemes"]
            assert phones[0][0] == 0 and abs(phones[-1][1] - len(emg) / 1000) < 1e-6
            assert all(a[1] == b[0] and b[1] > b[0] for a, b in zip(phones, phones[1:]))
            assert {p for _, _, p in phones} <= set(PHONEMES)
            if i == 0:  # the reference clip
                assert (info["sentence_index"], info["book"], info["text"]) == (-1, "", "")
            else:
                assert info["sentence_index"] >= 0 and info["text"]
                expected = BOOK_CLOSED if kind.startswith("closed") else (
                    BOOK_NONPARALLEL if kind == "nonparallel_data" else BOOK_PARALLEL)
                assert info["book"] == expected
    assert n_sessions == 1 + 1 + 2 + 2 + 1


def test_voiced_utterances_have_textgrids_matching_the_emg_timing(smoke_corpus):
    root = Path(smoke_corpus)
    n = 0
    for kind, session in _sessions(root):
        for info_path in session.glob("*_info.json"):
            i = int(info_path.name.split("_")[0])
            grid = root / "text_alignments" / session.name / f"{session.name}_{i}_audio.TextGrid"
            info = json.loads(info_path.read_text())
            if session.name.endswith("_silent") or i == 0:
                assert not grid.exists()
                continue
            intervals = read_textgrid(grid)["phones"]
            assert [(round(a, 4), round(b, 4), p) for a, b, p in intervals] == \
                [(round(a, 4), round(b, 4), p) for a, b, p in info["synthetic"]["phonemes"]]
            n += 1
    assert n == 8 + 12 + 6


def test_audio_is_speech_when_voiced_and_near_silent_when_silent(smoke_corpus):
    root = Path(smoke_corpus)
    voiced, _ = sf.read(root / "emg_data/voiced_parallel_data/5-4/1_audio_clean.flac")
    silent, _ = sf.read(root / "emg_data/silent_parallel_data/5-4_silent/1_audio.flac")
    raw, _ = sf.read(root / "emg_data/voiced_parallel_data/5-4/1_audio.flac")
    assert np.sqrt(np.mean(voiced ** 2)) > 20 * np.sqrt(np.mean(silent ** 2))
    assert np.sqrt(np.mean((raw - voiced) ** 2)) > 0  # room noise only in the raw file


def test_parallel_sentences_once_silent_once_voiced_and_split_from_silent(smoke_corpus):
    root = Path(smoke_corpus)
    where: dict[tuple[str, int], list[str]] = {}
    for kind, session in _sessions(root):
        for info_path in session.glob("*_info.json"):
            info = json.loads(info_path.read_text())
            if info["sentence_index"] >= 0:
                where.setdefault((info["book"], info["sentence_index"]), []).append(kind)
    for (book, _), kinds in where.items():
        if book == BOOK_PARALLEL:
            assert sorted(kinds) == ["silent_parallel_data", "voiced_parallel_data"]
        elif book == BOOK_CLOSED:
            assert sorted(kinds) == ["closed_vocab/silent", "closed_vocab/voiced"]
        else:
            assert kinds == ["nonparallel_data"]
    split = json.loads((root / "testset.json").read_text())
    assert set(split) == {"dev", "test"} and len(split["dev"]) >= 2 and len(split["test"]) >= 2
    dev, test = {tuple(x) for x in split["dev"]}, {tuple(x) for x in split["test"]}
    assert not dev & test
    for key in dev | test:
        assert "silent_parallel_data" in where[key]


def test_corpus_manifest_and_describe(smoke_corpus):
    manifest = json.loads((Path(smoke_corpus) / "corpus.json").read_text())
    assert manifest["generator"] == "semg_study.synth" and manifest["label"] == "synthetic"
    assert manifest["emg"]["dtype"] == "float32"
    assert set(manifest["files"]) == set(_hashes(Path(smoke_corpus)))
    summary = describe(smoke_corpus)
    assert summary["profile"] == "smoke" and summary["seed"] == 0
    assert summary["counts"]["nonparallel_data"]["utterances"] == 1 + PROFILES["smoke"].nonparallel_utterances
    assert "voiced_utterance_rms_20_450hz" in summary["target_ranges_uv"]
    with pytest.raises(DataError):
        describe(Path(smoke_corpus) / "emg_data")


def test_full_profile_is_planned_at_real_size():
    from semg_study.synth.dv_corpus import _plan

    full = PROFILES["full"]
    assert (full.closed_sentences, full.open_parallel_sentences, full.nonparallel_utterances) == (500, 1588, 5477)
    sessions, plan = _plan(full, seed=0)
    spoken = [u for s in sessions for u in s if u.sentence_index >= 0]
    assert sum(u.book == BOOK_PARALLEL for u in spoken) == 2 * 1588
    assert sum(u.book == BOOK_NONPARALLEL for u in spoken) == 5477
    assert (len(plan["split"]["dev"]), len(plan["split"]["test"])) == (200, 100)


def test_ljspeech_layout(smoke_ljspeech):
    root = Path(smoke_ljspeech)
    with open(root / "metadata.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="|", quoting=csv.QUOTE_NONE))
    assert len(rows) == PROFILES["smoke"].ljspeech_clips
    for clip_id, text, normalized in rows:
        audio, rate = sf.read(root / "wavs" / f"{clip_id}.wav", dtype="int16")
        assert sf.info(root / "wavs" / f"{clip_id}.wav").subtype == "PCM_16"
        assert rate == 22050 and audio.ndim == 1 and len(audio) > rate // 2
        assert np.abs(audio).max() > 10000 and text and normalized
    assert len(describe(root)["counts"]["voices"]) >= 2


@pytest.mark.slow
def test_cli_writes_and_then_reuses(tmp_path, capsys):
    from semg_study.cli import main

    out = tmp_path / "lj"
    assert main(["synth", "--out", str(out), "--profile", "smoke", "--layout", "ljspeech", "--quiet"]) == 0
    assert "generated" in capsys.readouterr().out
    assert main(["synth", "--out", str(out), "--profile", "smoke", "--layout", "ljspeech", "--quiet"]) == 0
    assert "nothing written" in capsys.readouterr().out


def test_slow_noise_filter_is_designed_once_and_gives_the_same_noise():
    import numpy as np
    from scipy import signal

    from semg_study.synth import emg_model

    sos = emg_model._lowpass_sos(0.5)
    assert emg_model._lowpass_sos(0.5) is sos  # designed once per cutoff
    assert np.array_equal(sos, signal.butter(2, 0.5, fs=emg_model.EMG_RATE, output="sos"))
    got = emg_model._slow_noise(np.random.default_rng(3), 500, 2, 0.5)
    rng = np.random.default_rng(3)
    pad = int(3 * emg_model.EMG_RATE / 0.5)
    x = signal.sosfilt(signal.butter(2, 0.5, fs=emg_model.EMG_RATE, output="sos"), rng.standard_normal((500 + pad, 2)),
                       axis=0)[pad:]
    assert np.array_equal(got, x / max(float(np.sqrt(np.mean(x ** 2))), 1e-12))
    assert np.array_equal(emg_model._lowpass_sos(0.5), sos)  # the cached design is not changed by filtering
