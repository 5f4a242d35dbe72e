"""Greedy CTC, the ARPA LM writer and flashlight beam search, on hand-built emissions."""
from __future__ import annotations

import math

import numpy as np
import pytest

from semg_study.decoding.greedy import greedy_decode, greedy_ids
from semg_study.decoding.lm import (BOS, EOS, UNK, ArpaModel, build_lm, build_lm_from_corpus,
                                    estimate, load_lexicon)
from semg_study.errors import ConfigError, DataError
from semg_study.text import VOCAB

TRAIN_TEXTS = [
    "The cat sat on the mat.", "the dog sat on the log", "a cat and a dog",
    "October 23, 2006", "the cat ate", "on the mat the cat sat", "a hat",
    "the cat sat on the mat", "the dog sat", "the cat sat on the log", "look at the moon",
]


def frames_for(text: str) -> list[int]:
    """One frame per character with a blank after each (and between repeats)."""
    out = [0]
    for ch in text:
        out += [VOCAB.symbols.index(ch), 0]
    return out


def peaked(frame_ids: list[int], peak: float = 0.9) -> np.ndarray:
    e = np.full((len(frame_ids), len(VOCAB)), (1 - peak) / (len(VOCAB) - 1))
    e[np.arange(len(frame_ids)), frame_ids] = peak
    return np.log(e).astype(np.float32)


