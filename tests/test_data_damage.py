"""Bad input never passes silently (issue 14).

Each damage kind of ``damage.KINDS`` on a copy of the layout fixture: ``validate``
gives the damaged file one line of the stated severity, and the loader raises a
``DataError`` naming that file (errors) or loads (warnings). Then property-based
tests (hypothesis) damage the fixture in random ways and check that ``validate``
never raises nor hangs and names the damaged file, and that the loader either
raises a ``DataError`` naming it or loads exactly the undamaged corpus's data.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import damage
from layout_fixture import make_layout_fixture
from semg_study import io
from semg_study.data import open_corpus
from semg_study.data.dataset import EMGDataset
from semg_study.data.normalize import OUTLIER_FACTOR, FeatureNormalizer
from semg_study.data.recording_files import MAX_ABS_EMG_UV, MIN_EMG_SAMPLES
from semg_study.data.validate import validate
from semg_study.errors import DataError, DataWarning
from semg_study.features.config import FeatureConfig, compute_features


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    return make_layout_fixture(tmp_path_factory.mktemp("pristine")).root


@pytest.fixture(scope="module")
def pristine_data(pristine):
    return damage.load_everything(pristine)


@contextlib.contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging (a FIFO read blocks forever)."""
    def on_alarm(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def lines_for(report, path) -> list[tuple[str, str]]:
    return [(p.severity, p.problem) for p in report.problems if p.path == str(path)]


# -- every kind of the issue ---------------------------------------------------------------

@pytest.mark.parametrize("name", list(damage.KINDS))
def test_each_damage_kind_is_named_by_validate_and_the_loader(name, pristine, tmp_path):
    kind = damage.KINDS[name]
    root = damage.copy_corpus(pristine, tmp_path / "data")
    damaged = kind.apply(root)
    with time_limit(60):
        report = validate(root)
    found = lines_for(report, damaged)
    assert any(sev == kind.severity and kind.message in problem for sev, problem in found), (found, report.format_text())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        if kind.severity == "error":
            with pytest.raises(DataError) as e:
                damage.load_everything(root)
            # the empty EMG with stale chunks is caught by the EMG's own check first
            assert e.value.path == str(damaged), str(e.value)
            assert kind.message in e.value.problem
        else:
            damage.load_everything(root)
    if name == "audio_stereo":
        assert [str(w.message.path) for w in caught if isinstance(w.message, DataWarning)] == [str(damaged)]


def test_stereo_audio_keeps_the_first_channel(pristine, tmp_path):
    root = damage.copy_corpus(pristine, tmp_path / "data")
    prefix = damage.target(root)
    mono = [u for u in open_corpus(pristine).all_utterances() if u.id.endswith("5-4/1")][0].load().audio
    damage.audio_stereo(root)
    u = [u for u in open_corpus(root).all_utterances() if u.path == prefix][0]
    with pytest.warns(DataWarning, match="2 channels; the first is used"):
        audio = u.load().audio
    np.testing.assert_array_equal(audio, mono)  # not the mean, which would be silence here


def test_min_emg_samples_is_enough_for_every_feature_preset():
    emg = np.random.default_rng(0).normal(0, 10, (MIN_EMG_SAMPLES, 8))
    for cfg in (FeatureConfig(), FeatureConfig.gaddy2020()):
        assert int(compute_features(emg, cfg)["n_frames"]) >= 1


def test_json_bounds(tmp_path):
    p = tmp_path / "a.json"
    io.write_text(p, json.dumps({"text": "[[[[{{ brackets in a string }}"}))
    assert io.json_depth(p.read_text()) == 1 and io.read_json(p)["text"].startswith("[[[[")
    io.write_text(p, "[" * 65 + "]" * 65)
    with pytest.raises(DataError, match="nested 65 levels deep"):
        io.read_json(p)
    with pytest.raises(DataError, match="larger than 10 bytes"):
        io.read_json(p, max_bytes=10)
    os.mkfifo(tmp_path / "fifo.json")
    with time_limit(10), pytest.raises(DataError, match="a FIFO, not a regular file"):
        io.read_json(tmp_path / "fifo.json")


# -- the feature normaliser ------------------------------------------------------------------

def test_normaliser_leaves_out_and_reports_an_outlier_utterance(pristine, tmp_path):
    """A file 10^4 times too loud (still inside the EMG bound) does not set everyone's scale."""
    root = damage.copy_corpus(pristine, tmp_path / "data")
    train = open_corpus(root).utterances("open", "train", "voiced")
    loud = train[2]
    emg = np.load(loud.emg_path)
    loud.emg_path.unlink()
    io.save_npy(loud.emg_path, emg * np.float32(1e4))
    assert np.abs(emg * 1e4).max() < MAX_ABS_EMG_UV  # the loader accepts it
    cfg = FeatureConfig(streams=("emg_features",))
    with pytest.warns(DataWarning, match="left out of the feature normaliser") as caught:
        ds = EMGDataset(train, cfg)
    excluded = dict(ds.normalizer.excluded)
    assert sorted(w.message.path for w in caught if isinstance(w.message, DataWarning)) == sorted(excluded)
    assert excluded[str(loud.emg_path)] > OUTLIER_FACTOR
    # besides the file itself only its neighbours (it is their filter context) may be left out
    neighbours = {str(loud.neighbour_path(-1)), str(loud.neighbour_path(1))}
    assert set(excluded) - {str(loud.emg_path)} <= neighbours
    kept = [i for i, u in enumerate(train) if str(u.emg_path) not in excluded]
    clean = FeatureNormalizer.fit(ds.features(i)["emg_features"] for i in kept)
    np.testing.assert_array_equal(ds.normalizer.mean, clean.mean)
    np.testing.assert_array_equal(ds.normalizer.std, clean.std)


def test_normaliser_without_outliers_is_the_plain_statistics():
    rng = np.random.default_rng(0)
    arrays = [rng.normal(5, 2, (int(rng.integers(20, 40)), 3)) for _ in range(6)]
    n = FeatureNormalizer.fit(arrays)
    allf = np.concatenate(arrays)
    assert not n.excluded
    np.testing.assert_allclose(n.mean, allf.mean(0))
    np.testing.assert_allclose(n.std, allf.std(0))


# -- random damage (hypothesis) ----------------------------------------------------------------

def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


OPS = ("truncate", "garbage", "directory", "fifo", "delete", "scale", "burst", "complex", "nest",
       "stereo", "rate", "crop_audio")


def _applicable(op: str, rel: str) -> bool:
    if op in ("delete", "scale", "burst", "complex"):
        return rel.endswith("_emg.npy")  # deleting other files is legitimate (fallbacks, optional files)
    if op == "nest":
        return rel.endswith(".json")
    if op in ("stereo", "rate", "crop_audio"):
        return rel.endswith(".flac")
    return True


@st.composite
def damages(draw, files: list[str]):
    op = draw(st.sampled_from(OPS))
    rel = draw(st.sampled_from([f for f in files if _applicable(op, f)]))
    params = {}
    if op == "truncate":
        params["fraction"] = draw(st.floats(0.0, 0.999))
    elif op == "garbage":
        params["data"] = draw(st.binary(min_size=0, max_size=300))
    elif op == "scale":
        params["exponent"] = draw(st.integers(6, 30))
    elif op == "burst":
        params["exponent"] = draw(st.integers(7, 30))
        params["start"] = draw(st.floats(0.0, 0.99))
        params["length"] = draw(st.integers(1, 20))
    elif op == "nest":
        params["depth"] = draw(st.integers(65, 100_000))
    elif op == "rate":
        params["rate"] = draw(st.sampled_from([8000, 11025, 22050, 32000, 44100, 48000]))
    elif op == "crop_audio":
        params["fraction"] = draw(st.floats(0.0, 0.85))
    return op, rel, params


def apply_damage(root: Path, op: str, rel: str, params: dict) -> Path:
    p = root / rel
    content = p.read_bytes()
    if op == "truncate":
        # never only trailing whitespace (a JSON or TextGrid without its final newline is intact)
        keep = content.rstrip() if p.suffix in (".json", ".TextGrid") else content
        data = content[: int(params["fraction"] * len(keep))]
        return damage._replace(p, lambda q: io.write_bytes(q, data))
    if op == "garbage":
        return damage._replace(p, lambda q: io.write_bytes(q, params["data"]))
    if op == "directory":
        return damage._replace(p, lambda q: q.mkdir())
    if op == "fifo":
        return damage._replace(p, lambda q: os.mkfifo(q))
    if op == "delete":
        p.unlink()
        return p
    if op == "nest":
        return damage._replace(p, lambda q: io.write_text(q, damage._nested(params["depth"])))
    if op in ("stereo", "rate", "crop_audio"):
        audio, rate = sf.read(p, dtype="float32")
        if op == "stereo":  # the first channel is the recording: the loader's data stay the same
            noise = np.random.default_rng(0).uniform(-0.5, 0.5, len(audio)).astype(np.float32)
            audio = np.stack([audio, noise], axis=1)
        elif op == "rate":
            rate = params["rate"]
        else:
            audio = audio[: int(params["fraction"] * len(audio))]
        return damage._replace(p, lambda q: io.save_audio(q, audio, rate))
    emg = np.load(p)
    if op == "burst":
        start = int(params["start"] * len(emg))
        emg = emg.copy()
        emg[start: start + params["length"], start % 8] = 10.0 ** params["exponent"]
        return damage._replace(p, lambda q: io.save_npy(q, emg))
    if op == "scale":
        return damage._replace(p, lambda q: io.save_npy(q, emg * np.float32(10.0 ** params["exponent"])))
    if op == "complex":
        return damage._replace(p, lambda q: io.save_npy(q, emg.astype(np.complex64) * (1 + 1j)))
    raise AssertionError(op)


def same_data(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for k in a:
        for x, y in zip(a[k], b[k]):
            if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                if x is None or y is None or not np.array_equal(x, y):
                    return False
            elif x != y:
                return False
    return True


@pytest.mark.slow
def test_random_damage_is_named_or_harmless(pristine, pristine_data, tmp_path_factory):
    files = _files(pristine)
    work = tmp_path_factory.mktemp("random")

    # CI runs 40 examples (well under a minute); SEMG_STUDY_DAMAGE_EXAMPLES=500 for a deeper local search
    @settings(max_examples=int(os.environ.get("SEMG_STUDY_DAMAGE_EXAMPLES", "40")), deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(damages(files))
    def check(d):
        op, rel, params = d
        with tempfile.TemporaryDirectory(dir=work) as tmp:
            root = damage.copy_corpus(pristine, Path(tmp) / "data")
            damaged = apply_damage(root, op, rel, params)
            with time_limit(60), warnings.catch_warnings():
                warnings.simplefilter("ignore", DataWarning)
                report = validate(root)  # must not raise nor hang
                assert lines_for(report, damaged), (op, rel, report.format_text())
                try:
                    loaded = damage.load_everything(root)
                except DataError as exc:
                    assert exc.path == str(damaged), (op, rel, str(exc))
                    assert any(sev == "error" for sev, _ in lines_for(report, damaged)), report.format_text()
                else:
                    # what the loader accepts is exactly the undamaged corpus (ids relative to the root)
                    assert same_data(loaded, pristine_data), (op, rel)

    check()
