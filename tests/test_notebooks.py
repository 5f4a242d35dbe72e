"""The committed notebooks: clean, parameterised the same way, and runnable by nbval."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from semg_study.study.notebooks import CONVENTION

REPO = Path(__file__).resolve().parents[1]
# notebook 08 is being edited elsewhere: it does not declare the study-wide optional parameters yet
WITHOUT_OPTIONAL = {"08_live_openbci_capture.ipynb"}
KERNELSPEC = {"name": "python3", "language": "python", "display_name": "Python 3"}


def committed_notebooks() -> list[Path]:
    res = subprocess.run(["git", "ls-files", "notebooks/*.ipynb"], cwd=REPO, capture_output=True, text=True)
    names = res.stdout.split() if res.returncode == 0 else []
    if not names:  # not a git checkout: every notebook on disk
        return sorted((REPO / "notebooks").glob("*.ipynb"))
    return [REPO / n for n in sorted(names) if (REPO / n).is_file()]


def parameters_cell(nb) -> nbformat.NotebookNode:
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, "exactly one cell tagged 'parameters'"
    return cells[0]


def assigned_names(source: str) -> dict[str, ast.expr]:
    tree = ast.parse(source)
    return {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
            for t in node.targets if isinstance(t, ast.Name)}


def test_my_notebooks_exist():
    names = {p.name for p in committed_notebooks()}
    assert {"01_dataset_exploration.ipynb", "09_report.ipynb"} <= names


@pytest.mark.parametrize("path", committed_notebooks(), ids=lambda p: p.name)
def test_committed_notebook_is_clean_and_follows_the_convention(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.get("kernelspec") == KERNELSPEC
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.get("outputs") == [], f"cell with outputs: {cell.source[:60]!r}"
            assert cell.get("execution_count") is None
    params = parameters_cell(nb)
    names = assigned_names(params.source)
    missing = [n for n in CONVENTION if n not in names]
    assert not missing, f"parameters cell lacks {missing}"
    # the defaults are plain values (the quick profile), never read from the environment
    if path.name not in WITHOUT_OPTIONAL:
        assert ast.unparse(names["profile"]) == "'quick'"
        assert "environ" not in params.source and "getenv" not in params.source
        assert ast.unparse(names["testset"]) == "None" and ast.unparse(names["reuse_released"]) == "True"
        # and the notebook hands them on to start_notebook
        start = next(c.source for c in nb.cells if c.cell_type == "code" and "start_notebook(" in c.source)
        assert "testset=testset" in start and "reuse_released=reuse_released" in start
    for name in ("data_root", "ljspeech_root", "out_dir", "runs_root"):
        assert ast.unparse(names[name]) == "None"
    assert ast.unparse(names["force"]) == "False"


def test_notebook_01_has_a_static_fallback_parameter():
    nb = nbformat.read(REPO / "notebooks" / "01_dataset_exploration.ipynb", as_version=4)
    assert ast.unparse(assigned_names(parameters_cell(nb).source)["interactive"]) == "None"


def _manifests_written_from(folder: Path, since: float, data_dir: Path) -> list[str]:
    """Study manifests under ``folder`` written after ``since`` by a run that read ``data_dir``."""
    import json

    found = []
    for path in folder.glob("manifests/*.json") if folder.is_dir() else []:
        try:
            if path.stat().st_mtime >= since and str(data_dir) in str(json.loads(path.read_text()).get("data_root")):
                found.append(str(path))
        except (OSError, ValueError):
            continue
    return found


def smoke_copies(folder: Path, parameters: dict) -> Path:
    """Copies of the committed notebooks with ``parameters`` written in after their parameters cell,
    as papermill injects them (nbval cannot inject parameters; nothing is read from the environment)."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    folder.mkdir(parents=True)
    for path in committed_notebooks():
        nb = load_notebook_node(str(path))  # as papermill reads one: every cell's metadata has its tags
        declared = set(assigned_names(parameters_cell(nb).source))
        values = {k: v for k, v in parameters.items() if k in CONVENTION or k in declared}
        nbformat.write(parameterize_notebook(nb, values, kernel_name="python3", language="python"), folder / path.name)
    return folder


def test_nbval_runs_every_notebook_into_a_temporary_folder(smoke_corpus, smoke_ljspeech, tmp_path):
    data_dir = Path(smoke_corpus).resolve()  # what the study manifests record as their data root
    out = tmp_path / "reports"
    copies = smoke_copies(tmp_path / "notebooks", {
        "profile": "smoke", "data_root": str(smoke_corpus), "ljspeech_root": str(smoke_ljspeech),
        "corpus": "synthetic", "device": "cpu", "seed": 0, "out_dir": str(out), "runs_root": str(tmp_path / "runs"),
        "force": False, "interactive": False})
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    started = time.time()
    res = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", str(copies), "-q", "-p", "no:cacheprovider",
                          "--nbval-current-env", "--rootdir", str(tmp_path)], cwd=REPO, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert " passed" in res.stdout and "failed" not in res.stdout
    # the notebooks wrote into the temporary folder, never into the committed reports/
    assert (out / "figures" / "01_spectra.png").is_file() and (out / "tables" / "01_corpus_overview.json").is_file()
    assert (out / "dissertation.md").is_file()
    assert _manifests_written_from(REPO / "reports", started, data_dir) == []
    assert len(_manifests_written_from(out, started, data_dir)) >= 2  # the check above can see such manifests


def test_the_output_filter_keeps_committed_notebooks_and_strips_executed_ones():
    from semg_study.report.notebook_outputs import clean

    for path in committed_notebooks():
        text = path.read_text(encoding="utf-8")
        assert clean(text) == text, f"{path.name}: the clean filter would change a committed notebook"
    nb = nbformat.read(REPO / "notebooks" / "01_dataset_exploration.ipynb", as_version=4)
    committed = nbformat.writes(nb) + "\n"
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="/home/someone/semg-study/data\n")]
    code.execution_count = 3
    code.metadata["execution"] = {"iopub.status.busy": "2025-01-01"}
    nb.metadata["kernelspec"]["display_name"] = "Python 3 (semg-study)"
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    assert clean(nbformat.writes(nb)) == committed
    assert clean("<<<<<<< HEAD\n") == "<<<<<<< HEAD\n"  # not a notebook: through as it is


def test_git_knows_the_filter_and_the_scratch_folder():
    attributes = (REPO / ".gitattributes").read_text(encoding="utf-8")
    assert "notebooks/*.ipynb filter=notebook-outputs" in attributes
    res = subprocess.run(["git", "check-ignore", "-q", ".scratch/reports/tables/x.json"], cwd=REPO)
    if (REPO / ".git").exists():
        assert res.returncode == 0, "hand-run results must be git-ignored"
