"""A generative model of 8-channel facial surface EMG during (silent) speech.

What is modelled, and why it makes the study's comparisons mean something:

* **Sources.** Eight muscle groups act as independent sources: orbicularis oris
  (lip closure and rounding), mentalis (chin / lower lip), zygomaticus and
  risorius (cheek, lip spreading), masseter (jaw closing), digastric (jaw
  opening), genioglossus (tongue body / tip raising), styloglossus (tongue back,
  velars) and the laryngeal / strap muscles (voicing; absent in silent speech).
* **Activation.** An articulatory table (:data:`ARTICULATION`) gives each
  ARPAbet phoneme a target activation (0-1) per muscle; diphthongs move between
  two targets. Every phoneme instance jitters its targets (log-normal), the
  target track is smoothed by a critically damped second-order filter per muscle
  (coarticulation: short phonemes undershoot, neighbours bleed into each other),
  and the muscle activity *leads* the acoustics by a physiological lag of 20-60
  ms. Slow random effort fluctuations and a tonic rest level are added.
* **Signal.** Each source is activation-modulated band-limited Gaussian noise
  (second-order band-pass from about 20 Hz to a muscle-specific corner of
  130-230 Hz: most power in 20-450 Hz, as for real sEMG). The eight electrode
  sites of the real dataset see the sources through a mixing matrix built from
  anatomy-derived weights (:data:`BASE_MIXING`) and perturbed per session
  (electrode placement changes between days) with a per-channel gain.
* **Interference.** Sensor noise (white), 60 Hz mains with harmonics, baseline
  drift, a DC offset per channel and occasional movement artefacts.
* **Silent speech.** No laryngeal source, lower amplitude (about 0.5-0.75 of the
  voiced articulation; the throat channel drops most), slower and more variable timing (supplied by the corpus
  generator, which warps the voiced phoneme timings).

Voiced/voiceless pairs (p/b, t/d, s/z, f/v, k/g ...) differ only through the
larynx, so in silent speech they are indistinguishable from EMG alone, and
several vowels share near-identical articulatory targets: a linear frame
classifier of phonemes is far from perfect, but well above chance.

Target ranges (microvolts; the corpus generator writes them into
``corpus.json`` and the tests measure them):

===============================================  ===========
quantity                                         range
===============================================  ===========
voiced utterance RMS per channel (20-450 Hz)     8 - 80 uV
silent / voiced RMS ratio (same day, channel)    0.15 - 0.95 (throat lowest)
rest (reference clip) RMS per channel            1 - 12 uV
60 Hz mains amplitude per channel                2 - 15 uV
sensor noise RMS per channel                     0.7 - 2.0 uV
baseline drift RMS                               1 - 6 uV
DC offset per channel                            -40 - 40 uV
===============================================  ===========
"""
from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np
from scipy import signal

from semg_study.text import PHONEMES

EMG_RATE = 1000
N_CHANNELS = 8

ELECTRODE_SITES: tuple[str, ...] = (
    "left cheek just above mouth",
    "left corner of chin",
    "below chin, back 3 cm",
    "throat, 3 cm left of Adam's apple",
    "mid-jaw right",
    "right cheek just below mouth",
    "right cheek, 2 cm from nose",
    "back of right cheek, 4 cm in front of ear",
)

MUSCLES: tuple[str, ...] = ("orbicularis_oris", "mentalis", "zygomaticus", "masseter", "digastric",
                            "genioglossus", "styloglossus", "larynx")
LARYNX = MUSCLES.index("larynx")

# Base mixing weights: how strongly each electrode site (row) picks up each
# muscle (column), from the sites' positions over the facial anatomy.
BASE_MIXING = np.array([
    # OO   ment  zyg   mass  dig   genio stylo larynx
    [0.80, 0.10, 0.60, 0.20, 0.05, 0.05, 0.05, 0.00],  # 1 left cheek above mouth
    [0.50, 0.90, 0.20, 0.15, 0.30, 0.15, 0.05, 0.02],  # 2 left corner of chin
    [0.05, 0.20, 0.00, 0.10, 0.90, 0.80, 0.40, 0.15],  # 3 below chin, back 3 cm
    [0.00, 0.02, 0.00, 0.05, 0.30, 0.30, 0.35, 0.90],  # 4 throat left of Adam's apple
    [0.10, 0.10, 0.20, 0.90, 0.20, 0.10, 0.20, 0.05],  # 5 mid-jaw right
    [0.80, 0.50, 0.30, 0.20, 0.10, 0.05, 0.05, 0.00],  # 6 right cheek below mouth
    [0.40, 0.05, 0.90, 0.20, 0.00, 0.00, 0.00, 0.00],  # 7 right cheek near nose
    [0.05, 0.00, 0.40, 0.70, 0.10, 0.05, 0.15, 0.02],  # 8 back of right cheek
])

