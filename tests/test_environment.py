"""One source of versions (requirements.txt: runtime; requirements-dev.txt: test and notebook tools)
and the Binder (repo2docker) rules."""
from __future__ import annotations

import os
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
PIN = re.compile(r"^\s*([A-Za-z0-9_.\-\[\]]+)\s*((?:==|<=|>=|<|>|~=|!=).*)?$")


def requirement_lines(path: Path) -> list[str]:
    return [line.split("#", 1)[0].strip() for line in path.read_text().splitlines()
            if line.split("#", 1)[0].strip()]


def pins(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        if line.startswith("-"):
            continue
        m = PIN.match(line)
        assert m, f"unparsable requirement {line!r}"
        out[m.group(1).lower().replace("_", "-")] = (m.group(2) or "").replace(" ", "")
    return out


REQUIREMENT_FILES = ("requirements.txt", "requirements-dev.txt")
RUNTIME = pins(requirement_lines(REPO / "requirements.txt"))
TOOLS = pins(requirement_lines(REPO / "requirements-dev.txt"))
REQUIREMENTS = {**RUNTIME, **TOOLS}


def test_requirements_pin_what_the_study_needs():
    assert RUNTIME["torch"] == "==2.13.0"
    # the study executes notebooks: papermill and the kernel are requirements of the package
    for name in ("papermill", "ipywidgets", "ipykernel", "matplotlib", "psutil", "nbformat"):
        assert RUNTIME[name].startswith("=="), name
    assert RUNTIME["setuptools"] == "<81"  # brainflow imports pkg_resources
    # the test and notebook tools are not
    for name in ("pytest", "hypothesis", "nbval", "jupyterlab"):
        assert TOOLS[name].startswith("==") and name not in RUNTIME, name


def test_each_version_is_pinned_in_one_place():
    assert not set(RUNTIME) & set(TOOLS)
    for name in REQUIREMENT_FILES:
        assert not any(line.startswith("-r") for line in requirement_lines(REPO / name)), \
            f"{name}: setuptools reads it as a plain list (no includes)"


def test_pyproject_reads_dependencies_from_requirements():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "dependencies" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["dependencies"] == {"file": ["requirements.txt"]}
    assert "optional-dependencies" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["optional-dependencies"] == {
        "dev": {"file": ["requirements-dev.txt"]}}
    assert "dependencies" not in project["project"]
    assert project["project"]["requires-python"].startswith(">=3.11")
    assert project["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]  # executed copies never collected


def test_makefile_installs_from_requirements_and_the_same_torch():
    make = (REPO / "Makefile").read_text()
    assert "-r requirements.txt -r requirements-dev.txt" in make
    assert re.search(r"^\$\(STAMP\):.*requirements\.txt requirements-dev\.txt", make, re.M)
    torch = re.findall(r"torch==([0-9.]+)", make)
    assert torch and all(f"=={v}" == REQUIREMENTS["torch"] for v in torch)
    assert re.search(r"^study:.*\n\t.*semg-study study --profile", make, re.M)
    assert re.search(r"^test:.*\n\t.*python -m pytest", make, re.M)


@pytest.mark.parametrize("env_file", ["environment.yml", "binder/environment.yml"])
def test_environment_files_only_reference_requirements(env_file):
    path = REPO / env_file
    env = yaml.safe_load(path.read_text())
    deps = env["dependencies"]
    conda = [d for d in deps if isinstance(d, str)]
    assert "python=3.11" in conda and "pip" in conda
    assert all(d.split("=")[0] in ("python", "pip") for d in conda), "conda packages would bypass requirements.txt"
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict))
    assert f"--extra-index-url {CPU_INDEX}" in pip_section
    includes = [shlex.split(line)[1] for line in pip_section if line.startswith("-r ")]
    # conda resolves pip -r paths relative to the environment file: both lists, so every pin is installed
    assert sorted((path.parent / name).resolve() for name in includes) == \
        sorted((REPO / name).resolve() for name in REQUIREMENT_FILES)
    # any package named here agrees with the requirement files
    for name, spec in pins([line for line in pip_section if not line.startswith("-")]).items():
        assert REQUIREMENTS.get(name) == spec, f"{env_file}: {name}{spec} disagrees with the requirement files"


