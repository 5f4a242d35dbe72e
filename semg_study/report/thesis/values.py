"""Named values: what a number in the dissertation is, where it came from and how it is written.

A :class:`Q` is one quantity the text may print: its value, its *kind* (which fixes its one
rounding rule and unit, :data:`KINDS`), its :class:`Source` (a file of the results folder and the
path of the value inside it, a constant of the code, or a computation over other sources) and its
metadata (split, vocabulary, decoder, mode, model: what the consistency check compares a sentence's
labels with). ``key`` names the quantity itself (say, the test WER of one run with one decoder):
two sources that report the same key must agree (:class:`Registry`), and the text prints the most
precise of them everywhere.

Every rendered value is wrapped in invisible marks (:func:`mark`) that point into a
:class:`Ledger`; the check reads the marks, re-reads each value from its source, formats it again and
compares, then strips them (:func:`strip_marks`) before the document is written. Numbers are written
with a true minus sign and no-break spaces before units and inside intervals, so no line break falls
inside a number.
"""
from __future__ import annotations

import datetime as _dt

import importlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

NBSP = "\u00a0"
MINUS = "\u2212"
# marks: OPEN <ledger id> MID <rendered text> CLOSE (Unicode private use: never in real text)
OPEN, MID, CLOSE = "\ue000", "\ue001", "\ue002"
_MARK = re.compile(f"{OPEN}(\\d+){MID}")


# ----------------------------------------------------------------------------- formatting
def _fixed(value: float, digits: int, signed: bool = False) -> str:
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    if text.lstrip("+-") == f"{0:.{digits}f}":  # no "-0.0" or "+0.0"
        text = text.lstrip("+-")
    return text.replace("-", MINUS)


def _grouped(value: float) -> str:
    n = int(round(value))
    return f"{n:,}".replace("-", MINUS) if abs(n) >= 1000 else str(n).replace("-", MINUS)


