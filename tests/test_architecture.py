"""The package's stage order, read from its imports (docs/design.md states the same order).

Every import of ``semg_study`` code, at the top of a module or inside a function,
goes to the importer's own stage or one below it. A stage is one or more rooms: a
subpackage (``semg_study/training/``) or a top-level module (``semg_study/io.py``).
The entry points (``cli``, ``__main__``) load the verbs' modules by name at run time.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "semg_study"

# bottom first
STAGES: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"__init__", "errors", "text", "io", "locations", "provenance", "markdown",
                              "run_folder"})),
    ("signals and models", frozenset({"features", "models"})),
    ("data and decoding", frozenset({"data", "decoding"})),
    ("what a run reads: configs, corpora, checksums, consent", frozenset({"recipes", "synth", "checksums",
                                                                          "consent"})),
    ("training", frozenset({"training"})),
    ("evaluation", frozenset({"evaluation"})),
    ("capture", frozenset({"capture"})),
    ("report", frozenset({"report"})),
    ("release", frozenset({"release", "data_release"})),
    ("experiments: what every chapter shares to run (specs, runs, evaluations, comparisons, make bench)",
     frozenset({"experiments"})),
    ("the chapters: one folder per chapter of the study (plan, runner, findings, figures, text)",
     frozenset({"chapters"})),
    ("the study: notebooks run in order, the study record", frozenset({"study"})),
    ("entry points", frozenset({"cli", "__main__"})),
)
RANK = {room: rank for rank, (_, rooms) in enumerate(STAGES) for room in rooms}


def room_of(module: str) -> str:
    """``semg_study.training.loop`` -> ``training``; ``semg_study.io`` -> ``io``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of semg_study code in ``path``, wherever it stands."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "semg_study":  # from semg_study import io, provenance
                found += [(node.lineno, f"semg_study.{alias.name}") for alias in node.names]
            elif node.module.startswith("semg_study."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("semg_study.")]
    return found


def modules() -> list[tuple[Path, str]]:
    return [(p, ".".join(("semg_study",) + p.relative_to(PACKAGE).with_suffix("").parts))
            for p in sorted(PACKAGE.rglob("*.py"))]


def test_every_room_has_a_stage():
    rooms = {room_of(name) for _, name in modules()}
    assert rooms - set(RANK) == set(), "add the new room to STAGES (and to docs/design.md)"


def test_no_import_runs_up_the_stage_order():
    against = []
    for path, name in modules():
        here = room_of(name)
        for line, target in imports_of(path):
            there = room_of(target)
            if there in RANK and RANK[there] > RANK[here]:
                against.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} ({STAGES[RANK[here]][0]}) "
                               f"imports {target} ({STAGES[RANK[there]][0]})")
    assert against == [], "\n".join(against)


def test_the_check_sees_imports_inside_functions(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("from semg_study import io\n\ndef f():\n    from semg_study.report.tables import save_table\n")
    assert imports_of(source) == [(1, "semg_study.io"), (4, "semg_study.report.tables")]


NOTEBOOKS = PACKAGE.parent / "notebooks"


def notebook_imports(path: Path) -> list[str]:
    """The semg_study modules a notebook's code cells import."""
    import json

    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    tmp = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    found = []
    for node in ast.walk(ast.parse(tmp)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("semg_study"):
            found += ([f"{node.module}.{a.name}" for a in node.names] if node.module == "semg_study.chapters"
                      else [node.module])
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.startswith("semg_study")]
    return found


def test_each_notebook_calls_its_own_chapter_folder_and_no_other():
    """Notebook NN imports its chapter folder (``semg_study.chapters.CHAPTER_OF_SLOT[NN]``), nothing from
    another chapter or from ``experiments`` (it reaches shared experiment machinery through its chapter);
    the stages below (the notebook's set-up, capture, data) it may call directly."""
    from semg_study.chapters import CHAPTER_OF_SLOT

    notebooks = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert [p.name[:2] for p in notebooks] == sorted(CHAPTER_OF_SLOT)
    wrong = []
    for path in notebooks:
        own = f"semg_study.chapters.{CHAPTER_OF_SLOT[path.name[:2]]}"
        imports = notebook_imports(path)
        if not any(m == own or m.startswith(own + ".") for m in imports):
            wrong.append(f"{path.name} does not import {own}")
        wrong += [f"{path.name} imports {m}" for m in imports
                  if (m.startswith("semg_study.chapters") and not (m == own or m.startswith(own + ".")))
                  or room_of(m) == "experiments"]
    assert wrong == [], "\n".join(wrong)


def test_each_chapter_folder_has_its_parts():
    """A chapter folder holds its findings and its text in the dissertation (and, where it trains, its plan,
    runner and figures); the dissertation's folder holds the document's order."""
    from semg_study.chapters import CHAPTER_OF_SLOT

    trains = {"audio_baselines", "emg_baselines", "myostream", "ablations", "latency"}
    missing = []
    for slot, chapter in CHAPTER_OF_SLOT.items():
        folder = PACKAGE / "chapters" / chapter
        if chapter == "dissertation":
            missing += [] if (folder / "write.py").is_file() else [f"{chapter}/write.py"]
            continue
        parts = ["__init__.py", "findings.py", "text.py"] + (["plan.py", "runner.py", "figures.py"]
                                                             if chapter in trains else [])
        missing += [f"{chapter}/{p}" for p in parts if not (folder / p).is_file()]
    assert missing == []
