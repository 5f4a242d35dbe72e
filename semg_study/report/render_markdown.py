"""Renders the dissertation's blocks (:mod:`semg_study.report.document`) to Markdown
(``reports/dissertation.md``)."""
from __future__ import annotations

from semg_study.report.document import Banner, Bullets, Code, Document, Equation, Figure, Heading, ListOf, Para, Table
from semg_study.markdown import markdown_table


def to_markdown(doc: Document) -> str:
    parts: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            parts.append("#" * b.level + " " + b.text)
        elif isinstance(b, Para):
            if b.quote:
                parts.append("> " + b.text)
            else:
                parts.append(f"*{b.text}*" if b.emphasis else b.text)
        elif isinstance(b, Equation):
            parts.append(f"$$ {b.latex} $$" + (f" ({b.label})" if b.label else ""))
        elif isinstance(b, ListOf):
            if b.kind == "contents":
                parts.append("\n".join(f"{'  ' * (h.level - 2)}- {h.text}" for h in doc.blocks
                                       if isinstance(h, Heading) and h.level in (2, 3)))
            else:
                parts.append("\n".join(f"- {label}: {caption}" for label, caption in b.entries) or "(none)")
        elif isinstance(b, Banner):
            parts.append(f"> **{b.text}**")
        elif isinstance(b, Bullets):
            parts.append("\n".join(f"- {item}" for item in b.items))
        elif isinstance(b, Code):
            parts.append("```\n" + b.text + "\n```")
        elif isinstance(b, Figure):
            link = f" ([PDF]({b.pdf}))" if b.pdf else ""
            parts.append(f"![{b.label}]({b.src})\n\n**{b.label}:** {b.caption}{link}")
        elif isinstance(b, Table):
            head = f"**{b.label}:** {b.caption}" if b.label else f"**{b.caption}**"
            lines = [head, ""]
            if b.columns:
                lines += markdown_table(b.columns, b.rows)
            if b.note:
                lines += ["", f"*{b.note}*"]
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"
