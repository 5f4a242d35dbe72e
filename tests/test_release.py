"""Released models: small, loadable like a run, and described by a card built from the run's own metrics."""
from __future__ import annotations

import json

import pytest
import torch


@pytest.fixture(scope="module")
def evaluated_smoke_run(smoke_corpus, tmp_path_factory):
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.training import train_cached

    # Same arguments as tests/test_evaluation_run.py, so train_cached reuses that run.
    runs = tmp_path_factory.getbasetemp() / "evaluation-runs"
    run = train_cached("myostream-smoke", [f"data_root={smoke_corpus}", "train.progress=false"], runs_root=runs)
    metrics = evaluate_run(run, split="dev", decoder="greedy")
    # Training and evaluation cache features in the user cache, never inside the dataset.
    assert not any(p.name.startswith(".feature") for p in smoke_corpus.rglob(".*"))
    return run, metrics


def test_release_is_loadable_and_drops_resume_state(evaluated_smoke_run, tmp_path):
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.release import release_run
    from semg_study.training import load_run

    run, metrics = evaluated_smoke_run
    out = release_run(run, models_dir=tmp_path / "models")
    assert out == tmp_path / "models" / "myostream-smoke"

    ckpt = torch.load(out / "checkpoints" / "best.pt", map_location="cpu", weights_only=False)
    for key in ("optimizer", "scheduler", "rng", "sampler"):
        assert key not in ckpt
    assert (out / "checkpoints" / "best.pt").stat().st_size < (run / "checkpoints" / "best.pt").stat().st_size

    original, released = load_run(run), load_run(out)
    for (name, a), (_, b) in zip(original.model.state_dict().items(), released.model.state_dict().items()):
        assert torch.equal(a, b), name
    assert released.sessions == original.sessions

    # Evaluating the released folder reproduces the run's own score.
    again = evaluate_run(out, split="dev", decoder="greedy")
    assert again["wer"] == pytest.approx(metrics["wer"]) and again["cer"] == pytest.approx(metrics["cer"])


def test_model_card_reports_the_runs_metrics_and_synthetic_label(evaluated_smoke_run, tmp_path):
    from semg_study.release import release_run

    run, metrics = evaluated_smoke_run
    out = release_run(run, models_dir=tmp_path / "models")
    card = (out / "MODEL_CARD.md").read_text()
    assert f"{metrics['wer']:.3f}" in card and f"{metrics['cer']:.3f}" in card
    assert "synthetic" in card.lower() and "Limitations" in card and "Intended use" in card
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["released_from"] == str(run)
    # the synthetic corpus has no participants: its provenance is "synthetic", which may always be released
    assert manifest["participants"] == [{"participant": "synthetic", "source": "synthetic",
                                         "utterances": manifest["n_train_utterances"]}]
    assert "## Training data provenance" in card and "| synthetic | synthetic |" in card
    assert (out / "eval" / "dev-silent-greedy" / "metrics.json").is_file()


def test_release_refuses_a_folder_that_is_not_a_run(tmp_path):
    from semg_study.errors import StudyError
    from semg_study.release import release_run

    with pytest.raises(StudyError, match="best.pt"):
        release_run(tmp_path, models_dir=tmp_path / "models")


def test_a_run_from_before_participant_lists_is_derived_again_from_its_data(evaluated_smoke_run, tmp_path):
    import shutil

    from semg_study.errors import StudyError
    from semg_study.release import release_run

    run, _ = evaluated_smoke_run
    old = tmp_path / "old-run"
    shutil.copytree(run, old)
    manifest = json.loads((old / "manifest.json").read_text())
    expected = manifest.pop("participants")
    (old / "manifest.json").write_text(json.dumps(manifest))
    out = release_run(old, models_dir=tmp_path / "models")
    assert json.loads((out / "manifest.json").read_text())["participants"] == expected

    manifest["data_fingerprint"] = "changed since training"
    (old / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(StudyError, match="fingerprint differs"):
        release_run(old, models_dir=tmp_path / "models2")