# Relative strength of each muscle's signal at the skin, its coarticulation time
# constant (s) and the upper corner of its spectrum (Hz).
MUSCLE_STRENGTH = np.array([1.0, 0.8, 0.75, 1.1, 0.85, 0.9, 0.7, 0.9])
MUSCLE_TAU_S = np.array([0.015, 0.015, 0.020, 0.022, 0.020, 0.012, 0.015, 0.010])
MUSCLE_CORNER_HZ = np.array([180.0, 170.0, 150.0, 130.0, 160.0, 200.0, 180.0, 220.0])

_V = 0.75   # larynx activity for voiced sounds
_U = 0.15   # larynx activity for voiceless sounds (abduction)

# Phoneme -> activation target per muscle (order of MUSCLES; larynx last).
ARTICULATION: dict[str, tuple[float, ...]] = {
    "sil": (0.04, 0.04, 0.04, 0.06, 0.04, 0.04, 0.04, 0.00),
    "p":  (0.90, 0.50, 0.10, 0.50, 0.05, 0.10, 0.10, _U),
    "b":  (0.90, 0.50, 0.10, 0.50, 0.05, 0.10, 0.10, _V),
    "m":  (0.80, 0.40, 0.10, 0.45, 0.05, 0.10, 0.10, _V),
    "f":  (0.35, 0.80, 0.15, 0.40, 0.10, 0.10, 0.10, _U),
    "v":  (0.35, 0.80, 0.15, 0.40, 0.10, 0.10, 0.10, _V),
    "th": (0.15, 0.20, 0.15, 0.20, 0.25, 0.85, 0.10, _U),
    "dh": (0.15, 0.20, 0.15, 0.20, 0.25, 0.85, 0.10, _V),
    "t":  (0.10, 0.10, 0.20, 0.45, 0.15, 0.80, 0.15, _U),
    "d":  (0.10, 0.10, 0.20, 0.45, 0.15, 0.80, 0.15, _V),
    "n":  (0.10, 0.10, 0.20, 0.40, 0.15, 0.75, 0.15, _V),
    "s":  (0.15, 0.15, 0.45, 0.60, 0.10, 0.70, 0.10, _U),
    "z":  (0.15, 0.15, 0.45, 0.60, 0.10, 0.70, 0.10, _V),
    "sh": (0.60, 0.30, 0.10, 0.50, 0.10, 0.65, 0.30, _U),
    "zh": (0.60, 0.30, 0.10, 0.50, 0.10, 0.65, 0.30, _V),
    "ch": (0.60, 0.30, 0.10, 0.55, 0.10, 0.75, 0.30, _U),
    "jh": (0.60, 0.30, 0.10, 0.55, 0.10, 0.75, 0.30, _V),
    "l":  (0.10, 0.10, 0.15, 0.25, 0.30, 0.80, 0.25, _V),
    "r":  (0.50, 0.20, 0.05, 0.25, 0.25, 0.45, 0.50, _V),
    "y":  (0.10, 0.10, 0.55, 0.35, 0.15, 0.85, 0.20, _V),
    "w":  (0.85, 0.35, 0.00, 0.30, 0.15, 0.10, 0.55, _V),
    "hh": (0.05, 0.05, 0.05, 0.10, 0.35, 0.10, 0.10, 0.30),
    "k":  (0.05, 0.05, 0.10, 0.35, 0.20, 0.20, 0.85, _U),
    "g":  (0.05, 0.05, 0.10, 0.35, 0.20, 0.20, 0.85, _V),
    "ng": (0.05, 0.05, 0.10, 0.30, 0.20, 0.20, 0.80, _V),
    "iy": (0.05, 0.10, 0.80, 0.35, 0.15, 0.80, 0.10, _V),
    "ih": (0.05, 0.10, 0.60, 0.30, 0.25, 0.65, 0.10, _V),
    "eh": (0.05, 0.10, 0.50, 0.15, 0.45, 0.50, 0.10, _V),
    "ae": (0.05, 0.10, 0.55, 0.05, 0.75, 0.35, 0.15, _V),
    "aa": (0.10, 0.05, 0.10, 0.00, 0.90, 0.10, 0.50, _V),
    "ah": (0.10, 0.05, 0.15, 0.10, 0.55, 0.25, 0.30, _V),
    "ao": (0.55, 0.15, 0.00, 0.05, 0.70, 0.10, 0.55, _V),
    "uh": (0.60, 0.20, 0.00, 0.25, 0.30, 0.15, 0.60, _V),
    "uw": (0.85, 0.30, 0.00, 0.30, 0.20, 0.15, 0.65, _V),
    "er": (0.45, 0.15, 0.05, 0.25, 0.30, 0.45, 0.50, _V),
}
# Diphthongs move from the first target to the second over their interval.
DIPHTHONGS: dict[str, tuple[str, str]] = {
    "ay": ("aa", "iy"), "aw": ("aa", "uw"), "ey": ("eh", "iy"), "ow": ("ao", "uw"), "oy": ("ao", "iy"),
}
assert set(ARTICULATION) | set(DIPHTHONGS) == set(PHONEMES)
assert BASE_MIXING.shape == (N_CHANNELS, len(MUSCLES))

