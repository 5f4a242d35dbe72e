"""Appendix: every training and decoding setting of the runs behind the results chapters, from their manifests."""
from __future__ import annotations

from semg_study.report.thesis.chapters.common import TABLE_NAMES
from semg_study.report.thesis.values import Q, Source

KIND = "appendix"
TEXT = """
# Training and Decoding Settings

The training and decoding sections of the resolved configuration of each run behind the results chapters,
read from the run manifests (closed vocabulary first, then open). Chapter {ref.chapter_models} gives the
architectures and Chapter {ref.chapter_protocol} the rules.

[[train]]

[[decode]]
"""

TRAIN_KEYS = ("epochs", "patience", "best_metric", "lr", "weight_decay", "schedule", "warmup_batches",
              "halve_at_epochs", "batch_samples", "batch_size", "chunk_frames", "grad_clip", "seed")
DECODE_KEYS = ("method", "beam_size", "lm_order", "lm_text", "alpha", "beta")


def _runs(r):
    from semg_study.report.thesis.chapters.models import headline_runs

    out = []
    for vocabulary in ("closed", "open"):
        for model, run in headline_runs(r, vocabulary).items():
            if run not in [x.name for x in out]:
                out.append(r.runs[run])
    return out


def _table(ctx, ns, name, section, keys, caption):
    runs = _runs(ctx.r)
    if not runs:
        return []
    head = ["setting"] + [f"{TABLE_NAMES.get(x.model, x.model)} ({x.vocabulary})" for x in runs]
    rows = []
    for k in keys:
        row = [k.replace("_", " ")]
        for x in runs:
            v = x.data.get(section, {}).get(k)
            if v is None:
                row.append("")
                continue
            kind = "int" if isinstance(v, int) and not isinstance(v, bool) else "hyper" if isinstance(v, float) else "text"
            row.append(Q(v, kind, Source(x.manifest, ("config", section, k))))
        rows.append(row)
    return [ctx.table(name, caption, ns, head, rows)]


def blocks(ctx, ns) -> dict:
    return {"train": lambda: _table(ctx, ns, "train", "train", TRAIN_KEYS,
                                    "Training settings of each run (train section of the run's configuration)."),
            "decode": lambda: _table(ctx, ns, "decode", "decode", DECODE_KEYS,
                                     "Decoding settings of each run (decode section of the run's configuration). The "
                                     "configured alpha and beta are defaults: the beam search uses the weights chosen "
                                     "per run on dev (Chapter {ref.chapter_protocol}).")}
