"""Appendix: every training and decoding setting of the runs behind the results chapters, from their manifests,
written in words (a code value such as ``warmup_halving`` is printed as what it means, a ``0`` that switches a
setting off says so)."""
from __future__ import annotations

from typing import Any, Callable

from semg_study.report.thesis.common import TABLE_NAMES, join
from semg_study.report.thesis.values import DERIVED, Q, Source, derived

KIND = "appendix"
TEXT = """
# Training and Decoding Settings

The training and decoding sections of the resolved configuration of each run behind the results chapters,
read from the run manifests (closed vocabulary first, then open). Chapter {ref.chapter_models} gives the
architectures and Chapter {ref.chapter_protocol} the rules. A run trains at most its epoch ceiling; early
stopping with the patience shown usually ends it sooner (Appendix {ref.chapter_appendix_provenance} gives the
epochs each run trained).

[[train]]

[[decode]]
"""

SCHEDULES = {"warmup_halving": "warm-up, then halving", "constant": "constant", "onecycle": "one-cycle"}
METRICS = {"cer": "dev CER (greedy)", "wer": "dev WER (greedy)", "loss": "dev loss"}
LM_TEXTS = {"train+corpus": "training transcripts + corpus LM text", "train": "training transcripts",
            "corpus": "corpus LM text"}


def schedule_words(v: Any) -> str:
    return SCHEDULES.get(str(v), str(v))


def metric_words(v: Any) -> str:
    return METRICS.get(str(v), str(v))


def lm_text_words(v: Any) -> str:
    return LM_TEXTS.get(str(v), str(v))


def epochs_list(v: Any) -> str:
    """``[30, 45]`` -> ``"30, 45"``; an empty list: ``"none"``."""
    return ", ".join(str(x) for x in v) if v else "none"


def halvings_words(halvings: Any, ceiling: Any, schedule: Any) -> str:
    """``halve_at_epochs`` as it acts: the loop halves the rate from epoch ``e`` (counted from 0), so a halving
    at or beyond the epoch ceiling never happens, and only the warm-up-and-halving schedule reads the list."""
    listed = epochs_list(halvings)
    if not halvings:
        return listed
    if schedule != "warmup_halving":
        return f"{listed} (not used by this schedule)"
    late = [e for e in halvings if e >= ceiling]
    if not late:
        return listed
    if len(late) == len(halvings):
        return f"{listed} (none reached: all at or beyond the ceiling)"
    return f"{listed} ({epochs_list(late)} beyond the ceiling)"


def zero_off(v: Any) -> str:
    """A setting whose 0 switches it off (``warmup_batches``)."""
    return "0 (none)" if v == 0 else str(v)


def batch_samples_words(v: Any) -> str:
    """``batch_samples``: the batch budget in raw samples; 0: batches of ``batch_size`` utterances instead."""
    return "0 (not used)" if v == 0 else f"{v:,}"


def batch_size_words(size: Any, samples: Any) -> str:
    """``batch_size`` counts only when ``batch_samples`` is 0 (:mod:`semg_study.training.data`)."""
    return str(size) if samples == 0 else f"{size} (not used)"


def chunk_words(v: Any) -> str:
    """``chunk_frames``: training on chunks of that many output frames; 0: on whole utterances."""
    return "0 (whole utterances)" if v == 0 else str(v)


for _f in (schedule_words, metric_words, lm_text_words, epochs_list, halvings_words, zero_off, batch_samples_words,
           batch_size_words, chunk_words):
    DERIVED[_f.__name__] = _f

