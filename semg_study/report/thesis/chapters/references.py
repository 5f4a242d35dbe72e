"""The references: every work the text cites, from the literature module, sorted by author.

A work the literature module lists but no chapter cites is left out (the list holds what the text cites, and
nothing else). Page ranges are written with an en dash. Where the literature module's entry lacks what a
reference needs and the project's notes on the published results (``shared/reference/``) do not give it either,
:data:`KNOWN_ONLY` says exactly what is known instead."""
from __future__ import annotations

import re

from semg_study.report.document import Bullets
from semg_study.report.thesis.values import Q, Source

KIND = "back"
TEXT = """
# References
[[references]]
"""

# entries whose full reference is not known to the project: what is known, and where from
KNOWN_ONLY = {
    "mohapatra2025": (
        "Mohapatra et al. (2025). Full reference not recorded: the project's notes on the published results on "
        "the Digital Voicing dataset (shared/reference/digital-voicing-dataset.md) name the work only as "
        "\u201cMohapatra et al. 2025 (EMG adaptor + frozen 3B LLM)\u201d, evaluated on the closed-vocabulary "
        "silent utterances with an 8:1:1 split; its title, co-authors and venue are not given there."),
}

# ", 270-287." / ", 43-53." at the end of a reference: a page range (a report number such as TR-10-98 is not)
_PAGES = re.compile(r"(, )(\d+)-(\d+)(\.?)$")


def entry(key: str) -> str:
    """The reference list's entry for ``key`` as printed (the check reads it again from here)."""
    from semg_study.report import literature as lit

    text = KNOWN_ONLY.get(key, lit.REFERENCES[key][1])
    return _PAGES.sub(lambda m: f"{m.group(1)}{m.group(2)}\u2013{m.group(3)}{m.group(4)}", text)


def blocks(ctx, ns) -> dict:
    from semg_study.report import literature as lit

    def refs():
        keys = [k for k in lit.REFERENCES if k in ctx.cited]
        items = sorted(keys, key=lambda k: (entry(k).lower(), k))
        return [Bullets([ctx.ledger.value(Q(entry(key), "text", Source("call:semg_study.report.thesis.chapters.references",
                                                                         ("entry", key))))
                         for key in items])]
    return {"references": refs}
