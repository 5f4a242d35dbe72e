"""The model code's second digest: blind to import origins, docstrings and comments, not to code."""
import subprocess

import pytest

from semg_study.training import code_identity as ci, fingerprint

ENTRIES = ("models", "training/loop.py")


def _digest(text: str) -> str:
    return ci.semantic_digest({"training/loop.py": text.encode()}, ENTRIES)


BASE = '''"""The loop."""
from semg_study.training.config import Config, load_config as load
import semg_study.io

def step(x):
    """One step."""
    return x + 1  # why
'''


def test_a_moved_import_a_docstring_or_a_comment_leaves_the_digest_alone():
    moved = BASE.replace("semg_study.training.config", "semg_study.recipes.config")
    reworded = moved.replace('"""One step."""', '"""One optimiser step."""').replace("# why", "# because")
    assert _digest(BASE) == _digest(moved) == _digest(reworded)


@pytest.mark.parametrize("edit", [
    ("x + 1", "x + 2"),                              # the computation
    ("load_config as load", "load_config as read"),   # the name bound
    ("Config, load_config", "Config, dump_config"),   # another name imported
    ('"""One step."""\n    return', 'print("x")\n    return'),  # a statement, not a docstring
])
def test_a_change_of_code_or_of_the_names_bound_changes_the_digest(edit):
    assert _digest(BASE) != _digest(BASE.replace(*edit))


def test_the_byte_digest_is_the_fingerprints_code_version():
    for entries in (fingerprint.MODEL_CODE, fingerprint.INPUT_CODE, fingerprint.TRAINING_CODE):
        assert ci.byte_digest(ci.current_sources(entries), entries) == fingerprint.code_version(entries)


def test_an_earlier_version_of_the_code_is_found_in_the_history_by_its_byte_digest(tmp_path):
    pkg = tmp_path / ci.PACKAGE_ROOT.name / "training"
    pkg.mkdir(parents=True)
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    versions = {}
    for i, text in enumerate([BASE, BASE.replace("x + 1", "x + 3"), BASE.replace("# why", "")]):
        (pkg / "loop.py").write_text(text)
        subprocess.run([*git, "add", "-A"], check=True)
        subprocess.run([*git, "commit", "-qm", f"v{i}"], check=True)
        versions[i] = ci.byte_digest({"training/loop.py": text.encode()}, ENTRIES)
    ci.sources_at.cache_clear()
    found = ci.sources_at(versions[1], ENTRIES, repo=tmp_path)
    assert found == {"training/loop.py": BASE.replace("x + 1", "x + 3").encode()}
    assert ci.sources_at("0" * 64, ENTRIES, repo=tmp_path) is None  # trained from uncommitted code


def test_a_removed_file_is_harmless_only_when_nothing_imports_it_and_it_registers_no_model():
    loop = BASE.encode()
    registry = b'MODULES = ("semg_study.models.deepspeech2",)\n'
    cli = b"import argparse\ndef main():\n    return 0\n"
    model = b"from semg_study.models.registry import register_model\n@register_model('ds2')\nclass M:\n    pass\n"
    old = {"training/loop.py": loop, "models/registry.py": registry, "models/cli.py": cli,
           "models/deepspeech2.py": model}
    assert ci.differences(old, {k: v for k, v in old.items() if k != "models/cli.py"}) == []
    gone = ci.differences(old, {k: v for k, v in old.items() if k != "models/deepspeech2.py"})
    assert gone and "deepspeech2" in gone[0]
    uses_cli = {**old, "training/loop.py": loop + b"from semg_study.models.cli import main\n"}
    assert ci.differences(uses_cli, {k: v for k, v in uses_cli.items() if k != "models/cli.py"})
    assert ci.differences(old, {**old, "models/extra.py": b"x = 1\n"}) == ["models/extra.py: added"]
