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


# ----------------------------------------------------------------------------- releases that verify
def test_a_release_packed_as_the_study_does_verifies_and_stays_verified(evaluated_smoke_run, monkeypatch):
    """Notebook 07 packs each run into ``<reports>/models/<name>`` with release_run, and the study then
    makes its results folder portable: the release verifies right after it is written, still verifies
    after that pass, and holds no path of this machine (it is committed with reports/)."""
    import shutil
    from pathlib import Path

    from semg_study import release
    from semg_study.checksums import verify_release
    from semg_study.report import checks, portability

    run, _ = evaluated_smoke_run
    repo = Path(__file__).resolve().parents[1]
    results = repo / "build" / "test-release-verifies"  # a results folder inside the checkout (ignored), as reports/
    # as for reports/: not a scratch folder, even when the checkout itself lies under /tmp (CI)
    monkeypatch.setattr(portability, "keeps_tmp", lambda folder: False)
    monkeypatch.setattr(release, "keeps_tmp", lambda folder: False)
    shutil.rmtree(results, ignore_errors=True)
    try:
        folder = release.release_run(run, models_dir=results / "models", name="myostream-smoke-closed")
        first = verify_release(folder)
        assert first.ok and first.checked >= 5, first.lines()
        # no path of this machine; the run and its corpus lie in the test's temporary folder, which the
        # release names <tmp>/... (a study's runs and corpora lie in the checkout: repository paths)
        machine_paths = [p for p in checks.absolute_paths(folder) if not p.split(": ", 1)[1].startswith("<tmp>/")]
        assert machine_paths == []
        portability.make_portable(results)  # the study's last step over its results folder
        assert verify_release(folder).ok
        # released again under the same name: nothing of the earlier folder is left behind
        (folder / "eval" / "left-over").mkdir()
        (folder / "eval" / "left-over" / "metrics.json").write_text("{}")
        again = release.release_run(run, models_dir=results / "models", name="myostream-smoke-closed")
        assert not (again / "eval" / "left-over").exists() and verify_release(again).ok
        assert sorted(p.name for p in (results / "models").iterdir()) == ["myostream-smoke-closed"]
    finally:
        shutil.rmtree(results, ignore_errors=True)


