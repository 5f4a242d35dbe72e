"""Chapter 03's figure, drawn from what its runner returns (never from typed numbers)."""
from __future__ import annotations

import numpy as np

from semg_study.report.figures import synthetic_title


def plot_table31(exp, synthetic: bool = True):
    """Regenerated WER per Table 3.1 row (greedy, beam + LM) beside the quoted original WER."""
    import matplotlib.pyplot as plt

    rows = exp.rows
    labels = [r["model"] for r in rows]
    # "WER % (greedy)", "WER % (beam + LM)" (their CI bounds are drawn as error bars)
    series = [k for k in rows[0] if k.startswith("WER % (") and "CI" not in k]
    original_key = next(k for k in rows[0] if k.startswith("WER % original"))
    x = np.arange(len(rows))
    width = 0.8 / (len(series) + 1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for i, key in enumerate(series):
        vals = np.array([r[key] if r[key] is not None else np.nan for r in rows], dtype=float)
        low = np.array([r.get(f"{key} CI low") if r.get(f"{key} CI low") is not None else np.nan for r in rows])
        high = np.array([r.get(f"{key} CI high") if r.get(f"{key} CI high") is not None else np.nan for r in rows])
        err = np.vstack([np.clip(vals - low, 0, None), np.clip(high - vals, 0, None)])
        ax.bar(x + i * width, vals, width, yerr=np.nan_to_num(err), capsize=3,
               label=f"this study, {key[len('WER % ('):-1]} (95 % CI)")
    orig = [r[original_key] if isinstance(r[original_key], (int, float)) else np.nan for r in rows]
    ax.bar(x + len(series) * width, orig, width, color="0.6", hatch="//",
           label="original (dissertation, defective code), quoted")
    for xi, r in zip(x, rows):
        if not isinstance(r[original_key], (int, float)):
            ax.text(xi + len(series) * width, 1, "none\nreported", ha="center", fontsize=7)
    ax.set_xticks(x + width * len(series) / 2, labels, fontsize=8)
    ax.set_ylabel("WER (%)")
    top = np.nanmax([*(r[k] for r in rows for k in series if r[k] is not None), *orig, 100.0])
    ax.set_ylim(0, 1.3 * top)
    ax.set_title(synthetic_title("Table 3.1 regenerated: DeepSpeech2 on audio, test WER", synthetic))
    ax.legend(fontsize=8, loc="upper center", ncol=3)
    fig.tight_layout()
    return fig

