"""The consistency check the dissertation must pass before it is written (notebook 09 fails otherwise).

On the built document (its text still marked, :mod:`.values`):

1. **Traced numbers.** Every value the text printed is read again from its source (the table cell,
   the benchmark field, the manifest key, the constant of the code), formatted again by the rule of its
   kind and compared with what was printed. Every other digit in a paragraph, bullet, heading, caption,
   table cell or note is an untraced number: an error. (Quoted documents and the code printout carry
   their source.)
2. **One value per quantity.** A quantity read from two places (a run's WER in a study table and in
   the benchmark, a run's parameters in its manifest and two tables) must agree at the precision of the
   coarser source, and prints the same everywhere.
3. **Labels that match the data.** In every sentence that prints results, each split (dev, test),
   vocabulary (closed, open), decoder (greedy, beam search / LM) and mode (silent, voiced EMG, voiced
   audio) the words name must be one of the printed values' own; a caption must name every label of the
   data it shows, and only those.
4. **Clean text.** No Markdown backtick, no brace (a placeholder left unfilled), no unresolved
   reference, no number whose noun disagrees with it ("1 insertions", "3 seed").
5. **Verdict words.** A word chosen by a result ("better", "met", ...) is re-read from that result; a
   verdict word the author typed beside a comparison's numbers, instead of choosing it from the
   verdict, is an error.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from semg_study.report.document import Banner, Bullets, Code, Document, Equation, Figure, Heading, ListOf, Para, Table
from semg_study.report.thesis.values import (CLOSE, OPEN, Ledger, Q, Rate, Registry, Structure, Word, format_value,
                                             marked_spans, strip_marks)


class ConsistencyError(ValueError):
    """The dissertation disagrees with its sources: the problems, one per line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        head = f"the dissertation failed its consistency check ({len(problems)} problem(s)):"
        super().__init__("\n".join([head] + [f"- {p}" for p in problems[:60]]
                                   + ([f"... and {len(problems) - 60} more"] if len(problems) > 60 else [])))


# a number that is not part of a name ("DeepSpeech2", "gaddy2022", "e070423950f9" are names)
NUMBER = re.compile(r"(?<![A-Za-z0-9_\u00b5])[\u2212+\-]?\d+(?:[.,]\d+)*(?![A-Za-z_\d])")

LABELS: dict[str, dict[str, re.Pattern]] = {
    "split": {"dev": re.compile(r"\bdev(?:elopment)?\b", re.I), "test": re.compile(r"\btest\b", re.I)},
    "vocabulary": {"closed": re.compile(r"\bclosed(?: and open)?[- ]vocabular(?:y|ies)\b", re.I),
                   "open": re.compile(r"\bopen[- ]vocabular(?:y|ies)\b", re.I)},
    "decoder": {"greedy": re.compile(r"\bgreedy\b", re.I),
                "beam": re.compile(r"\bbeam\b|\blanguage model\b|\bLM\b")},
    "mode": {"silent": re.compile(r"\bsilent (?:and voiced )?(?:EMG|utterances|recordings|sessions)\b"),
             "voiced": re.compile(r"\bvoiced (?:EMG|utterances|recordings|sessions)\b"),
             "voiced audio": re.compile(r"\bvoiced audio\b|\baudio\b")},
}
VERDICT_WORDS = re.compile(r"\b(better|worse|no significant difference|met|missed)\b")
PLURAL_NOUNS = ("insertion", "deletion", "substitution", "utterance", "seed", "run", "epoch", "parameter",
                "session", "word", "error", "model", "chunk", "frame", "layer", "head", "participant", "minute",
                "sentence", "component", "target", "filter", "variant", "symbol", "channel", "electrode",
                "thread", "phoneme")
