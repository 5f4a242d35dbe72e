"""Blocks of a quoted document (:mod:`semg_study.report.thesis.quoted`), each marked with its place in the file."""
from __future__ import annotations

from semg_study.report.document import Bullets, Heading, Para, Table
from semg_study.report.thesis.quoted import parse
from semg_study.report.thesis.values import DERIVED, Q, Source, derived


def answer_of(text: str) -> str:
    """``"Course: BSc Computer Science"`` -> ``"BSc Computer Science"``: the answer of a form's field."""
    return str(text).split(": ", 1)[-1].strip()


def question_of(text: str) -> str:
    """``"Will ...?: No"`` -> ``"Will ...?"``: the question of a form's field."""
    return str(text).rsplit(": ", 1)[0].strip()


DERIVED["answer_of"] = answer_of
DERIVED["question_of"] = question_of


def block_source(name: str, i: int, *cell: int) -> Source:
    """Where block ``i`` of the quoted file ``name`` (or one cell of its table: row, column) is read from."""
    return Source(f"quoted:{name}", (i, 1) + tuple(cell))


def field_answer(name: str, prefix: str) -> Q | None:
    """The answer of the paragraph ``"<prefix>: answer"`` of a quoted form, traced to that paragraph."""
    for i, (kind, body) in enumerate(parse(name)):
        if kind == "para" and body.startswith(prefix + ":"):
            return Q(answer_of(body), "text", derived("answer_of", block_source(name, i)))
    return None


def tables_of(name: str) -> list[tuple[int, tuple]]:
    """``(block index, rows)`` of every table of a quoted file, in order (the first row is the header)."""
    return [(i, body) for i, (kind, body) in enumerate(parse(name)) if kind == "table"]


def quoted_blocks(ctx, name: str, captions: list[str] | None = None) -> list:
    """The quoted file's blocks; its tables numbered with the chapter's tables and captioned by ``captions``
    (in the order of the tables; a table without a caption is printed as part of the quote)."""
    out: list = []
    bullets: list[str] = []
    blocks = parse(name)
    captions = list(captions or [])
    stem = name.rsplit(".", 1)[0]
    n_table = 0
    for i, (kind, body) in enumerate(blocks):
        if kind != "bullet" and bullets:
            out.append(Bullets(list(bullets)))
            bullets.clear()
        src = block_source(name, i)
        if kind == "heading":
            out.append(Heading(4, ctx.ledger.value(Q(body, "text", src))))
            if i + 1 >= len(blocks) or blocks[i + 1][0] == "heading":
                out.append(Para("(A chart in the original document, not reproduced here.)", emphasis=True))
        elif kind == "para":
            out.append(Para(ctx.ledger.value(Q(body, "text", src)), quote=True))
        elif kind == "bullet":
            bullets.append(ctx.ledger.value(Q(body, "text", src)))
        elif kind == "table":
            head = [ctx.ledger.value(Q(c, "text", block_source(name, i, 0, j))) for j, c in enumerate(body[0])]
            rows = [[ctx.ledger.value(Q(c, "text", block_source(name, i, r, j))) if c else ""
                     for j, c in enumerate(row)] for r, row in enumerate(body[1:], start=1)]
            caption = captions[n_table] if n_table < len(captions) else None
            n_table += 1
            if caption:
                out.append(ctx.table(f"{stem}_table_{n_table}", caption, {}, head, rows))
            else:
                out.append(Table("", head, rows))
    if bullets:
        out.append(Bullets(list(bullets)))
    return out
