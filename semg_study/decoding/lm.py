"""Word n-gram language model: interpolated modified Kneser-Ney, written as ARPA.

KenLM's ``lmplz`` cannot be installed here, so the study estimates its own
model and writes the ARPA file that flashlight-text's ``KenLM`` loads.

Estimation (Chen & Goodman 1998, "interpolated modified Kneser-Ney", the
method ``lmplz`` implements):

* Every sentence is normalised with :func:`semg_study.text.normalize_text`,
  split into words and wrapped as ``<s> w1 ... wk </s>``; n-grams of every
  order 1..N are counted.
* Counts used for estimation: the raw count at the highest order N; at lower
  orders the *continuation count* N1+(. w_i..w_n), the number of distinct words
  seen before the n-gram, except for n-grams that start with ``<s>`` (nothing
  can precede them), which keep their raw count.
* Three discounts per order, from that order's count-of-counts n1..n4:
  ``Y = n1/(n1+2 n2)``, ``D1 = 1-2Y n2/n1``, ``D2 = 2-3Y n3/n2``,
  ``D3+ = 3-4Y n4/n3``. Small corpora often lack some n_k; then the order falls
  back to absolute discounting with one discount ``D = Y`` (or 0.5 when n1 or
  n2 is zero). Every discount is clamped to ``[0.05, k - 0.05]`` so that seen
  n-grams keep probability and every context leaves mass for backing off.
* For a context h with counts a(h w): ``u(w|h) = (a(hw) - D(a(hw))) / sum_x a(hx)``
  and the backoff mass ``gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / sum_x a(hx)``.
  Interpolation: ``p(w|h) = u(w|h) + gamma(h) p(w|h')`` with h' = h minus its
  first word; at the unigram level p(w|h') is uniform over the predictable
  vocabulary (all words, ``</s>`` and ``<unk>``; ``<s>`` is never predicted and
  gets the conventional -99).
* ARPA stores the interpolated p(w|h) of every seen n-gram and ``gamma(h)`` as
  the backoff of h; an unseen h w is then ``gamma(h) p(w|h')``, exactly the
  interpolated value, so every context's distribution sums to one.

The file has TAB-separated fields (KenLM rejects spaces), log10 values, and a
``\\data\\`` block whose counts match the sections. When no sentence is long
enough for order N, the highest order with n-grams is written (recorded as
``effective_order``).
"""
from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from semg_study import io
from semg_study.errors import ConfigError, DataError, StudyError
from semg_study.text import normalize_text

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
NEVER = -99.0  # log10 probability ARPA files give <s>, which is never predicted
METHOD = "interpolated modified Kneser-Ney (absolute-discounting fallback per order), ARPA backoff form"
_MIN_DISCOUNT = 0.05

Ngram = tuple[str, ...]


@dataclass
class NgramModel:
    """An estimated model: log10 probabilities and backoffs per order."""

    order: int  # requested
    effective_order: int  # highest order that has n-grams
    log10_probs: list[dict[Ngram, float]]  # index n-1 -> {ngram: log10 p(w | h)}
    log10_backoffs: list[dict[Ngram, float]]  # index n-1 -> {ngram: log10 gamma(ngram)}
    discounts: list[tuple[float, float, float]]
    words: list[str]  # the training word list (sorted), without <s> </s> <unk>
    sentences: int

    def counts(self) -> list[int]:
        return [len(p) for p in self.log10_probs]