_ONE_PLURAL = re.compile(r"(?<![\d.,\u2212+])\b1(?:\u00a0| )(" + "|".join(PLURAL_NOUNS) + r")s\b")
_MANY_SINGULAR = re.compile(r"(?<![\d.,])\b(?:[02-9]|\d{2,}|\d{1,3}(?:,\d{3})+)(?:\u00a0| )("
                            + "|".join(PLURAL_NOUNS) + r")(?=[.,;:)]|$| (?:of|in|and|with|for|from|per|on|at|to|was|"
                            r"were|is|are)\b)")


@dataclass
class Unit:
    where: str
    text: str          # marked
    caption_of: list[str] | None = None  # a caption: the marked texts of the data it describes
    data: list[Any] = field(default_factory=list)
    complete: bool = True  # a caption must name every label of its data


def _sentences(text: str) -> list[str]:
    """Split marked text into sentences, never inside a mark."""
    out, start, depth = [], 0, 0
    for i, ch in enumerate(text):
        if ch == OPEN:
            depth += 1
        elif ch == CLOSE:
            depth -= 1
        elif depth == 0 and ch in ".!?" and i + 2 < len(text) and text[i + 1] == " " and (
                text[i + 2].isupper() or text[i + 2] in "([" + OPEN):
            out.append(text[start:i + 1])
            start = i + 2
    out.append(text[start:])
    return [s for s in out if s.strip()]


def units(doc: Document) -> Iterator[Unit]:
    for n, b in enumerate(doc.blocks):
        where = f"block {n} ({type(b).__name__})"
        if isinstance(b, Heading):
            yield Unit(f"heading {strip_marks(b.text)!r}", b.text)
        elif isinstance(b, (Para, Banner)):
            for s in _sentences(b.text):
                yield Unit(f"{where}: {strip_marks(s)[:90]!r}", s)
        elif isinstance(b, Bullets):
            for item in b.items:
                for s in _sentences(item):
                    yield Unit(f"{where}: {strip_marks(s)[:90]!r}", s)
        elif isinstance(b, Figure):
            yield Unit(f"{strip_marks(b.label)} caption", b.caption, caption_of=[], data=list(b.data))
        elif isinstance(b, Table):
            label = strip_marks(b.label or "table")
            cells = [c for row in b.rows for c in row]
            yield Unit(f"{label} caption", b.caption, caption_of=cells, complete=not getattr(b, "mixed", False))
            for c in b.columns:
                yield Unit(f"{label} column {strip_marks(c)!r}", c)
            for c in cells:
                yield Unit(f"{label} cell {strip_marks(c)!r}", c)
            if b.note:
                yield Unit(f"{label} note", b.note)
        elif isinstance(b, ListOf):
            for label, caption in b.entries:
                yield Unit(f"list of {b.kind}: {strip_marks(label)}", caption)


def _unmarked(text: str) -> str:
    """``text`` with every marked span (and the marks) replaced by a space."""
    spans = sorted(marked_spans(text))
    out, pos = [], 0
    outer = []
    for start, end, ident in spans:
        if outer and start < outer[-1][1]:
            continue  # inside a mark already taken
        outer.append((start, end, ident))
    for start, end, _ in outer:
        open_at = text.rfind(OPEN, 0, start)
        out.append(text[pos:open_at])
        out.append(" ")
        pos = end + 1
    out.append(text[pos:])
    return "".join(out)


def _entries_in(text: str, ledger: Ledger) -> list[Any]:
    return [ledger.entries[ident].obj for _, _, ident in marked_spans(text)]


def _meta_of(obj: Any) -> dict:
    if isinstance(obj, Q):
        meta = dict(obj.canonical().meta)
        meta.update(obj.meta)
        return meta if obj.kind != "text" else {}
    if isinstance(obj, Rate):
        return _meta_of(obj.value)
    return {}


