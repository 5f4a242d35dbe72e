"""The embedded synthetic corpus: TTS speech, phoneme alignments and modelled sEMG.

``generate_corpus(out, profile, seed, layout)`` writes a corpus in the real
Digital Voicing layout (or an LJSpeech-layout TTS corpus); ``describe(root)``
summarises one. Everything it writes is labelled synthetic in ``corpus.json``.
See :mod:`semg_study.synth.emg_model` for the signal model and its target ranges.
"""
from semg_study.synth.corpus import cache_is_valid, describe, generate_corpus
from semg_study.synth.emg_model import TARGET_RANGES_UV
from semg_study.synth.profiles import PROFILES

__all__ = ["generate_corpus", "describe", "cache_is_valid", "PROFILES", "TARGET_RANGES_UV"]
