"""The papermill study pipeline (``semg-study study``)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from semg_study.errors import ConfigError
from semg_study.study import notebooks as study_notebooks

REPO = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}
PARAMS = ("profile = 'smoke'\ndata_root = None\nljspeech_root = None\ncorpus = 'synthetic'\ndevice = 'cpu'\n"
          "seed = 0\nout_dir = None\nruns_root = None\nforce = False")


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = KERNELSPEC
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def _study(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "OMP_NUM_THREADS": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "semg_study", "study", "--no-progress", *args],
                          capture_output=True, text=True, env=full_env, cwd=REPO, timeout=timeout)


def test_pipeline_knows_all_nine_slots(tmp_path):
    slots = study_notebooks.discover(tmp_path)
    assert [s.number for s in slots] == [f"{i:02d}" for i in range(1, 10)]
    assert all(s.path is None for s in slots)
    names = [s.name for s in slots]
    assert names[0] == "01_dataset_exploration" and names[8] == "09_report"
    assert "08_live_capture" in names and "03_deepspeech2_audio_baselines" in names
    _notebook(tmp_path / "04_my_emg_baselines.ipynb", "x = 1")
    found = study_notebooks.discover(tmp_path)
    assert found[3].path == tmp_path / "04_my_emg_baselines.ipynb" and found[3].name == "04_my_emg_baselines"
    _notebook(tmp_path / "04_other.ipynb", "x = 1")
    with pytest.raises(ConfigError, match="slot 04"):
        study_notebooks.discover(tmp_path)


def test_declared_parameters_are_read_from_the_parameters_cell(tmp_path):
    path = _notebook(tmp_path / "01_x.ipynb", "not_a_parameter = 1")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\ninteractive = None\nrecord_s = 0.5 if profile == 'smoke' else 1.5\nsize: int = 3"
    nbformat.write(nb, path)
    names = study_notebooks.notebook_parameters(path)
    assert {"profile", "data_root", "force", "interactive", "record_s", "size"} <= names
    assert "not_a_parameter" not in names


def test_only_parses_slot_numbers():
    assert study_notebooks.parse_only("01,3") == {"01", "03"}
    assert study_notebooks.parse_only(None) is None
    with pytest.raises(ConfigError):
        study_notebooks.parse_only("10")
    with pytest.raises(ConfigError):
        study_notebooks.parse_only("report")


@pytest.mark.slow
def test_failing_notebook_stops_the_run_with_cell_and_executed_copy(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    data = tmp_path / "real-data"
    data.mkdir()
    _notebook(nbs / "01_first.ipynb", "print('first', profile, data_root)")
    _notebook(nbs / "02_broken.ipynb", "a = 1", "values = [1, 2]\nratio = values[0] / (a - 1)")
    _notebook(nbs / "03_never.ipynb", "open('should-not-run', 'w')")
    out = tmp_path / "out"
    res = _study("--profile", "smoke", "--out", str(out), "--notebooks", str(nbs), "--data-root", str(data),
                 "--ljspeech-root", str(data), "--runs-root", str(tmp_path / "runs"))
    assert res.returncode == 1, res.stdout + res.stderr
    err = res.stderr
    executed = out / "executed" / "02_broken.ipynb"
    assert "notebook 02_broken failed in cell 3" in err  # parameters, injected parameters, "a = 1", failing cell
    assert "ratio = values[0] / (a - 1)" in err and "ZeroDivisionError" in err
    assert f"executed copy: {executed}" in err
    assert executed.is_file()
    saved = nbformat.read(executed, as_version=4)
    assert any(o.get("ename") == "ZeroDivisionError" for c in saved.cells for o in c.get("outputs", []))
    assert not (nbs / "should-not-run").exists() and not (out / "executed" / "03_never.ipynb").exists()
    # slots without a notebook are reported, not failed
    assert "[04] 04_emg_baselines: not yet present" in res.stdout
    record = json.loads((out / "study_run.json").read_text())
    status = {e["name"]: e["status"] for e in record["notebooks"]}
    assert status["01_first"] == "ok" and status["02_broken"] == "failed" and record["status"] == "failed"
    assert record["corpus"] == "digital-voicing"  # a folder that is not a synthetic corpus
    # the injected parameters reached the first notebook
    first = nbformat.read(out / "executed" / "01_first.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in first.cells for o in c.get("outputs", []))
    assert f"first smoke {data}" in printed


@pytest.mark.slow
def test_a_partial_rerun_keeps_earlier_measurements(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    _notebook(nbs / "01_a.ipynb", "x = 1")
    _notebook(nbs / "02_b.ipynb", "y = 2")
    out = tmp_path / "out"
    common = ("--profile", "smoke", "--out", str(out), "--notebooks", str(nbs), "--data-root", str(tmp_path),
              "--ljspeech-root", str(tmp_path), "--runs-root", str(tmp_path / "runs"))
    assert _study(*common).returncode == 0
    first = {e["slot"]: e for e in json.loads((out / "study_run.json").read_text())["notebooks"]}
    assert _study(*common, "--only", "02").returncode == 0
    second = {e["slot"]: e for e in json.loads((out / "study_run.json").read_text())["notebooks"]}
    assert second["01"]["previous_run"] is True and second["01"]["wall_s"] == first["01"]["wall_s"]
    assert "previous_run" not in second["02"] and second["02"]["started"] >= first["02"]["started"]
    assert second["03"]["status"] == "skipped (--only)"
    assert "| 01_a | ok (earlier run) |" in (out / "tables" / "study_run.md").read_text()


def test_a_smoke_study_writes_no_path_of_this_machine_and_releases_that_verify(smoke_corpus, smoke_ljspeech):
    """What `semg-study study` itself writes (not only the committed reports/) names no folder of this
    machine, and every model folder it packs passes verify-release as written. Notebook 07 packs the
    models; notebook 08 records, releases and trains in scratch folders of its own."""
    import shutil

    from semg_study.checksums import verify_release
    from semg_study.report import checks

    work = REPO / "build" / "test-smoke-study-paths"  # inside the checkout (ignored), as reports/ and runs/
    shutil.rmtree(work, ignore_errors=True)
    try:
        (work / "data").mkdir(parents=True)
        # copies, not links: a link into the temporary folder would be followed to a machine path
        shutil.copytree(smoke_corpus, work / "data" / "synthetic-smoke")
        shutil.copytree(smoke_ljspeech, work / "data" / "ljspeech-smoke")
        out = work / "reports"
        res = _study("--profile", "smoke", "--out", str(out), "--data-dir", str(work / "data"), "--only", "07,08",
                     "--runs-root", str(work / "runs"), timeout=900)
        assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
        assert checks.absolute_paths(out) == []
        executed = (out / "executed" / "08_live_openbci_capture.ipynb").read_text()
        assert "runs/scratch/08-capture" in executed and "semg-capture-" not in executed
        models = sorted((out / "models").iterdir())
        assert len(models) >= 3
        for folder in models:
            result = verify_release(folder)
            assert result.ok, f"{folder.name}: " + "; ".join(result.lines())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_smoke_study_writes_every_figure_table_and_the_run_record(smoke_corpus, smoke_ljspeech, tmp_path):
    """The real notebooks (those present), smoke profile, corpora from the synth cache (step 0)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    os.symlink(smoke_corpus, data_dir / "synthetic-smoke")
    os.symlink(smoke_ljspeech, data_dir / "ljspeech-smoke")
    out = tmp_path / "reports"
    # notebooks 01 and 09 (this test's expectations); nbval (test_notebooks.py) executes every notebook
    present = {"01", "09"}
    res = _study("--profile", "smoke", "--out", str(out), "--data-dir", str(data_dir), "--only", "01,09",
                 "--runs-root", str(tmp_path / "runs"))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    # every slot is accounted for
    record = json.loads((out / "study_run.json").read_text())
    assert len(record["notebooks"]) == 9 and record["status"] == "ok" and record["corpus"] == "synthetic"
    for entry in record["notebooks"]:
        if entry["slot"] in present:
            assert entry["status"] == "ok" and entry["wall_s"] > 0 and entry["peak_rss_mb"] > 0
            assert Path(entry["executed"]).stat().st_size > 0
        else:
            assert entry["status"] in ("skipped (--only)", "not yet present")
    assert record["total"]["wall_s"] > 0 and record["total"]["peak_rss_mb"] > 0
    assert record["total"]["ru_maxrss_children_mb"] > 0
    assert record["git"]["commit"] and record["machine"]["cpu_count"] >= 1 and record["started"]
    assert "01_dataset_exploration" in (out / "tables" / "study_run.md").read_text()
    # the run's parameters were injected; interactive=False only where the notebook declares it
    def injected(name):
        nb = nbformat.read(out / "executed" / f"{name}.ipynb", as_version=4)
        return next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))

    assert "interactive = False" in injected("01_dataset_exploration")
    assert 'profile = "smoke"' in injected("09_report") and "interactive" not in injected("09_report")
    assert f'out_dir = "{out}"' in injected("09_report")
    # notebook 01: every expected figure and table, non-empty, labelled synthetic
    captions = json.loads((out / "figures" / "captions.json").read_text())
    expected_figures = {"01_utterance_lengths", "01_raw_vs_filtered", "01_spectra", "01_silent_vs_voiced",
                        "01_sessions", "01_audio_emg_aligned", "01_explorer_static"}
    assert expected_figures <= set(captions)
    for name in expected_figures:
        assert "synthetic" in captions[name]["caption"].lower()
        for ext in ("png", "pdf"):
            assert (out / "figures" / f"{name}.{ext}").stat().st_size > 1000
    expected_tables = {"01_corpus_overview", "01_vocabulary", "01_spectral_summary", "01_silent_vs_voiced",
                       "01_sessions"}
    for name in expected_tables:
        for ext in ("csv", "md", "tex", "json"):
            assert (out / "tables" / f"{name}.{ext}").stat().st_size > 0
    # every row of every table traces to a manifest that exists
    sidecars = [json.loads(p.read_text()) for p in (out / "tables").glob("*.json")]
    assert {s["name"] for s in sidecars} >= expected_tables
    for side in sidecars:
        assert side["synthetic"] is True and side["profile"] == "smoke" and side["rows"]
        for row in side["rows"]:
            assert row["manifests"]
            for ref in row["manifests"]:
                m = json.loads((out / ref).read_text())
                assert m.get("git", {}).get("commit") or m.get("git_commit")
    study_manifest = json.loads((out / "manifests" / "01_dataset_exploration.json").read_text())
    assert study_manifest["data_fingerprint"] and study_manifest["profile"] == "smoke"
    # notebook 09: the report, refreshed with the run's totals
    md = (out / "dissertation.md").read_text()
    assert "Synthetic data" in md and "**Figure 4.1:**" in md and "**Table 4.2:**" in md
    assert (out / "dissertation.pdf").read_bytes()[:5] == b"%PDF-"
    assert f"took {record['total']['wall_s']:.0f}\u00a0s in all" in md
    assert (out / "dissertation.html").stat().st_size > 0


