"""The dissertation's quoted documents and back matter: a personal identifier of the quoted ethics form never
reaches the document, the conversion's leftovers are repaired, the reference list holds what the text cites."""
from __future__ import annotations

import re

from semg_study.report.document import Bullets, Para, Table
from semg_study.report.thesis.build import Context
from semg_study.report.thesis.quoted import MISSING_NAME, REDACTED, parse, parse_text
from semg_study.report.thesis.records import Results
from semg_study.report.thesis.values import Ledger, strip_marks


def _ctx(tmp_path) -> Context:
    return Context(Results(tmp_path), Ledger(), {}, tmp_path)


def _texts(blocks) -> list[str]:
    out = []
    for b in blocks:
        if isinstance(b, Table):
            out += [b.caption] + list(b.columns) + [c for row in b.rows for c in row]
        elif isinstance(b, Bullets):
            out += b.items
        elif hasattr(b, "text"):
            out.append(b.text)
    return [strip_marks(t) for t in out]


def test_a_personal_id_of_a_quoted_form_is_redacted_in_tables_and_text():
    blocks = parse_text("| Name | User ID | Date |\n| A. Student | 123456 | 14/10/2021 |\n\n"
                        "Name: A. Student User ID: 654321 Application date: 14/10/2021\n")
    table = blocks[0][1]
    assert table[1] == ("A. Student", REDACTED, "14/10/2021")
    assert "654321" not in blocks[1][1] and f"User ID: {REDACTED}" in blocks[1][1]
    assert "14/10/2021" in blocks[1][1]  # only the identifier goes


def test_conversion_leftovers_are_repaired():
    blocks = parse_text("*Privacy of conversation:* one.\n\nin the <> document.\n\nparticularly performant\n\n"
                        "general models (of data).\n\nNext paragraph.\n")
    paras = [b for k, b in blocks if k == "para"]
    assert paras[0] == "Privacy of conversation: one."
    assert paras[1] == f"in the {MISSING_NAME} document."
    assert paras[2] == "particularly performant general models (of data)."  # split at a page break: joined
    assert paras[3] == "Next paragraph."


def test_the_ethics_appendix_prints_no_user_id(tmp_path):
    from semg_study.report.thesis.quoting import quoted_blocks

    for name in ("ethics_review.md", "initiation_document.md"):
        for kind, body in parse(name):
            cells = [c for row in body for c in row] if kind == "table" else [body]
            assert not any("*" in c or "<>" in c for c in cells), name
    out = quoted_blocks(_ctx(tmp_path), "ethics_review.md", ["The applicant's details."])
    tables = [b for b in out if isinstance(b, Table)]
    column = [strip_marks(c) for c in tables[0].columns].index("User ID")
    assert [strip_marks(row[column]) for row in tables[0].rows] == [REDACTED]
    assert strip_marks(tables[0].label) == "Table 1" and tables[0].caption == "The applicant's details."
    text = "\n".join(_texts(out))
    assert not re.search(r"User ID\W*\d", text)
    assert not re.search(r"(?<![\w/-])\d{6,}(?![\w/-])", text)  # no bare identifier-like number anywhere
    assert any(isinstance(b, Para) and b.quote for b in out)


def test_the_reference_list_holds_the_cited_works_with_en_dash_page_ranges(tmp_path):
    from semg_study.chapters.dissertation import references

    ctx = _ctx(tmp_path)
    ctx.cited = {"denby2010": None, "kapur2018": None}
    (bullets,) = references.blocks(ctx, {})["references"]()
    items = [strip_marks(i) for i in bullets.items]
    assert len(items) == 2 and items[0].startswith("Denby") and items[1].startswith("Kapur")
    assert "270\u2013287" in items[0] and "43\u201353" in items[1]
    assert "TR-10-98" in references.entry("chen1998")  # a report number keeps its hyphens
