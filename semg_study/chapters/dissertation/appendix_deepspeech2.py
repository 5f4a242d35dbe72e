"""Appendix: the DeepSpeech2 model of the original dissertation, printed from the study's code."""
from __future__ import annotations

from semg_study.report.document import Code
from semg_study.report.thesis.values import Q, Source

KIND = "appendix"
TEXT = """
# DeepSpeech2 ASR Model

The original dissertation's DeepSpeech2 (its Appendix C), as the study's code builds it with the original's
settings: {n_feats} mel bins in and {n_class} outputs, the original's symbol set. It has
{params:noun(parameter)}. The study's own DeepSpeech2 runs use the same layers with {study_class} outputs (the
blank, the space, the letters and the digits) and far smaller widths (Chapter {ref.chapter_models}).

[[printout]]
"""

N_FEATS, N_CLASS = 128, 29  # the original's Appendix C: 128 mel bins, 29 outputs


def printout() -> tuple[str, int]:
    from semg_study.report.dissertation_inputs import deepspeech2_printout

    return deepspeech2_printout(N_FEATS, N_CLASS)


def parameters() -> int:
    return printout()[1]


def values(ctx) -> dict:
    from semg_study.text import VOCAB
    from semg_study.report.thesis.values import code, derived

    mod = "semg_study.chapters.dissertation.appendix_deepspeech2"
    return {"n_feats": Q(N_FEATS, "int", code(mod, "N_FEATS")), "n_class": Q(N_CLASS, "int", code(mod, "N_CLASS")),
            "params": Q(parameters(), "count", Source(f"call:{mod}", ("parameters",))),
            "study_class": Q(len(VOCAB.symbols), "int", derived("len", code("semg_study.text", "VOCAB", "symbols")))}


def blocks(ctx, ns) -> dict:
    return {"printout": lambda: [Code(printout()[0], source="semg_study.models.deepspeech2 (printed by PyTorch)")]}