def test_binder_overrides_root_and_installs_the_package():
    binder = REPO / "binder"
    # repo2docker reads only binder/ when it exists: the environment there is complete
    assert (binder / "environment.yml").is_file()
    # environment.yml wins over requirements.txt; a second list of versions would only mislead
    assert not any((binder / name).exists() for name in REQUIREMENT_FILES) and not (binder / "setup.py").exists()
    post = binder / "postBuild"
    assert post.is_file() and os.access(post, os.X_OK)
    text = post.read_text()
    assert text.startswith("#!/bin/bash") and "set -euo pipefail" in text
    # a root pyproject is NOT installed automatically when binder/ exists
    install = [line for line in text.splitlines() if "pip install" in line and not line.lstrip().startswith("#")]
    assert any("--no-deps" in line and line.rstrip().endswith("-e .") for line in install)
    # Binder's notebooks open on the study's quick profile (their parameters cells' default: its runs
    # are released, nothing trains; no start script sets anything), and postBuild makes exactly the
    # corpora paths.synthetic_corpus looks for, quick and smoke
    assert not (binder / "start").exists()
    for profile in ("quick", "smoke"):
        assert f"--profile {profile} --out data/synthetic-{profile}" in text
        assert f"--profile {profile} --layout ljspeech --out data/ljspeech-{profile}" in text
    if (binder / "apt.txt").exists():  # only if really needed; Ubuntu package names, one per line
        assert all(re.fullmatch(r"[a-z0-9.+\-]+", line) for line in requirement_lines(binder / "apt.txt"))


def test_readme_states_the_two_commands_and_the_binder_badge():
    readme = (REPO / "README.md").read_text()
    assert "make study" in readme and "make test" in readme
    assert "https://mybinder.org/v2/gh/" in readme and "urlpath=lab/tree/notebooks" in readme
    for nb in sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        assert nb.stem[:2] in readme


def test_licence_and_citation():
    licence = (REPO / "LICENSE").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3, 29 June 2007" in licence
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert project["project"]["license"] == "GPL-3.0-or-later"
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "GPL-3.0-or-later"
    from semg_study import __version__

    assert str(cff["version"]) == __version__
    dois = {ref.get("doi") for ref in cff.get("references", [])}
    assert "10.5281/zenodo.4064408" in dois
    assert any("Gaddy" in a.get("family-names", "") for ref in cff["references"] for a in ref["authors"])


def _binder_installs(env_file: Path) -> dict[str, str]:
    """Every pin Binder's pip section installs, following its ``-r`` includes (relative to the file)."""
    env = yaml.safe_load(env_file.read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    installed: dict[str, str] = {}
    for line in pip_section:
        if line.startswith("-r "):
            included = (env_file.parent / shlex.split(line)[1]).resolve()
            installed.update(pins(requirement_lines(included)))
        elif not line.startswith("-"):
            installed.update(pins([line]))
    return installed


def test_binder_installs_every_pinned_requirement():
    installed = _binder_installs(REPO / "binder" / "environment.yml")
    missing = {name: spec for name, spec in REQUIREMENTS.items() if installed.get(name) != spec}
    assert not missing, f"binder/environment.yml does not install {missing}"
    # the study's own stack, JupyterLab for the Binder link, seaborn and the typesetter among them
    for name in ("jupyterlab", "seaborn", "typst", "papermill", "ipywidgets"):
        assert REQUIREMENTS[name].startswith("=="), name


def test_make_lab_opens_jupyterlab_on_the_notebooks_after_the_same_setup():
    make = (REPO / "Makefile").read_text()
    rule = re.search(r"^lab:(.*)\n\t(.*)$", make, re.M)
    assert rule and "$(STAMP)" in rule.group(1)  # the .venv and kernel of `make study` / `make test`
    assert "jupyter lab" in rule.group(2) and "notebooks" in rule.group(2)
    assert "ipykernel install" in make
    assert "make lab" in (REPO / "README.md").read_text()