def ambiguous(text: str, position: int, rival: str, rival_margin: float = 0.02) -> np.ndarray:
    """Peaked emission for ``text`` except that the character at ``position``
    is a near tie that ``rival`` wins by ``rival_margin``."""
    ids = frames_for(text)
    probs = np.exp(peaked(ids))
    frame = 1 + 2 * position
    probs[frame] = 0.05 / (len(VOCAB) - 2)
    probs[frame, VOCAB.symbols.index(text[position])] = 0.475 - rival_margin / 2
    probs[frame, VOCAB.symbols.index(rival)] = 0.475 + rival_margin / 2
    return np.log(probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def lm(tmp_path_factory):
    out = tmp_path_factory.mktemp("lm")
    return build_lm([(f"u{i}", t) for i, t in enumerate(TRAIN_TEXTS)], out, order=3)


# --- greedy -------------------------------------------------------------------

def test_greedy_keeps_zero_and_every_character():
    for text in ["october 23 2006", "".join(VOCAB.symbols[1:]).strip(), "0 00 100 2000"]:
        assert greedy_decode(peaked(frames_for(text))[None]) == [text]


def test_greedy_drops_only_the_blank_and_merges_repeats():
    zero = VOCAB.symbols.index("0")
    a = VOCAB.symbols.index("a")
    ids = [0, zero, zero, 0, zero, a, a, 0, 0, a]
    assert greedy_ids(peaked(ids)[None]) == [[zero, zero, a, a]]
    assert greedy_decode(peaked(ids)[None]) == ["00aa"]


def test_greedy_respects_lengths():
    a, b = peaked(frames_for("ab")), peaked(frames_for("ab 0"))
    batch = np.stack([np.pad(a, ((0, len(b) - len(a)), (0, 0))), b])
    batch[0, len(a):] = peaked([VOCAB.symbols.index("z")] * (len(b) - len(a)))  # padding junk
    assert greedy_decode(batch, [len(a), len(b)]) == ["ab", "ab 0"]


# --- ARPA LM ------------------------------------------------------------------

def test_arpa_format_is_tab_separated_with_valid_counts(lm):
    text = lm.arpa_path.read_text()
    lines = text.splitlines()
    assert lines[0] == "\\data\\" and lines[-1] == "\\end\\"
    declared = {int(l[6:].split("=")[0]): int(l.split("=")[1]) for l in lines if l.startswith("ngram ")}
    assert sorted(declared) == [1, 2, 3]
    section, seen = None, {1: 0, 2: 0, 3: 0}
    for line in lines:
        if line.startswith("\\") and line.endswith("-grams:"):
            section = int(line[1:].split("-")[0])
        elif section and line and not line.startswith("\\"):
            fields = line.split("\t")
            assert len(fields) in (2, 3), line
            assert " " not in fields[0] and (len(fields) == 2 or " " not in fields[2]), line
            assert len(fields[1].split(" ")) == section, line
            assert float(fields[0]) <= 0
            if section == 3:
                assert len(fields) == 2, "highest order n-grams carry no backoff"
            seen[section] += 1
    assert seen == declared
    unigrams = {l.split("\t")[1] for l in lines if l.count("\t") >= 1 and len(l.split("\t")[1].split(" ")) == 1}
    assert {BOS, EOS, UNK, "october", "23", "2006", "cat"} <= unigrams
    assert "October" not in unigrams and "mat." not in unigrams  # normalised text only


def test_every_context_distribution_sums_to_one(lm):
    model = ArpaModel(lm.arpa_path)
    predictable = [w for w in model.vocabulary if w != BOS]
    contexts = [()] + [h for n in range(model.order - 1) for h in model.log10_probs[n] if h[-1] != EOS]
    assert len(contexts) > 20
    for h in contexts:
        total = sum(10 ** model.log10_prob(w, h) for w in predictable)
        assert total == pytest.approx(1.0, abs=1e-4), h
    # A seen continuation beats an unseen one; <unk> has a small but real probability.
    assert model.log10_prob("sat", ("the", "cat")) > model.log10_prob("dog", ("the", "cat"))
    assert -10 < model.log10_prob("zebra", ("the",)) == model.log10_prob(UNK, ("the",))


def test_modified_kneser_ney_continuation_counts():
    # "francisco" follows only "san" (one left context) though frequent; "glasses"
    # follows many words once: KN gives "glasses" the higher unigram probability.
    texts = ["san francisco"] * 6 + [f"{w} glasses" for w in ("red", "blue", "old", "new", "my", "his")]
    model = estimate(texts, order=2)
    uni = model.log10_probs[0]
    assert uni[("glasses",)] > uni[("francisco",)]
    assert all(0 < d < k for k, d in zip((1, 2, 3), model.discounts[0]))
    with pytest.raises(ConfigError, match="at least 2"):  # KenLM loads bigram models and up
        estimate(texts, order=1)


def test_arpa_loads_in_flashlight_kenlm_with_matching_scores(lm):
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import create_word_dict

    model = ArpaModel(lm.arpa_path)
    words = load_lexicon(lm.lexicon_path)
    word_dict = create_word_dict({w: [[w]] for w in words + [UNK, BOS, EOS]})
    kenlm = KenLM(str(lm.arpa_path), word_dict)
    state = kenlm.start(False)
    context: tuple[str, ...] = (BOS,)
    for word in ["the", "cat", "sat", "on", "the", "log"]:
        state, value = kenlm.score(state, word_dict.get_index(word))
        assert value == pytest.approx(model.log10_prob(word, context), abs=1e-4)
        context = (context + (word,))[-2:]
    _, end = kenlm.finish(state)
    assert end == pytest.approx(model.log10_prob(EOS, context), abs=1e-4)


def test_arpa_reader_names_the_file_and_problem(tmp_path):
    bad = tmp_path / "bad.arpa"
    bad.write_text("\\data\\\nngram 1=2\n\n\\1-grams:\n-1.0 <unk>\n-1.0\t</s>\n\n\\end\\\n")
    with pytest.raises(DataError, match=r"bad\.arpa: line 5: expected TAB-separated"):
        ArpaModel(bad)
    bad.write_text("\\data\\\nngram 1=3\n\n\\1-grams:\n-1.0\t<unk>\n-1.0\t</s>\n\n\\end\\\n")
    with pytest.raises(DataError, match="declares 3 1-grams but the section has 2"):
        ArpaModel(bad)


class _Utterance:
    def __init__(self, uid, text):
        self.id, self.text = uid, text


class _Corpus:
    """A stand-in corpus: train text about cats; dev/test text about things the LM must not see."""

    splits = {
        "train": [("t1", "the cat sat on the mat"), ("t2", "the dog sat"), ("t3", "a cat and a dog")],
        "dev": [("d1", "purple elephants dance quietly"), ("d2", "the cat danced")],
        "test": [("x1", "seventeen zebras ran"), ("x2", "the dog ate")],
    }

    def __init__(self):
        self.calls = []

    def utterances(self, condition="open", split="train", mode=None):
        self.calls.append(split)
        return [_Utterance(u, t) for u, t in self.splits[split]]


def _ngrams(text: str, order: int) -> set[tuple[str, ...]]:
    toks = [BOS, *text.split(), EOS]
    return {tuple(toks[i:i + n]) for n in range(1, order + 1) for i in range(len(toks) - n + 1)}


def test_lm_is_built_from_the_train_split_only(tmp_path):
    corpus = _Corpus()
    for split in ("dev", "test"):
        with pytest.raises(ConfigError, match="train split only"):
            build_lm_from_corpus(corpus, tmp_path / split, split=split)
    built = build_lm_from_corpus(corpus, tmp_path / "lm", order=3)
    assert corpus.calls == ["train"]
    assert built.utterance_ids == ["t1", "t2", "t3"]
    model = ArpaModel(built.arpa_path)
    in_model = {g for level in model.log10_probs for g in level}
    train = set().union(*(_ngrams(t, 3) for _, t in corpus.splits["train"]))
    held_out = set().union(*(_ngrams(t, 3) for s in ("dev", "test") for _, t in corpus.splits[s])) - train
    assert {("elephants",), ("the", "cat", "danced"), ("the", "dog", "ate")} <= held_out
    assert not (held_out & in_model)
    assert set(load_lexicon(built.lexicon_path)) == {"the", "cat", "sat", "on", "mat", "dog", "a", "and"}


# --- beam search --------------------------------------------------------------

def test_beam_without_lm_equals_greedy_on_peaked_emissions(lm):
    from semg_study.decoding.beam import BeamDecoder

    texts = ["october 23 2006", "look at the moon", "0 zq 10"]
    emissions = [peaked(frames_for(t)) for t in texts]
    width = max(len(e) for e in emissions)
    batch = np.stack([np.pad(e, ((0, width - len(e)), (0, 0))) for e in emissions])
    lengths = [len(e) for e in emissions]
    free = BeamDecoder(None, None, beam=8, lexicon=False)
    assert free.decode(batch, lengths) == greedy_decode(batch, lengths) == texts
    # Lexicon search without an LM keeps in-lexicon sentences as they are.
    lexicon = BeamDecoder(None, lm.words, beam=8, lexicon=True)
    assert lexicon.decode(batch[:2], lengths[:2]) == texts[:2]


@pytest.mark.parametrize("use_lexicon", [True, False])
def test_the_lm_fixes_an_ambiguous_emission(lm, use_lexicon):
    from semg_study.decoding.beam import BeamDecoder

    truth = "the cat sat on the mat"
    # 'h' narrowly beats 'c': greedy reads "the hat sat ..." ("hat" is a training word).
    emission = ambiguous(truth, truth.index("cat"), "h")[None]
    assert greedy_decode(emission) == ["the hat sat on the mat"]
    without = BeamDecoder(None, lm.words, beam=16, lexicon=use_lexicon)
    assert without.decode(emission) == ["the hat sat on the mat"]
    with_lm = BeamDecoder(lm.arpa_path, lm.words, alpha=0.8, beta=0.0, beam=16, lexicon=use_lexicon)
    assert with_lm.decode(emission) == [truth]


def test_lexicon_free_beam_can_spell_words_outside_the_lexicon(lm):
    from semg_study.decoding.beam import BeamDecoder

    emission = peaked(frames_for("the zebra sat"))[None]
    assert BeamDecoder(lm.arpa_path, lm.words, alpha=0.3, beam=8, lexicon=False).decode(emission) == ["the zebra sat"]
    # The lexicon decoder cannot: every word it emits is a training word.
    words = BeamDecoder(lm.arpa_path, lm.words, alpha=0.3, beam=8, lexicon=True).decode(emission)[0].split()
    assert "zebra" not in words and set(words) <= set(lm.words)


def test_beam_decoder_rejects_a_missing_lm_file(tmp_path):
    from semg_study.decoding.beam import BeamDecoder

    with pytest.raises(DataError, match="language model file not found"):
        BeamDecoder(tmp_path / "missing.arpa", ["cat"])


def test_a_file_kenlm_rejects_is_a_data_error_naming_it(tmp_path):
    from semg_study.decoding.beam import BeamDecoder

    bad = tmp_path / "broken.arpa"
    bad.write_text("\\data\\\nngram 1=1\n\n\\1-grams:\n-1.0 <unk>\n\n\\end\\\n")  # spaces, not TABs
    with pytest.raises(DataError, match=r"broken\.arpa: KenLM cannot load"):
        BeamDecoder(bad, ["cat"], lexicon=True)
