"""Behaviour is passed as parameters, not environment variables (docs/design.md).

The package touches the environment in the documented places only: the cache location
(``semg_study.locations.cache_root``, ``SEMG_STUDY_CACHE``) and torchrun's own variables in
the training loop and its manifest. ``data/feature_cache.py`` is in the training-code
fingerprint (``training.fingerprint.INPUT_CODE``): its memory bound,
``SEMG_STUDY_FEATURE_MEMORY_MB``, stays until that file changes for another reason (editing
it would make every released run stale).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "semg_study"
# file (relative to the package) -> the variables it may read
ALLOWED: dict[str, frozenset[str]] = {
    "locations.py": frozenset({"SEMG_STUDY_CACHE"}),
    "training/loop.py": frozenset({"RANK", "WORLD_SIZE", "LOCAL_RANK"}),
    "training/manifest.py": frozenset({"WORLD_SIZE"}),
    "data/feature_cache.py": frozenset({"SEMG_STUDY_FEATURE_MEMORY_MB"}),
}
ENVIRONMENT_NAMES = {"environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"}


def environment_uses(path: Path) -> list[tuple[int, str]]:
    """(line, what) of every touch of the process environment in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_NAMES:
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            found += [(node.lineno, f"from os import {a.name}") for a in node.names if a.name in ENVIRONMENT_NAMES]
    return found


def variables_named(path: Path) -> set[str]:
    """String constants in ``path`` that name one of the study's or torchrun's variables."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and re.fullmatch(r"SEMG_STUDY_\w+|RANK|WORLD_SIZE|LOCAL_RANK", n.value)}


def test_the_environment_is_read_only_in_the_documented_places():
    stray = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        uses = environment_uses(path)
        if uses and rel not in ALLOWED:
            stray += [f"semg_study/{rel}:{line}: {what}" for line, what in uses]
    assert stray == [], "pass it as a parameter instead:\n" + "\n".join(stray)


def test_the_documented_places_read_only_their_variables():
    for rel, names in ALLOWED.items():
        path = PACKAGE / rel
        assert environment_uses(path), f"{rel} reads no environment any more: drop it from ALLOWED"
        named = variables_named(path)
        assert named <= names, f"{rel} names {sorted(named - names)}"


def test_no_variable_is_named_outside_the_documented_places():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel not in ALLOWED:
            assert variables_named(path) == set(), f"semg_study/{rel} names {sorted(variables_named(path))}"


def test_the_check_sees_every_spelling(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("import os\nfrom os import getenv\n\ndef f():\n    return os.environ.get('X'), os.getenv('Y')\n")
    assert sorted(what for _, what in environment_uses(source)) == ["from os import getenv", "os.environ", "os.getenv"]
