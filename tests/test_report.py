"""Report helpers: figure and table writers, manifests, paths, the generated report."""
from __future__ import annotations

import csv
import json
import os

import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from semg_study import provenance  # noqa: E402
from semg_study.report import figures, notebook_manifest, paths, tables  # noqa: E402
from semg_study.report.render_typst import typst_string  # noqa: E402


def _fig():
    fig, ax = plt.subplots()
    ax.plot([0, 1, 2], [1, 0, 1])
    return fig


def _run_manifest(tmp_path, name, **fields):
    run = tmp_path / "runs" / name
    run.mkdir(parents=True)
    data = {"git": {"commit": "abc123", "dirty": False}, "config": {"name": name}, "seed": 0,
            "data_fingerprint": "f" * 64, **fields}
    (run / "manifest.json").write_text(json.dumps(data))
    return run / "manifest.json"


# ----------------------------------------------------------------------------- figures
def test_save_figure_writes_png_pdf_and_registers_synthetic_caption(tmp_path):
    out = tmp_path / "reports" / "figures"
    entry = figures.save_figure(_fig(), "01_demo", out, caption="A demo plot")
    assert (out / "01_demo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "01_demo.pdf").read_bytes()[:5] == b"%PDF-"
    captions = json.loads((out / "captions.json").read_text())
    assert captions["01_demo"]["caption"] == entry["caption"]
    assert "synthetic" in entry["caption"].lower() and captions["01_demo"]["synthetic"] is True
    # a second figure is added, the first kept; real data is not labelled synthetic
    figures.save_figure(_fig(), "01_real", out, caption="Real plot", synthetic=False)
    captions = json.loads((out / "captions.json").read_text())
    assert set(captions) == {"01_demo", "01_real"}
    assert "synthetic" not in captions["01_real"]["caption"].lower()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left


def test_save_figure_is_atomic_when_rendering_fails(tmp_path, monkeypatch):
    out = tmp_path / "figures"
    fig = _fig()
    figures.save_figure(fig, "01_x", out, caption="first")
    before = (out / "01_x.png").read_bytes()

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        figures.save_figure(fig, "01_x", out, caption="second")
    assert (out / "01_x.png").read_bytes() == before
    assert json.loads((out / "captions.json").read_text())["01_x"]["caption"].startswith("first")
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


# ----------------------------------------------------------------------------- tables
NASTY = "50% of $x_1$ & {y} #2 ~ ^ \\ | <a>"


def test_latex_escape_every_special_character_once():
    assert tables.latex_escape("a&b%c$d#e_f{g}h") == r"a\&b\%c\$d\#e\_f\{g\}h"
    assert tables.latex_escape("\\") == r"\textbackslash{}"  # not \textbackslash\{\}
    assert tables.latex_escape("~^") == r"\textasciitilde{}\textasciicircum{}"


def test_save_table_writes_four_files_with_provenance_and_escaping(tmp_path):
    out = tmp_path / "reports" / "tables"
    m1 = _run_manifest(tmp_path, "ds2-tiny-abc")
    m2 = _run_manifest(tmp_path, "gaddy-tiny-def")
    rows = [{"model": "deepspeech2", "wer": 0.5, "note": NASTY}, {"model": "gaddy2022", "wer": 0.25, "note": "ok"}]
    side = tables.save_table(rows, "05_results", out, caption="WER per model", profile="smoke",
                             config={"size": "tiny"}, manifests=[m1, m2])
    for ext in ("csv", "md", "tex", "json"):
        assert (out / f"05_results.{ext}").stat().st_size > 0
    csv_text = (out / "05_results.csv").read_text()
    assert csv_text.startswith("# profile: smoke; config: {\"size\": \"tiny\"}; synthetic data")
    parsed = list(csv.DictReader(line for line in csv_text.splitlines() if not line.startswith("#")))
    assert parsed[0]["note"] == NASTY and float(parsed[1]["wer"]) == 0.25
    md = (out / "05_results.md").read_text()
    assert "profile: smoke" in md and "synthetic data" in md and "\\|" in md
    assert md.count("\n| ") == 3  # header + 2 rows, the pipe in NASTY escaped
    tex = (out / "05_results.tex").read_text()
    assert r"50\% of \$x\_1\$ \& \{y\} \#2" in tex and "synthetic data" in tex and "profile: smoke" in tex
    assert NASTY not in tex
    # every row traces to a manifest that exists under reports/manifests/runs/
    assert side["caption"].endswith("(synthetic data).") and side["profile"] == "smoke"
    sidecar = json.loads((out / "05_results.json").read_text())
    assert [r["manifests"] for r in sidecar["rows"]] == [["manifests/runs/ds2-tiny-abc.json"],
                                                        ["manifests/runs/gaddy-tiny-def.json"]]
    for row in sidecar["rows"]:
        for ref in row["manifests"]:
            copied = json.loads((tmp_path / "reports" / ref).read_text())
            assert copied["git"]["commit"] == "abc123"


def test_save_table_requires_a_manifest_per_row(tmp_path):
    m = _run_manifest(tmp_path, "r1")
    with pytest.raises(ValueError, match="manifest"):
        tables.save_table([{"a": 1}], "t", tmp_path / "tables", caption="c", profile="smoke", config=None,
                          manifests=[])
    with pytest.raises(ValueError, match="3 rows"):
        tables.save_table([{"a": 1}, {"a": 2}, {"a": 3}], "t", tmp_path / "tables", caption="c",
                          profile="smoke", config=None, manifests=[m, m])
    with pytest.raises(FileNotFoundError):
        tables.save_table([{"a": 1}], "t", tmp_path / "tables", caption="c", profile="smoke", config=None,
                          manifests=[tmp_path / "missing.json"])
    # one manifest for all rows is broadcast; real data is not labelled synthetic
    side = tables.save_table([{"a": 1}, {"a": 2}], "t", tmp_path / "tables", caption="c", profile="full",
                             config="x", manifests=[m], synthetic=False)
    assert all(r["manifests"] == ["manifests/runs/r1.json"] for r in side["rows"])
    assert "synthetic" not in (tmp_path / "tables" / "t.md").read_text()


def test_save_table_keeps_old_files_when_a_write_fails(tmp_path, monkeypatch):
    m = _run_manifest(tmp_path, "r1")
    out = tmp_path / "tables"
    tables.save_table([{"a": 1}], "t", out, caption="c", profile="smoke", config=None, manifests=[m])
    before = (out / "t.csv").read_text()
    real_replace = os.replace

    def failing_replace(src, dst):
        if str(dst).endswith("t.csv"):
            raise OSError("no space left")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        tables.save_table([{"a": 2}], "t", out, caption="c", profile="smoke", config=None, manifests=[m])
    assert (out / "t.csv").read_text() == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


# ----------------------------------------------------------------------------- manifests / paths
def test_study_manifest_records_git_packages_and_data(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sp = paths.StudyPaths(repo=provenance.repo_root(), profile="smoke", out=tmp_path / "reports",
                          data_root=tmp_path, runs_root=tmp_path / "runs", synthetic=True, seed=3)
    path = notebook_manifest.write_study_manifest("01_x", sp, config={"k": 1}, data_fingerprint="abc")
    data = json.loads(path.read_text())
    assert path == tmp_path / "reports" / "manifests" / "01_x.json"
    assert data["profile"] == "smoke" and data["seed"] == 3 and data["data_fingerprint"] == "abc"
    assert data["config"] == {"k": 1} and data["synthetic"] is True
    assert len(data["git"]["commit"]) == 40 and isinstance(data["git"]["dirty"], bool)
    assert data["packages"]["numpy"] and data["packages"]["papermill"]


def test_repo_root_walks_up_to_pyproject(tmp_path):
    root = provenance.repo_root()
    assert (root / "pyproject.toml").is_file()
    assert provenance.repo_root(root / "notebooks") == root
    # outside the repository it still finds the package's own repository
    assert provenance.repo_root(tmp_path) == root


def test_study_paths_take_parameters_and_label_real_data(tmp_path, monkeypatch):
    from semg_study import locations

    monkeypatch.setattr(locations, "RUNS_ROOT", tmp_path / "runs")  # the default runs folder
    (tmp_path / "real").mkdir()
    sp = paths.study_paths("smoke", out_dir=tmp_path / "out", data_root=tmp_path / "real")
    assert sp.out == (tmp_path / "out").resolve() and sp.out.is_dir()
    assert sp.runs_root == (tmp_path / "runs").resolve()
    assert sp.synthetic is False and sp.corpus == "digital-voicing"
    assert sp.testset is None and sp.released_root == locations.released_runs_root()
    split = tmp_path / "split.json"
    chosen = paths.study_paths("smoke", out_dir=tmp_path / "out", data_root=tmp_path / "real", testset=split,
                               reuse_released=False)
    assert chosen.testset == split.resolve() and chosen.released_root is None
    assert paths.study_paths(None, out_dir=tmp_path / "out", data_root=tmp_path / "real").profile == "quick"
    assert sp.figures == sp.out / "figures" and sp.tables == sp.out / "tables"
    explicit = paths.study_paths("smoke", out_dir=tmp_path / "explicit", data_root=tmp_path / "real")
    assert explicit.out == (tmp_path / "explicit").resolve()
    from semg_study.errors import ConfigError, DataError

    with pytest.raises(ConfigError):
        paths.study_paths("huge", data_root=tmp_path / "real")
    with pytest.raises(DataError):
        paths.study_paths("smoke", data_root=tmp_path / "nope")


def test_a_notebook_run_by_hand_writes_to_the_scratch_folder(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    repo = provenance.repo_root()
    assert paths.study_paths("smoke", data_root=tmp_path / "real").out == repo / ".scratch" / "reports"
    # asked for by name, from notebooks/ (JupyterLab's working folder), it is the committed folder
    monkeypatch.chdir(repo / "notebooks")
    assert paths.study_paths("smoke", out_dir="reports", data_root=tmp_path / "real").out == repo / "reports"


def test_study_paths_use_the_cached_synthetic_corpus(smoke_corpus, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    os.symlink(smoke_corpus, tmp_path / "data" / "synthetic-smoke")
    before = sorted(p.name for p in smoke_corpus.iterdir())
    sp = paths.study_paths("smoke", out_dir=tmp_path / "out", data_dir=tmp_path / "data")
    assert sp.data_root == tmp_path / "data" / "synthetic-smoke" and sp.synthetic is True
    assert sorted(p.name for p in smoke_corpus.iterdir()) == before  # the cache matched: nothing rewritten
    from semg_study.data.synthetic_label import labelled_synthetic

    assert labelled_synthetic(smoke_corpus) and not labelled_synthetic(tmp_path)


# ----------------------------------------------------------------------------- the generated report
# (the dissertation itself: tests/test_dissertation.py)


def test_typst_strings_escape_everything():
    assert typst_string(r'a "b" \ #c $d$' + "\n") == r'"a \"b\" \\ #c $d$\n"'


def test_synthetic_corpus_generation_is_serialised(tmp_path, monkeypatch):
    """Two callers asking for the same corpus at once never generate into the same folder together."""
    import threading
    import time

    import semg_study.synth

    active, overlaps, calls = [], [], []

    def fake_generate(root, **kwargs):
        calls.append(kwargs)
        if active:
            overlaps.append(root)
        active.append(root)
        time.sleep(0.2)
        active.pop()
        return root

    monkeypatch.setattr(semg_study.synth, "generate_corpus", fake_generate)
    threads = [threading.Thread(target=paths.synthetic_corpus, args=("smoke", tmp_path)) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 3 and not overlaps
    assert paths.synthetic_corpus("quick", tmp_path, layout="ljspeech") == tmp_path / "ljspeech-quick"
    assert calls[-1] == {"profile": "quick", "seed": 0, "progress": False, "layout": "ljspeech"}


def test_markdown_table_escapes_cells_and_aligns_columns():
    from semg_study.markdown import markdown_table

    lines = markdown_table(["run", "WER %"], [["a|b", "12.5"], ["c\nd", "3.0"]], align="lr")
    assert lines == ["| run | WER % |", "|---|---:|", "| a\\|b | 12.5 |", "| c d | 3.0 |"]
    assert markdown_table(["x"], [["1"]])[1] == "|---|"  # left by default
    with pytest.raises(ValueError, match="each of the 2 columns"):
        markdown_table(["run", "WER %"], [], align="l")
