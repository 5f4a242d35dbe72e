"""Evaluation: corpus-level WER/CER (``metrics``), ``evaluate`` of a run, ``latency`` of its inference."""
from semg_study.evaluation.evaluate import evaluate_run
from semg_study.evaluation.latency import measure_latency
from semg_study.evaluation.metrics import (alignment_report, corpus_cer, corpus_wer, render_alignment, score,
                                           worst_utterances)

__all__ = ["alignment_report", "corpus_cer", "corpus_wer", "evaluate_run", "measure_latency", "render_alignment",
           "score", "worst_utterances"]
