"""CTC beam search with a word n-gram LM through flashlight-text 0.0.7.

Two modes, both over the study's character tokens (``VOCAB.symbols``: blank at
index 0, ``" "`` as the word separator):

* **lexicon** (``lexicon=True``): flashlight's ``LexiconDecoder``. Words are
  constrained to the lexicon (the training words), each spelled as its
  characters followed by the separator ``" "``; the trie carries each word's
  unigram LM score, smeared with ``SmearingMode.MAX`` so partial words are
  ranked by their best completion. The LM is the ARPA file loaded by
  flashlight's ``KenLM``. ``alpha`` is the LM weight (on KenLM's log10 scores),
  ``beta`` the score added per word, out-of-lexicon words get ``unk_score``
  (-inf: never). Our models emit no space after the last word, so one frame
  that is certain of the separator is appended to every utterance: it closes
  the final word without favouring any hypothesis.
* **lexicon-free** (``lexicon=False``): flashlight's ``LexiconFreeDecoder``
  asks the LM for a score at every character, so a word LM cannot be given to
  it directly. :class:`CharacterWordLM` bridges the two: it keeps the partial
  word in its state, scores nothing inside a word, and when the separator (or
  the end) closes a word adds ``alpha * log10 p(word | previous words) + beta``
  from the same ARPA file (read by :class:`~semg_study.decoding.lm.ArpaModel`).
  Any character string can come out; unknown words score as ``<unk>``.

Without an LM (``lm_path=None``) flashlight's ``ZeroLM`` is used: beam search
over the emissions alone.

Speed: flashlight calls a Python LM once per hypothesis and candidate token
(about 10 us a call), so lexicon-free decoding considers only the
:data:`LEXICON_FREE_TOKEN_BEAM` most likely tokens of each frame by default
(``beam_size_token``); lexicon decoding, native C++ throughout, considers all.
"""
from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from semg_study.decoding.lm import BOS, EOS, UNK, ArpaModel
from semg_study.errors import ConfigError, DataError
from semg_study.text import VOCAB, CharVocab, normalize_text

SEPARATOR = " "
# A log-probability low enough to rule a token out in the appended separator
# frame, finite so that no NaN can appear in flashlight's sums.
_RULED_OUT = -1.0e4
LEXICON_FREE_TOKEN_BEAM = 8


def _flashlight():
    from flashlight.lib.text import decoder
    from flashlight.lib.text import dictionary
    from flashlight.lib.text.decoder.kenlm import KenLM

    return decoder, dictionary, KenLM


@contextlib.contextmanager
def _captured_stderr():
    """Collect what C++ code writes to fd 2 (KenLM's progress bar) instead of printing it."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        captured = {"text": ""}
        try:
            yield captured
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            sink.seek(0)
            captured["text"] = sink.read().decode("utf-8", "replace")


def load_kenlm(path: Path, word_dict):
    """flashlight's KenLM on an ARPA file; a file KenLM rejects is a DataError naming it."""
    _, _, KenLM = _flashlight()
    with _captured_stderr() as log:
        try:
            return KenLM(str(path), word_dict)
        except Exception as exc:  # KenLM raises plain RuntimeErrors
            problem = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise DataError(path, f"KenLM cannot load this ARPA file: {problem}") from exc
    # (log["text"] holds KenLM's "Reading ..." progress output; nothing in it is needed)


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):
        x = x.detach().cpu().float().numpy()
    return np.asarray(x, dtype=np.float32)