@pytest.mark.slow
def test_study_testset_and_retrain_reach_the_notebooks_as_parameters(tmp_path):
    nbs = tmp_path / "notebooks"
    nbs.mkdir()
    path = _notebook(nbs / "01_split.ipynb", "print('split', testset, 'reuse', reuse_released)")
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += "\ntestset = None\nreuse_released = True"
    nbformat.write(nb, path)
    _notebook(nbs / "02_undeclared.ipynb", "print('declares neither')")
    split = tmp_path / "my_split.json"
    split.write_text(json.dumps({"dev": [], "test": []}))
    out = tmp_path / "out"
    common = ("--profile", "smoke", "--out", str(out), "--notebooks", str(nbs), "--data-root", str(tmp_path),
              "--ljspeech-root", str(tmp_path), "--runs-root", str(tmp_path / "runs"))
    res = _study(*common, "--testset", str(split), "--retrain")
    assert res.returncode == 0, res.stdout + res.stderr
    assert json.loads((out / "study_run.json").read_text())["testset"] == str(split.resolve())
    executed = nbformat.read(out / "executed" / "01_split.ipynb", as_version=4)
    printed = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert f"split {split.resolve()} reuse False" in printed
    # a notebook that declares neither runs with its own defaults, and the run says so
    assert "02_undeclared: declares no testset, reuse_released parameter" in res.stdout
    # without --testset: the corpus's own split (here none: the packaged copy), named in the record
    res = _study(*common)
    assert res.returncode == 0 and "declares no" not in res.stdout
    assert json.loads((out / "study_run.json").read_text())["testset"].endswith("testset_largedev.json")
    executed = nbformat.read(out / "executed" / "01_split.ipynb", as_version=4)
    assert "split None reuse True" in "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))


def test_optional_parameters_go_only_to_the_notebooks_that_declare_them():
    base = {"profile": "smoke"}
    optional = {"testset": "/t.json", "reuse_released": False}
    assert study_notebooks.notebook_values(base, optional, {"profile", "testset"}) == {"profile": "smoke", "testset": "/t.json"}
    assert study_notebooks.notebook_values(base, optional, {"profile"}) == base
