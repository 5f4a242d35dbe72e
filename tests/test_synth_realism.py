"""Realism of the synthetic sEMG, measured on the smoke corpus (all labelled synthetic).

Each test measures a property the study relies on: the spectrum looks like sEMG
(most power 20-450 Hz, visible mains in the raw signal), amplitudes sit in the
ranges documented in :mod:`semg_study.synth.emg_model`, silent speech is weaker
than voiced, electrode placement differs between days, and phonemes are
linearly decodable from frame RMS features above chance but far from perfectly.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

from semg_study.synth.emg_model import EMG_RATE, TARGET_RANGES_UV

BAND = signal.butter(4, [20, 450], btype="bandpass", fs=EMG_RATE, output="sos")
NOTCHES = [signal.iirnotch(60 * k, 30, EMG_RATE) for k in range(1, 8)]


def _remove_mains(x: np.ndarray) -> np.ndarray:
    x = signal.detrend(x, axis=0)
    for b, a in NOTCHES:
        x = signal.filtfilt(b, a, x, axis=0)
    return x


def _band_rms(x: np.ndarray) -> np.ndarray:
    return np.sqrt(np.mean(signal.sosfiltfilt(BAND, _remove_mains(x), axis=0) ** 2, axis=0))


def _utterances(root: Path):
    """(session folder name, mode, info, emg float64) for every utterance."""
    out = []
    for info_path in sorted(root.glob("emg_data/**/*_info.json")):
        info = json.loads(info_path.read_text())
        emg = np.load(str(info_path).replace("_info.json", "_emg.npy")).astype(np.float64)
        mode = "silent" if info_path.parent.name.endswith("_silent") else "voiced"
        out.append((info_path.parent.name, mode, info, emg))
    return out


@pytest.fixture(scope="module")
def utterances(smoke_corpus):
    return _utterances(Path(smoke_corpus))


def _speech(utterances, mode):
    return [emg for _, m, info, emg in utterances if m == mode and info["sentence_index"] >= 0]


@pytest.mark.parametrize("mode", ["voiced", "silent"])
def test_most_power_between_20_and_450_hz_after_removing_mains(utterances, mode):
    x = np.concatenate([_remove_mains(e) for e in _speech(utterances, mode)])
    freqs, psd = signal.welch(x, EMG_RATE, nperseg=1024, axis=0)
    fraction = psd[(freqs >= 20) & (freqs <= 450)].sum(axis=0) / psd.sum(axis=0)
    assert fraction.min() > 0.70, fraction


def test_raw_signal_shows_a_60_hz_mains_peak(utterances):
    x = np.concatenate([signal.detrend(e, axis=0) for e in _speech(utterances, "silent")])
    freqs, psd = signal.welch(x, EMG_RATE, nperseg=1000, axis=0)
    at_60 = psd[np.argmin(np.abs(freqs - 60))]
    around = np.median(psd[(np.abs(freqs - 60) > 3) & (np.abs(freqs - 60) < 15)], axis=0)
    assert np.all(at_60 > 3 * around), at_60 / around


def test_amplitudes_within_documented_ranges(utterances):
    low, high = TARGET_RANGES_UV["voiced_utterance_rms_20_450hz"]
    voiced = np.array([_band_rms(e) for e in _speech(utterances, "voiced")])
    median = np.median(voiced, axis=0)
    assert np.all((median >= low) & (median <= high)), median
    rest_low, rest_high = TARGET_RANGES_UV["rest_rms"]
    rest = np.array([_band_rms(e) for _, _, info, e in utterances if info["sentence_index"] < 0])
    assert np.all((rest >= rest_low) & (rest <= rest_high)), rest
    # speech is clearly above rest on every channel
    assert np.all(median > 2 * np.median(rest, axis=0))


def test_silent_is_weaker_than_voiced_on_the_same_day(utterances):
    ratio_low, ratio_high = TARGET_RANGES_UV["silent_to_voiced_rms_ratio"]
    days = {s for s, m, info, _ in utterances if m == "voiced" and info["book"] != "synthetic/nonparallel.txt"
            and info["sentence_index"] >= 0}
    assert days
    for day in days:
        voiced = np.median([_band_rms(e) for s, _, i, e in utterances if s == day and i["sentence_index"] >= 0], 0)
        silent = np.median([_band_rms(e) for s, _, i, e in utterances
                            if s == f"{day}_silent" and i["sentence_index"] >= 0], 0)
        ratio = silent / voiced
        assert ratio.mean() < 0.85, (day, ratio)
        assert np.all((ratio >= ratio_low) & (ratio <= ratio_high)), (day, ratio)


def _channel_profile(emgs):
    """Relative RMS per channel: set by the mixing (electrode placement and gains)."""
    rms = np.median([_band_rms(e) for e in emgs], axis=0)
    return np.log(rms / rms.mean())


def test_sessions_differ_through_electrode_placement(utterances):
    by_session = {}
    for s, m, info, e in utterances:
        if m == "voiced" and info["sentence_index"] >= 0:
            by_session.setdefault(s, []).append(e)
    sessions = sorted(by_session)
    assert len(sessions) >= 3
    within = []
    for s in sessions:
        half = len(by_session[s]) // 2
        within.append(np.abs(_channel_profile(by_session[s][:half]) - _channel_profile(by_session[s][half:])).mean())
    between = [np.abs(_channel_profile(by_session[a]) - _channel_profile(by_session[b])).mean()
               for k, a in enumerate(sessions) for b in sessions[k + 1:]]
    assert np.mean(between) > 1.5 * np.mean(within), (between, within)


def _frame_features(emg, phonemes, window=30, hop=10, context=(-4, -2, 0, 2, 4, 6, 8)):
    """Log RMS per channel over 30 ms frames, stacked over neighbouring frames.

    Label = the phoneme at the frame centre (acoustic timing). Context frames let
    a linear model see the articulation that precedes the sound.
    """
    x = signal.sosfiltfilt(BAND, _remove_mains(emg), axis=0)
    starts = np.arange(0, len(x) - window, hop)
    cumulative = np.cumsum(np.vstack([np.zeros((1, x.shape[1])), x ** 2]), axis=0)
    logrms = np.log(np.sqrt((cumulative[starts + window] - cumulative[starts]) / window) + 1e-3)
    stacked = np.concatenate([np.roll(logrms, -k, axis=0) for k in context], axis=1)
    centres = (starts + window / 2) / EMG_RATE
    ends = np.array([e for _, e, _ in phonemes])
    labels = np.array([p for _, _, p in phonemes])
    return stacked, labels[np.minimum(np.searchsorted(ends, centres, side="right"), len(labels) - 1)]


@pytest.mark.parametrize("mode", ["voiced", "silent"])
def test_linear_phoneme_frame_classifier_is_above_chance_and_far_from_perfect(utterances, mode):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    items = [(info, e) for _, m, info, e in utterances if m == mode and info["sentence_index"] >= 0]
    test_mask = np.arange(len(items)) % 4 == 0  # every 4th utterance held out
    feats, labels, held = [], [], []
    for k, (info, emg) in enumerate(items):
        f, y = _frame_features(emg, info["synthetic"]["phonemes"])
        feats.append(f)
        labels.append(y)
        held.append(np.full(len(y), test_mask[k]))
    x, y, held = np.concatenate(feats), np.concatenate(labels), np.concatenate(held)
    scaler = StandardScaler().fit(x[~held])
    clf = LogisticRegression(max_iter=300).fit(scaler.transform(x[~held]), y[~held])
    accuracy = float(np.mean(clf.predict(scaler.transform(x[held])) == y[held]))
    classes, counts = np.unique(y[~held], return_counts=True)
    majority = float(np.mean(y[held] == classes[counts.argmax()]))
    # above chance: clearly better than always answering the most frequent phoneme
    assert accuracy > majority + 0.08, (accuracy, majority)
    # far from perfect: the EMG does not give the phoneme away
    assert accuracy < 0.75, (accuracy, majority)