def _make_char_word_lm_class():
    decoder, _, _ = _flashlight()

    class CharacterWordLM(decoder.LM):
        """A word n-gram LM queried one character at a time (see module doc)."""

        def __init__(self, arpa: ArpaModel | None, symbols: Sequence[str], separator_index: int,
                     alpha: float, beta: float):
            decoder.LM.__init__(self)
            self.arpa = arpa
            self.symbols = list(symbols)
            self.separator_index = separator_index
            self.alpha = float(alpha)
            self.beta = float(beta)
            self.history = max(0, (arpa.order - 1) if arpa is not None else 0)
            self._states: dict = {}
            self._word_cache: dict[tuple[tuple[str, ...], str], float] = {}

        def _word_score(self, context: tuple[str, ...], word: str) -> float:
            key = (context, word)
            cached = self._word_cache.get(key)
            if cached is None:
                lm = self.arpa.log10_prob(word, context) if self.arpa is not None else 0.0
                cached = self.alpha * lm + (self.beta if word != EOS else 0.0)
                self._word_cache[key] = cached
            return cached

        def _push(self, context: tuple[str, ...], word: str) -> tuple[str, ...]:
            context = context + (word,)
            return context[-self.history:] if self.history else ()

        def start(self, start_with_nothing: bool):
            self._states.clear()  # one decode at a time; states die with it
            if len(self._word_cache) > 1_000_000:  # word scores are reused across utterances, up to a bound
                self._word_cache.clear()
            state = decoder.LMState()
            self._states[state] = ((BOS,) if self.history else (), "", 0.0)
            return state

        def score(self, state, token_index: int):
            child = state.child(token_index)
            known = self._states.get(child)
            if known is not None:
                return child, known[2]
            context, partial = self._states[state][:2]
            if token_index == self.separator_index:
                if partial:
                    value = self._word_score(context, partial)
                    entry = (self._push(context, partial), "", value)
                else:
                    entry = (context, "", 0.0)
            else:
                entry = (context, partial + self.symbols[token_index], 0.0)
            self._states[child] = entry
            return child, entry[2]

        def finish(self, state):
            context, partial = self._states[state][:2]
            value = 0.0
            if partial:
                value += self._word_score(context, partial)
                context = self._push(context, partial)
            value += self._word_score(context, EOS)
            child = state.child(-1)
            self._states[child] = (context, "", value)
            return child, value

    return CharacterWordLM


