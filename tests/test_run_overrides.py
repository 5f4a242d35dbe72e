"""The ``key=value`` overrides a planned run trains with, from both call sites of ``run_overrides``.

The notebooks' runs (``plan_runs.overrides_for``) and the benchmark's
(``benchmark.stages.benchmark_overrides``) build their overrides with one function; the
strings decide each run's config and so its fingerprint. The expected lists are what the
two call sites produced before they shared it (same keys, order and values).
"""
from pathlib import Path
from types import SimpleNamespace

import pytest

from semg_study.experiments.benchmark.stages import benchmark_overrides
from semg_study.experiments.plan_runs import overrides_for

SAMPLE = {"train.epochs": 3, "model.d_model": 64, "data.condition": "closed", "data.modes": ["silent", "voiced"],
          "train.lr": 0.0003, "decode.lm_text": None, "train.amp": True, "data_root": "/override/root",
          "train.progress": True, "name": "x-y"}
SAMPLE_STRINGS = ["train.epochs=3", "model.d_model=64", "data.condition=closed", 'data.modes=["silent", "voiced"]',
                  "train.lr=0.0003", "decode.lm_text=null", "train.amp=true", "name=x-y"]


def _study(testset):
    paths = SimpleNamespace(data_root=Path("/d/emg"), ljspeech_root=Path("/d/lj"),
                            testset=None if testset is None else Path(testset))
    return SimpleNamespace(paths=paths, device="cpu")


@pytest.mark.parametrize("testset", [None, "/t/testset.json"])
def test_notebook_run_overrides_are_pinned(testset):
    with_testset = [] if testset is None else [f"data.testset={testset}"]
    study = _study(testset)
    assert overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": {}}) == \
        ["data_root=/d/emg", "seed=7", "device=cpu", "train.progress=false", *with_testset]
    assert overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": None}) == \
        ["data_root=/d/emg", "seed=7", "device=cpu", "train.progress=false", *with_testset]
    # a plan override of a key already there replaces its value in its place
    assert overrides_for(study, {"seed": 7, "config": "myostream-quick", "overrides": SAMPLE}) == \
        ["data_root=/override/root", "seed=7", "device=cpu", "train.progress=true", *with_testset, *SAMPLE_STRINGS]
    # the LJSpeech audio runs read their own root and never the study's testset
    assert overrides_for(study, {"seed": 7, "config": "ds2audio-quick", "corpus": "ljspeech",
                                 "overrides": {"train.epochs": 1}}) == \
        ["data_root=/d/lj", "seed=7", "device=cpu", "train.progress=false", "train.epochs=1"]


@pytest.mark.parametrize("testset", [None, "/t/testset.json"])
def test_benchmark_run_overrides_are_pinned(testset):
    with_testset = [] if testset is None else [f"data.testset={testset}"]
    assert benchmark_overrides(Path("/d/emg"), {}, testset) == ["data_root=/d/emg", "train.progress=false", *with_testset]
    assert benchmark_overrides(Path("/d/emg"), SAMPLE, testset) == \
        ["data_root=/override/root", "train.progress=true", *with_testset, *SAMPLE_STRINGS]
    assert benchmark_overrides(Path("/d/emg"), {"seed": 0, "train.epochs": 2}, testset) == \
        ["data_root=/d/emg", "train.progress=false", *with_testset, "seed=0", "train.epochs=2"]
    # the same spec through both call sites: the same strings, the notebooks' adding only seed and device
    notebook = overrides_for(_study(testset), {"seed": 7, "config": "myostream-quick", "overrides": SAMPLE})
    assert [s for s in notebook if s.split("=")[0] not in ("seed", "device")] == \
        benchmark_overrides(Path("/d/emg"), SAMPLE, testset)