TARGET_RANGES_UV: dict[str, tuple[float, float]] = {
    "voiced_utterance_rms_20_450hz": (8.0, 80.0),
    "silent_to_voiced_rms_ratio": (0.15, 0.95),
    "rest_rms": (1.0, 12.0),
    "mains_60hz_amplitude": (2.0, 15.0),
    "sensor_noise_rms": (0.7, 2.0),
    "baseline_drift_rms": (1.0, 6.0),
    "dc_offset": (-40.0, 40.0),
}


def stable_key(*parts: object) -> int:
    """A platform-independent 32-bit key for seeding (Python's hash() is salted)."""
    return zlib.crc32("/".join(str(p) for p in parts).encode("utf-8"))


def make_rng(seed: int, *parts: object) -> np.random.Generator:
    return np.random.default_rng([int(seed), stable_key(*parts)])


@dataclass
class SessionModel:
    """Everything fixed for one recording session (one electrode placement)."""

    mixing: np.ndarray          # (8 channels, 8 muscles), includes per-channel gain
    muscle_gain: np.ndarray     # (8,) the speaker's effort per muscle this session
    lead_s: np.ndarray          # (8,) EMG-before-acoustics lag per muscle
    corner_hz: np.ndarray       # (8,) spectral corner per muscle
    amplitude_uv: float         # overall source amplitude
    sensor_noise_uv: np.ndarray  # (8,)
    mains_uv: np.ndarray        # (8,) 60 Hz amplitude per channel
    drift_uv: np.ndarray        # (8,)
    dc_offset_uv: np.ndarray    # (8,)
    silent_factor: float        # amplitude of silent relative to voiced articulation
    mixing_seed: int
    tau_s: np.ndarray | None = None  # (8,) coarticulation time constants; None: MUSCLE_TAU_S (the corpus speaker)

    def __post_init__(self) -> None:
        self._sos = [signal.butter(2, [20.0, float(c)], btype="bandpass", fs=EMG_RATE, output="sos")
                     for c in self.corner_hz]


def placement_seed(seed: int, placement: str) -> int:
    return stable_key(seed, "placement", placement)


