"""The chapters' template language.

A chapter's text is written by a person as a template. Lines:

* ``# Title``: the chapter (numbered by the document); ``## Title``: a section (numbered);
  ``### Title``: a subsection (not numbered);
* ``[[name]]``: a block the chapter builds (a table, a figure, an equation);
* ``[[if name]]`` / ``[[if not name]]`` ... ``[[else]]`` ... ``[[end]]``: text that depends on whether a
  result exists (a name that is missing, None, False or empty is false);
* ``- item``: a bullet; any other lines: a paragraph (ended by a blank line).

Inside text:

* ``{name}``: a named value (a dotted path into the chapter's values): a number printed by the rule of
  its kind, with its unit; ``{name:bare}`` without the unit, ``{name:abs}`` without the sign,
  ``{name:words}`` a small integer as a word, ``{name:ci}`` a value's interval ``[low, high]``,
  ``{name:full}`` the value and its interval, ``{name:noun(insertion)}`` the number and the noun
  agreeing with it ("1 insertion", "35 insertions");
* ``{name|state=words|state=words}``: the author's words for each state of a result (a verdict:
  ``better``, ``worse``, ``no significant difference``; a target: ``met``, ``missed``; a yes/no value:
  ``yes``, ``no``); the words may hold values themselves;
* ``{{`` and ``}}``: literal braces (never needed in prose).

Every value is marked in the :class:`~.values.Ledger` as it is printed, so the check can trace it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from semg_study.report.thesis.values import NBSP, Ledger, Q, Rate, Structure, Word, plural


class TemplateError(ValueError):
    pass


MISSING = object()


def lookup(namespace: Any, name: str) -> Any:
    """``a.b.c`` through dicts, attributes and sequences; :data:`MISSING` when a part is absent."""
    obj = namespace
    for part in name.split("."):
        if obj is None:
            return MISSING
        if isinstance(obj, dict):
            obj = obj.get(part, MISSING)
        elif isinstance(obj, (list, tuple)) and part.isdigit():
            obj = obj[int(part)] if int(part) < len(obj) else MISSING
        else:
            obj = getattr(obj, part, MISSING)
        if obj is MISSING:
            return MISSING
    return obj


def truthy(value: Any) -> bool:
    if value is MISSING or value is None or value is False:
        return False
    if isinstance(value, (list, tuple, dict, str)) and not value:
        return False
    return True


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside nested braces."""
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def _state(value: Any) -> str:
    if isinstance(value, Word):
        return value.state
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Q) and isinstance(value.value, bool):
        return "yes" if value.value else "no"
    if isinstance(value, Q):
        return str(value.value)
    return str(value)


