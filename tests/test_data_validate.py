"""``validate`` on damaged copies of the layout fixture: every problem is found and names its file,
and the loaders raise a ``DataError`` naming the same file."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from layout_fixture import make_layout_fixture
from semg_study import io
from semg_study.data import open_corpus
from semg_study.data.validate import validate
from semg_study.errors import DataError

S = Path("emg_data/silent_parallel_data/5-4_silent")
V = Path("emg_data/voiced_parallel_data/5-4")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_layout_fixture(tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def copy(pristine, tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(pristine.root, dst)
    return dst


def utterance(root, rel: Path, index: int):
    c = open_corpus(root)
    return next(u for u in c.all_utterances() if u.path == root / rel / str(index))


def set_info(root, rel, index, **changes):
    p = root / rel / f"{index}_info.json"
    info = json.loads(p.read_text())
    info.update(changes)
    io.write_json(p, info)
    return p


def errors_for(report, path):
    return [p.problem for p in report.errors if p.path == str(path)]


def test_pristine_fixture_is_clean(pristine):
    report = validate(pristine.root)
    assert report.ok, report.format_text()
    # the fixture carries its own split (testset.json), which is named and differs from the packaged one
    assert report.testset == str(pristine.root / "testset.json")
    assert [p.path for p in report.warnings] == [report.testset]
    assert "differs from the packaged" in report.warnings[0].problem
    assert report.checked["utterances"] > 0
    # ordinary punctuation is a note, not a warning or an error
    assert any("punctuation" in p.problem for p in report.of("info"))


def test_missing_emg(copy):
    u = utterance(copy, S, 2)
    u.emg_path.unlink()
    assert "missing EMG file" in errors_for(validate(copy), u.emg_path)
    with pytest.raises(DataError) as e:
        u.load()
    assert e.value.path == str(u.emg_path)


@pytest.mark.parametrize("damage,message", [
    (lambda p: io.save_npy(p, np.zeros((500, 7), np.float32)), "expected (T, 8)"),
    (lambda p: io.save_npy(p, np.full((500, 8), np.nan, np.float32)), "NaN or inf"),
    (lambda p: io.write_bytes(p, b"not an npy file"), "unreadable npy"),
])
def test_bad_emg_file(copy, damage, message):
    u = utterance(copy, S, 2)
    damage(u.emg_path)
    problems = errors_for(validate(copy), u.emg_path)
    assert any(message in p for p in problems), problems
    with pytest.raises(DataError, match=message.replace("(", r"\(").replace(")", r"\)")) as e:
        u.load()
    assert e.value.path == str(u.emg_path)


def test_chunks_that_disagree_with_emg_length(copy):
    u = utterance(copy, V, 2)
    p = set_info(copy, V, 2, chunks=[[10, 160, 10]])
    assert any("chunk EMG lengths sum to 10" in m for m in errors_for(validate(copy), p))
    with pytest.raises(DataError, match="chunk") as e:
        u.load()
    assert e.value.path == str(p)


def test_unreadable_json(copy):
    p = copy / V / "2_info.json"
    io.write_text(p, "{not json")
    assert any("unreadable JSON" in m for m in errors_for(validate(copy), p))
    with pytest.raises(DataError, match="unreadable JSON") as e:
        open_corpus(copy)
    assert e.value.path == str(p)


def test_unreadable_flac(copy):
    u = utterance(copy, V, 2)
    io.write_bytes(u.audio_path, b"fLaC but not really")
    assert any("unreadable audio" in m for m in errors_for(validate(copy), u.audio_path))
    with pytest.raises(DataError, match="unreadable audio") as e:
        u.load()
    assert e.value.path == str(u.audio_path)


def test_missing_audio_in_a_session_with_audio_is_an_error(copy):
    for name in ("2_audio_clean.flac", "2_audio.flac"):
        (copy / V / name).unlink()
    report = validate(copy)
    assert any("missing audio" in m for m in errors_for(report, copy / V / "2_audio_clean.flac"))


def test_session_without_any_audio_is_only_a_warning(tmp_path):
    fx = make_layout_fixture(tmp_path, emg_only_session=True)
    report = validate(fx.root)
    assert report.ok, report.format_text()
    session_dir = fx.emg_data / "nonparallel_data" / fx.emg_only_session
    assert [p.problem for p in report.warnings if p.path == str(session_dir)] == [
        "session has no audio files at all (EMG-only recording)"]


def test_empty_transcript(copy):
    # a dev sentence (silent 5-4_silent/2 is sentence 11, in dev) with an empty transcript
    p = set_info(copy, S, 2, text="")
    assert "empty transcript (sentence_index >= 0)" in errors_for(validate(copy), p)
    with pytest.raises(DataError, match="empty transcript") as e:
        open_corpus(copy)
    assert e.value.path == str(p)


def test_characters_outside_vocabulary_by_severity(copy):
    p_ctrl = set_info(copy, V, 1, text="No one would\x07 have believed")
    p_sym = set_info(copy, V, 4, text="serene & assured @ matter")
    p_unmappable = set_info(copy, S, 4, text="serene \U0001F600 in their assurance")
    report = validate(copy)
    assert any("control characters" in m for m in errors_for(report, p_ctrl))
    assert any("cannot map" in m for m in errors_for(report, p_unmappable))
    assert not errors_for(report, p_sym)
    assert any("&@" in w.problem for w in report.warnings if w.path == str(p_sym))


def test_testset_entry_without_silent_utterance(copy):
    ts = copy / "testset.json"
    io.write_json(ts, {"dev": [["books/War_of_the_Worlds.txt", 11], ["books/War_of_the_Worlds.txt", 999]],
                       "test": [["books/Other_Book.txt", 1]]})
    report = validate(copy)
    assert any("999" in m and "matches no silent utterance" in m for m in errors_for(report, ts))
    # a book the corpus has no silent recordings of at all: a warning (testset for another corpus)
    assert any("Other_Book" in w.problem for w in report.warnings if w.path == str(ts))


def test_malformed_textgrid(copy):
    tg = copy / "text_alignments" / "5-4" / "5-4_1_audio.TextGrid"
    io.write_text(tg, tg.read_text().replace('text = "N"', 'text = "QQ"'))
    assert any("unknown phoneme" in m for m in errors_for(validate(copy), tg))
    with pytest.raises(DataError, match="unknown phoneme") as e:
        utterance(copy, V, 1).load()
    assert e.value.path == str(tg)


def test_missing_button_and_unfinished_write_are_warnings(copy):
    (copy / V / "3_button.npy").unlink()
    io.save_npy(copy / V / "99_emg.npy", np.zeros((100, 8), np.float32))
    report = validate(copy)
    assert report.ok
    warned = {w.path for w in report.warnings}
    assert str(copy / V / "3_button.npy") in warned and str(copy / V / "99_emg.npy") in warned


def test_ljspeech_root_is_validated(tmp_path):
    from test_data_corpus import make_ljspeech

    root = make_ljspeech(tmp_path / "lj", n=5)
    assert validate(root).ok and validate(root).layout == "ljspeech"
    (root / "wavs" / "LJ001-0001.wav").unlink()
    io.write_bytes(root / "wavs" / "LJ001-0003.wav", b"RIFF garbage")
    report = validate(root)
    assert not report.ok
    assert errors_for(report, root / "wavs" / "LJ001-0001.wav")
    assert any("unreadable audio" in m for m in errors_for(report, root / "wavs" / "LJ001-0003.wav"))


def test_cli_exit_codes_and_json(copy):
    cmd = [sys.executable, "-m", "semg_study", "validate", str(copy), "--json"]
    ok = subprocess.run(cmd, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    (copy / S / "2_emg.npy").unlink()
    bad = subprocess.run(cmd[:-1], capture_output=True, text=True)
    assert bad.returncode == 1
    assert f"ERROR {copy / S / '2_emg.npy'}: missing EMG file" in bad.stdout


def test_info_cli_reports_counts_and_skips(pristine):
    out = subprocess.run([sys.executable, "-m", "semg_study", "info", str(pristine.root), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["skipped"] == pristine.skipped
    got = {(r["condition"], r["split"], r["mode"]): r["utterances"] for r in summary["counts"]}
    assert got == pristine.counts
    assert all(r["seconds"] > 0 for r in summary["counts"])