def _mentions(plain: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for dim, patterns in LABELS.items():
        for value, pattern in patterns.items():
            if pattern.search(plain):
                found.setdefault(dim, set()).add(value)
    if "voiced audio" in found.get("mode", set()):
        found["mode"].discard("voiced")
    return found


def _values_of(objs: list[Any]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for obj in objs:
        for dim, patterns in LABELS.items():
            value = _meta_of(obj).get(dim)
            if value and str(value) in patterns:
                found.setdefault(dim, set()).add(str(value))
    return found


def trace(ledger: Ledger, root: Path) -> list[str]:
    """Every printed value read again from its source and formatted again."""
    problems = []
    for n, e in enumerate(ledger.entries):
        obj = e.obj
        if isinstance(obj, Structure):
            if "?" in obj.text:
                problems.append(f"unresolved reference {obj.text!r} (no table or figure of that name)")
            continue
        try:
            if isinstance(obj, Q):
                q = obj.canonical()
                raw = q.source.read(root)
                expected = format_value(q.kind, raw, e.variant)
                if expected != e.text:
                    problems.append(f"{e.text!r} printed, but {q.source.describe()} gives {raw!r}, "
                                    f"written {expected!r}")
            elif isinstance(obj, Word):
                raw = obj.source.read(root)
                if isinstance(raw, bool):
                    state = ("met" if raw else "missed") if obj.state in ("met", "missed") else ("yes" if raw else "no")
                else:
                    state = str(raw)
                if state != obj.state:
                    problems.append(f"words for {obj.state!r} printed, but {obj.source.describe()} says {state!r}")
        except Exception as exc:  # a source that cannot be read again is a broken trace
            problems.append(f"{e.text!r}: its source cannot be read again ({type(exc).__name__}: {exc})")
    return problems


def check_document(doc: Document, ledger: Ledger, registry: Registry, root: str | Path) -> list[str]:
    """Every problem of the built dissertation (empty: it is consistent)."""
    root = Path(root)
    problems = [f"one value: {c}" for c in registry.conflicts()]
    problems += trace(ledger, root)
    for b in doc.blocks:
        if isinstance(b, Code) and not b.source:
            problems.append("a code block without a source")
    for unit in units(doc):
        plain = strip_marks(unit.text)
        if "`" in plain:
            problems.append(f"{unit.where}: a Markdown backtick")
        if "{" in plain or "}" in plain:
            problems.append(f"{unit.where}: a brace (a placeholder left unfilled?)")
        bare = _unmarked(unit.text)
        for m in NUMBER.finditer(bare):
            problems.append(f"{unit.where}: the number {m.group(0)!r} is not traced to a source")
        for m in _ONE_PLURAL.finditer(plain):
            problems.append(f"{unit.where}: {m.group(0)!r} (one, plural noun)")
        for m in _MANY_SINGULAR.finditer(plain):
            problems.append(f"{unit.where}: {m.group(0)!r} (several, singular noun)")
        objs = _entries_in(unit.text, ledger)
        if unit.caption_of is not None:
            for cell in unit.caption_of:
                objs = objs + _entries_in(cell, ledger)
            objs = objs + list(unit.data)
        values = _values_of(objs)
        mentions = _mentions(bare)
        for dim, named in mentions.items():
            have = values.get(dim)
            if have and not named <= have:
                problems.append(f"{unit.where}: names {dim} {', '.join(sorted(named - have))} but its numbers are "
                                f"{', '.join(sorted(have))}")
        if unit.caption_of is not None and unit.complete:
            for dim, have in values.items():
                if dim in ("split", "vocabulary", "decoder", "mode") and not have <= mentions.get(dim, set()):
                    problems.append(f"{unit.where}: does not name the {dim} {', '.join(sorted(have - mentions.get(dim, set())))} "
                                    f"of the data it shows")
        if any(isinstance(o, Q) and o.kind in ("points", "ratio") for o in objs) and VERDICT_WORDS.search(bare):
            problems.append(f"{unit.where}: a verdict word typed beside a comparison; choose it from the verdict")
    return problems
