"""The overrides a planned run trains with, from both call sites of ``run_overrides``, as data.

The notebooks' runs (``plan_runs.overrides_for``) and the benchmark's
(``benchmark.stages.benchmark_overrides``) build their overrides with one function; they decide
each run's config and so its fingerprint. They are a dict (key, value) that ``load_config`` and
``train_cached`` take as it is: no ``key=value`` string is written and parsed back on the way.
"""
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from semg_study.experiments.benchmark.stages import benchmark_overrides
from semg_study.experiments.plan_runs import overrides_for

SAMPLE = {"train.epochs": 3, "model.d_model": 64, "data.condition": "closed", "data.modes": ["silent", "voiced"],
          "train.lr": 0.0003, "decode.lm_text": None, "train.amp": True, "data_root": "/override/root",
          "train.progress": True, "name": "x-y"}
SAMPLE_REST = [("train.epochs", 3), ("model.d_model", 64), ("data.condition", "closed"),
               ("data.modes", ["silent", "voiced"]), ("train.lr", 0.0003), ("decode.lm_text", None),
               ("train.amp", True), ("name", "x-y")]


def _study(testset):
    paths = SimpleNamespace(data_root=Path("/d/emg"), ljspeech_root=Path("/d/lj"),
                            testset=None if testset is None else Path(testset))
    return SimpleNamespace(paths=paths, device="cpu")


@pytest.mark.parametrize("testset", [None, "/t/testset.json"])
def test_notebook_run_overrides_are_pinned(testset):
    with_testset = [] if testset is None else [("data.testset", testset)]
    study = _study(testset)
    base = [("data_root", "/d/emg"), ("seed", 7), ("device", "cpu"), ("train.progress", False), *with_testset]
    assert list(overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": {}}).items()) == base
    assert list(overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": None}).items()) == base
    # a plan override of a key already there replaces its value in its place
    assert list(overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": SAMPLE}).items()) == \
        [("data_root", "/override/root"), ("seed", 7), ("device", "cpu"), ("train.progress", True), *with_testset,
         *SAMPLE_REST]
    # the LJSpeech audio runs read their own root and never the study's testset
    assert list(overrides_for(study, {"seed": 7, "config": "ds2audio-quick", "corpus": "ljspeech",
                                      "overrides": {"train.epochs": 1}}).items()) == \
        [("data_root", "/d/lj"), ("seed", 7), ("device", "cpu"), ("train.progress", False), ("train.epochs", 1)]


@pytest.mark.parametrize("testset", [None, "/t/testset.json"])
def test_benchmark_run_overrides_are_pinned(testset):
    with_testset = [] if testset is None else [("data.testset", testset)]
    assert list(benchmark_overrides(Path("/d/emg"), {}, testset).items()) == \
        [("data_root", "/d/emg"), ("train.progress", False), *with_testset]
    assert list(benchmark_overrides(Path("/d/emg"), SAMPLE, testset).items()) == \
        [("data_root", "/override/root"), ("train.progress", True), *with_testset, *SAMPLE_REST]
    # the same spec through both call sites: the same overrides, the notebooks' adding only seed and device
    notebook = overrides_for(_study(testset), {"seed": 7, "config": "myostream-quick", "overrides": SAMPLE})
    assert {k: v for k, v in notebook.items() if k not in ("seed", "device")} == \
        benchmark_overrides(Path("/d/emg"), SAMPLE, testset)


def test_overrides_as_data_make_the_config_the_command_line_strings_made():
    """Every planned run of every profile (the notebooks', the comparison over seeds, the benchmark's): the
    config from the overrides as data equals the one their ``key=value`` strings (JSON values) made, which
    the released runs' fingerprints were computed from."""
    from semg_study.chapters import headline as hl
    from semg_study.experiments.benchmark.plan import benchmark_plan
    from semg_study.chapters.plan import plan, run_specs
    from semg_study.recipes.config import load_config

    specs = []
    for profile in ("smoke", "quick", "full"):
        specs += run_specs(plan(profile)) + benchmark_plan(profile)["runs"]
        knobs = hl.headline_knobs(profile)
        if knobs:
            specs += hl.queue(profile, hl.PARTS, knobs)
    assert len(specs) > 100
    for spec in specs:
        data = {**(spec.get("overrides") or {}), "train.seed": spec.get("seed", 0)}
        strings = [f"{k}={v if isinstance(v, str) else json.dumps(v)}" for k, v in data.items()]
        assert load_config(spec["config"], data).to_dict() == load_config(spec["config"], strings).to_dict(), spec
