"""The new-participants corpus: distinct people, their own sessions, split, cache; the study's speaker unchanged."""
from __future__ import annotations

import json

import numpy as np
import pytest

from semg_study.data import open_corpus
from semg_study.synth import cache_is_valid, emg_model, generate_corpus
from semg_study.synth.participants import PARTICIPANT_PROFILES, make_participant


@pytest.fixture(scope="module")
def participants_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("participants")
    generate_corpus(root, profile="participants-smoke", seed=0, progress=False)
    return root


def test_participants_differ_in_anatomy_articulation_and_voice():
    people = [make_participant(0, k) for k in range(1, 6)]
    assert [p.code for p in people] == ["S1", "S2", "S3", "S4", "S5"]
    assert make_participant(0, 1).as_json() == people[0].as_json()  # the same person for the same seed
    assert make_participant(1, 1).as_json() != people[0].as_json()
    for a, b in zip(people, people[1:]):
        assert not np.allclose(a.mixing, b.mixing) and a.undershoot != b.undershoot and a.rate_wpm != b.rate_wpm
    # anatomy: a site still hears its own muscles most (the mixing keeps BASE_MIXING's strongest entries)
    for p in people:
        assert p.mixing.shape == emg_model.BASE_MIXING.shape and np.all(p.mixing >= 0)
    # a participant's session: their effort, amplitude, noise and coarticulation; none: the corpus's speaker
    plain = emg_model.make_session_model(0, "5-19", "emg_data/closed_vocab/silent/5-19_silent")
    again = emg_model.make_session_model(0, "5-19", "emg_data/closed_vocab/silent/5-19_silent")
    assert plain.tau_s is None and np.array_equal(plain.mixing, again.mixing)
    theirs = emg_model.make_session_model(0, "5-19", "emg_data/closed_vocab/silent/5-19_silent", people[0])
    np.testing.assert_allclose(theirs.tau_s, emg_model.MUSCLE_TAU_S * people[0].undershoot)
    np.testing.assert_allclose(theirs.muscle_gain, plain.muscle_gain * people[0].effort)
    assert not np.allclose(theirs.mixing, plain.mixing)


@pytest.mark.slow
def test_participants_corpus_layout_split_and_cache(participants_corpus):
    root = participants_corpus
    profile = PARTICIPANT_PROFILES["participants-smoke"]
    manifest = json.loads((root / "corpus.json").read_text())
    assert manifest["kind"] == "new participants" and manifest["label"] == "synthetic"
    assert cache_is_valid(root, "participants-smoke", 0, "dv")
    corpus = open_corpus(root)
    assert corpus.synthetic
    train = corpus.utterances(condition="closed", split="train", mode="silent")
    dev = corpus.utterances(condition="closed", split="dev", mode="silent")
    test = corpus.utterances(condition="closed", split="test", mode="silent")
    by_person = {}
    for u in train + dev + test:
        info = json.loads(u.info_path.read_text())
        by_person.setdefault(info["synthetic"]["participant"], []).append((u, info["synthetic"]["role"]))
        assert u.session.startswith(f"p{info['synthetic']['participant']}-")  # their own sessions
    assert sorted(by_person) == ["S1", "S2"]
    for code, rows in by_person.items():
        roles = [role for _, role in rows]
        assert roles.count("dev") == profile.dev_sentences and roles.count("test") == profile.test_sentences
        calibration_s = sum(corpus.duration_s(u) for u, role in rows if role == "calibration")
        assert calibration_s >= 60 * profile.calibration_minutes
        assert all((role == "calibration") == (u in train) for u, role in rows)
    # every participant says the same test sentences, never in anyone's calibration
    assert {u.key for u in test}.isdisjoint({u.key for u in train})
    recorded = json.loads((root / "participants.json").read_text())["recorded"]
    assert set(recorded) == {"S1", "S2"} and all(r["test"] == profile.test_sentences for r in recorded.values())
