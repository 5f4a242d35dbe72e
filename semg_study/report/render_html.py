"""Renders the dissertation's blocks (:mod:`semg_study.report.document`) to one self-contained HTML page
(``reports/dissertation.html``; the figures are linked from ``figures/``)."""
from __future__ import annotations

import html

from semg_study.report.dissertation_text import TITLE
from semg_study.report.document import Banner, Bullets, Code, Document, Equation, Figure, Heading, ListOf, Para, Table


_CSS = """body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}
h1,h2,h3,h4{font-family:Helvetica,Arial,sans-serif}table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #bbb;padding:.25em .6em;font-size:.85em}th{background:#f0f0f0}caption{text-align:left;padding:.3em 0}
figure{margin:1em 0 2em}figure img{max-width:100%}figcaption{font-size:.9em}pre{font-size:.75em;background:#f7f7f7;padding:.6em}
.banner{background:#fff3f3;border-left:5px solid #b00020;padding:.6em 1em;font-weight:bold}
.note{font-size:.85em;color:#555}blockquote{font-size:.92em;color:#333;border-left:3px solid #ccc;margin-left:0;padding-left:1em}.l3{margin-left:1.5em}"""


def _anchor(label: str) -> str:
    return label.lower().replace(" ", "-").replace(".", "-")


def to_html(doc: Document) -> str:
    e = html.escape
    body: list[str] = []
    for b in doc.blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            if b.quote:
                body.append(f"<blockquote>{e(b.text)}</blockquote>")
            else:
                body.append(f"<p><em>{e(b.text)}</em></p>" if b.emphasis else f"<p>{e(b.text)}</p>")
        elif isinstance(b, Equation):
            label = f" ({e(b.label)})" if b.label else ""
            body.append(f'<p class="eq"><code>{e(b.latex)}</code>{label}</p>')
        elif isinstance(b, ListOf):
            if b.kind == "contents":
                items = [f'<li class="l{h.level}">{e(h.text)}</li>' for h in doc.blocks
                         if isinstance(h, Heading) and h.level in (2, 3)]
            else:
                items = [f'<li><a href="#{_anchor(label)}">{e(label)}</a>: {e(caption)}</li>' for label, caption in b.entries]
            body.append("<ul>" + "".join(items) + "</ul>")
        elif isinstance(b, Banner):
            body.append(f'<p class="banner">{e(b.text)}</p>')
        elif isinstance(b, Bullets):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Code):
            body.append(f"<pre>{e(b.text)}</pre>")
        elif isinstance(b, Figure):
            pdf = f' (<a href="{e(b.pdf)}">PDF</a>)' if b.pdf else ""
            body.append(f'<figure id="{_anchor(b.label)}"><img src="{e(b.src)}" alt="{e(b.label)}">'
                        f"<figcaption><strong>{e(b.label)}:</strong> {e(b.caption)}{pdf}</figcaption></figure>")
        elif isinstance(b, Table):
            cap = f"<strong>{e(b.label)}:</strong> {e(b.caption)}" if b.label else e(b.caption)
            head = "".join(f"<th>{e(c)}</th>" for c in b.columns)
            rows = "".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in b.rows)
            note = f'<p class="note">{e(b.note)}</p>' if b.note else ""
            ident = f' id="{_anchor(b.label)}"' if b.label else ""
            body.append(f"<table{ident}><caption>{cap}</caption><thead><tr>{head}</tr></thead>"
                        f"<tbody>{rows}</tbody></table>{note}")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(TITLE)}</title><style>{_CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
