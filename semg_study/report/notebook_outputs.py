"""Keep executed notebooks out of git: a clean filter that strips outputs.

Running a notebook in JupyterLab saves its outputs (figures, printed paths that
name the user's folders, widget state) into the ``.ipynb`` file. The committed
notebooks under ``notebooks/`` must hold none of that (``tests/test_notebooks.py``),
so ``.gitattributes`` declares ``notebooks/*.ipynb filter=notebook-outputs`` and
``make lab`` registers the filter in ``.git/config``:

    git config filter.notebook-outputs.clean "<venv>/bin/python -m semg_study.report.notebook_outputs"

git then stores (and ``git status`` / ``git diff`` compare) the stripped
notebook, while the working copy keeps its outputs for the person looking at
them. A clone without the filter registered ignores the attribute (git runs
no filter it does not know), so nothing breaks there; it only loses the
protection.

What is removed is what executing or viewing a notebook writes: outputs,
execution counts, per-cell view and timing metadata (everything but ``tags``,
which papermill needs), widget state, and the kernel's display name and
language details (this project's kernel is installed as "Python 3
(semg-study)"; the committed notebooks name the generic ``python3`` kernel).
"""
from __future__ import annotations

import sys

# the kernelspec and language_info every committed notebook carries (tests/test_notebooks.py)
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
KEPT_CELL_METADATA = ("tags",)


def strip_outputs(nb: dict) -> dict:
    """Remove outputs and execution/view state from ``nb`` (a v4 notebook as parsed JSON), in place."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        if "metadata" in cell:
            cell["metadata"] = {k: v for k, v in cell["metadata"].items() if k in KEPT_CELL_METADATA}
    meta = nb.get("metadata", {})
    meta.pop("widgets", None)
    if "kernelspec" in meta:
        meta["kernelspec"] = dict(KERNELSPEC)
    if "language_info" in meta:
        meta["language_info"] = dict(LANGUAGE_INFO)
    return nb


def jupyter_pre_save(model: dict, **_: object) -> None:
    """JupyterLab's pre-save hook (``make lab`` sets ``FileContentsManager.pre_save_hook`` to it).

    The file on disk then never gains outputs: git's clean filter alone keeps them
    out of commits, but ``git status`` still lists a notebook whose size changed
    (it compares sizes before running any filter), so the working copy is kept
    clean at the source too.
    """
    if model.get("type") == "notebook" and isinstance(model.get("content"), dict):
        strip_outputs(model["content"])


def clean(text: str) -> str:
    """The stripped notebook; ``text`` unchanged when it is not a v4 notebook.

    Plain JSON written as nbformat (and so JupyterLab) writes it: keys sorted,
    one-space indent, UTF-8 characters as they are, a final newline. A committed
    notebook therefore comes out byte for byte as it went in, and the same
    notebook saved by JupyterLab with outputs comes out as the committed one.
    A clean filter must never lose content: a file in the middle of a merge
    conflict, or otherwise not JSON, goes through as it is.
    """
    import json

    try:
        nb = json.loads(text)
    except ValueError:
        return text
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        return text
    return json.dumps(strip_outputs(nb), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    # git hands the file on stdin and reads the cleaned version from stdout, both as bytes
    text = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(clean(text).encode("utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
