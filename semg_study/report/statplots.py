"""Statistical figures drawn with seaborn: per-utterance error distributions and differences.

matplotlib stays for the signal plots (notebooks 01, 02, 08); here seaborn is
the natural tool, since the figures summarise distributions (one point per
utterance or per seed) and intervals. Inputs are what the notebooks already
hold: evaluation metrics with their ``predictions.jsonl``, and table sidecars.
"""
from __future__ import annotations

import contextlib
import json
import re
import warnings
from pathlib import Path
from typing import Any, Iterator

from semg_study.report.figures import SYNTHETIC_LABEL


@contextlib.contextmanager
def _fixed_jitter(seed: int = 0) -> Iterator[None]:
    """seaborn's strip plots jitter their dots with numpy's global generator: seeded here (and put back
    after), so that the same data draw the same figure on every run of the study."""
    import numpy as np

    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def _title(text: str, synthetic: bool) -> str:
    return f"{text} ({SYNTHETIC_LABEL})" if synthetic else text


def utterance_errors(metrics: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per utterance and decoder: ``{"decoder", "utterance", "WER %"}`` from each ``predictions.jsonl``."""
    from semg_study.evaluation.metrics import score

    rows = []
    for decoder, m in metrics.items():
        path = Path(m["predictions"])
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        scored = score([r["reference"] for r in lines], [r["hypothesis"] for r in lines], [r["id"] for r in lines])
        rows += [{"decoder": decoder, "utterance": u.id, "WER %": 100.0 * u.wer} for u in scored.utterances]
    return rows


DECODER_LABELS = {"greedy": "greedy", "beam": "beam + LM"}


def _shared(metrics: dict[str, dict[str, Any]], key: str) -> str | None:
    """The value of ``key`` all decoders' metrics agree on (split, mode, condition), else None."""
    values = {m.get(key) for m in metrics.values()}
    return next(iter(values)) if len(values) == 1 and None not in values else None


def plot_utterance_errors(metrics: dict[str, dict[str, Any]], synthetic: bool = True, title: str = "MyoStream"):
    """Distribution of per-utterance WER for each decoder: a box per decoder, every utterance as a dot.
    Decoders are labelled as the study names them ("beam" is beam search with the word LM: "beam + LM");
    the split, EMG mode and vocabulary the metrics record go into the axis label and title."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from semg_study.report.thesis.figures import model_colour

    data = pd.DataFrame(utterance_errors(metrics))
    if not data.empty:
        data["decoder"] = [DECODER_LABELS.get(d, d) for d in data["decoder"]]
    colour = model_colour(title)
    fig, ax = plt.subplots(figsize=(5.4, 2.8))
    if not data.empty:
        with warnings.catch_warnings():
            # seaborn 0.13.2 still passes matplotlib's deprecated ``vert``: its warning, not ours
            warnings.simplefilter("ignore", category=DeprecationWarning)
            warnings.filterwarnings("ignore", message="vert: bool was deprecated")
            sns.boxplot(data=data, x="WER %", y="decoder", ax=ax, color="#e6e6e6", fliersize=0)
        with _fixed_jitter():
            sns.stripplot(data=data, x="WER %", y="decoder", ax=ax, color=colour, size=3.5, alpha=0.7, jitter=0.2)
    split, mode, vocabulary = _shared(metrics, "split"), _shared(metrics, "mode"), _shared(metrics, "condition")
    what = " ".join(w for w in (split, "utterance") if w)
    ax.set_xlabel(f"WER per {what} (%)" + (f", {mode} EMG" if mode else ""), fontsize=9)
    ax.set_ylabel("decoder", fontsize=9)
    ax.tick_params(labelsize=8)
    head = f"{title}" + (f", {vocabulary} vocabulary" if vocabulary else "")
    ax.set_title(_title(f"{head}: WER per utterance", synthetic), fontsize=9)
    fig.tight_layout()
    return fig


def _per_seed(text: Any) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", str(text or ""))]


def ablation_differences(table: dict[str, Any], metric: str = "WER") -> list[dict[str, Any]]:
    """Per seed, each variant's error rate minus the full model's (points), from the ablation sidecar."""
    rows = [r["values"] for r in table.get("rows", [])]
    full = next((r for r in rows if str(r.get("variant")) == "full model"), None)
    if full is None:
        return []
    base = _per_seed(full.get(f"{metric} % per seed"))
    out = []
    for row in rows:
        if row is full:
            continue
        for i, (v, b) in enumerate(zip(_per_seed(row.get(f"{metric} % per seed")), base)):
            out.append({"variant": str(row.get("variant")), "seed": i, "difference (points)": v - b})
    return out


def plot_differences(table: dict[str, Any], synthetic: bool = True):
    """Differences with their spread: a comparison table's differences and 95% CIs, or an ablation table's
    per-seed differences against the full model (mean and standard deviation over seeds, each seed a dot)."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    rows = [r["values"] for r in table.get("rows", [])]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * max(len(rows), 3) + 1.6))
    if rows and "comparison" in rows[0]:
        data = pd.DataFrame([{"label": f"{r['comparison']} ({r.get('metric', '')})",
                              "d": r.get("difference (points)"), "lo": r.get("difference CI low"),
                              "hi": r.get("difference CI high"), "verdict": r.get("verdict", "")} for r in rows])
        sns.scatterplot(data=data, x="d", y="label", hue="verdict", ax=ax, s=60, zorder=3)
        has_ci = data["lo"].notna() & data["hi"].notna()
        ax.hlines(data.loc[has_ci, "label"], data.loc[has_ci, "lo"], data.loc[has_ci, "hi"], color="#555555")
        ax.set_xlabel("difference (points), 95% CI")
        title = "Comparisons"
    else:
        data = pd.DataFrame(ablation_differences(table))
        if not data.empty:
            sns.pointplot(data=data, x="difference (points)", y="variant", errorbar="sd", linestyle="none",
                          color="#d1495b", capsize=0.2, ax=ax)
            with _fixed_jitter():
                sns.stripplot(data=data, x="difference (points)", y="variant", color="k", size=4, ax=ax)
        ax.set_xlabel("test WER, variant minus full model, same seed (points); mean ± std, dots: seeds")
        title = "Ablations: WER change with one component off"
    ax.axvline(0, color="#999999", linewidth=1)
    ax.set_ylabel("")
    ax.set_title(_title(title, synthetic))
    fig.tight_layout()
    return fig