def make_session_model(seed: int, placement: str, folder: str, participant=None) -> SessionModel:
    """Session model for ``folder``, recorded with the electrode placement ``placement``.

    Folders sharing a placement (the silent and voiced sessions of one day) share
    most of their mixing; a small per-folder perturbation remains. ``participant``
    (a :class:`semg_study.synth.participants.Participant`) puts another person under
    the electrodes: their own anatomy-derived mixing replaces :data:`BASE_MIXING`,
    and their effort, articulation, amplitude and noise scale the session's; without
    one the session is the study corpus's speaker's, draw for draw.
    """
    base = BASE_MIXING if participant is None else participant.mixing
    mixing_seed = placement_seed(seed, placement)
    day = np.random.default_rng(mixing_seed)
    mixing = base * day.lognormal(0.0, 0.3, base.shape)
    mixing += np.abs(day.normal(0.0, 0.08, base.shape))       # crosstalk from displaced electrodes
    mixing[:, LARYNX] = base[:, LARYNX] * day.lognormal(0.0, 0.3, N_CHANNELS)
    channel_gain = day.lognormal(0.0, 0.3, N_CHANNELS)                 # skin impedance, paste
    rng = make_rng(seed, "folder", folder)
    mixing = mixing * rng.lognormal(0.0, 0.08, mixing.shape)
    mixing = mixing * channel_gain[:, None]
    model = SessionModel(
        mixing=mixing,
        muscle_gain=day.lognormal(0.0, 0.15, len(MUSCLES)),
        lead_s=day.uniform(0.02, 0.06, len(MUSCLES)),
        corner_hz=MUSCLE_CORNER_HZ * day.uniform(0.85, 1.15, len(MUSCLES)),
        amplitude_uv=float(day.uniform(45.0, 70.0)),
        sensor_noise_uv=rng.uniform(0.8, 1.8, N_CHANNELS),
        mains_uv=rng.uniform(3.0, 14.0, N_CHANNELS),
        drift_uv=rng.uniform(1.5, 4.0, N_CHANNELS),
        dc_offset_uv=rng.uniform(-30.0, 30.0, N_CHANNELS),
        silent_factor=float(day.uniform(0.5, 0.75)),
        mixing_seed=int(mixing_seed),
    )
    return model if participant is None else participant.session(model)


# Raising the table to this power sharpens the contrast between strongly and
# weakly involved muscles (the table's mid values are deliberately coarse).
CONTRAST = 1.4