def _hz(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace("-", MINUS)


def _sig(value: float, digits: int = 3) -> str:
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        sup = str(int(exp)).translate(str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"))
        return f"{mant}{NBSP}×{NBSP}10{sup}".replace("-", MINUS)
    return text.replace("-", MINUS)


_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
          "twelve")


# kind -> (number format, unit). One rule per kind of quantity: every WER in %, 1 decimal; every
# difference in points, signed, 1 decimal; every latency in ms, 1 decimal; ...
KINDS: dict[str, tuple[Callable[[float], str], str]] = {
    "pct": (lambda v: _fixed(v, 1), "%"),            # error rates and shares, in percent
    "pct0": (lambda v: _fixed(v, 0), "%"),           # confidence levels and targets stated in whole percent
    "points": (lambda v: _fixed(v, 1, True), "points"),  # differences of percentages
    "ratio": (lambda v: _fixed(v, 2), ""),           # ratios of error rates, of parameters, of latencies
    "ratio3": (lambda v: _fixed(v, 3), ""),          # a ratio compared with its target (as the benchmark states it)
    "relchange": (lambda v: _fixed(v, 1, True), "%"),  # a relative change, in percent
    "ms": (lambda v: _fixed(v, 1), "ms"),
    "ms0": (lambda v: _fixed(v, 0), "ms"),           # a latency target stated in whole milliseconds
    "sd": (lambda v: _fixed(v, 1), "points"),        # a standard deviation of percentages, unsigned
    "s": (lambda v: _fixed(v, 0), "s"),
    "min": (lambda v: _fixed(v, 1), "min"),
    "h": (lambda v: _fixed(v, 1), "h"),
    "mb": (lambda v: _fixed(v, 1), "MB"),
    "gb": (lambda v: _fixed(v, 1), "GB"),
    "uv": (lambda v: _fixed(v, 1), "µV"),
    "db": (lambda v: _fixed(v, 1), "dB"),
    "hz": (_hz, "Hz"),
    "rtf": (lambda v: _fixed(v, 4), ""),
    "factor": (lambda v: _fixed(v, 1), "times"),
    "per_s": (lambda v: _fixed(v, 1), "per s"),
    "count": (_grouped, ""),                         # utterances, parameters, words: 30,727
    "int": (lambda v: str(int(v)).replace("-", MINUS), ""),  # seeds, epochs, layers, orders: as they are
    "dec1": (lambda v: _fixed(v, 1), ""),            # means of counts (words per utterance)
    "real": (_sig, ""),                              # anything else: 3 significant figures
    "hyper": (lambda v: _sig(v, 4), ""),             # a hyperparameter (learning rate, weight decay)
    "text": (str, ""),                               # names, labels, dates, versions: as written
}


def format_value(kind: str, value: Any, variant: str = "") -> str:
    """``value`` written by the rule of ``kind``; ``variant``: ``bare`` (no unit), ``abs`` (no sign),
    ``words`` (small integers as words), ``unit`` (the default)."""
    if kind not in KINDS:
        raise KeyError(f"unknown kind of quantity {kind!r}")
    number, unit = KINDS[kind]
    if kind == "text" or isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise ValueError(f"{value!r} is not a number to print as {kind}")
    if variant == "abs":
        value = abs(value)
        if kind in ("points", "relchange"):
            number = KINDS["pct"][0] if kind == "relchange" else (lambda v: _fixed(v, 1))
    if variant == "words" and float(value).is_integer() and 0 <= value < len(_WORDS):
        return _WORDS[int(value)]
    text = number(value)
    if variant in ("bare", "words") or not unit:
        return text
    return f"{text}{NBSP}{unit}"


def plural(n: float, noun: str) -> str:
    """``noun`` agreeing with ``n`` ("1 insertion", "2 insertions"; "1 utterance")."""
    if n == 1:
        return noun
    head, _, last = noun.rpartition(" ")
    irregular = {"hypothesis": "hypotheses", "epoch": "epochs", "matrix": "matrices", "analysis": "analyses"}
    if last in irregular:
        return (head + " " if head else "") + irregular[last]
    if noun.endswith(("s", "x", "sh", "ch")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


# ----------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class Source:
    """Where a value came from, so that the check can read it again.

    ``file``: a file of the results folder (``tables/05_myostream.json``), ``code:<module>`` (a constant
    of the code: ``path`` are attributes then keys), ``derived:<operation>`` (a computation over
    ``inputs``) or ``structure`` (the document's own numbering). ``scale``: the text's value is the
    stored value times ``scale`` (fractions to percent)."""

    file: str
    path: tuple = ()
    scale: float = 1.0
    inputs: tuple = ()

    def describe(self) -> str:
        if self.file.startswith("derived:"):
            return f"{self.file[8:]}({', '.join(s.describe() for s in self.inputs)})"
        where = "".join(f"[{p!r}]" for p in self.path)
        return f"{self.file}{where}" + (f" x {self.scale:g}" if self.scale != 1.0 else "")

    def read(self, root: Path) -> Any:
        """The value, read again from the source (``root``: the results folder)."""
        if self.file == "structure":
            return self.path[0] if self.path else None
        if self.file.startswith("derived:"):
            values = [s.read(root) for s in self.inputs]
            result = DERIVED[self.file[8:]](*values)
            return result * self.scale if self.scale != 1.0 else result
        if self.file.startswith("quoted:"):
            from semg_study.report.thesis.quoted import parse

            obj = parse(self.file[7:])
            for part in self.path:
                obj = obj[part]
            return obj
        if self.file.startswith("call:"):
            func = getattr(importlib.import_module(self.file[5:]), self.path[0])
            value = func(*self.path[1:])
            return value * self.scale if self.scale != 1.0 else value
        if self.file.startswith("code:"):
            obj: Any = importlib.import_module(self.file[5:])
            for part in self.path:
                obj = obj[part] if isinstance(obj, (dict, list, tuple)) else getattr(obj, part)
        else:
            obj = _json_file(root / self.file)
            for part in self.path:
                obj = obj[part]
        if self.scale != 1.0 and isinstance(obj, (int, float)) and not isinstance(obj, bool):
            return obj * self.scale
        return obj


_JSON_CACHE: dict[tuple[str, float], Any] = {}


def _json_file(path: Path) -> Any:
    stamp = path.stat().st_mtime
    key = (str(path), stamp)
    if key not in _JSON_CACHE:
        _JSON_CACHE[key] = json.loads(path.read_text(encoding="utf-8"))
    return _JSON_CACHE[key]


def _mean(*values):
    return sum(values) / len(values)


# the computations a derived value may be: each re-run by the check on the re-read inputs
DERIVED: dict[str, Callable[..., Any]] = {
    "sum": lambda *v: sum(v),
    "mean": _mean,
    "difference": lambda a, b: a - b,
    "negate": lambda a: -a,
    "ratio": lambda a, b: a / b,
    "relative_change": lambda a, b: 100.0 * (a - b) / b,
    "max": lambda *v: max(v),
    "min": lambda *v: min(v),
    "count": lambda *v: len(v),
    "overlap": lambda a_low, a_high, b_low, b_high: "apart" if a_low > b_high or b_low > a_high else "overlap",
    "inside": lambda low, high, x: "inside" if low <= x <= high else "outside",
    "count_list": lambda s: len([x for x in str(s).split(",") if x.strip()]),  # items of a "1, 2" cell
    "len": lambda v: len(v),
    "percent": lambda a: 100.0 * a,
    "identity": lambda a: a,
    "sign": lambda a, b: "lower" if a < b else "higher" if a > b else "equal",
    "short": lambda a: str(a)[:12],
    "abs": lambda a: abs(a),
    "product": lambda a, b: a * b,
    "max_of": lambda seq: max(seq),
    "no_backticks": lambda s: str(s).replace("`", ""),
    "seconds_between": lambda start, end: (_dt.datetime.fromisoformat(end)
                                           - _dt.datetime.fromisoformat(start)).total_seconds(),
}


def code(module: str, *path: Any) -> Source:
    return Source(f"code:{module}", tuple(path))


def derived(operation: str, *inputs: Source, scale: float = 1.0) -> Source:
    if operation not in DERIVED:
        raise KeyError(f"unknown derivation {operation!r}")
    return Source(f"derived:{operation}", (), scale, tuple(inputs))


def decimals_of(value: Any) -> int | None:
    """How many decimals a stored number carries (None: full precision, a computed float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, int):
        return 0
    text = repr(value)
    if "e" in text or len(text.split(".")[-1]) > 6:
        return None
    return len(text.split(".")[-1]) if "." in text else 0


# ----------------------------------------------------------------------------- quantities
@dataclass(eq=False)
class Q:
    """One quantity the text may print."""

    value: Any
    kind: str
    source: Source
    key: tuple | None = None
    meta: dict = field(default_factory=dict)
    decimals: int | None = None  # of the stored value (None: full precision)
    registry: "Registry | None" = None

    def canonical(self) -> "Q":
        """The most precise registration of this quantity (itself when it is the only one)."""
        if self.registry is None or self.key is None:
            return self
        return self.registry.canonical(self.key)

    def text(self, variant: str = "") -> str:
        q = self.canonical()
        return format_value(q.kind, q.value, variant)

    def __bool__(self) -> bool:
        return True


@dataclass
class Rate:
    """A value with its 95 % interval (an error rate, a difference, a ratio)."""

    value: Q
    low: Q | None = None
    high: Q | None = None

    @property
    def meta(self) -> dict:
        return self.value.meta


@dataclass
class Word:
    """A word chosen by a result (a verdict, met / missed): ``state`` picks the author's wording."""

    state: str
    source: Source
    meta: dict = field(default_factory=dict)
    key: tuple | None = None


class Registry:
    """Every registration of each keyed quantity: the one-value rule and the most precise value."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, list[Q]] = {}

    def add(self, q: Q) -> Q:
        q.registry = self
        if q.key is not None:
            self.by_key.setdefault(q.key, []).append(q)
        return q

    def canonical(self, key: tuple) -> Q:
        qs = self.by_key[key]
        # full precision first, then the most decimals; ties: the first registered
        return sorted(qs, key=lambda q: -(99 if q.decimals is None else q.decimals))[0]

    def conflicts(self) -> list[str]:
        """Keys whose registrations disagree beyond the precision of the coarser one."""
        out = []
        for key, qs in self.by_key.items():
            numbers = [q for q in qs if isinstance(q.value, (int, float)) and not isinstance(q.value, bool)]
            texts = {str(q.value) for q in qs if q not in numbers}
            if len(texts) > 1:
                out.append(f"{_key_text(key)}: different values " + ", ".join(
                    f"{q.value!r} ({q.source.describe()})" for q in qs))
            for a in numbers:
                for b in numbers:
                    if a is b:
                        continue
                    places = min(99 if a.decimals is None else a.decimals, 99 if b.decimals is None else b.decimals)
                    tolerance = 0.5 * 10 ** -places + 1e-9 if places < 99 else 1e-9 * max(1.0, abs(a.value))
                    if abs(a.value - b.value) > tolerance:
                        out.append(f"{_key_text(key)}: {a.value!r} ({a.source.describe()}) and {b.value!r} "
                                   f"({b.source.describe()}) disagree")
                        break
                else:
                    continue
                break
        return out


def _key_text(key: tuple) -> str:
    return "/".join(str(k) for k in key)


# ----------------------------------------------------------------------------- marks and the ledger
@dataclass
class Entry:
    obj: Any  # Q, Word or Structure
    variant: str
    text: str


@dataclass
class Structure:
    """A number of the document itself: a chapter, section, figure or table number."""

    text: str


class Ledger:
    """Every value the text printed, in order: the marks point into it."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def mark(self, obj: Any, variant: str, text: str) -> str:
        self.entries.append(Entry(obj, variant, text))
        return f"{OPEN}{len(self.entries) - 1}{MID}{text}{CLOSE}"

    def value(self, q: Q, variant: str = "") -> str:
        return self.mark(q, variant, q.text(variant))

    def structure(self, text: str) -> str:
        return self.mark(Structure(text), "", text)


def strip_marks(text: str) -> str:
    return _MARK.sub("", text).replace(CLOSE, "")


def marked_spans(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, ledger id)`` of every outermost mark's text in ``text`` (marks nest)."""
    spans, stack = [], []
    i = 0
    while i < len(text):
        if text[i] == OPEN:
            m = _MARK.match(text, i)
            stack.append((int(m.group(1)), m.end()))
            i = m.end()
            continue
        if text[i] == CLOSE and stack:
            ident, start = stack.pop()
            spans.append((start, i, ident))
        i += 1
    return spans
