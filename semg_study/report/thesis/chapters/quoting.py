"""Blocks of a quoted document (:mod:`semg_study.report.thesis.quoted`), each marked with its place in the file."""
from __future__ import annotations

from semg_study.report.document import Bullets, Heading, Para, Table
from semg_study.report.thesis.quoted import parse
from semg_study.report.thesis.values import Q, Source


def quoted_blocks(ctx, name: str) -> list:
    out: list = []
    bullets: list[str] = []
    blocks = parse(name)
    for i, (kind, body) in enumerate(blocks):
        if kind != "bullet" and bullets:
            out.append(Bullets(list(bullets)))
            bullets.clear()
        src = Source(f"quoted:{name}", (i, 1))
        if kind == "heading":
            out.append(Heading(4, ctx.ledger.value(Q(body, "text", src))))
            if i + 1 >= len(blocks) or blocks[i + 1][0] == "heading":
                out.append(Para("(A chart in the original document, not reproduced here.)", emphasis=True))
        elif kind == "para":
            out.append(Para(ctx.ledger.value(Q(body, "text", src)), quote=True))
        elif kind == "bullet":
            bullets.append(ctx.ledger.value(Q(body, "text", src)))
        elif kind == "table":
            head = [ctx.ledger.value(Q(c, "text", Source(f"quoted:{name}", (i, 1, 0, j)))) for j, c in enumerate(body[0])]
            rows = [[ctx.ledger.value(Q(c, "text", Source(f"quoted:{name}", (i, 1, r, j)))) if c else ""
                     for j, c in enumerate(row)] for r, row in enumerate(body[1:], start=1)]
            out.append(Table("", head, rows))
    if bullets:
        out.append(Bullets(list(bullets)))
    return out
