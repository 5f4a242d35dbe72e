"""Open release with consent: the register, release-data, release-model's consent check, verify-release.

The fixture is a corpus root shaped like ``semg-study capture`` output (session
folders ``p<code>-<date>-<n>_silent`` with a ``session.json`` naming the
participant), written by the tests; its EMG is noise.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from layout_fixture import DATES, write_utterance
from semg_study import io
from semg_study.cli import main as cli_main
from semg_study.errors import DataError, StudyError

HEADER = "participant,data_release,model_release,consent_date,note\n"
CLOSED_TEXTS = ["february 17th 1987", "sunday march 10th", "11:50 pm", "july 31 1999", "monday february 28",
                "october 23 2006", "3:15 am", "tuesday april 2nd", "december 1st 1990", "8:05 pm",
                "friday june 5th", "9:40 am"]
SECRET_NOTE = "contact via the lab office only"


def write_session(root: Path, code: str, sentences: list[tuple[int, str]], seed: int,
                  folder: str = "closed_vocab/silent", number: int = 1) -> Path:
    """One capture-like session: a reference clip, then ``sentences``, and its session.json."""
    name = f"p{code}-20260101-{number}" + ("_silent" if "silent" in folder else "")
    session_dir = root / "emg_data" / folder / name
    rng = np.random.default_rng(seed)
    io.write_json(session_dir / "session.json", {
        "format": "semg-study capture session 1", "session": name, "participant": code,
        "condition": "closed" if folder.startswith("closed") else "open", "mode": "silent" if "silent" in folder else "voiced",
        "board": {"board": "synthetic", "sampling_rate": 250.0}, "emg_rate_hz": 1000.0,
        "electrodes": {"1": "left cheek just above mouth", "2": "left corner of chin"},
        "electrode_reference": "reference below the left ear", "synthetic": True})
    write_utterance(session_dir, 0, book="", sentence_index=-1, text="", rng=rng, audio="none")
    for i, (index, text) in enumerate(sentences, 1):
        write_utterance(session_dir, i, book=DATES, sentence_index=index, text=text, rng=rng, audio="none",
                        n_samples=700)
    return session_dir


@pytest.fixture()
def capture_root(tmp_path):
    """Participants 1 and 3 consent to data release, 2 does not (and 2 refuses model release)."""
    root = tmp_path / "captures"
    write_session(root, "1", list(enumerate(CLOSED_TEXTS[:6])), seed=1)
    write_session(root, "2", list(enumerate(CLOSED_TEXTS[:6])), seed=2)
    write_session(root, "3", [(i, CLOSED_TEXTS[i]) for i in range(6, 12)], seed=3)
    io.write_json(root / "corpus.json", {"label": "synthetic"})
    register = root / "participants.csv"
    register.write_text(HEADER + "1,yes,yes,2026-01-01,\n"
                        f"2,no,no,2026-01-02,{SECRET_NOTE}\n"
                        "3,yes,no,2026-01-03,\n")
    return root, register


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ the register
def test_register_parses_codes_answers_and_dates(tmp_path):
    from semg_study.consent import read_register

    path = tmp_path / "participants.csv"
    path.write_text("# kept by the study lead\n" + HEADER + "7,yes,no,2026-02-03,first session\nP8,No,YES,2026-02-04,\n")
    register = read_register(path)
    assert len(register) == 2
    assert register.get("7").data_release and not register.get("7").model_release
    assert register.get("p8").model_release and register.get("P8").consent_date == "2026-02-04"  # codes match any case
    assert register.get("9") is None


@pytest.mark.parametrize("body, message", [
    (HEADER.replace(",note", ",note,email") + "7,yes,yes,2026-01-01,,a@b\n", "unknown column 'email'"),
    ("participant,data_release,consent_date\n7,yes,2026-01-01\n", "missing column 'model_release'"),
    (HEADER + "7,yes,yes,2026-01-01,\n7,no,no,2026-01-01,\n", "participant '7' is listed twice"),
    (HEADER + "P7,yes,yes,2026-01-01,\np7,no,no,2026-01-01,\n", "listed twice"),
    (HEADER + "Alice Smith,yes,yes,2026-01-01,\n", "looks like a name"),
    (HEADER + "7,,yes,2026-01-01,\n", "data_release is no answer"),
    (HEADER + "7,yes,maybe,2026-01-01,\n", "model_release is 'maybe'"),
    (HEADER + "7,yes,yes,,\n", "consent_date is missing"),
    (HEADER + "7,yes,yes,1/2/2026,\n", "consent_date is '1/2/2026'"),
    ("", "empty consent register"),
])
def test_register_problems_are_one_line_naming_the_file(tmp_path, body, message):
    from semg_study.consent import read_register

    path = tmp_path / "participants.csv"
    path.write_text(body)
    with pytest.raises(DataError, match=message) as info:
        read_register(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------ release-data
def test_release_holds_exactly_the_consenting_participants_with_checksums(capture_root, tmp_path, capsys):
    root, register = capture_root
    out = tmp_path / "release"
    assert cli_main(["release-data", str(out), "--register", str(register)]) == 0  # data root: the register's folder
    printed = capsys.readouterr().out
    assert "left out: participant 2" in printed and "p2-20260101-1_silent" in printed

    sessions = sorted(p.name for p in (out / "emg_data" / "closed_vocab" / "silent").iterdir())
    assert sessions == ["p1-20260101-1_silent", "p3-20260101-1_silent"]
    for name in sessions:  # every file of a released session, byte for byte
        assert _tree(out / "emg_data" / "closed_vocab" / "silent" / name) == \
            _tree(root / "emg_data" / "closed_vocab" / "silent" / name)
    files = _tree(out)
    assert not any("p2-" in name for name in files)
    assert not any(b"p2-2026" in data or SECRET_NOTE.encode() in data for data in files.values())

    sums = dict(reversed(line.split("  ", 1)) for line in (out / "SHA256SUMS").read_text().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"}
    assert all(hashlib.sha256(files[name]).hexdigest() == digest for name, digest in sums.items())

    sheet = (out / "DATASHEET.md").read_text()
    assert "| 1 | 1 |" in sheet and "| 3 | 1 |" in sheet and "2026-01-01" in sheet and "2026-01-03" in sheet
    assert "2026-01-02" not in sheet and "synthetic" in sheet.lower() and "left cheek just above mouth" in sheet
    assert json.loads((out / "corpus.json").read_text())["label"] == "synthetic"
    split = json.loads((out / "split.json").read_text())["splits"]["closed"]
    ids = sorted(i for by_mode in split.values() for lst in by_mode.values() for i in lst)
    assert ids == sorted(f"closed_vocab/silent/p{c}-20260101-1_silent/{i}" for c in "13" for i in range(1, 7))
    assert (out / "CITATION.cff").is_file() and json.loads((out / "zenodo.json").read_text())["metadata"]["upload_type"] == "dataset"

    from semg_study.data import open_corpus

    assert open_corpus(out).synthetic and len(open_corpus(out).sessions) == 2  # the release is a corpus root


def test_release_output_is_deterministic(capture_root, tmp_path):
    from semg_study.data_release import release_data

    root, register = capture_root
    first = release_data(tmp_path / "a", register, root)
    second = release_data(tmp_path / "b", register, root)
    assert [s.name for s in first.released] == [s.name for s in second.released]
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_release_refuses_a_participant_missing_from_the_register(capture_root, tmp_path):
    from semg_study.data_release import release_data

    root, register = capture_root
    write_session(root, "4", [(0, CLOSED_TEXTS[0])], seed=4)
    with pytest.raises(DataError, match="participant 4 is not in the consent register") as info:
        release_data(tmp_path / "out", register, root)
    assert "p4-20260101-1_silent" in str(info.value)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out.*"))  # nothing half-written


def test_release_refuses_sessions_without_capture_metadata_and_a_used_folder(capture_root, tmp_path):
    from semg_study.data_release import release_data

    root, register = capture_root
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.txt").write_text("x")
    with pytest.raises(StudyError, match="not empty"):
        release_data(tmp_path / "used", register, root)
    (root / "emg_data" / "closed_vocab" / "silent" / "p3-20260101-1_silent" / "session.json").unlink()
    with pytest.raises(DataError, match="p3-20260101-1_silent: session has no capture metadata"):
        release_data(tmp_path / "out", register, root)


# ------------------------------------------------------------------ verify-release
def test_verify_release_reports_every_changed_missing_and_extra_file(capture_root, tmp_path, capsys):
    from semg_study.data_release import release_data

    root, register = capture_root
    out = tmp_path / "release"
    release_data(out, register, root)
    assert cli_main(["verify-release", str(out)]) == 0
    assert "match SHA256SUMS" in capsys.readouterr().out

    emg = out / "emg_data" / "closed_vocab" / "silent" / "p1-20260101-1_silent" / "2_emg.npy"
    data = bytearray(emg.read_bytes())
    data[-1] ^= 1  # one byte
    emg.write_bytes(bytes(data))
    (out / "DATASHEET.md").unlink()
    (out / "emg_data" / "notes.txt").write_text("added after release")
    assert cli_main(["verify-release", str(out)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["missing: DATASHEET.md", "extra: emg_data/notes.txt",
                                         "altered: emg_data/closed_vocab/silent/p1-20260101-1_silent/2_emg.npy"]
    assert "1 missing, 1 extra, 1 altered" in captured.err

    assert cli_main(["verify-release", str(tmp_path)]) == 1  # no SHA256SUMS: one clear line
    assert "no checksum manifest" in capsys.readouterr().err


# ------------------------------------------------------------------ release-model
def _fake_run(run_dir: Path, participants: list[dict]) -> Path:
    """The files release_run reads, without training (the consent check needs only the manifest)."""
    io.torch_save(run_dir / "checkpoints" / "best.pt", {"model_name": "myostream", "model_state": {},
                                                         "config": {"data": {"root": "x"}}, "optimizer": {}})
    io.write_json(run_dir / "manifest.json", {"config_name": "fake", "model": "myostream", "finished": True,
                                              "config": {"data": {"root": "x"}}, "participants": participants})
    return run_dir


def test_model_trained_on_a_non_consenting_participant_is_refused(capture_root, tmp_path, capsys):
    root, register = capture_root
    run = _fake_run(tmp_path / "run", [{"participant": "1", "source": "captured", "utterances": 5},
                                       {"participant": "3", "source": "captured", "utterances": 5}])
    out = tmp_path / "models" / "m"
    assert cli_main(["release-model", str(run), str(out), "--register", str(register)]) == 1
    err = capsys.readouterr().err
    assert "participant(s) 3 did not consent to model release" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    assert cli_main(["release-model", str(run), str(out)]) == 1  # captured participants need a register
    assert "--register" in capsys.readouterr().err

    from semg_study.release import release_run

    unknown = _fake_run(tmp_path / "run2", [{"participant": "9", "source": "captured", "utterances": 1}])
    with pytest.raises(StudyError, match="participant\\(s\\) 9 are not in"):
        release_run(unknown, tmp_path / "models", register=register)


def test_consented_synthetic_and_public_training_data_may_be_released(capture_root, tmp_path, capsys):
    root, register = capture_root
    run = _fake_run(tmp_path / "run", [{"participant": "1", "source": "captured", "utterances": 5},
                                       {"participant": "synthetic", "source": "synthetic", "utterances": 3},
                                       {"participant": "Gaddy & Klein 2020", "source": "public", "utterances": 7}])
    out = tmp_path / "models" / "m"
    assert cli_main(["release-model", str(run), str(out), "--register", str(register)]) == 0
    card = (out / "MODEL_CARD.md").read_text()
    assert "| 1 | captured | 5 | consented (2026-01-01) |" in card
    assert "| Gaddy & Klein 2020 | public | 7 |" in card and "| synthetic | synthetic | 3 |" in card
    assert json.loads((out / "manifest.json").read_text())["participants"][0]["consent_date"] == "2026-01-01"
    capsys.readouterr()
    assert cli_main(["verify-release", str(out)]) == 0
    # the same run released again gives the same checkpoint and manifest bytes
    again = tmp_path / "again" / "m"
    assert cli_main(["release-model", str(run), str(again), "--register", str(register)]) == 0
    for name in ("checkpoints/best.pt", "manifest.json"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


def test_training_participants_come_from_session_metadata(capture_root):
    from semg_study.data.participants import training_participants
    from semg_study.data import open_corpus

    root, _ = capture_root
    corpus = open_corpus(root)
    train = corpus.utterances(condition="closed", split="train")
    rows = training_participants(train, corpus)
    by_code = {r["participant"]: r for r in rows}
    assert set(by_code) <= {"1", "2", "3"} and all(r["source"] == "captured" for r in rows)
    assert sum(r["utterances"] for r in rows) == len(train)
    # without capture metadata: the corpus's own label
    for session_json in root.rglob("session.json"):
        session_json.unlink()
    assert [r["participant"] for r in training_participants(train, open_corpus(root))] == ["synthetic"]
    (root / "corpus.json").unlink()
    assert training_participants(train, open_corpus(root)) == [
        {"participant": "Gaddy & Klein 2020", "source": "public", "utterances": len(train)}]


@pytest.mark.slow
def test_a_model_trained_on_both_participants_is_refused_end_to_end(capture_root, tmp_path, capsys):
    """Train a smoke model on the capture root (participants 1, 2, 3): the manifest lists them,
    and release-model refuses because 2 and 3 did not consent to model release."""
    from semg_study.training import train

    root, register = capture_root
    run = train("myostream-smoke", [f"data_root={root}", "data.condition=closed", "data.train_modes=[silent]",
                                    "train.epochs=1", "train.progress=false"], run_dir=tmp_path / "run")
    manifest = json.loads((run / "manifest.json").read_text())
    assert {r["participant"] for r in manifest["participants"]} == {"1", "2", "3"}
    assert sum(r["utterances"] for r in manifest["participants"]) == manifest["n_train_utterances"]
    assert cli_main(["release-model", str(run), str(tmp_path / "m"), "--register", str(register)]) == 1
    assert "participant(s) 2, 3 did not consent to model release" in capsys.readouterr().err