def _snapshot(folder):
    from semg_study.data.fingerprint import file_sha256

    return {p.relative_to(folder).as_posix(): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_evaluating_a_released_run_writes_outside_it_keyed_by_the_data(evaluated_smoke_run, tmp_path, monkeypatch):
    """A released run is read-only: its decoded outputs and LM go under the runs folder, and results on
    other data (here another split file over the same recordings) get folders of their own."""
    from pathlib import Path

    from semg_study.data.testsets import read_testset
    from semg_study.evaluation.evaluate import evaluate_run
    from semg_study.training import load_run, released

    run, _ = evaluated_smoke_run
    store, runs = tmp_path / "released", tmp_path / "runs"
    from semg_study import locations

    monkeypatch.setattr(locations, "RELEASED_RUNS_ROOT", store)
    monkeypatch.setattr(locations, "RUNS_ROOT", runs)
    folder = released.pack(run, store)
    before = _snapshot(folder)

    own = evaluate_run(folder, split="dev", decoder="beam")
    out = Path(own["out_dir"])
    assert out.name == "dev-silent-beam" and out.parent.parent.parent == runs / "evaluations"
    assert out.parent.parent.name.startswith(folder.name + "-") and (out.parent.parent / "lm").is_dir()
    assert own["data_fingerprint"]

    from semg_study.data import open_corpus

    split_file = Path(open_corpus(load_run(run).config.data.root, testset=load_run(run).config.data.testset).testset_path)
    split = read_testset(split_file)
    # the same split file (its bytes) under another name is the same data: the same folder
    same = tmp_path / "same.json"
    same.write_bytes(split_file.read_bytes())
    assert Path(evaluate_run(folder, split="dev", decoder="greedy", testset=same)["out_dir"]).name == "dev-silent-greedy"
    # one dev sentence moved to test: other data, other folders (eval and LM)
    moved = tmp_path / "moved.json"
    moved.write_text(json.dumps({"dev": [list(e) for e in split["dev"][1:]],
                                 "test": [list(e) for e in split["test"] + split["dev"][:1]]}))
    other = evaluate_run(folder, split="dev", decoder="beam", testset=moved)
    assert other["data_fingerprint"] != own["data_fingerprint"]
    assert Path(other["out_dir"]).name == f"dev-silent-beam-data-{other['data_fingerprint'][:12]}"
    assert Path(other["out_dir"]).parent == out.parent
    assert _snapshot(folder) == before  # nothing was written into the released run


def test_a_release_carries_evaluations_not_the_participant_decodings_kept_beside_them(evaluated_smoke_run, tmp_path):
    """The study keeps participants' decodings in ``eval/participant-<P>-test/``; whether they are
    there depends on what ran before, so a release (and its card) must be the same without them."""
    import shutil

    from semg_study.release import release_run

    run, _ = evaluated_smoke_run
    plain = release_run(run, models_dir=tmp_path / "plain")
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    decodings = copy / "eval" / "participant-S1-test" / "metrics.json"
    decodings.parent.mkdir(parents=True)
    decodings.write_text(json.dumps({"key": {"participant": "S1"}, "records": {"greedy": []}}))
    out = release_run(copy, models_dir=tmp_path / "models")
    assert not (out / "eval" / "participant-S1-test").exists()
    assert sorted(p.name for p in (out / "eval").iterdir()) == sorted(p.name for p in (plain / "eval").iterdir())
    card = (out / "MODEL_CARD.md").read_text()
    assert "None" not in card
    assert card.split("## Training data provenance")[0].replace(str(copy), str(run)) == \
        (plain / "MODEL_CARD.md").read_text().split("## Training data provenance")[0]


def test_a_released_run_copied_into_a_clone_records_the_corpus_as_a_repository_path(tmp_path):
    """The copy's manifest is hashed into every evaluation made from it: the clone's absolute path
    must not reach it, or two clones of one commit write different results."""
    from semg_study.locations import REPO_ROOT
    from semg_study.run_folder import RunFolder
    from semg_study.training.released import reuse

    folder = RunFolder(tmp_path / "released" / "m-0123456789ab")
    folder.best.parent.mkdir(parents=True)
    torch.save({"config": {"data": {"root": "data/synthetic-quick"}}}, folder.best)
    folder.manifest.write_text(json.dumps({"config": {"data": {"root": "data/synthetic-quick"}},
                                           "data_root": "data/synthetic-quick"}))
    copies = []
    for clone in ("a", "b"):
        run_dir = tmp_path / clone / "m-0123456789ab"
        reuse(folder.path, run_dir, data_root=str(REPO_ROOT / "data" / "synthetic-quick"))
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["data_root"] == manifest["config"]["data"]["root"] == "data/synthetic-quick"
        ckpt = torch.load(RunFolder(run_dir).best, map_location="cpu", weights_only=False)
        assert ckpt["config"]["data"]["root"] == "data/synthetic-quick"
        copies.append((run_dir / "manifest.json").read_bytes())
    assert copies[0] == copies[1]
    # a corpus outside the repository keeps its path: there is nothing else to name it by
    outside = tmp_path / "corpus"
    run_dir = reuse(folder.path, tmp_path / "c" / "m-0123456789ab", data_root=str(outside))
    assert json.loads((run_dir / "manifest.json").read_text())["data_root"] == str(outside)


def test_a_repository_path_is_kept_from_any_folder_and_an_absolute_one_inside_the_clone_made_relative(
        tmp_path, monkeypatch):
    """Notebooks run in ``notebooks/``: a relative data root must not be resolved against that folder."""
    from semg_study.locations import REPO_ROOT, repo_relative

    monkeypatch.chdir(REPO_ROOT / "notebooks")
    assert repo_relative("data/synthetic-quick") == "data/synthetic-quick"
    assert repo_relative(str(REPO_ROOT / "data" / "synthetic-quick")) == "data/synthetic-quick"
    assert repo_relative(str(tmp_path / "corpus")) == str(tmp_path / "corpus")
    assert repo_relative(str(tmp_path / "x"), repo_root=tmp_path) == "x"
    assert repo_relative(None) is None and repo_relative("") == ""