class BeamDecoder:
    """Beam search decoding of (B, T, V) CTC log-probabilities into transcripts."""

    def __init__(self, lm_path: str | Path | None, lexicon_words: Sequence[str] | None,
                 vocab: CharVocab = VOCAB, alpha: float = 0.5, beta: float = 1.0, beam: int = 50,
                 lexicon: bool = True, beam_threshold: float = 25.0,
                 beam_size_token: int | None = None, unk_score: float = float("-inf"),
                 sil_score: float = 0.0):
        decoder, dictionary, KenLM = _flashlight()
        if beam < 1:
            raise ConfigError(f"beam size must be at least 1, got {beam}")
        if SEPARATOR not in vocab.symbols or vocab.symbols[vocab.blank_id] == SEPARATOR:
            raise ConfigError("the vocabulary needs ' ' as its word separator")
        self.vocab = vocab
        self.lexicon = bool(lexicon)
        self.lm_path = Path(lm_path) if lm_path is not None else None
        if beam_size_token is None:
            beam_size_token = len(vocab) if self.lexicon else min(len(vocab), LEXICON_FREE_TOKEN_BEAM)
        self.settings = {
            "decoder": "beam", "lexicon": self.lexicon, "alpha": float(alpha), "beta": float(beta),
            "beam": int(beam), "beam_threshold": float(beam_threshold),
            "beam_size_token": int(beam_size_token),
            # JSON has no -inf: "-inf" says "out-of-lexicon words are never emitted".
            "unk_score": float(unk_score) if math.isfinite(unk_score) else str(float(unk_score)),
            "sil_score": float(sil_score),
            "lm": str(self.lm_path) if self.lm_path else None,
            "lm_units": "log10 (KenLM)",
        }
        if self.lm_path is not None and not self.lm_path.is_file():
            raise DataError(self.lm_path, "language model file not found")
        self.tokens = dictionary.Dictionary(list(vocab.symbols))
        self.blank = vocab.blank_id
        self.separator = self.tokens.get_index(SEPARATOR)
        criterion = decoder.CriterionType.CTC
        token_beam = int(beam_size_token)

        if self.lexicon:
            words = sorted({w for w in (lexicon_words or []) if w})
            bad = [w for w in words if normalize_text(w) != w or SEPARATOR in w]
            if bad:
                raise ConfigError(f"lexicon words must be normalised single words; bad: {bad[:5]}")
            if not words:
                raise ConfigError("lexicon decoding needs at least one lexicon word")
            entries = {w: [[w]] for w in words}
            for special in (UNK, BOS, EOS):
                entries.setdefault(special, [[special]])
            self.word_dict = dictionary.create_word_dict(entries)
            self.lm = load_kenlm(self.lm_path, self.word_dict) if self.lm_path else decoder.ZeroLM()
            start = self.lm.start(False)
            self.trie = decoder.Trie(len(vocab), self.separator)
            for word in words:
                _, unigram = self.lm.score(start, self.word_dict.get_index(word))
                spelling = [self.tokens.get_index(c) for c in word] + [self.separator]
                self.trie.insert(spelling, self.word_dict.get_index(word), unigram)
            self.trie.smear(decoder.SmearingMode.MAX)
            options = decoder.LexiconDecoderOptions(
                beam_size=int(beam), beam_size_token=token_beam, beam_threshold=float(beam_threshold),
                lm_weight=float(alpha), word_score=float(beta), unk_score=float(unk_score),
                sil_score=float(sil_score), log_add=False, criterion_type=criterion)
            self.decoder = decoder.LexiconDecoder(options, self.trie, self.lm, self.separator,
                                                  self.blank, self.word_dict.get_index(UNK), [], False)
        else:
            if self.lm_path is not None:
                self.lm = _make_char_word_lm_class()(ArpaModel(self.lm_path), vocab.symbols,
                                                     self.separator, alpha, beta)
            else:
                self.lm = decoder.ZeroLM()
            # alpha and beta are applied inside CharacterWordLM, so flashlight's weight is 1.
            options = decoder.LexiconFreeDecoderOptions(
                beam_size=int(beam), beam_size_token=token_beam, beam_threshold=float(beam_threshold),
                lm_weight=1.0, sil_score=float(sil_score), log_add=False, criterion_type=criterion)
            self.decoder = decoder.LexiconFreeDecoder(options, self.lm, self.separator, self.blank, [])

    def _decode_one(self, emissions: np.ndarray) -> str:
        if self.lexicon:
            close = np.full((1, emissions.shape[1]), _RULED_OUT, dtype=np.float32)
            close[0, self.separator] = 0.0
            emissions = np.concatenate([emissions, close], axis=0)
        emissions = np.ascontiguousarray(emissions, dtype=np.float32)
        if emissions.shape[0] == 0:
            return ""
        results = self.decoder.decode(emissions.ctypes.data, emissions.shape[0], emissions.shape[1])
        if not results:
            return ""
        best = results[0]
        if self.lexicon:
            return " ".join(self.word_dict.get_entry(w) for w in best.words if w >= 0)
        ids = self.vocab.ctc_collapse(t for t in best.tokens if t >= 0)
        return " ".join(self.vocab.decode(ids).split())

    def decode(self, log_probs, lengths: Sequence[int] | None = None) -> list[str]:
        """Transcripts for (B, T, V) log-probabilities and valid lengths (B,)."""
        scores = _as_numpy(log_probs)
        if scores.ndim != 3 or scores.shape[2] != len(self.vocab):
            raise ValueError(f"expected (batch, time, {len(self.vocab)}) log-probabilities, got {scores.shape}")
        if not np.isfinite(scores).all():
            # flashlight sums scores; -inf from a hard mask would poison them.
            scores = np.nan_to_num(scores, nan=_RULED_OUT, neginf=_RULED_OUT, posinf=0.0)
        frames = scores.shape[1]
        lens = [frames] * scores.shape[0] if lengths is None else [int(n) for n in _as_numpy(lengths).reshape(-1)]
        return [self._decode_one(scores[b, : max(0, min(lens[b], frames))]) for b in range(scores.shape[0])]
