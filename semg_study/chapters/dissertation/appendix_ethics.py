"""Appendix: the ethics review, quoted from the original dissertation as written (less the student's User ID),
with an editorial note after it that says what the form records: the application, the applicant's answers, the supervisor's
review, and whether the Faculty Ethics Committee's section was filled in."""
from __future__ import annotations

from semg_study.report.thesis.common import join
from semg_study.report.thesis.quoting import (block_source, question_of, quoted_blocks, tables_of)
from semg_study.report.thesis.quoted import REDACTED, parse
from semg_study.report.thesis.values import Q, Source, code, derived

KIND = "appendix"
NAME = "ethics_review.md"
TEXT = """
# Ethics Review

The certificate of the project's ethics review, quoted as written except for one personal identifier: the
student's university User ID is replaced by {redacted}. The student's name is kept, as the author's. The
certificate's tables are numbered with this appendix's tables.

[[document]]

[[if form]]
### Editorial note (not part of the form)

The form records an application made on {applied} under the reference {er}; the applicant's answers to
{n_questions:noun(yes-or-no question)}, “Yes” to {yes_questions} and “No” to the {n_no} others;
the applicant's {n_confirm:words} confirmations; and the supervisor's review, signed by {signer} on {signed}.
[[if committee_blank]]
Its last section, the Faculty Ethics Committee review, is blank in the copy of the form in the original
dissertation: it has no committee member's signature and no date. The form therefore records the
supervisor's review of the application, not a decision of the committee.
[[else]]
Its last section, the Faculty Ethics Committee review, is signed by {committee} on {committee_date}.
[[end]]
[[end]]
"""

CAPTIONS = ["The applicant's details on the certificate of ethics review (the User ID redacted).",
            "The supervisor's review: signature and date.",
            "The Faculty Ethics Committee's review: signature and date."]


def _table(starts: str):
    """``(block index, rows)`` of the form's table whose first header cell starts with ``starts``."""
    return next(((i, rows) for i, rows in tables_of(NAME) if rows[0] and rows[0][0].startswith(starts)), None)


def _cell(i: int, rows: tuple, column: str, row: int = 1) -> Q | None:
    if column not in rows[0] or len(rows) <= row:
        return None
    j = rows[0].index(column)
    return Q(rows[row][j], "text", block_source(NAME, i, row, j))


def values(ctx) -> dict:
    ns: dict = {"redacted": Q(REDACTED, "text", code("semg_study.report.thesis.quoted", "REDACTED"))}
    blocks = parse(NAME)
    applicant, supervisor, committee = _table("Name"), _table("Supervisor"), _table("Faculty Ethics Committee")
    if not (applicant and supervisor and committee):
        return ns
    # a yes-or-no question is a paragraph whose answer, after its last ": ", is Yes or No (a question may end
    # in a parenthesis rather than its question mark: "... (e.g. ... in a non-public place): No")
    answers = [(i, body) for i, (kind, body) in enumerate(blocks)
               if kind == "para" and body.rstrip().endswith((": Yes", ": No"))]
    yes = [(i, body) for i, body in answers if body.rstrip().endswith(": Yes")]
    no = [(i, body) for i, body in answers if body.rstrip().endswith(": No")]
    confirm = [i for i, (kind, body) in enumerate(blocks) if kind == "para" and body.startswith("I confirm")]
    count = lambda idx: Q(len(idx), "int", derived("count", *[block_source(NAME, i) for i in idx]) if idx  # noqa: E731
                          else Source("structure", (0,)))
    question = lambda i, body: Q(question_of(body), "text", derived("question_of", block_source(NAME, i)))  # noqa: E731
    yes_text = join([f"\u201c{ctx.ledger.value(question(i, body))}\u201d" for i, body in yes]) or "none"
    (ci, crows), (si, srows) = committee, supervisor
    blank = all(not c for row in crows[1:] for c in row)
    ns.update({"form": True, "applied": _cell(*applicant, "Application date"), "er": _cell(*applicant, "ER Number"),
               "n_questions": count([i for i, _ in answers]), "yes_questions": yes_text,
               "n_no": count([i for i, _ in no]), "n_confirm": count(confirm),
               "signer": _cell(si, srows, srows[0][0]), "signed": _cell(si, srows, "Date"),
               "committee_blank": blank})
    if not blank:
        ns.update({"committee": _cell(ci, crows, crows[0][0]), "committee_date": _cell(ci, crows, "Date")})
    return ns


def blocks(ctx, ns) -> dict:
    captions = list(CAPTIONS)
    if ns.get("committee_blank"):
        captions[2] = captions[2][:-1] + ", both blank in the original dissertation's copy of the form."
    return {"document": lambda: quoted_blocks(ctx, NAME, captions)}
