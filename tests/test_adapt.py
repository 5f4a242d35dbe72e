"""Adapting a trained run to a new participant (semg_study.training.adapt): what moves, what is kept,
what the manifest says, which calibration utterances are chosen and which recordings are refused.
No accuracy or timing assertions."""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch

from semg_study.cli import main as cli_main
from semg_study.training.adapt import (AdaptSettings, adapt_run, adapted_model, calibration_utterances,
                                       extended_sessions, merged_participants)


# ------------------------------------------------------------------ fast: selection and bookkeeping
@dataclass(frozen=True)
class FakeUtterance:
    id: str
    emg_path: Path
    emg_rate: float = 1000.0
    session: str = "pS9-20270101-1_silent"


def _recordings(tmp_path, seconds):
    out = []
    for i, s in enumerate(seconds):
        path = tmp_path / f"{i}_emg.npy"
        np.save(path, np.zeros((int(s * 1000), 8), dtype=np.float32))
        out.append(FakeUtterance(id=f"u{i:02d}", emg_path=path))
    return out


def test_calibration_selection_is_seeded_nested_and_respects_minutes(tmp_path):
    utts = _recordings(tmp_path, [3.0] * 40)  # 2 minutes in all
    one = calibration_utterances(utts, minutes=0.5, seed=0)
    assert [u.id for u in one] == [u.id for u in calibration_utterances(list(reversed(utts)), minutes=0.5, seed=0)]
    assert len(one) == 10  # 10 x 3 s fit in 30 s, an 11th does not
    more = calibration_utterances(utts, minutes=1.0, seed=0)
    assert [u.id for u in more[:len(one)]] == [u.id for u in one]  # a larger budget extends a smaller one's
    assert len(more) == 20
    assert [u.id for u in calibration_utterances(utts, minutes=0.5, seed=1)] != [u.id for u in one]
    assert [u.id for u in calibration_utterances(utts, n=4, seed=0)] == [u.id for u in more[:4]]
    assert len(calibration_utterances(utts, minutes=0.001, seed=0)) == 1  # never empty
    assert len(calibration_utterances(utts, seed=0)) == 40


def test_sessions_are_extended_and_participants_merged():
    parent = {"<unknown>": 0, "5-19": 1, "5-20": 2}
    utts = [FakeUtterance("a", Path("x"), session="pS1-b"), FakeUtterance("b", Path("x"), session="pS1-a"),
            FakeUtterance("c", Path("x"), session="5-19")]
    assert extended_sessions(parent, utts) == {"<unknown>": 0, "5-19": 1, "5-20": 2, "pS1-a": 3, "pS1-b": 4}
    merged = merged_participants([{"participant": "synthetic", "source": "synthetic", "utterances": 10}],
                                 [{"participant": "7", "source": "captured", "utterances": 3},
                                  {"participant": "synthetic", "source": "synthetic", "utterances": 2}])
    assert merged == [{"participant": "7", "source": "captured", "utterances": 3},
                      {"participant": "synthetic", "source": "synthetic", "utterances": 12}]


def test_settings_are_checked():
    from semg_study.errors import ConfigError

    for bad in (AdaptSettings(adapt="some"), AdaptSettings(minutes=1, utterances=3), AdaptSettings(minutes=0)):
        with pytest.raises(ConfigError):
            bad.check()


# ------------------------------------------------------------------ slow: a smoke run adapted on participants-smoke
@pytest.fixture(scope="module")
def parent_run(smoke_corpus, tmp_path_factory):
    """A 1-epoch closed-vocabulary myostream-smoke run (the parent)."""
    from semg_study.training import train

    out = tmp_path_factory.mktemp("adapt-parent")
    return train("myostream-smoke", [f"data_root={smoke_corpus}", "data.condition=closed", "train.epochs=1",
                                     "train.progress=false"], run_dir=out / "parent")


@pytest.fixture(scope="module")
def participants_root(tmp_path_factory):
    from semg_study.synth import generate_corpus

    root = tmp_path_factory.mktemp("participants-smoke")
    generate_corpus(root, profile="participants-smoke", seed=0, progress=False)
    return root


