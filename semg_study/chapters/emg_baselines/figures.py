"""Chapter 04's figure, drawn from what its runner returns."""
from __future__ import annotations

import numpy as np

from semg_study.report.figures import synthetic_title


def plot_emg_baselines(exp, synthetic: bool = True):
    """WER and CER bars per model and condition, silent against voiced evaluation."""
    import matplotlib.pyplot as plt

    groups = []
    for r in exp.rows:
        key = (r["model"], r["condition"])
        if key not in groups:
            groups.append(key)
    modes = sorted({r["evaluated on"] for r in exp.rows})
    # one decoder per bar: the beam search + LM when the table has it
    decoders = {r.get("decoder", "greedy") for r in exp.rows}
    decoder = next((d for d in decoders if d != "greedy"), "greedy")
    rows = [r for r in exp.rows if r.get("decoder", "greedy") == decoder]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=False)
    x = np.arange(len(groups))
    width = 0.8 / len(modes)
    for ax, metric in zip(axes, ("WER %", "CER %")):
        for i, mode in enumerate(modes):
            vals = []
            for g in groups:
                hit = [r[metric] for r in rows if (r["model"], r["condition"]) == g and r["evaluated on"] == mode]
                vals.append(float(np.mean(hit)) if hit else np.nan)
            ax.bar(x + i * width, vals, width, label=f"evaluated on {mode} EMG")
        ax.set_xticks(x + width * (len(modes) - 1) / 2, [f"{m}\n{c} vocabulary" for m, c in groups], fontsize=7)
        ax.set_ylabel(metric.replace(" %", " (%)"))
        ax.set_title(f"{metric.split()[0]} on test ({decoder})")
    axes[0].legend(fontsize=8)
    fig.suptitle(synthetic_title("EMG baselines per condition and evaluation mode", synthetic))
    fig.tight_layout()
    return fig