@dataclass
class Renderer:
    namespace: Any
    ledger: Ledger

    def value(self, obj: Any, variant: str, name: str) -> str:
        if obj is MISSING:
            raise TemplateError(f"no value named {name!r}")
        noun = re.fullmatch(r"noun\(([^)]+)\)", variant)
        if isinstance(obj, Rate):
            if variant == "ci":
                return self._interval(obj, name)
            if variant == "full":
                interval = self._interval(obj, name)
                return f"{self.value(obj.value, '', name)}{NBSP}{interval}" if interval else self.value(obj.value, "", name)
            if variant in ("low", "high"):
                return self.value(getattr(obj, variant), "", name)
            return self.value(obj.value, variant, name)
        if isinstance(obj, Q):
            if noun:
                count = obj.canonical().value
                return f"{self.ledger.value(obj, 'bare')}{NBSP}{plural(count, noun.group(1))}"
            return self.ledger.value(obj, variant)
        if isinstance(obj, Word):
            return self.ledger.mark(obj, "", obj.state)
        if isinstance(obj, Structure):
            return self.ledger.mark(obj, "", obj.text)
        if isinstance(obj, str):
            return obj
        raise TemplateError(f"{name!r} is a {type(obj).__name__}, not a value the text can print")

    def _interval(self, rate: Rate, name: str) -> str:
        if rate.low is None or rate.high is None:
            return ""  # a table without intervals (one seed of a seed-level bootstrap, a smoke run): none printed
        return f"[{self.ledger.value(rate.low, 'bare')},{NBSP}{self.ledger.value(rate.high, 'bare')}]"

    def field(self, inner: str) -> str:
        if "|" in inner:
            head, *choices = _split_top(inner, "|")
            head = head.split(":")[0]
            obj = lookup(self.namespace, head.strip())
            if obj is MISSING:
                raise TemplateError(f"no value named {head.strip()!r}")
            state = _state(obj)
            table = {}
            for choice in choices:
                key, sep, words = choice.partition("=")
                if not sep:
                    raise TemplateError(f"{{{inner}}}: a choice needs 'state=words', got {choice!r}")
                table[key.strip()] = words
            if state not in table and "*" in table:
                state = "*"
            if state not in table:
                raise TemplateError(f"{{{inner}}}: no words for the state {state!r} (have {', '.join(table)})")
            words = self.text(table[state])
            if state == "*" and isinstance(obj, Q):
                return words  # the default words: they depend on no particular value
            if isinstance(obj, Word):
                # the chosen words are marked as the result's: the check re-reads the state
                return self.ledger.mark(obj, "", words)
            if isinstance(obj, Q):
                return self.ledger.mark(Word(state, obj.source, obj.meta), "", words)
            return words
        name, _, variant = inner.partition(":")
        return self.value(lookup(self.namespace, name.strip()), variant.strip(), name.strip())

    def text(self, template: str) -> str:
        out, i = [], 0
        while i < len(template):
            ch = template[i]
            if template.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            if template.startswith("}}", i):
                out.append("}")
                i += 2
                continue
            if ch == "{":
                depth, j = 1, i + 1
                while j < len(template) and depth:
                    depth += {"{": 1, "}": -1}.get(template[j], 0)
                    j += 1
                if depth:
                    raise TemplateError(f"unclosed {{ in {template[i:i + 60]!r}")
                inner = template[i + 1:j - 1]
                if re.fullmatch(r"\s*[\w.]+:ci\s*", inner) and out and out[-1].endswith(" "):
                    # a value and its interval stay on one line (and one page)
                    out[-1] = out[-1][:-1] + NBSP
                out.append(self.field(inner))
                i = j
                continue
            out.append(ch)
            i += 1
        return "".join(out)


# ----------------------------------------------------------------------------- block structure
@dataclass
class Line:
    kind: str  # heading1..3, block, para, bullet
    text: str


def parse(template: str, namespace: Any) -> list[Line]:
    """The template's lines after its conditionals, grouped into headings, blocks, paragraphs, bullets."""
    lines = template.strip("\n").splitlines()
    kept: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (condition, in_else)

    def active() -> bool:
        return all(cond != in_else for cond, in_else in stack)

    for raw in lines:
        s = raw.strip()
        m = re.fullmatch(r"\[\[if (not )?([\w.]+)\]\]", s)
        if m:
            value = truthy(lookup(namespace, m.group(2)))
            stack.append((value != bool(m.group(1)), False))
            continue
        if s == "[[else]]":
            if not stack:
                raise TemplateError("[[else]] without [[if]]")
            stack[-1] = (stack[-1][0], True)
            continue
        if s == "[[end]]":
            if not stack:
                raise TemplateError("[[end]] without [[if]]")
            stack.pop()
            continue
        if active():
            kept.append(raw)
    if stack:
        raise TemplateError("[[if]] without [[end]]")
    out: list[Line] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            text = ""
            for piece in (p.strip() for p in para):
                # a line that starts with punctuation (after an [[if]] block) joins without a space
                text = piece if not text else text + ("" if piece[:1] in ".,;:)" else " ") + piece
            out.append(Line("para", text))
            para.clear()

    for raw in kept:
        s = raw.strip()
        if not s:
            flush()
            continue
        heading = re.fullmatch(r"(#{1,3}) (.+)", s)
        block = re.fullmatch(r"\[\[([\w.]+)\]\]", s)
        if heading:
            flush()
            out.append(Line(f"heading{len(heading.group(1))}", heading.group(2)))
        elif block:
            flush()
            out.append(Line("block", block.group(1)))
        elif s.startswith("- "):
            flush()
            out.append(Line("bullet", s[2:]))
        elif para == [] and out and out[-1].kind == "bullet" and raw.startswith("  "):
            out[-1] = Line("bullet", out[-1].text + " " + s)  # a bullet's continuation line
        else:
            para.append(s)
    flush()
    return out


BlockMaker = Callable[[], list]