# (config key, row label, how the value is written: None = as its kind, or a derivation over the keys named)
Row = tuple[str, str, "tuple[Callable, tuple[str, ...]] | None"]
TRAIN_ROWS: tuple[Row, ...] = (
    ("epochs", "epoch ceiling", None),
    ("patience", "patience (epochs)", None),
    ("best_metric", "checkpoint chosen by", (metric_words, ("best_metric",))),
    ("lr", "learning rate", None),
    ("weight_decay", "weight decay", None),
    ("schedule", "learning-rate schedule", (schedule_words, ("schedule",))),
    ("warmup_batches", "warm-up batches", (zero_off, ("warmup_batches",))),
    ("halve_at_epochs", "halve the rate at epochs", (halvings_words, ("halve_at_epochs", "epochs", "schedule"))),
    ("batch_samples", "batch budget (raw samples)", (batch_samples_words, ("batch_samples",))),
    ("batch_size", "batch size (utterances)", (batch_size_words, ("batch_size", "batch_samples"))),
    ("chunk_frames", "training chunk (frames)", (chunk_words, ("chunk_frames",))),
    ("grad_clip", "gradient clipping (norm)", None),
    ("seed", "seed", None),
)
DECODE_ROWS: tuple[Row, ...] = (
    ("beam_size", "beam size (hypotheses)", None),
    ("lm_order", "LM order (n-gram)", None),
    ("lm_text", "LM text", (lm_text_words, ("lm_text",))),
    ("alpha", "LM weight (configured default)", None),
    ("beta", "word bonus (configured default)", None),
)
DECODER_WORDS = {"greedy": "greedy", "beam": "beam + LM"}


def _runs(r):
    from semg_study.chapters.dissertation.models import headline_runs

    out = []
    for vocabulary in ("closed", "open"):
        for model, run in headline_runs(r, vocabulary).items():
            if run not in [x.name for x in out]:
                out.append(r.runs[run])
    return out


def _cell(x, section: str, key: str, how) -> Any:
    values = x.data.get(section, {})
    v = values.get(key)
    if v is None:
        return ""
    if how is None:
        kind = "int" if isinstance(v, int) and not isinstance(v, bool) else "hyper" if isinstance(v, float) else "text"
        return Q(v, kind, Source(x.manifest, ("config", section, key)))
    func, keys = how
    if any(values.get(k) is None for k in keys):
        return ""
    return Q(func(*[values[k] for k in keys]), "text",
             derived(func.__name__, *[Source(x.manifest, ("config", section, k)) for k in keys]))


def _head(runs) -> list[str]:
    return ["setting"] + [f"{TABLE_NAMES.get(x.model, x.model)} ({x.vocabulary})" for x in runs]


def _decoders(r, run: str) -> str:
    """The decoders the results chapters report for ``run`` (from its scores)."""
    found = {s.decoder for s in r.scores if run in s.runs}
    return join([DECODER_WORDS[d] for d in ("greedy", "beam") if d in found]) or "none reported"


def _table(ctx, ns, name, section, rows_spec, caption, extra_rows=()):
    runs = _runs(ctx.r)
    if not runs:
        return []
    rows = [list(row) for row in extra_rows]
    for key, label, how in rows_spec:
        rows.append([label] + [_cell(x, section, key, how) for x in runs])
    return [ctx.table(name, caption, ns, _head(runs), rows, widths=[1.7] + [1.0] * len(runs))]


def blocks(ctx, ns) -> dict:
    def decode():
        runs = _runs(ctx.r)
        reported = [["decoders reported"] + [_decoders(ctx.r, x.name) for x in runs]] if runs else []
        return _table(ctx, ns, "decode", "decode", DECODE_ROWS,
                      "Decoding settings of each run (decode section of the run's configuration) and the decoders "
                      "its results are reported with: greedy decoding needs none of these settings. The configured "
                      "LM weight and word bonus are defaults: the beam search uses the weights chosen per run on "
                      "dev (Chapter {ref.chapter_protocol}).", extra_rows=reported)

    return {"train": lambda: _table(ctx, ns, "train", "train", TRAIN_ROWS,
                                    "Training settings of each run (train section of the run's configuration). A "
                                    "batch is filled up to the batch budget in raw samples when one is set, and "
                                    "otherwise holds batch-size utterances; a training chunk of zero frames trains "
                                    "on whole utterances. The rate halves from the listed epochs, counted from zero, "
                                    "so a halving at or beyond the epoch ceiling never happens."),
            "decode": decode}
