"""The run-folder layout (``semg_study.run_folder``): one owner of the names, the same names as ever."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from semg_study import run_folder
from semg_study.run_folder import RunFolder, evaluation_name

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "semg_study"


def test_the_layout_names_every_file_of_a_run(tmp_path):
    run = RunFolder(tmp_path / "myostream-quick-0123456789ab")
    assert run.manifest == run.path / "manifest.json" and run.metrics == run.path / "metrics.json"
    assert run.best == run.path / "checkpoints" / "best.pt" and run.last == run.path / "checkpoints" / "last.pt"
    assert run.evaluation("test", "silent", "beam") == run.path / "eval" / "test-silent-beam"
    assert run.evaluation("dev", "voiced", "greedy", streamed=True) == run.path / "eval" / "dev-voiced-greedy-streamed"
    assert run.evaluation("dev", "silent", "beam", lexfree=True, data="f" * 64).name == \
        f"dev-silent-beam-lexfree-data-{'f' * 12}"
    assert run.lm_weights("dev", "silent") == run.path / "eval" / "lm-weights-dev-silent.json"
    assert run.lm() == run.path / "lm" and run.lm("a" * 64) == run.path / f"lm-data-{'a' * 12}"
    assert run.train_resources == run.path / "bench" / "train_resources.json"
    assert RunFolder.name_for("myostream-quick", "0123456789abcdef") == "myostream-quick-0123456789ab"
    assert run.read_manifest() == {} and not run.finished()
    run.best.parent.mkdir(parents=True)
    run.best.write_bytes(b"")
    run.manifest.write_text(json.dumps({"finished": True, "run_fingerprint": "fp"}))
    assert run.finished() and run.finished("fp") and not run.finished("other")
    run.manifest.write_text("[1]")
    assert run.read_manifest() == {}


def test_the_training_code_spells_the_same_names():
    """The training loop, checkpoints and adaptation keep their own spellings (they are in the
    training-code fingerprint, ``training.fingerprint``): they must be the layout's."""
    loop = (PACKAGE / "training" / "loop.py").read_text(encoding="utf-8")
    checkpoint = (PACKAGE / "training" / "checkpoint.py").read_text(encoding="utf-8")
    adapt = (PACKAGE / "training" / "adapt.py").read_text(encoding="utf-8")
    best, last = f'"{run_folder.CHECKPOINTS}" / "best.pt"', f'"{run_folder.CHECKPOINTS}" / "last.pt"'
    for source in (loop, adapt):
        assert best in source and last in source and f'"{run_folder.METRICS}"' in source
    assert f'"{run_folder.CHECKPOINTS}" / f"{{which}}.pt"' in checkpoint
    assert f'"{run_folder.MANIFEST}"' in checkpoint and f'"{run_folder.MANIFEST}"' in adapt


def test_no_other_module_spells_the_layout():
    spellings = ('"manifest.json"', '"metrics.json"', '"checkpoints"', '"best.pt"', '"last.pt"', '"predictions.jsonl"',
                 '/ "eval"', '/ "lm"', '/ "bench"')
    own = {"run_folder.py", "training/loop.py", "training/checkpoint.py", "training/adapt.py"}
    found = [f"{path.relative_to(PACKAGE)}: {s}" for path in sorted(PACKAGE.rglob("*.py"))
             if path.relative_to(PACKAGE).as_posix() not in own
             for s in spellings if s in path.read_text(encoding="utf-8")]
    assert found == [], "use semg_study.run_folder.RunFolder:\n" + "\n".join(found)


def _released_runs() -> list[Path]:
    root = REPO / "released" / "runs"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


@pytest.mark.parametrize("folder", _released_runs(), ids=lambda p: p.name)
def test_the_released_runs_are_found_where_the_layout_says(folder):
    run = RunFolder(folder)
    manifest = run.read_manifest()
    assert manifest and run.best.is_file() and run.metrics.is_file()
    assert folder.name == RunFolder.name_for(manifest["config_name"], manifest["run_fingerprint"])
    for metrics_path in run.evaluation_metrics():
        m = json.loads(metrics_path.read_text(encoding="utf-8"))
        decoder = m["decoder"]["decoder"]
        lexfree = decoder != "greedy" and not m["decoder"].get("lexicon", True)
        assert metrics_path.parent == run.evaluation(m["split"], m["mode"], decoder, lexfree=lexfree)
    for weights in run.evaluations.glob(f"{run_folder.LM_WEIGHTS}*"):
        split, mode = weights.stem[len(run_folder.LM_WEIGHTS):].split("-")
        assert weights == run.lm_weights(split, mode)