@pytest.fixture(scope="module")
def adapter_run(parent_run, participants_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("adapted")
    return adapt_run(parent_run, participants_root, AdaptSettings(adapt="adapter", participant="S1", utterances=3,
                                                                   epochs=2, patience=0), out=out, progress=False)


def _state(run_dir):
    return torch.load(Path(run_dir) / "checkpoints" / "best.pt", map_location="cpu", weights_only=False)


@pytest.mark.slow
def test_adapter_only_changes_only_the_new_adapter_rows(parent_run, adapter_run):
    parent, adapted = _state(parent_run), _state(adapter_run)
    assert adapted["epoch"] >= 0
    last = torch.load(Path(adapter_run) / "checkpoints" / "last.pt", map_location="cpu", weights_only=False)
    n_old = parent["model_state"]["session_weight"].shape[0]
    for name, value in parent["model_state"].items():
        new = last["model_state"][name]
        if name.startswith("session_"):
            assert torch.equal(new[:n_old], value), name  # the parent's rows (and <unknown>) kept
            assert new.shape[0] == len(last["sessions"]) > n_old
        else:
            assert torch.equal(new, value), name  # weights and buffers (batch-norm statistics) untouched
    moved = last["model_state"]["session_weight"][n_old:]
    assert not torch.equal(moved, parent["model_state"]["session_weight"][:1].expand_as(moved))


@pytest.mark.slow
def test_adapted_run_keeps_the_parents_features_normaliser_vocab_and_sessions(parent_run, adapter_run):
    from semg_study.training import load_run

    parent, adapted = load_run(parent_run), load_run(adapter_run)
    assert adapted.feature_config.to_dict() == parent.feature_config.to_dict()
    assert tuple(adapted.vocab.symbols) == tuple(parent.vocab.symbols)
    p_ckpt, a_ckpt = _state(parent_run), _state(adapter_run)
    assert a_ckpt["normalizer"] == p_ckpt["normalizer"] and a_ckpt["mel_normalizer"] == p_ckpt["mel_normalizer"]
    assert {k: v for k, v in adapted.sessions.items() if k in parent.sessions} == parent.sessions
    assert all(name.startswith("pS1-") for name in set(adapted.sessions) - set(parent.sessions))
    # before training, a new session's adapter row is the <unknown> session's
    model, kwargs = adapted_model(parent, adapted.sessions, "adapter", seed=0)
    assert kwargs["n_sessions"] == len(adapted.sessions)
    for name in ("session_weight", "session_bias"):
        table = getattr(model, name).detach()
        assert torch.equal(table[:len(parent.sessions)], p_ckpt["model_state"][name])
        assert all(torch.equal(row, table[0]) for row in table[len(parent.sessions):])


@pytest.mark.slow
def test_manifest_names_the_parent_and_the_union_of_participants(parent_run, adapter_run):
    from semg_study.training.fingerprint import weights_digest

    parent = json.loads((Path(parent_run) / "manifest.json").read_text())
    manifest = json.loads((Path(adapter_run) / "manifest.json").read_text())
    assert manifest["finished"] and manifest["source"] == "adapted"
    assert manifest["parent_run"]["name"] == Path(parent_run).name
    assert manifest["parent_run"]["weights_digest"] == weights_digest(parent_run)
    assert manifest["parent_run"]["run_fingerprint"] == parent.get("run_fingerprint")
    a = manifest["adaptation"]
    assert a["adapt"] == "adapter" and a["participant"] == "S1" and a["calibration_utterances"] == 3
    assert set(a["trainable_parameters"]) == {"session_weight", "session_bias"}
    # the smoke corpus and the synthetic participant: both "synthetic", counted together
    assert manifest["participants"] == merged_participants(parent["participants"], a["participant_data"])
    assert sum(r["utterances"] for r in manifest["participants"]) == \
        sum(r["utterances"] for r in parent["participants"]) + 3


@pytest.mark.slow
def test_adapted_run_evaluates_and_is_reused(parent_run, participants_root, adapter_run, tmp_path, capsys):
    assert cli_main(["evaluate", str(adapter_run), "--split", "test", "--decoder", "greedy", "--json",
                     "--out", str(tmp_path / "eval")]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["split"] == "test" and metrics["wer"] is not None
    again = adapt_run(parent_run, participants_root, AdaptSettings(adapt="adapter", participant="S1", utterances=3,
                                                                   epochs=2, patience=0),
                      out=Path(adapter_run).parent, progress=False)
    assert again == adapter_run  # the same fingerprint, finished: not trained again


@pytest.mark.slow
def test_top_and_scratch(parent_run, participants_root, tmp_path):
    top = adapt_run(parent_run, participants_root, AdaptSettings(adapt="top", participant="S2", utterances=2,
                                                                  epochs=1, patience=0), out=tmp_path, progress=False)
    parent, adapted = _state(parent_run)["model_state"], torch.load(Path(top) / "checkpoints" / "last.pt",
                                                                    weights_only=False)["model_state"]
    n_blocks = 1 + max(int(n.split(".")[1]) for n in parent if n.startswith("blocks."))
    for name, value in parent.items():
        if not (name.startswith(("session_", "classifier.", f"blocks.{n_blocks - 1}."))):
            assert torch.equal(adapted[name], value), name
    scratch = adapt_run(parent_run, participants_root, AdaptSettings(adapt="scratch", participant="S2", utterances=2,
                                                                      epochs=1, patience=0), out=tmp_path,
                        progress=False)
    manifest = json.loads((Path(scratch) / "manifest.json").read_text())
    # nothing of the parent's weights: only the calibration utterances' participants
    assert manifest["participants"] == manifest["adaptation"]["participant_data"]
    assert manifest["adaptation"]["calibration_utterances"] == 2


@pytest.mark.slow
def test_a_250_hz_recording_is_refused(parent_run, participants_root, tmp_path, capsys):
    root = tmp_path / "slow-board"
    shutil.copytree(participants_root, root)
    for info in (root / "emg_data").rglob("pS1-*/*_info.json"):
        data = json.loads(info.read_text())
        data["emg_rate"] = 250
        info.write_text(json.dumps(data))
    code = cli_main(["adapt", str(parent_run), str(root), "--participant", "S1", "--utterances", "2",
                     "--epochs", "1", "--out", str(tmp_path / "runs")])
    err = capsys.readouterr().err
    assert code == 1 and "recorded at 250 Hz" in err and "needs 1000 Hz" in err and "WiFi shield" in err
    assert not (tmp_path / "runs").exists()  # refused before anything was written


@pytest.mark.slow
def test_a_released_adapted_run_is_reused_and_keyed_by_the_parents_weights(parent_run, participants_root,
                                                                            adapter_run, tmp_path):
    from semg_study.training import released
    from semg_study.training.fingerprint import weights_digest

    shipped = released.pack(adapter_run, root=tmp_path / "released-adapted")
    # the same weights in another parent folder: the same adapted run, found among the released ones
    other_parent = tmp_path / "another-name-for-the-parent"
    shutil.copytree(parent_run, other_parent)
    settings = AdaptSettings(adapt="adapter", participant="S1", utterances=3, epochs=2, patience=0)
    found = adapt_run(other_parent, participants_root, settings, out=tmp_path / "runs", progress=False,
                      released=shipped.parent)
    assert found.name == Path(adapter_run).name and found.parent == tmp_path / "runs"
    manifest = json.loads((found / "manifest.json").read_text())
    assert manifest["source"] == "released" and weights_digest(found) == weights_digest(adapter_run)
    # another setting is not the released run: adapted here
    fresh = adapt_run(other_parent, participants_root, AdaptSettings(adapt="adapter", participant="S1", utterances=2,
                                                                     epochs=1, patience=0),
                      out=tmp_path / "runs", progress=False, released=shipped.parent)
    assert json.loads((fresh / "manifest.json").read_text())["source"] == "adapted"


def test_the_adapted_runs_code_identity_ignores_comments_and_docstrings(monkeypatch):
    from semg_study.training import adapt, code_identity

    real = code_identity.current_sources

    def with_comment(entries):
        sources = real(entries)
        sources["training/adapt.py"] = b"# a comment\n" + sources["training/adapt.py"].replace(
            b'"""Adapting a trained run', b'"""Adapting (reworded) a trained run', 1)
        return sources

    before = adapt.code_digest()
    monkeypatch.setattr(code_identity, "current_sources", with_comment)
    assert adapt.code_digest() == before

    def with_change(entries):
        sources = real(entries)
        sources["training/adapt.py"] = sources["training/adapt.py"].replace(b'"all": 0.1', b'"all": 0.2', 1)
        return sources

    monkeypatch.setattr(code_identity, "current_sources", with_change)
    assert adapt.code_digest() != before
