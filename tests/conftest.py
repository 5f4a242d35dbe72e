"""Shared fixtures. Every fixture is made by the tests themselves (no downloads).

The machine has 2 cores shared with other work: keep torch and BLAS to one
thread so tests are predictable.

Slow tests: ``make test`` runs everything; ``pytest -m "not slow"`` is the fast
loop for development (README.md, "Tests"). A test is slow when it trains more
than a smoke model, executes notebooks, generates a corpus or takes more than
about 2 s: every test that asks for a generated corpus (:data:`CORPUS_FIXTURES`)
is marked here, the others where they are defined.
"""
from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
# Feature and digest caches of the test session go to a private temporary folder,
# never into the user's ~/.cache/semg_study nor inside a dataset. The cache location is the
# package's one environment variable (semg_study.locations.cache_root), so the study's
# subprocesses started by tests (papermill kernels, training workers) use it too.
import tempfile
from pathlib import Path

os.environ.setdefault("SEMG_STUDY_CACHE", tempfile.mkdtemp(prefix="semg-study-test-cache-"))

from semg_study import locations  # noqa: E402

# The repository's released runs never stand in for a test's own training (tests that check
# the released-run store point this at a folder of their own), and runs a test trains or
# evaluates without naming a folder (a released run's evaluations among them) go to a private
# temporary folder, never into the checkout's runs/. These are the defaults of this process;
# the study's subprocesses get their folders as parameters (--runs-root, papermill's runs_root).
locations.RELEASED_RUNS_ROOT = Path(tempfile.mkdtemp(prefix="semg-study-test-released-"))
locations.RUNS_ROOT = Path(tempfile.mkdtemp(prefix="semg-study-test-runs-"))

import pytest  # noqa: E402

# generating one costs tens of seconds, and the tests that read one train or evaluate on it
CORPUS_FIXTURES = frozenset({"smoke_corpus", "smoke_ljspeech"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if CORPUS_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def smoke_corpus(tmp_path_factory):
    """The embedded synthetic corpus at smoke size (Digital Voicing layout), made once."""
    from semg_study.synth import generate_corpus

    root = tmp_path_factory.mktemp("smoke_corpus")
    generate_corpus(root, profile="smoke", seed=0, progress=False)
    return root


@pytest.fixture(scope="session")
def smoke_ljspeech(tmp_path_factory):
    """A smoke-size LJSpeech-layout corpus of TTS speech, made once."""
    from semg_study.synth import generate_corpus

    root = tmp_path_factory.mktemp("smoke_ljspeech")
    generate_corpus(root, profile="smoke", seed=0, layout="ljspeech", progress=False)
    return root