def _target_track(phonemes: list[tuple[float, float, str]], n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, muscles) piecewise target activations at 1 kHz, jittered per phoneme instance."""
    track = np.empty((n, len(MUSCLES)))
    track[:] = ARTICULATION["sil"]
    for start, end, ph in phonemes:
        a, b = int(round(start * EMG_RATE)), min(n, int(round(end * EMG_RATE)))
        if b <= a:
            continue
        jitter = rng.lognormal(0.0, 0.2, len(MUSCLES))
        if ph in DIPHTHONGS:
            first, second = DIPHTHONGS[ph]
            ramp = np.linspace(0.0, 1.0, b - a)[:, None]
            track[a:b] = ((1 - ramp) * np.array(ARTICULATION[first]) + ramp * np.array(ARTICULATION[second])) ** CONTRAST * jitter
        else:
            track[a:b] = np.array(ARTICULATION[ph]) ** CONTRAST * jitter
    return track


def _smooth(track: np.ndarray, tau_s: np.ndarray) -> np.ndarray:
    """Critically damped second-order low-pass per muscle (two equal first-order poles)."""
    out = np.empty_like(track)
    for m in range(track.shape[1]):
        alpha = 1.0 - np.exp(-1.0 / (EMG_RATE * tau_s[m]))
        b, a = [alpha], [1.0, alpha - 1.0]
        x = track[:, m]
        zi = signal.lfilter_zi(b, a) * x[0]
        y, _ = signal.lfilter(b, a, x, zi=zi)
        y, _ = signal.lfilter(b, a, y, zi=signal.lfilter_zi(b, a) * y[0])
        out[:, m] = y
    return out


@functools.lru_cache(maxsize=16)
def _lowpass_sos(cutoff_hz: float) -> np.ndarray:
    """2nd-order Butterworth low-pass at ``cutoff_hz`` (designed once per cutoff, not per call)."""
    return signal.butter(2, cutoff_hz, fs=EMG_RATE, output="sos")


def _slow_noise(rng: np.random.Generator, n: int, k: int, cutoff_hz: float) -> np.ndarray:
    """Unit-RMS low-frequency Gaussian noise, (n, k)."""
    sos = _lowpass_sos(float(cutoff_hz)).copy()  # a copy: scipy's sosfilt wants a writable array
    pad = int(3 * EMG_RATE / cutoff_hz)
    x = signal.sosfilt(sos, rng.standard_normal((n + pad, k)), axis=0)[pad:]
    return x / max(float(np.sqrt(np.mean(x ** 2))), 1e-12)


def muscle_activation(phonemes: list[tuple[float, float, str]], n: int, session: SessionModel,
                      rng: np.random.Generator, silent: bool) -> np.ndarray:
    """(n, muscles) activation (0..~1.5) for a phoneme sequence; larynx is 0 when silent."""
    track = _target_track(phonemes, n, rng)
    # the muscles act before the sound: look ahead by the lag plus the smoother's delay
    tau_s = MUSCLE_TAU_S if session.tau_s is None else session.tau_s
    lookahead = np.round((session.lead_s + 2 * tau_s) * EMG_RATE).astype(int)
    shifted = np.empty_like(track)
    for m in range(track.shape[1]):
        k = int(lookahead[m])
        shifted[:, m] = np.concatenate([track[k:, m], np.repeat(track[-1:, m], k)])[:n]
    act = _smooth(shifted, tau_s)
    act *= np.exp(0.15 * _slow_noise(rng, n, len(MUSCLES), 1.5))        # effort fluctuations
    act += 0.03 + 0.02 * np.abs(_slow_noise(rng, n, len(MUSCLES), 0.5))  # tonic rest level
    act *= session.muscle_gain
    if silent:
        act[:, LARYNX] = 0.0
        act *= session.silent_factor * rng.lognormal(0.0, 0.08)
    return np.clip(act, 0.0, None)


def synthesize_emg(phonemes: list[tuple[float, float, str]], n: int, session: SessionModel,
                   rng: np.random.Generator, silent: bool, rest: bool = False) -> np.ndarray:
    """(n, 8) raw EMG in microvolts at 1 kHz for a phoneme sequence (or rest)."""
    if rest:
        act = (0.03 + 0.02 * np.abs(_slow_noise(rng, n, len(MUSCLES), 0.5))) * session.muscle_gain
        if silent:
            act[:, LARYNX] = 0.0
    else:
        act = muscle_activation(phonemes, n, session, rng, silent)
    pad = 300  # let the band-pass filters settle
    white = rng.standard_normal((n + pad, len(MUSCLES)))
    sources = np.empty((n, len(MUSCLES)))
    for m, sos in enumerate(session._sos):
        band = signal.sosfilt(sos, white[:, m])[pad:]
        sources[:, m] = band / max(float(np.std(band)), 1e-12)
    sources *= act * (session.amplitude_uv * MUSCLE_STRENGTH)
    emg = sources @ session.mixing.T

    t = np.arange(n) / EMG_RATE
    emg += rng.standard_normal((n, N_CHANNELS)) * session.sensor_noise_uv
    # mains: 60 Hz with odd harmonics stronger, amplitude breathing slowly
    phase = rng.uniform(0, 2 * np.pi)
    mains = np.zeros(n)
    for k, rel in ((1, 1.0), (2, 0.15), (3, 0.4), (4, 0.05), (5, 0.2), (6, 0.03), (7, 0.1)):
        mains += rel * np.sin(2 * np.pi * 60.0 * k * t + k * phase)
    breathing = 1.0 + 0.1 * _slow_noise(rng, n, 1, 0.5)
    emg += (mains[:, None] * breathing) * session.mains_uv
    emg += _slow_noise(rng, n, N_CHANNELS, 0.3) * session.drift_uv
    emg += session.dc_offset_uv
    if rng.random() < 0.08:
        emg += _movement_artefact(rng, n)
    return emg


def _movement_artefact(rng: np.random.Generator, n: int) -> np.ndarray:
    """A short low-frequency bump on a few neighbouring channels (swallow, head movement)."""
    out = np.zeros((n, N_CHANNELS))
    width = int(rng.uniform(0.1, 0.35) * EMG_RATE)
    centre = int(rng.integers(0, max(1, n)))
    t = np.arange(n) - centre
    bump = np.exp(-0.5 * (t / (width / 2.5)) ** 2) * np.sin(2 * np.pi * rng.uniform(2, 8) * t / EMG_RATE)
    first = int(rng.integers(0, N_CHANNELS))
    for c in range(first, first + int(rng.integers(2, 5))):
        out[:, c % N_CHANNELS] = bump * rng.uniform(15, 60) * rng.choice((-1, 1))
    return out
