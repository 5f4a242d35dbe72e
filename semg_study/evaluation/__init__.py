"""Evaluation: corpus-level WER/CER (``metrics``), ``evaluate`` of a run, ``bench`` of inference speed."""
from semg_study.evaluation.bench import bench_run
from semg_study.evaluation.evaluate import evaluate_run
from semg_study.evaluation.metrics import (alignment_report, corpus_cer, corpus_wer, render_alignment, score,
                                           worst_utterances)

__all__ = ["alignment_report", "bench_run", "corpus_cer", "corpus_wer", "evaluate_run", "render_alignment",
           "score", "worst_utterances"]
