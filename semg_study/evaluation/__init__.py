"""Evaluation: corpus-level WER/CER (``metrics``), ``evaluate`` of a run, ``bench`` of inference speed."""