def text_fingerprint(texts: Iterable[str]) -> str:
    """SHA-256 of the normalised texts in order: identifies what an LM was trained on."""
    digest = hashlib.sha256()
    for text in texts:
        digest.update(normalize_text(text).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _discounts(adjusted: dict[Ngram, int]) -> tuple[float, float, float]:
    n = [0, 0, 0, 0, 0]
    for c in adjusted.values():
        if 1 <= c <= 4:
            n[c] += 1
    n1, n2, n3, n4 = n[1:]
    if n1 > 0 and n2 > 0 and n3 > 0 and n4 > 0:
        y = n1 / (n1 + 2 * n2)
        raw = (1 - 2 * y * n2 / n1, 2 - 3 * y * n3 / n2, 3 - 4 * y * n4 / n3)
    else:
        d = n1 / (n1 + 2 * n2) if n1 > 0 and n2 > 0 else 0.5
        raw = (d, d, d)
    return tuple(min(max(d, _MIN_DISCOUNT), k - _MIN_DISCOUNT) for k, d in zip((1, 2, 3), raw))


def estimate(sentences: Iterable[str], order: int = 3) -> NgramModel:
    """Estimate an interpolated modified Kneser-Ney model from transcripts."""
    if order < 2:
        # KenLM (and so flashlight's decoder) loads bigram models and up only.
        raise ConfigError(f"n-gram order must be at least 2 (KenLM needs bigrams), got {order}")
    raw: list[dict[Ngram, int]] = [defaultdict(int) for _ in range(order)]
    n_sentences = 0
    vocab: set[str] = set()
    for text in sentences:
        words = normalize_text(text).split()
        if not words:
            continue  # an empty transcript says nothing about word sequences
        n_sentences += 1
        vocab.update(words)
        tokens = [BOS, *words, EOS]
        for n in range(1, order + 1):
            for i in range(len(tokens) - n + 1):
                raw[n - 1][tuple(tokens[i: i + n])] += 1
    if n_sentences == 0:
        raise StudyError("cannot build a language model: no non-empty training transcripts")
    effective = max(n for n in range(1, order + 1) if raw[n - 1])
    raw = raw[:effective]

    # Counts used for estimation (see module doc).
    adjusted: list[dict[Ngram, int]] = []
    for n in range(1, effective + 1):
        if n == effective:
            adjusted.append(dict(raw[n - 1]))
            continue
        left_extensions: dict[Ngram, int] = defaultdict(int)
        for longer in raw[n]:
            left_extensions[longer[1:]] += 1
        adjusted.append({g: (c if g[0] == BOS else left_extensions[g]) for g, c in raw[n - 1].items()})
    # <s> is a context only; it is never predicted.
    adjusted[0].pop((BOS,), None)

    discounts = [_discounts(a) for a in adjusted]

    def context_stats(counts: dict[Ngram, int], d: tuple[float, float, float]):
        totals: dict[Ngram, int] = defaultdict(int)
        mass: dict[Ngram, float] = defaultdict(float)
        for g, c in counts.items():
            totals[g[:-1]] += c
            mass[g[:-1]] += d[min(c, 3) - 1]
        return totals, {h: mass[h] / totals[h] for h in totals}

    probs: list[dict[Ngram, float]] = []
    gammas: list[dict[Ngram, float]] = []  # index n-1: gamma of contexts of order-n n-grams
    for n in range(1, effective + 1):
        counts, d = adjusted[n - 1], discounts[n - 1]
        totals, gamma = context_stats(counts, d)
        gammas.append(gamma)
        level: dict[Ngram, float] = {}
        if n == 1:
            predictable = sorted(vocab) + [EOS, UNK]
            uniform = 1.0 / len(predictable)
            for w in predictable:
                c = counts.get((w,), 0)
                u = (c - d[min(c, 3) - 1]) / totals[()] if c > 0 else 0.0
                level[(w,)] = u + gamma[()] * uniform
        else:
            lower = probs[n - 2]
            for g, c in counts.items():
                h = g[:-1]
                level[g] = (c - d[min(c, 3) - 1]) / totals[h] + gamma[h] * lower[g[1:]]
        probs.append(level)

    log10_probs = [{g: math.log10(p) for g, p in level.items()} for level in probs]
    log10_probs[0][(BOS,)] = NEVER
    log10_backoffs: list[dict[Ngram, float]] = []
    for n in range(1, effective):  # backoffs live on n-grams that are contexts of order n+1
        log10_backoffs.append({h: math.log10(g) for h, g in gammas[n].items()})
    log10_backoffs.append({})
    return NgramModel(order=order, effective_order=effective, log10_probs=log10_probs,
                      log10_backoffs=log10_backoffs, discounts=discounts,
                      words=sorted(vocab), sentences=n_sentences)


def _ngram_sort_key(g: Ngram):
    return g


def arpa_text(model: NgramModel) -> str:
    """The ARPA rendering of ``model`` (TAB-separated, log10)."""
    lines = ["\\data\\"]
    for n, count in enumerate(model.counts(), start=1):
        lines.append(f"ngram {n}={count}")
    for n in range(1, model.effective_order + 1):
        lines.append("")
        lines.append(f"\\{n}-grams:")
        backoffs = model.log10_backoffs[n - 1]
        highest = n == model.effective_order
        for g in sorted(model.log10_probs[n - 1], key=_ngram_sort_key):
            fields = [f"{model.log10_probs[n - 1][g]:.7f}", " ".join(g)]
            if not highest and g[-1] != EOS:
                fields.append(f"{backoffs.get(g, 0.0):.7f}")
            lines.append("\t".join(fields))
    lines.append("")
    lines.append("\\end\\")
    return "\n".join(lines) + "\n"


def write_arpa(model: NgramModel, path: str | Path) -> Path:
    path = Path(path)
    io.write_text(path, arpa_text(model))
    return path


class ArpaModel:
    """A small ARPA reader and query (validates the format; used by tests and lexicon-free decoding)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.log10_probs: list[dict[Ngram, float]] = []
        self.log10_backoffs: list[dict[Ngram, float]] = []
        self._parse()
        self.order = len(self.log10_probs)

    def _fail(self, line_no: int, problem: str) -> DataError:
        return DataError(self.path, f"line {line_no}: {problem}")

    def _parse(self) -> None:
        try:
            lines = self.path.read_text(encoding="utf-8").split("\n")
        except OSError as exc:
            raise DataError(self.path, f"cannot read ARPA file ({exc.strerror})") from exc
        i = 0
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != "\\data\\":
            raise DataError(self.path, "not an ARPA file: the first line must be \\data\\")
        i += 1
        declared: list[int] = []
        while i < len(lines) and lines[i].startswith("ngram "):
            key, _, value = lines[i][6:].partition("=")
            if not key.strip().isdigit() or not value.strip().isdigit() or int(key) != len(declared) + 1:
                raise self._fail(i + 1, f"bad count line {lines[i]!r}")
            declared.append(int(value))
            i += 1
        if not declared:
            raise self._fail(i + 1, "no 'ngram N=count' lines in the \\data\\ block")
        for n in range(1, len(declared) + 1):
            while i < len(lines) and not lines[i].strip():
                i += 1
            if i >= len(lines) or lines[i].strip() != f"\\{n}-grams:":
                raise self._fail(i + 1, f"expected the \\{n}-grams: section")
            i += 1
            probs: dict[Ngram, float] = {}
            backoffs: dict[Ngram, float] = {}
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("\\"):
                fields = lines[i].split("\t")
                if len(fields) not in (2, 3):
                    raise self._fail(i + 1, f"expected TAB-separated 'log10p<TAB>words[<TAB>backoff]', got {lines[i]!r}")
                words = tuple(fields[1].split(" "))
                if len(words) != n or any(not w for w in words):
                    raise self._fail(i + 1, f"expected {n} words in {fields[1]!r}")
                try:
                    probs[words] = float(fields[0])
                    if len(fields) == 3:
                        backoffs[words] = float(fields[2])
                except ValueError as exc:
                    raise self._fail(i + 1, f"not a number: {exc}") from exc
                i += 1
            if len(probs) != declared[n - 1]:
                raise DataError(self.path, f"\\data\\ declares {declared[n - 1]} {n}-grams but the section has {len(probs)}")
            self.log10_probs.append(probs)
            self.log10_backoffs.append(backoffs)
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i >= len(lines) or lines[i].strip() != "\\end\\":
            raise self._fail(i + 1, "expected \\end\\")
        if (UNK,) not in self.log10_probs[0]:
            raise DataError(self.path, "the unigrams lack <unk>")

    @property
    def vocabulary(self) -> list[str]:
        return [g[0] for g in self.log10_probs[0]]

    def log10_prob(self, word: str, context: Sequence[str] = ()) -> float:
        """log10 p(word | context) with ARPA backoff; unknown words score as <unk>."""
        if (word,) not in self.log10_probs[0]:
            word = UNK
        context = tuple(w if (w,) in self.log10_probs[0] else UNK for w in context)
        context = context[-(self.order - 1):] if self.order > 1 else ()
        penalty = 0.0
        while True:
            g = context + (word,)
            p = self.log10_probs[len(g) - 1].get(g)
            if p is not None:
                return p + penalty
            penalty += self.log10_backoffs[len(context) - 1].get(context, 0.0)
            context = context[1:]


@dataclass
class LMBuild:
    """Where an LM was written and what it was built from."""

    arpa_path: Path
    lexicon_path: Path
    info_path: Path
    order: int
    effective_order: int
    utterance_ids: list[str]
    text_fingerprint: str
    words: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"arpa": str(self.arpa_path), "lexicon": str(self.lexicon_path),
                "order": self.order, "effective_order": self.effective_order,
                "training_utterances": len(self.utterance_ids),
                "text_fingerprint": self.text_fingerprint}


def utterance_id(utterance) -> str:
    """A stable id for an utterance (the dataset's ``id`` when it has one)."""
    uid = getattr(utterance, "id", None)
    if uid:
        return str(uid)
    return f"{utterance.session}/{utterance.index}"


def lm_paths(out_dir: str | Path, order: int) -> tuple[Path, Path, Path]:
    out_dir = Path(out_dir)
    return out_dir / f"{order}gram.arpa", out_dir / "lexicon.txt", out_dir / f"{order}gram.json"


def build_lm(texts_by_id: Sequence[tuple[str, str]], out_dir: str | Path, order: int = 3,
             source: dict | None = None) -> LMBuild:
    """Estimate from ``(utterance_id, transcript)`` pairs; write ARPA, lexicon and a record.

    Files: ``OUT/<order>gram.arpa``, ``OUT/lexicon.txt`` (one training word per
    line; spellings are the words' characters) and ``OUT/<order>gram.json``
    (method, counts, discounts, utterance ids and the fingerprint of the texts).
    """
    ids = [uid for uid, _ in texts_by_id]
    texts = [text for _, text in texts_by_id]
    model = estimate(texts, order)
    arpa_path, lexicon_path, info_path = lm_paths(out_dir, order)
    fingerprint = text_fingerprint(texts)
    write_arpa(model, arpa_path)
    io.write_text(lexicon_path, "".join(w + "\n" for w in model.words))
    io.write_json(info_path, {
        "method": METHOD, "order": order, "effective_order": model.effective_order,
        "counts": model.counts(), "discounts": model.discounts,
        "sentences": model.sentences, "words": len(model.words),
        "text_fingerprint": fingerprint, "source": source or {},
        "utterance_ids": ids,
    })
    return LMBuild(arpa_path, lexicon_path, info_path, order, model.effective_order, ids,
                   fingerprint, model.words)


def training_transcripts(corpus, condition: str = "open", mode=None,
                         split: str = "train") -> list[tuple[str, str]]:
    """``(utterance id, transcript)`` of a corpus's **training** split, sorted by id.

    ``split`` exists only to be refused: dev and test text must never reach the
    LM (it would leak the answers into decoding), so anything but ``"train"``
    raises :class:`ConfigError`. ``mode`` is one mode, a list of modes, or
    ``None`` (all).
    """
    if split != "train":
        raise ConfigError(f"the language model is built from the train split only, not {split!r}")
    modes = list(mode) if isinstance(mode, (list, tuple)) else [mode]
    pairs: dict[str, str] = {}
    for m in modes or [None]:
        for u in corpus.utterances(condition=condition, split="train", mode=m):
            pairs[utterance_id(u)] = u.text
    return sorted(pairs.items())


LM_TEXT_CHOICES = ("train", "train+corpus")


def held_out_lm_text(corpus, condition: str = "open") -> tuple[Path | None, list[tuple[str, str]]]:
    """The corpus's held-out LM sentences for ``condition`` as ``(id, normalised text)`` pairs.

    ``ROOT/lm_text/<condition>_vocab.txt`` (one sentence per line; the synthetic
    corpus writes it, from the same text generator, never a recorded sentence).
    Returns ``(None, [])`` when the corpus has no such file (the real dataset).
    Lines that are also a dev or test transcript are dropped, so the LM can never
    hold an answer even if a user's file does.
    """
    root = Path(getattr(corpus, "root", ""))
    path = root / "lm_text" / f"{condition}_vocab.txt"
    if not path.is_file():
        return None, []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(path, f"cannot read the held-out LM text ({exc})") from exc
    answers = {normalize_text(u.text) for split in ("dev", "test")
               for u in corpus.utterances(condition=condition, split=split)}
    pairs = []
    for i, line in enumerate(lines):
        text = normalize_text(line)
        if text and text not in answers:
            pairs.append((f"lm_text:{condition}:{i}", text))
    return path, pairs


def build_lm_from_corpus(corpus, out_dir: str | Path, order: int = 3, condition: str = "open",
                         split: str = "train", mode=None, lm_text: str = "train") -> LMBuild:
    """Build the LM from a corpus's training transcripts (see :func:`training_transcripts`),
    plus, with ``lm_text="train+corpus"``, its held-out LM text (:func:`held_out_lm_text`)."""
    if lm_text not in LM_TEXT_CHOICES:
        raise ConfigError(f"decode.lm_text must be one of {', '.join(LM_TEXT_CHOICES)}, not {lm_text!r}")
    pairs = training_transcripts(corpus, condition, mode, split)
    if not pairs:
        raise StudyError(f"no training utterances for condition={condition!r} mode={mode!r}: cannot build an LM")
    held_path, held = held_out_lm_text(corpus, condition) if lm_text == "train+corpus" else (None, [])
    return build_lm(pairs + held, out_dir, order, source={
        "condition": condition, "split": "train", "mode": mode, "corpus": str(getattr(corpus, "root", "")),
        "testset": str(getattr(corpus, "testset_path", None)), "lm_text": lm_text,
        "held_out_text": str(held_path) if held_path else None, "held_out_sentences": len(held),
        "training_transcripts": len(pairs)})


def load_lexicon(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        words = [w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip()]
    except OSError as exc:
        raise DataError(path, f"cannot read lexicon ({exc.strerror})") from exc
    bad = [w for w in words if normalize_text(w) != w or " " in w]
    if bad:
        raise DataError(path, f"lexicon words must be normalised single words; bad: {bad[:5]}")
    return words
