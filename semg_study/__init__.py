"""semg-study: silent-speech recognition from facial surface EMG.

The module behind the dissertation "Novel Transformer Architecture for sEMG
Silent Speech Recognition": data (Digital Voicing layout, an embedded synthetic
corpus, LJSpeech layout), features, models, training, CTC decoding with an
n-gram LM, evaluation, latency benchmarks, live capture and report figures.
"""
__version__ = "0.1.0"
